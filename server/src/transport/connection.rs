//! One client connection, from its first frame to close, on one shard.
//!
//! Three parts cooperate through shard-local state, no locks: the reader
//! (decodes frames, answers OPTIONS/STARTUP/REGISTER itself, spawns a task
//! per statement), the request tasks (run the processor, encode the answer
//! into the outbox, in any order), and the writer (sends everything pending
//! with one write). The reader stops reading while `max_in_flight` requests
//! run or the outbox is over its bound: that is the connection's
//! backpressure.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd};
use std::rc::Rc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use sibyl_protocol::frame::segment::SegmentCodec;
use sibyl_protocol::frame::{
    Compression, FrameFlags, FrameHeader, HeaderError, ResponseExtras, decode_request_envelope,
};
use sibyl_protocol::request::Request;
use sibyl_protocol::response::{ErrorResponse, Event, Response, ResultBody};
use sibyl_protocol::{Opcode, Version};

use super::events::{EventSink, event_bit};
use super::inbox::{Inbox, InboxError};
use super::listener::ShardTransport;
use super::options::supported;
use super::outbox::Outbox;
use crate::cql3::{ClientState, ProcessorResponse, QueryProcessor, RequestContext};
use crate::shard::Notify;

/// Per-shard connection counters.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    pub accepted: Cell<u64>,
    pub open: Cell<u64>,
    pub requests: Cell<u64>,
    pub protocol_errors: Cell<u64>,
}

#[derive(Debug, Default)]
struct ProtocolState {
    /// Fixed by the first frame.
    version: Option<Version>,
    compression: Option<Compression>,
    started: bool,
    events: u8,
}

pub struct Connection<P: QueryProcessor> {
    transport: Rc<ShardTransport<P>>,
    client: ClientState,
    state: RefCell<ProtocolState>,
    outbox: RefCell<Outbox>,
    writer_wake: Notify,
    reader_wake: Notify,
    in_flight: Cell<usize>,
    closing: Cell<bool>,
}

impl<P: QueryProcessor> EventSink for Connection<P> {
    fn registered_events(&self) -> u8 {
        self.state.borrow().events
    }

    fn push_event(&self, event: &Event) {
        let (version, compression) = {
            let state = self.state.borrow();
            (state.version.unwrap_or(Version::V4), state.compression)
        };
        self.push(
            version,
            -1,
            compression,
            &Response::Event(event.clone()),
            &ResponseExtras::NONE,
        );
    }
}

impl<P: QueryProcessor> Connection<P> {
    pub fn new(transport: Rc<ShardTransport<P>>, peer: SocketAddr) -> Rc<Self> {
        let shard = transport.shard;
        Rc::new(Self {
            transport,
            client: ClientState {
                peer,
                shard,
                keyspace: RefCell::new(None),
                user: RefCell::new(None),
                driver_name: None,
                driver_version: None,
            },
            state: RefCell::new(ProtocolState::default()),
            outbox: RefCell::new(Outbox::default()),
            writer_wake: Notify::default(),
            reader_wake: Notify::default(),
            in_flight: Cell::new(0),
            closing: Cell::new(false),
        })
    }

    /// Serves the connection until the client leaves, a fatal protocol error,
    /// or shard shutdown; then lets in-flight requests finish and flushes.
    pub async fn serve(self: Rc<Self>, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        // A second descriptor for the same socket lets reader and writer run
        // as independent tasks without sharing (and locking) one stream.
        // SAFETY: dup returns a new descriptor we own, or -1.
        let write_fd = unsafe { libc::dup(stream.as_raw_fd()) };
        if write_fd < 0 {
            tracing::debug!(peer = %self.client.peer, "dup failed: {}", io::Error::last_os_error());
            return;
        }
        // SAFETY: write_fd is a fresh descriptor of a connected TCP socket.
        let writer_stream = unsafe { TcpStream::from_raw_fd(write_fd) };
        let writer = glommio::spawn_local(self.clone().write_loop(writer_stream));

        let stop = self.transport.stop.clone();
        let mut reader = stream;
        let reason = futures_lite::future::or(self.read_loop(&mut reader), async {
            stop.wait().await;
            Ok(())
        })
        .await;
        if let Err(e) = reason {
            tracing::debug!(peer = %self.client.peer, "connection read ended: {e}");
        }
        // Let requests already running finish, within the drain timeout.
        let drain = Duration::from_millis(self.transport.config.drain_timeout_ms);
        let _ = glommio::timer::timeout(drain, async {
            while self.in_flight.get() > 0 {
                self.reader_wake.notified().await;
            }
            Ok(())
        })
        .await;
        self.closing.set(true);
        self.writer_wake.notify();
        let _ = writer.await;
        // SAFETY: shutting down our own connected socket.
        unsafe { libc::shutdown(reader.as_raw_fd(), libc::SHUT_RDWR) };
    }

