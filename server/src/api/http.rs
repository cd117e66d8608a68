//! A deliberately small HTTP/1.1 server for the admin API: one request per
//! connection (`Connection: close`), parsed with `httparse`, on plain OS
//! threads so that nothing here ever runs on a shard.
//!
//! Bounds: a request head of at most [`MAX_HEAD_BYTES`], a body of at most
//! [`MAX_BODY_BYTES`] (read and ignored: every parameter is in the path and
//! query), socket timeouts of [`IO_TIMEOUT`], [`WORKERS`] handler threads and
//! [`PENDING_CONNECTIONS`] accepted connections waiting for one; past that a
//! connection gets 503 at once.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

pub const MAX_HEAD_BYTES: usize = 16 * 1024;
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const MAX_HEADERS: usize = 64;
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
pub const WORKERS: usize = 4;
pub const PENDING_CONNECTIONS: usize = 16;
/// How often the accept loop looks at the stop flag.
const ACCEPT_POLL: Duration = Duration::from_millis(50);

/// A parsed request: what routing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// Query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Response {
    pub fn ok(body: serde_json::Value) -> Self {
        Self { status: 200, body }
    }

    /// ScyllaDB's error shape: `{"message": ..., "code": status}`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body: serde_json::json!({ "message": message.into(), "code": status }),
        }
    }
}

/// Decodes `%XX` escapes and `+` (as space, in queries).
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
                continue;
            }
            (b'+', _) if plus_is_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a request target into decoded path and query parameters.
pub fn split_target(method: &str, target: &str) -> Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    Request {
        method: method.to_owned(),
        path: percent_decode(path, false),
        query,
    }
}

/// Reads one request head (and drains a bounded body).
fn read_request(stream: &mut TcpStream) -> Result<Request, Response> {
    let mut buf = vec![0u8; MAX_HEAD_BYTES];
    let mut filled = 0;
    loop {
        let n = stream
            .read(buf.get_mut(filled..).unwrap_or_default())
            .map_err(|_| Response::error(400, "could not read the request"))?;
        if n == 0 {
            return Err(Response::error(400, "connection closed mid-request"));
        }
        filled += n;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buf.get(..filled).unwrap_or_default()) {
            Ok(httparse::Status::Complete(head_len)) => {
                let content_length = parsed
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if content_length > MAX_BODY_BYTES {
                    return Err(Response::error(413, "request body too large"));
                }
                let request =
                    split_target(parsed.method.unwrap_or("GET"), parsed.path.unwrap_or("/"));
                let mut left = content_length.saturating_sub(filled - head_len);
                let mut sink = [0u8; 4096];
                while left > 0 {
                    let chunk = left.min(sink.len());
                    let n = stream
                        .read(sink.get_mut(..chunk).unwrap_or_default())
                        .map_err(|_| Response::error(400, "could not read the request body"))?;
                    if n == 0 {
                        break;
                    }
                    left -= n;
                }
                return Ok(request);
            }
            Ok(httparse::Status::Partial) if filled < buf.len() => {}
            Ok(httparse::Status::Partial) => {
                return Err(Response::error(431, "request head too large"));
            }
            Err(e) => return Err(Response::error(400, format!("bad request: {e}"))),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn write_response(stream: &mut TcpStream, response: &Response) {
    let body = response.body.to_string();
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .and_then(|()| stream.flush());
}

fn serve_connection(mut stream: TcpStream, handler: &(dyn Fn(&Request) -> Response + Sync)) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    match read_request(&mut stream) {
        Ok(request) => write_response(&mut stream, &handler(&request)),
        Err(response) => {
            write_response(&mut stream, &response);
            // Closing with unread input would reset the connection and could
            // destroy the response before the client reads it: drain a little.
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = std::io::copy(
                &mut (&mut stream).take(MAX_BODY_BYTES as u64),
                &mut std::io::sink(),
            );
        }
    }
}

/// Accepts on `listener` until `stop` is set, handing each connection to a
/// fixed pool of workers; returns once every worker has finished.
pub fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handler: Arc<dyn Fn(&Request) -> Response + Send + Sync>,
) -> std::io::Result<JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("api-accept".into())
        .spawn(move || {
            let (tx, rx) = mpsc::sync_channel::<TcpStream>(PENDING_CONNECTIONS);
            let rx = Arc::new(std::sync::Mutex::new(rx));
            let workers: Vec<_> = (0..WORKERS)
                .filter_map(|i| {
                    let (rx, handler) = (rx.clone(), handler.clone());
                    std::thread::Builder::new()
                        .name(format!("api-worker-{i}"))
                        .spawn(move || {
                            loop {
                                let next = match rx.lock() {
                                    Ok(rx) => rx.recv(),
                                    Err(_) => return,
                                };
                                let Ok(stream) = next else { return };
                                serve_connection(stream, handler.as_ref());
                            }
                        })
                        .ok()
                })
                .collect();
            while !stop.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Err(mpsc::TrySendError::Full(mut stream)) = tx.try_send(stream) {
                            let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
                            write_response(
                                &mut stream,
                                &Response::error(503, "too many admin requests in progress"),
                            );
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(ACCEPT_POLL);
                    }
                    Err(e) => {
                        tracing::warn!("admin API accept failed: {e}");
                        std::thread::sleep(ACCEPT_POLL);
                    }
                }
            }
            drop(tx);
            for worker in workers {
                let _ = worker.join();
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_decoded_path_and_query() {
        let r = split_target(
            "POST",
            "/storage_service/keyspace_flush/ks?cf=t1%2Ct2&x=a+b",
        );
        assert_eq!(r.path, "/storage_service/keyspace_flush/ks");
        assert_eq!(r.param("cf"), Some("t1,t2"));
        assert_eq!(r.param("x"), Some("a b"));
        assert_eq!(r.param("y"), None);
        assert_eq!(percent_decode("100%", false), "100%");
    }

    #[test]
    fn oversized_heads_and_bodies_are_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let handle = serve(
            listener,
            stop.clone(),
            Arc::new(|r: &Request| Response::ok(serde_json::json!(r.path))),
        )
        .expect("serve");
        let roundtrip = |request: &[u8]| {
            let mut stream = TcpStream::connect(address).expect("connect");
            let _ = stream.write_all(request);
            let mut out = String::new();
            let _ = stream.read_to_string(&mut out);
            out
        };
        let ok = roundtrip(b"GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.ends_with("\"/a b\""), "{ok}");
        let big = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert!(roundtrip(big.as_bytes()).starts_with("HTTP/1.1 431"));
        let body = b"POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n";
        assert!(roundtrip(body).starts_with("HTTP/1.1 413"));
        stop.store(true, Ordering::Release);
        handle.join().expect("join");
    }
}
