//! The transport run in-process with a processor whose statements take chosen
//! times: many streams on one connection run concurrently and are answered as
//! they finish, the in-flight bound makes the reader wait, and events reach
//! the connections that registered for them, on stream -1.

use std::net::SocketAddr;
use std::time::Duration;

use sibyl_protocol::Version;
use sibyl_protocol::request::{Batch, Execute, Prepare, Query};
use sibyl_protocol::request::{Register, Request};
use sibyl_protocol::response::{
    Event, Response, SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChange,
};
use sibyl_server::cql3::{CqlError, ProcessorResponse, QueryProcessor, RequestContext};
use sibyl_server::dht::Sharder;
use sibyl_server::shard::StopSignal;
use sibyl_server::transport::{
    Handoff, ShardTransport, TransportConfig, bind_listeners, serve_shard,
};

use crate::client::{RawClient, expect_error};

/// `QUERY 'sleep N'` answers after N milliseconds with an error naming N.
struct SleepyProcessor;

impl QueryProcessor for SleepyProcessor {
    async fn query(&self, _ctx: &RequestContext<'_>, query: &Query<'_>) -> ProcessorResponse {
        let ms: u64 = query
            .query
            .trim_start_matches("sleep ")
            .parse()
            .unwrap_or(0);
        glommio::timer::sleep(Duration::from_millis(ms)).await;
        ProcessorResponse::error(CqlError::invalid(format!("slept {ms}")))
    }
    async fn prepare(&self, _ctx: &RequestContext<'_>, _p: &Prepare<'_>) -> ProcessorResponse {
        ProcessorResponse::error(CqlError::invalid("no"))
    }
    async fn execute(&self, _ctx: &RequestContext<'_>, _e: &Execute<'_>) -> ProcessorResponse {
        ProcessorResponse::error(CqlError::invalid("no"))
    }
    async fn batch(&self, _ctx: &RequestContext<'_>, _b: &Batch<'_>) -> ProcessorResponse {
        ProcessorResponse::error(CqlError::invalid("no"))
    }
}

struct InProcessServer {
    addr: SocketAddr,
    stop: flume::Sender<()>,
    events: flume::Sender<Event>,
    handle: Option<glommio::ExecutorJoinHandle<()>>,
}

