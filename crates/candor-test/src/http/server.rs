//! The server itself: a listener on 127.0.0.1, one thread per connection, a handler that
//! maps each [`Request`] to a [`Reply`], and the faults a client must survive.

use std::fmt;
use std::io::{BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::wire::{self, ReadError};

/// A request as the server received it (the body de-chunked, nothing else decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target as sent, query included: `/feed/index.json?x=1`.
    pub path: String,
    /// Every header in the order received, names as the client spelled them.
    pub headers: Vec<(String, String)>,
    /// The body (empty when there was none).
    pub body: Vec<u8>,
    /// Which connection it came on: 0 for the server's first, 1 for the next, … (two
    /// requests with the same number shared a keep-alive connection).
    pub connection: usize,
}

impl Request {
    /// The first header named `name` (in any letter case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query: `/feed/index.json` for `/feed/index.json?x=1`.
    pub fn path_without_query(&self) -> &str {
        self.path.split(['?', '#']).next().unwrap_or_default()
    }
}

/// What the server does with a request: an answer, or one of the faults a client must
/// survive (each named after what it does to the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A well-formed response. The server adds `Content-Length` (except for 1xx, 204 and
    /// 304, which have no body) and `Connection`, dropping any the handler set; the body
    /// is not sent to a `HEAD` request.
    Response {
        /// The status code.
        status: u16,
        /// Headers, in order.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Read the request, then send nothing and hold the connection open until the client
    /// gives up or the server stops: a client without a read timeout hangs.
    Stall,
    /// A status line and headers without `Content-Length` (the body ends at close), then
    /// bytes as fast as the client reads them, until it disconnects: a client without a
    /// size limit fills its memory or disk.
    Endless {
        /// The status code.
        status: u16,
    },
    /// `Content-Length` set, then the body one byte every `every`: each read succeeds, so
    /// only a whole-request deadline stops it (a slow-drip attack).
    Drip {
        /// The body.
        body: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
    /// `Content-Length: declared` (more than `body.len()`), `body`, then the connection
    /// closes: a client that does not count bytes takes a truncated file for a whole one.
    Truncated {
        /// The bytes actually sent.
        body: Vec<u8>,
        /// The length announced, greater than `body.len()`.
        declared: usize,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    /// `200 OK` with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Reply::Response {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// An empty response with `status` (`Reply::status(404)`).
    pub fn status(status: u16) -> Self {
        Reply::Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A redirect (`301`, `302`, `303`, `307`, `308`) to `location`.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Reply::status(status).with_header("Location", location)
    }

    /// This reply with one more header (a [`Reply::Response`]; the faults ignore it).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Reply::Response { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// What a handler is, once boxed.
pub(crate) type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// Turns an accepted socket into the byte stream HTTP is spoken over (TLS wraps it).
pub(crate) type Wrap = Box<dyn Fn(TcpStream) -> Option<Box<dyn Transport>> + Send + Sync>;

/// A connection's byte stream: plain TCP or TLS over it.
pub(crate) trait Transport: Read + Write + Send {
    /// Ends the stream cleanly (TLS sends `close_notify`) so the client sees an orderly
    /// close rather than a reset.
    fn finish(&mut self);
}

impl Transport for TcpStream {
    fn finish(&mut self) {
        let _ = self.flush();
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// What the threads share with the [`TestServer`] that owns them.
struct Shared {
    handler: Handler,
    wrap: Wrap,
    stop: AtomicBool,
    next_connection: AtomicUsize,
    requests: Mutex<Vec<Request>>,
    /// A clone of each open connection's socket (shut down to stop its thread) and the
    /// thread.
    connections: Mutex<Vec<(TcpStream, JoinHandle<()>)>>,
}

/// A lock that a panicking thread cannot make unusable: the data is test records.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A server on 127.0.0.1 (an ephemeral port) serving one handler; dropping it closes
/// every connection and joins every thread.
pub struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Binds 127.0.0.1 on a free port and starts accepting.
    pub(crate) fn start(scheme: &'static str, wrap: Wrap, handler: Handler) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("a test machine can bind an ephemeral port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound listener has a local address");
        let shared = Arc::new(Shared {
            handler,
            wrap,
            stop: AtomicBool::new(false),
            next_connection: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || accept(&listener, &accepting))
            .expect("a test process can start a thread");
        Self {
            addr,
            scheme,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request read so far, in order of arrival (malformed ones, answered with a
    /// 4xx, are not requests and are not listed).
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept call; it sees `stop` and returns.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // No connection is accepted any more: shutting each socket down ends every
        // blocked read and write, so every thread returns.
        let connections = std::mem::take(&mut *lock(&self.shared.connections));
        for (socket, _) in &connections {
            let _ = socket.shutdown(Shutdown::Both);
        }
        for (_, thread) in connections {
            let _ = thread.join();
        }
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of descriptors, most likely: let some connections end.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Ok(socket) = stream.try_clone() else {
            continue;
        };
        let number = shared.next_connection.fetch_add(1, Ordering::SeqCst);
        let serving = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("test-server-connection-{number}"))
            .spawn(move || {
                if let Some(transport) = (serving.wrap)(stream) {
                    serve_connection(transport, &serving, number);
                }
            });
        if let Ok(thread) = spawned {
            let mut connections = lock(&shared.connections);
            connections.retain(|(_, thread)| !thread.is_finished());
            connections.push((socket, thread));
        }
    }
}

/// Whether the connection stays open after a reply.
enum Next {
    KeepAlive,
    Close,
}

fn serve_connection(transport: Box<dyn Transport>, shared: &Shared, number: usize) {
    let mut reader = BufReader::new(transport);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let incoming = match wire::read_request(&mut reader, number) {
            Ok(Some(incoming)) => incoming,
            Ok(None) | Err(ReadError::Gone) => return,
            Err(ReadError::Refuse { status, why }) => {
                let stream = reader.get_mut();
                let length = why.len().to_string();
                let head = wire::head(
                    status,
                    [
                        ("Content-Type", "text/plain"),
                        ("Content-Length", length.as_str()),
                        ("Connection", "close"),
                    ],
                );
                let _ = stream.write_all(&head);
                let _ = stream.write_all(why.as_bytes());
                stream.finish();
                return;
            }
        };
        lock(&shared.requests).push(incoming.request.clone());
        let reply = catch_unwind(AssertUnwindSafe(|| (shared.handler)(&incoming.request)))
            .unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(ToString::to_string)
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Reply::ok(format!("the test server's handler panicked: {message}")).into_status(500)
            });
        let next = send(
            &mut reader,
            &incoming.request,
            reply,
            incoming.keep_alive,
            shared,
        );
        match next {
            Ok(Next::KeepAlive) => {}
            Ok(Next::Close) => {
                reader.get_mut().finish();
                return;
            }
            Err(_) => return,
        }
    }
}

impl Reply {
    fn into_status(self, status: u16) -> Self {
        match self {
            Reply::Response { headers, body, .. } => Reply::Response {
                status,
                headers,
                body,
            },
            other => other,
        }
    }
}

/// Sleeps `duration`, waking early (and saying so) when the server stops.
fn pause(duration: Duration, shared: &Shared) -> bool {
    let until = Instant::now() + duration;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        thread::sleep((until - now).min(Duration::from_millis(10)));
    }
}

fn send(
    reader: &mut BufReader<Box<dyn Transport>>,
    request: &Request,
    reply: Reply,
    keep_alive: bool,
    shared: &Shared,
) -> std::io::Result<Next> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let next = if keep_alive {
        Next::KeepAlive
    } else {
        Next::Close
    };
    match reply {
        Reply::Response {
            status,
            headers,
            body,
        } => {
            let length = body.len().to_string();
            let mut all: Vec<(&str, &str)> = headers
                .iter()
                .filter(|(name, _)| !wire::is_framing(name))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let bodiless = wire::bodiless(status);
            if !bodiless {
                all.push(("Content-Length", &length));
            }
            all.push(("Connection", connection));
            // Head and body in one write, as real servers send them: written apart, the
            // body waits (Nagle) for the client's delayed ACK of the head, 40 ms on Linux,
            // on every request of a keep-alive connection.
            let mut response = wire::head(status, all);
            if !bodiless && request.method != "HEAD" {
                response.extend_from_slice(&body);
            }
            let stream = reader.get_mut();
            stream.write_all(&response)?;
            stream.flush()?;
            Ok(next)
        }
        Reply::Stall => {
            // Hold the connection: read (and drop) whatever comes until the client
            // closes or the server's shutdown ends the read.
            let mut sink = [0u8; 4096];
            while !shared.stop.load(Ordering::SeqCst) {
                match reader.read(&mut sink) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            Ok(Next::Close)
        }
        Reply::Endless { status } => {
            let stream = reader.get_mut();
            let head = wire::head(
                status,
                [
                    ("Content-Type", "application/octet-stream"),
                    ("Connection", "close"),
                ],
            );
            stream.write_all(&head)?;
            let block: Vec<u8> = (0..=250u8).cycle().take(64 * 1024).collect();
            while !shared.stop.load(Ordering::SeqCst) {
                stream.write_all(&block)?;
            }
            Ok(Next::Close)
        }
        Reply::Drip { body, every } => {
            let length = body.len().to_string();
            let stream = reader.get_mut();
            let head = wire::head(
                200,
                [
                    ("Content-Length", length.as_str()),
                    ("Connection", connection),
                ],
            );
            stream.write_all(&head)?;
            stream.flush()?;
            for byte in body {
                if !pause(every, shared) {
                    return Ok(Next::Close);
                }
                stream.write_all(&[byte])?;
                stream.flush()?;
            }
            Ok(next)
        }
        Reply::Truncated { body, declared } => {
            let length = declared.to_string();
            let stream = reader.get_mut();
            let head = wire::head(
                200,
                [("Content-Length", length.as_str()), ("Connection", "close")],
            );
            stream.write_all(&head)?;
            stream.write_all(&body)?;
            stream.flush()?;
            Ok(Next::Close)
        }
        Reply::Close => Ok(Next::Close),
    }
}
