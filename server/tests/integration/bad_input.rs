//! Bad input gets a protocol error (0x000A) or a clean close, and never hurts
//! other connections: after each case a fresh connection handshakes fine.

use std::io::Write;

use sibyl_protocol::response::{ErrorKind, Response};
use sibyl_protocol::{Compression, Version};

use crate::client::{RawClient, expect_error, query};
use crate::node::SibylProcess;

fn healthy(node: &SibylProcess) {
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(Some(Compression::Lz4));
    let reply = client.query(1, "SELECT * FROM system.local");
    assert!(
        matches!(reply.response, Response::Result(_)),
        "{:?}",
        reply.response
    );
}

#[test]
fn garbage_bytes_get_a_protocol_error_and_a_close() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.send_raw(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let reply = client.recv().expect("error reply");
    assert_eq!(expect_error(&reply).kind, ErrorKind::ProtocolError);
    assert!(client.is_closed_by_server());
    healthy(&node);
}

#[test]
fn a_truncated_frame_followed_by_close_is_dropped_quietly() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    let frame = client.frame(1, &query("SELECT * FROM system.local"));
    client.send_raw(&frame[..frame.len() - 5]);
    drop(client);
    healthy(&node);
}

#[test]
fn an_oversized_frame_is_refused_before_it_is_read() {
    let node = SibylProcess::start(&["--smp", "1", "--native-transport-max-frame-size-in-mb", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(None);
    // Header announcing 2 MiB; the body never needs to arrive.
    let mut header = vec![0x04, 0, 0, 9, 0x07];
    header.extend_from_slice(&(2u32 << 20).to_be_bytes());
    client.send_raw(&header);
    let reply = client.recv().expect("error reply");
    let error = expect_error(&reply);
    assert_eq!(error.kind, ErrorKind::ProtocolError);
    assert!(
        error.message.contains("Request is too big"),
        "{}",
        error.message
    );
    assert_eq!(reply.header.stream, 9);
    assert!(client.is_closed_by_server());
    healthy(&node);
}

#[test]
fn an_unknown_opcode_gets_a_protocol_error() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(None);
    client.send_raw(&[0x04, 0, 0, 4, 0x55, 0, 0, 0, 0]);
    let reply = client.recv().expect("error reply");
    assert_eq!(expect_error(&reply).kind, ErrorKind::ProtocolError);
    assert_eq!(reply.header.stream, 4);
    healthy(&node);
}

#[test]
fn an_unparsable_body_gets_a_protocol_error_and_the_connection_goes_on() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(None);
    // QUERY whose [long string] claims 1000 bytes but the body has 3.
    let mut frame = vec![0x04, 0, 0, 6, 0x07, 0, 0, 0, 7];
    frame.extend_from_slice(&[0, 0, 0x03, 0xE8, b'a', b'b', b'c']);
    client.send_raw(&frame);
    let reply = client.recv().expect("error reply");
    let error = expect_error(&reply);
    assert_eq!(error.kind, ErrorKind::ProtocolError);
    assert!(error.message.contains("QUERY"), "{}", error.message);
    // Same connection, next request: still served.
    client.send(8, &sibyl_protocol::request::Request::Options);
    assert!(matches!(
        client.recv().expect("SUPPORTED").response,
        Response::Supported(_)
    ));
    healthy(&node);
}

#[test]
fn a_compressed_frame_without_negotiated_compression_is_refused() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    client.handshake(None);
    let mut frame = client.frame(3, &query("SELECT 1"));
    frame[1] |= 0x01;
    client.send_raw(&frame);
    let error = client.recv().expect("error reply");
    assert_eq!(expect_error(&error).kind, ErrorKind::ProtocolError);
    assert!(expect_error(&error).message.contains("compression"));
    healthy(&node);
}

#[test]
fn a_corrupt_v5_segment_closes_only_that_connection() {
    let node = SibylProcess::start(&["--smp", "1"]);
    let mut client = RawClient::connect(node.native, Version::V5);
    client.handshake(None);
    let mut bytes = client.frame(2, &query("SELECT 1"));
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF; // break the payload CRC32
    client.send_raw(&bytes);
    assert!(client.is_closed_by_server());
    healthy(&node);
}

#[test]
fn a_client_that_vanishes_mid_stream_does_not_disturb_others() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let mut steady = RawClient::connect(node.native, Version::V4);
    steady.handshake(None);
    for _ in 0..20 {
        let mut flaky = RawClient::connect(node.native, Version::V4);
        flaky.handshake(None);
        let frame = flaky.frame(1, &query("SELECT * FROM system.local"));
        let mut burst = Vec::new();
        for _ in 0..50 {
            burst.extend_from_slice(&frame);
        }
        flaky.send_raw(&burst);
        drop(flaky);
    }
    let reply = steady.query(3, "SELECT * FROM system.local");
    assert!(
        matches!(reply.response, Response::Result(_)),
        "{:?}",
        reply.response
    );
    let _ = std::io::stdout().flush();
}