    async fn read_loop(self: &Rc<Self>, stream: &mut TcpStream) -> io::Result<()> {
        let config = &self.transport.config;
        let mut inbox = Inbox::new(config.max_frame_size_bytes);
        loop {
            while self.in_flight.get() >= config.max_in_flight_per_connection
                || self.outbox.borrow().pending_bytes() > config.max_pending_output_bytes
            {
                self.reader_wake.notified().await;
            }
            if self.closing.get() {
                return Ok(());
            }
            match inbox.next_frame() {
                Ok(Some((header, body))) => self.handle_frame(header, body, &mut inbox),
                Ok(None) => {
                    let n = stream.read(inbox.read_buffer()).await?;
                    if n == 0 {
                        if inbox.has_partial_input() {
                            tracing::debug!(peer = %self.client.peer, "connection closed mid-frame");
                        }
                        return Ok(());
                    }
                    inbox.commit_read(n);
                }
                Err(e) => {
                    self.fatal(e);
                    return Ok(());
                }
            }
        }
    }

    async fn write_loop(self: Rc<Self>, mut stream: TcpStream) {
        let mut wire = Vec::new();
        loop {
            if self.outbox.borrow().is_empty() {
                if self.closing.get() {
                    break;
                }
                self.writer_wake.notified().await;
                continue;
            }
            self.outbox.borrow_mut().take(&mut wire);
            self.reader_wake.notify();
            if let Err(e) = stream.write_all(&wire).await {
                tracing::debug!(peer = %self.client.peer, "write failed: {e}");
                self.closing.set(true);
                self.reader_wake.notify();
                break;
            }
        }
        let _ = stream.flush().await;
    }

    fn push(
        &self,
        version: Version,
        stream: i16,
        compression: Option<Compression>,
        response: &Response,
        extras: &ResponseExtras,
    ) {
        self.outbox
            .borrow_mut()
            .push(version, stream, compression, response, extras);
        self.writer_wake.notify();
    }

    fn push_error(&self, version: Version, stream: i16, error: ErrorResponse) {
        let compression = self.state.borrow().compression;
        self.push(
            version,
            stream,
            compression,
            &Response::Error(error),
            &ResponseExtras::NONE,
        );
    }

    fn protocol_error(&self, version: Version, stream: i16, message: String) {
        let stats = &self.transport.stats;
        stats.protocol_errors.set(stats.protocol_errors.get() + 1);
        tracing::debug!(peer = %self.client.peer, stream, "protocol error: {message}");
        self.push_error(version, stream, ErrorResponse::protocol(message));
    }

    /// Answers an error the connection cannot survive, then closes.
    fn fatal(&self, error: InboxError) {
        let negotiated = self.state.borrow().version;
        match &error {
            InboxError::Header(HeaderError::UnsupportedVersion { stream, .. }) => {
                // Reply in v4 framing, which every client can parse (CLIENTS.md).
                self.protocol_error(Version::V4, *stream, error.to_string());
            }
            InboxError::Header(HeaderError::UnknownOpcode { stream, .. }) => {
                self.protocol_error(
                    negotiated.unwrap_or(Version::V4),
                    *stream,
                    error.to_string(),
                );
            }
            InboxError::TooLarge { header, .. } => {
                self.protocol_error(
                    negotiated.unwrap_or(header.version),
                    header.stream,
                    error.to_string(),
                );
            }
            InboxError::Segment(_) => {
                tracing::debug!(peer = %self.client.peer, "closing on corrupt segment: {error}");
            }
        }
        self.closing.set(true);
        self.writer_wake.notify();
    }

