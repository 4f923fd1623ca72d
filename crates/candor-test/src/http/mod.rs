//! Real HTTP servers on 127.0.0.1 for tests of network clients: plain HTTP/1.1, the
//! faults a client must survive, HTTPS with a certificate authority made per test
//! ([`TlsIdentity`], [`serve_tls`]), a static file server with `ETag`s
//! ([`static_files`]), which is what an HTTPS feed is, and git's own smart-HTTP server
//! ([`git_http_backend`]), which is what a git feed is.
//!
//! A test starts a server with a handler, points its client at [`TestServer::url`], and
//! reads back what the server saw with [`TestServer::requests`]. The server speaks
//! HTTP/1.1 with keep-alive (one thread per connection), reads request bodies framed by
//! `Content-Length` or `Transfer-Encoding: chunked`, answers `Expect: 100-continue`, and
//! answers a malformed request with a 4xx (never a panic). Dropping the server closes
//! every connection and joins every thread, stalled ones included.
//!
//! ```
//! use std::io::{Read, Write};
//! use candor_test::http::{Reply, serve};
//!
//! let server = serve(|request| match request.path.as_str() {
//!     "/hello" => Reply::ok("hi"),
//!     _ => Reply::status(404),
//! });
//! let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
//! stream
//!     .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
//!     .unwrap();
//! let mut response = String::new();
//! stream.read_to_string(&mut response).unwrap();
//! assert!(response.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(response.ends_with("\r\n\r\nhi"));
//! assert_eq!(server.requests()[0].header("host"), Some("x"));
//! ```

mod files;
mod git;
mod server;
mod tls;
mod wire;

use std::net::TcpStream;
use std::sync::Arc;

pub use files::static_files;
pub use git::{GIT_REMOTE_USER, git_http_backend};
pub use server::{Reply, Request, TestServer};
pub use tls::{TlsIdentity, serve_tls};

/// A plain HTTP/1.1 server on 127.0.0.1 answering every request with `handler`.
///
/// A handler that panics answers `500` with the panic message as the body.
///
/// # Panics
///
/// If no port can be bound on 127.0.0.1 or no thread started (the test cannot run).
pub fn serve(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> TestServer {
    TestServer::start(
        "http",
        Box::new(|stream: TcpStream| Some(Box::new(stream) as Box<dyn server::Transport>)),
        Arc::new(handler),
    )
}