impl InProcessServer {
    fn start(max_in_flight: usize) -> Self {
        let mut config = TransportConfig::new("127.0.0.1:0".parse().unwrap(), None);
        config.max_in_flight_per_connection = max_in_flight;
        let mut listeners = bind_listeners(&mut config, 1).expect("bind");
        let addr = config.address;
        let listeners = listeners.per_shard.pop().expect("one shard");
        let handoff = Handoff::build(1).pop().expect("one shard");
        let (stop_tx, stop_rx) = flume::bounded::<()>(1);
        let (events_tx, events_rx) = flume::bounded::<Event>(16);
        let handle = glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            .io_memory(512 << 10)
            .spawn(move || async move {
                let stop = StopSignal::new();
                let transport = ShardTransport::new(
                    0,
                    Sharder::new(1, 12),
                    config,
                    SleepyProcessor,
                    stop.clone(),
                    std::rc::Rc::new(sibyl_server::transport::EventRegistry::default()),
                );
                let publisher = transport.clone();
                glommio::spawn_local(async move {
                    while let Ok(event) = events_rx.recv_async().await {
                        publisher.events.publish(&event);
                    }
                })
                .detach();
                glommio::spawn_local(async move {
                    let _ = stop_rx.recv_async().await;
                    stop.stop();
                })
                .detach();
                serve_shard(transport, listeners, handoff).await;
            })
            .expect("executor");
        Self {
            addr,
            stop: stop_tx,
            events: events_tx,
            handle: Some(handle),
        }
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

fn send_all(client: &mut RawClient, requests: &[(i16, &str)]) -> Vec<(i16, String)> {
    let mut burst = Vec::new();
    for (stream, text) in requests {
        burst.extend(client.frame(*stream, &crate::client::query(text)));
    }
    client.send_raw(&burst);
    (0..requests.len())
        .map(|_| {
            let reply = client.recv().expect("reply");
            (reply.header.stream, expect_error(&reply).message.clone())
        })
        .collect()
}

#[test]
fn concurrent_requests_are_answered_as_they_finish() {
    let server = InProcessServer::start(64);
    let mut client = RawClient::connect(server.addr, Version::V4);
    client.handshake(None);
    let replies = send_all(
        &mut client,
        &[(1, "sleep 400"), (2, "sleep 0"), (3, "sleep 150")],
    );
    let order: Vec<i16> = replies.iter().map(|(s, _)| *s).collect();
    assert_eq!(order, vec![2, 3, 1], "{replies:?}");
    assert_eq!(replies[2].1, "slept 400");
}

#[test]
fn hundreds_of_streams_each_get_exactly_one_answer() {
    let server = InProcessServer::start(128);
    for version in [Version::V4, Version::V5] {
        let mut client = RawClient::connect(server.addr, version);
        client.handshake(Some(sibyl_protocol::Compression::Lz4));
        let texts: Vec<String> = (0..500)
            .map(|i| format!("sleep {}", (i * 7) % 23))
            .collect();
        let requests: Vec<(i16, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as i16 + 1, t.as_str()))
            .collect();
        let mut streams: Vec<i16> = send_all(&mut client, &requests)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        streams.sort_unstable();
        assert_eq!(streams, (1..=500).collect::<Vec<i16>>());
    }
}

#[test]
fn the_in_flight_bound_makes_the_connection_wait() {
    // With one request in flight, the second is not even read until the first
    // is done, so answers come back in request order.
    let server = InProcessServer::start(1);
    let mut client = RawClient::connect(server.addr, Version::V4);
    client.handshake(None);
    let replies = send_all(
        &mut client,
        &[(1, "sleep 200"), (2, "sleep 0"), (3, "sleep 50")],
    );
    let order: Vec<i16> = replies.iter().map(|(s, _)| *s).collect();
    assert_eq!(order, vec![1, 2, 3]);
}

#[test]
fn events_go_on_stream_minus_one_to_registered_connections_only() {
    let server = InProcessServer::start(8);
    let mut schema_only = RawClient::connect(server.addr, Version::V4);
    schema_only.handshake(None);
    schema_only.send(
        2,
        &Request::Register(Register {
            events: vec!["SCHEMA_CHANGE"],
        }),
    );
    assert!(matches!(
        schema_only.recv().expect("READY").response,
        Response::Ready
    ));
    let mut v5_status = RawClient::connect(server.addr, Version::V5);
    v5_status.handshake(Some(sibyl_protocol::Compression::Lz4));
    v5_status.send(
        2,
        &Request::Register(Register {
            events: vec!["STATUS_CHANGE", "SCHEMA_CHANGE"],
        }),
    );
    assert!(matches!(
        v5_status.recv().expect("READY").response,
        Response::Ready
    ));

    let schema_change = Event::SchemaChange(SchemaChange {
        change: SchemaChangeType::Created,
        target: SchemaChangeTarget::Table {
            keyspace: "ks".into(),
            table: "t".into(),
        },
    });
    let status = Event::StatusChange {
        change: StatusChange::Down,
        address: "127.0.0.2:9042".parse().unwrap(),
    };
    server.events.send(status.clone()).unwrap();
    server.events.send(schema_change.clone()).unwrap();

    for (client, expected) in [
        (&mut v5_status, vec![status, schema_change.clone()]),
        (&mut schema_only, vec![schema_change]),
    ] {
        for event in expected {
            let reply = client.recv().expect("event");
            assert_eq!(reply.header.stream, -1);
            assert_eq!(reply.response, Response::Event(event));
        }
    }
    // Nothing else was queued for the schema-only connection: a request now
    // gets its own answer next, not a STATUS_CHANGE.
    schema_only.send(5, &Request::Options);
    assert_eq!(schema_only.recv().expect("reply").header.stream, 5);
}