    fn handle_frame(self: &Rc<Self>, header: FrameHeader, body: Vec<u8>, inbox: &mut Inbox) {
        let version = {
            let mut state = self.state.borrow_mut();
            *state.version.get_or_insert(header.version)
        };
        if header.version != version {
            self.protocol_error(
                version,
                header.stream,
                format!(
                    "Invalid message version. Got {} but previous messages on this connection had version {}",
                    header.version.number(),
                    version.number()
                ),
            );
            return;
        }
        if header.is_response {
            self.protocol_error(
                version,
                header.stream,
                "Received a response frame from a client".into(),
            );
            return;
        }
        if !header.opcode.is_request() {
            self.protocol_error(
                version,
                header.stream,
                format!("Unexpected message {:?} from a client", header.opcode),
            );
            return;
        }
        let (compression, started) = {
            let state = self.state.borrow();
            (state.compression, state.started)
        };
        let body = if header.flags.has(FrameFlags::COMPRESSION) && version < Version::V5 {
            let Some(compression) = compression else {
                self.protocol_error(
                    version,
                    header.stream,
                    "Received a compressed frame but compression was not negotiated in STARTUP"
                        .into(),
                );
                return;
            };
            match compression.decompress(&body, self.transport.config.max_frame_size_bytes) {
                Ok(body) => body,
                Err(e) => {
                    self.protocol_error(
                        version,
                        header.stream,
                        format!("Error decompressing frame body: {e}"),
                    );
                    return;
                }
            }
        } else {
            body
        };
        match header.opcode {
            Opcode::Options => {
                let shard_aware_port = self.transport.config.shard_aware_address.map(|a| a.port());
                let supported = supported(
                    self.transport.shard,
                    &self.transport.sharder,
                    shard_aware_port,
                );
                self.push(
                    version,
                    header.stream,
                    compression,
                    &Response::Supported(supported),
                    &ResponseExtras::NONE,
                );
            }
            Opcode::Startup => self.handle_startup(header, version, &body, inbox),
            Opcode::Register if started => {
                self.handle_register(header, version, compression, &body)
            }
            Opcode::Query | Opcode::Prepare | Opcode::Execute | Opcode::Batch if started => {
                self.spawn_request(header, version, body);
            }
            Opcode::AuthResponse if started => {
                self.protocol_error(
                    version,
                    header.stream,
                    "Unexpected message AUTH_RESPONSE: no authentication is in progress".into(),
                );
            }
            other => {
                self.protocol_error(
                    version,
                    header.stream,
                    format!(
                        "Unexpected message {}, expecting STARTUP or OPTIONS",
                        opcode_name(other)
                    ),
                );
            }
        }
    }

    fn handle_startup(
        &self,
        header: FrameHeader,
        version: Version,
        body: &[u8],
        inbox: &mut Inbox,
    ) {
        if self.state.borrow().started {
            self.protocol_error(
                version,
                header.stream,
                "Unexpected message STARTUP, the connection is already initialized".into(),
            );
            return;
        }
        let decoded = decode_request_envelope(&header, body)
            .and_then(|env| Request::decode(version, Opcode::Startup, env.message));
        let startup = match decoded {
            Ok(Request::Startup(startup)) => startup,
            Ok(_) => return,
            Err(e) => {
                self.protocol_error(
                    version,
                    header.stream,
                    format!("Error decoding STARTUP message: {e}"),
                );
                return;
            }
        };
        if startup.option("CQL_VERSION").is_none() {
            self.protocol_error(
                version,
                header.stream,
                "Missing value CQL_VERSION in STARTUP message".into(),
            );
            return;
        }
        let compression = match startup.option("COMPRESSION") {
            None => None,
            Some(name) => match Compression::from_name(name) {
                Some(Compression::Snappy) if version >= Version::V5 => {
                    self.protocol_error(
                        version,
                        header.stream,
                        "Snappy compression is not supported in protocol v5; use lz4".into(),
                    );
                    return;
                }
                Some(c) => Some(c),
                None => {
                    self.protocol_error(
                        version,
                        header.stream,
                        format!("Unknown compression algorithm: {name}"),
                    );
                    return;
                }
            },
        };
        {
            let mut state = self.state.borrow_mut();
            state.started = true;
            state.compression = compression;
        }
        // READY goes out uncompressed and unframed; everything after it is
        // compressed (v3/v4) or segmented (v5).
        self.push(
            version,
            header.stream,
            None,
            &Response::Ready,
            &ResponseExtras::NONE,
        );
        if version >= Version::V5 {
            let codec = if compression.is_some() {
                SegmentCodec::Lz4
            } else {
                SegmentCodec::Plain
            };
            self.outbox.borrow_mut().enable_segments(codec);
            inbox.enable_segments(codec);
        }
    }

