//! A blocking CQL client speaking raw frames through the protocol crate, for
//! poking at the server the way no polite driver would.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use sibyl_protocol::frame::segment::{SegmentCodec, read_segment, write_frames};
use sibyl_protocol::frame::{FrameFlags, FrameTarget, HEADER_LEN, ResponseExtras, encode_frame};
use sibyl_protocol::request::{Query, QueryParameters, Request, Startup};
use sibyl_protocol::response::{ErrorResponse, Response, Supported};
use sibyl_protocol::{Compression, FrameHeader, Version};

pub struct RawClient {
    stream: TcpStream,
    pub version: Version,
    compression: Option<Compression>,
    segments: Option<SegmentCodec>,
    raw: Vec<u8>,
    frames: Vec<u8>,
}

#[allow(dead_code)] // extras are read by tests as needed
pub struct Reply {
    pub header: FrameHeader,
    pub extras: ResponseExtras,
    pub response: Response,
}

impl RawClient {
    pub fn connect(addr: SocketAddr, version: Version) -> Self {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        Self::from_stream(stream, version)
    }

    /// Connects from a chosen local port (for the shard-aware port).
    pub fn connect_from(
        addr: SocketAddr,
        source_port: u16,
        version: Version,
    ) -> std::io::Result<Self> {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        let local: SocketAddr = SocketAddr::new(addr.ip(), source_port);
        socket.bind(&local.into())?;
        socket.connect_timeout(&addr.into(), Duration::from_secs(5))?;
        Ok(Self::from_stream(socket.into(), version))
    }

    fn from_stream(stream: TcpStream, version: Version) -> Self {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            stream,
            version,
            compression: None,
            segments: None,
            raw: Vec::new(),
            frames: Vec::new(),
        }
    }

    /// Encodes a request frame in this connection's current framing.
    pub fn frame(&self, stream_id: i16, request: &Request<'_>) -> Vec<u8> {
        let compression = match request {
            Request::Startup(_) | Request::Options => None,
            _ if self.version >= Version::V5 => None,
            _ => self.compression,
        };
        let target = FrameTarget {
            version: self.version,
            is_response: false,
            stream: stream_id,
            compression,
        };
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        encode_frame(
            &mut out,
            &mut scratch,
            target,
            request.opcode(),
            &ResponseExtras::NONE,
            false,
            |out| request.encode(self.version, out),
        );
        self.wrap(out)
    }

    /// Wraps whole frames into segments once v5 framing is on.
    pub fn wrap(&self, frames: Vec<u8>) -> Vec<u8> {
        match self.segments {
            None => frames,
            Some(codec) => {
                let ends = frame_ends(&frames);
                let mut wire = Vec::new();
                write_frames(&mut wire, codec, &frames, &ends);
                wire
            }
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    pub fn send(&mut self, stream_id: i16, request: &Request<'_>) {
        let bytes = self.frame(stream_id, request);
        self.send_raw(&bytes);
    }

    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
            Err(e) => panic!("read failed: {e}"),
        }
    }

    /// The next response frame, or `None` if the server closed the connection.
    pub fn recv(&mut self) -> Option<Reply> {
        loop {
            if let Some(codec) = self.segments {
                while let Some((segment, used)) =
                    read_segment(&self.raw, codec).expect("valid segment")
                {
                    self.raw.drain(..used);
                    self.frames.extend_from_slice(&segment.payload);
                }
            } else {
                self.frames.append(&mut self.raw);
            }
            if let Some(reply) = self.take_frame() {
                return Some(reply);
            }
            if !self.fill() {
                return None;
            }
        }
    }

    fn take_frame(&mut self) -> Option<Reply> {
        let head: &[u8; HEADER_LEN] = self.frames.first_chunk()?;
        let header = FrameHeader::parse(head).expect("response header");
        let end = HEADER_LEN + header.length as usize;
        if self.frames.len() < end {
            return None;
        }
        let body: Vec<u8> = self.frames.drain(..end).skip(HEADER_LEN).collect();
        let body = if header.flags.has(FrameFlags::COMPRESSION) {
            self.compression
                .expect("compressed reply without compression")
                .decompress(&body, 1 << 30)
                .expect("decompress")
        } else {
            body
        };
        let (extras, message) = ResponseExtras::decode(&header, &body).expect("extras");
        let response =
            Response::decode(header.version, header.opcode, message).expect("response body");
        Some(Reply {
            header,
            extras,
            response,
        })
    }

    pub fn options(&mut self) -> Supported {
        self.send(0, &Request::Options);
        match self.recv().expect("SUPPORTED").response {
            Response::Supported(s) => s,
            other => panic!("expected SUPPORTED, got {other:?}"),
        }
    }

    /// OPTIONS, then STARTUP with the given compression; expects READY.
    pub fn handshake(&mut self, compression: Option<Compression>) -> Supported {
        let supported = self.options();
        let mut options = vec![("CQL_VERSION", "3.0.0"), ("DRIVER_NAME", "raw-test")];
        if let Some(c) = compression {
            options.push(("COMPRESSION", c.name()));
        }
        self.send(1, &Request::Startup(Startup { options }));
        let reply = self.recv().expect("READY");
        assert!(
            matches!(reply.response, Response::Ready),
            "expected READY, got {:?}",
            reply.response
        );
        self.compression = compression;
        if self.version >= Version::V5 {
            self.segments = Some(if compression.is_some() {
                SegmentCodec::Lz4
            } else {
                SegmentCodec::Plain
            });
        }
        supported
    }

    pub fn query(&mut self, stream_id: i16, text: &str) -> Reply {
        self.send(stream_id, &query(text));
        self.recv().expect("reply")
    }

    /// True if the server closed the connection (no more frames arrive).
    pub fn is_closed_by_server(&mut self) -> bool {
        loop {
            match self.recv() {
                None => return true,
                Some(_) => continue,
            }
        }
    }
}

pub fn query(text: &str) -> Request<'_> {
    Request::Query(Query {
        query: text,
        params: QueryParameters::default(),
    })
}

pub fn expect_error(reply: &Reply) -> &ErrorResponse {
    match &reply.response {
        Response::Error(e) => e,
        other => panic!("expected ERROR, got {other:?}"),
    }
}

/// Where each frame ends in a run of whole frames.
fn frame_ends(frames: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while let Some(head) = frames
        .get(at..)
        .and_then(|rest| rest.first_chunk::<HEADER_LEN>())
    {
        at += HEADER_LEN + u32::from_be_bytes([head[5], head[6], head[7], head[8]]) as usize;
        ends.push(at.min(frames.len()));
    }
    ends
}
