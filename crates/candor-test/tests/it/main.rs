//! Integration tests of candor-test's servers: each speaks HTTP correctly, each fault does
//! what it says to a real client, TLS trusts exactly the test CA, and git clones and
//! pushes through the smart-HTTP backend.
//!
//! One test binary (`tests/it/`), one module per server module.

// clippy.toml allows `unwrap` in tests, but clippy counts only `#[test]` functions as
// tests, not the helpers they call; an unwrap failing in a helper fails its test all the
// same.
#![allow(clippy::unwrap_used)]

mod files;
mod git;
mod server;
mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends `request` as raw bytes on a new connection and reads until the server closes it.
pub(crate) fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// The status code of a raw response.
pub(crate) fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

/// A blocking reqwest client that trusts nothing but what a test gives it.
pub(crate) fn client() -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .tls_certs_only([])
}
