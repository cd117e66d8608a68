//! The ScyllaDB Rust driver (what latte and sibyl-stress use) against the
//! real binary: it must negotiate v4, read SUPPORTED with the shard-aware
//! keys, open its connections, and get the server's clean error for queries,
//! not a hang or a protocol failure.

use std::time::Duration;

use crate::node::SibylProcess;

#[test]
fn rust_driver_gets_a_clean_server_error_on_its_first_query() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(30),
            scylla::client::session_builder::SessionBuilder::new()
                .known_node_addr(node.native)
                .connection_timeout(Duration::from_secs(5))
                .build(),
        )
        .await
    });
    let error = match result {
        Err(_) => panic!("the Rust driver hung instead of getting an answer"),
        // The driver tolerates failed metadata reads; its first own query
        // must then get the server's error.
        Ok(Ok(session)) => runtime.block_on(async {
            match session
                .query_unpaged("SELECT * FROM system.local", ())
                .await
            {
                Ok(_) => panic!("a query cannot succeed before CQL execution exists"),
                Err(error) => format!("{error:?}"),
            }
        }),
        Ok(Err(error)) => format!("{error:?}"),
    };
    // The server's own answer reached the driver (Invalid, code 0x2200).
    assert!(error.contains("not implemented yet"), "{error}");
    let log = node.drain_log().join("\n");
    assert!(
        !log.contains("protocol error"),
        "the driver tripped a protocol error:\n{log}"
    );
}