    fn handle_register(
        self: &Rc<Self>,
        header: FrameHeader,
        version: Version,
        compression: Option<Compression>,
        body: &[u8],
    ) {
        let decoded = decode_request_envelope(&header, body)
            .and_then(|env| Request::decode(version, Opcode::Register, env.message));
        let register = match decoded {
            Ok(Request::Register(register)) => register,
            Ok(_) => return,
            Err(e) => {
                self.protocol_error(
                    version,
                    header.stream,
                    format!("Error decoding REGISTER message: {e}"),
                );
                return;
            }
        };
        let mut bits = 0;
        for name in &register.events {
            match event_bit(name) {
                Some(bit) => bits |= bit,
                None => {
                    self.protocol_error(
                        version,
                        header.stream,
                        format!("Invalid value '{name}' for Event.Type"),
                    );
                    return;
                }
            }
        }
        let first_registration = self.state.borrow().events == 0;
        self.state.borrow_mut().events |= bits;
        if first_registration {
            let sink: Rc<dyn EventSink> = self.clone();
            self.transport.events.register(Rc::downgrade(&sink));
        }
        self.push(
            version,
            header.stream,
            compression,
            &Response::Ready,
            &ResponseExtras::NONE,
        );
    }

    fn spawn_request(self: &Rc<Self>, header: FrameHeader, version: Version, body: Vec<u8>) {
        self.in_flight.set(self.in_flight.get() + 1);
        let stats = &self.transport.stats;
        stats.requests.set(stats.requests.get() + 1);
        let conn = self.clone();
        glommio::spawn_local(async move {
            let response = conn.execute(&header, version, &body).await;
            let compression = conn.state.borrow().compression;
            match response {
                Ok(response) => {
                    if let Ok(ResultBody::SetKeyspace(ks)) = &response.result {
                        *conn.client.keyspace.borrow_mut() = Some(ks.clone());
                    }
                    let extras = ResponseExtras {
                        tracing_id: response.tracing_id,
                        warnings: response.warnings,
                        custom_payload: Vec::new(),
                    };
                    let message = match response.result {
                        Ok(result) => Response::Result(result),
                        Err(error) => Response::Error(super::errors::to_error_response(&error)),
                    };
                    conn.push(version, header.stream, compression, &message, &extras);
                }
                Err(message) => conn.protocol_error(version, header.stream, message),
            }
            conn.in_flight.set(conn.in_flight.get() - 1);
            conn.reader_wake.notify();
        })
        .detach();
    }

    /// Decodes and runs one statement. `Err` is a protocol error message.
    async fn execute(
        &self,
        header: &FrameHeader,
        version: Version,
        body: &[u8],
    ) -> Result<ProcessorResponse, String> {
        let envelope = decode_request_envelope(header, body)
            .map_err(|e| format!("Error decoding {} message: {e}", opcode_name(header.opcode)))?;
        let request = Request::decode(version, header.opcode, envelope.message)
            .map_err(|e| format!("Error decoding {} message: {e}", opcode_name(header.opcode)))?;
        let ctx = RequestContext {
            version,
            stream: header.stream,
            tracing: envelope.tracing,
            custom_payload: &envelope.custom_payload,
            client: &self.client,
        };
        let processor = &self.transport.processor;
        // QUERY, PREPARE and BATCH are boxed: this future is allocated and
        // moved per request and is as large as its largest branch, and
        // EXECUTE (the hot one) needs less. (A QUERY parses its text, which
        // costs far more than the extra allocation.)
        Ok(match &request {
            Request::Query(query) => Box::pin(processor.query(&ctx, query)).await,
            Request::Prepare(prepare) => Box::pin(processor.prepare(&ctx, prepare)).await,
            Request::Execute(execute) => processor.execute(&ctx, execute).await,
            Request::Batch(batch) => Box::pin(processor.batch(&ctx, batch)).await,
            other => {
                return Err(format!(
                    "Unexpected message {}",
                    opcode_name(other.opcode())
                ));
            }
        })
    }
}

/// Cassandra's message type names, used in error messages.
fn opcode_name(opcode: Opcode) -> &'static str {
    match opcode {
        Opcode::Error => "ERROR",
        Opcode::Startup => "STARTUP",
        Opcode::Ready => "READY",
        Opcode::Authenticate => "AUTHENTICATE",
        Opcode::Options => "OPTIONS",
        Opcode::Supported => "SUPPORTED",
        Opcode::Query => "QUERY",
        Opcode::Result => "RESULT",
        Opcode::Prepare => "PREPARE",
        Opcode::Execute => "EXECUTE",
        Opcode::Register => "REGISTER",
        Opcode::Event => "EVENT",
        Opcode::Batch => "BATCH",
        Opcode::AuthChallenge => "AUTH_CHALLENGE",
        Opcode::AuthResponse => "AUTH_RESPONSE",
        Opcode::AuthSuccess => "AUTH_SUCCESS",
    }
}
