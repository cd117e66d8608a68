//! Handshakes at every version, with and without compression, and version
//! negotiation exactly as CLIENTS.md describes.

use sibyl_protocol::response::{ErrorKind, Response, ResultBody};
use sibyl_protocol::{Compression, Version};

use crate::client::{RawClient, expect_error};
use crate::node::SibylProcess;

#[test]
fn every_version_and_compression_completes_the_handshake_and_queries() {
    let node = SibylProcess::start(&["--smp", "2"]);
    for version in [Version::V3, Version::V4, Version::V5] {
        let mut compressions = vec![None, Some(Compression::Lz4)];
        if version < Version::V5 {
            compressions.push(Some(Compression::Snappy));
        }
        for compression in compressions {
            let mut client = RawClient::connect(node.native, version);
            let supported = client.handshake(compression);
            assert_eq!(
                supported.get("CQL_VERSION"),
                Some(&["3.4.7".to_owned()][..])
            );
            assert_eq!(
                supported.get("COMPRESSION"),
                Some(&["lz4".to_owned(), "snappy".to_owned()][..])
            );
            // Statements after the handshake travel compressed/segmented:
            // a result with rows, and a well-formed error.
            let reply = client.query(7, "SELECT * FROM system.local WHERE key='local'");
            assert_eq!(reply.header.stream, 7);
            assert_eq!(reply.header.version, version);
            match &reply.response {
                Response::Result(ResultBody::Rows(rows)) => {
                    assert_eq!(rows.rows_count, 1, "{version:?} {compression:?}")
                }
                other => panic!("expected one row from system.local, got {other:?}"),
            }
            let reply = client.query(8, "SELECT * FROM no_such_keyspace.t");
            assert_eq!(
                expect_error(&reply).kind,
                ErrorKind::Invalid,
                "{version:?} {compression:?}"
            );
            // OPTIONS keeps working after STARTUP (drivers use it as a heartbeat).
            client.send(9, &sibyl_protocol::request::Request::Options);
            assert!(matches!(
                client.recv().expect("reply").response,
                Response::Supported(_)
            ));
        }
    }
}

#[test]
fn unsupported_versions_get_protocol_error_in_v4_framing_then_close() {
    let node = SibylProcess::start(&["--smp", "1"]);
    for version_byte in [0x42u8, 0x41, 0x06, 0x02, 0x01] {
        let mut client = RawClient::connect(node.native, Version::V4);
        // OPTIONS with the raw version byte, stream 5.
        client.send_raw(&[version_byte, 0, 0, 5, 0x05, 0, 0, 0, 0]);
        let reply = client.recv().expect("an error reply before close");
        assert_eq!(reply.header.version, Version::V4);
        assert!(reply.header.is_response);
        assert_eq!(reply.header.stream, 5);
        let error = expect_error(&reply);
        assert_eq!(error.kind, ErrorKind::ProtocolError);
        let expected = format!(
            "Invalid or unsupported protocol version ({})",
            version_byte & 0x7F
        );
        assert!(error.message.contains(&expected), "{}", error.message);
        assert!(
            error
                .message
                .to_lowercase()
                .contains("unsupported protocol version")
        );
        assert!(client.is_closed_by_server());
    }
}

#[test]
fn startup_validates_its_options_like_cassandra() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("COMPRESSION", "lz4")], "Missing value CQL_VERSION"),
        (
            &[("CQL_VERSION", "3.0.0"), ("COMPRESSION", "zstd")],
            "Unknown compression algorithm: zstd",
        ),
        (
            &[
                ("CQL_VERSION", "4.0.0"),
                ("CLIENT_ID", "x"),
                ("NO_COMPACT", "true"),
            ],
            "",
        ),
    ];
    for (options, error) in cases {
        let mut client = RawClient::connect(node.native, Version::V4);
        let startup = sibyl_protocol::request::Startup {
            options: options.to_vec(),
        };
        client.send(3, &sibyl_protocol::request::Request::Startup(startup));
        let reply = client.recv().expect("reply");
        if error.is_empty() {
            assert!(
                matches!(reply.response, Response::Ready),
                "{:?}",
                reply.response
            );
        } else {
            let e = expect_error(&reply);
            assert_eq!(e.kind, ErrorKind::ProtocolError);
            assert!(e.message.contains(error), "{}", e.message);
        }
    }
    // v5 segments carry only lz4.
    let mut client = RawClient::connect(node.native, Version::V5);
    let startup = sibyl_protocol::request::Startup {
        options: vec![("CQL_VERSION", "3.0.0"), ("COMPRESSION", "snappy")],
    };
    client.send(3, &sibyl_protocol::request::Request::Startup(startup));
    assert_eq!(
        expect_error(&client.recv().expect("reply")).kind,
        ErrorKind::ProtocolError
    );
}

#[test]
fn register_and_statements_before_startup_are_refused_but_the_connection_survives() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    let reply = client.query(2, "SELECT now() FROM system.local");
    let error = expect_error(&reply);
    assert_eq!(error.kind, ErrorKind::ProtocolError);
    assert!(
        error.message.contains("expecting STARTUP or OPTIONS"),
        "{}",
        error.message
    );
    client.handshake(None);
    let register = sibyl_protocol::request::Register {
        events: vec!["SCHEMA_CHANGE", "STATUS_CHANGE", "TOPOLOGY_CHANGE"],
    };
    client.send(4, &sibyl_protocol::request::Request::Register(register));
    assert!(matches!(
        client.recv().expect("READY").response,
        Response::Ready
    ));
    let bad = sibyl_protocol::request::Register {
        events: vec!["NOT_AN_EVENT"],
    };
    client.send(5, &sibyl_protocol::request::Request::Register(bad));
    assert_eq!(
        expect_error(&client.recv().expect("error")).kind,
        ErrorKind::ProtocolError
    );
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut node = SibylProcess::start(&["--smp", "2"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(None);
    let status = node.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert!(client.is_closed_by_server());
    let log = node.drain_log().join("\n");
    assert!(log.contains("shutdown complete"), "{log}");
}
