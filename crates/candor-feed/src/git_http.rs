//! git's smart HTTP protocol over candor's HTTP client (reqwest with rustls), registered
//! with libgit2 for `http://` and `https://` remotes.
//!
//! candor builds libgit2 without a TLS backend: git hosts are reached through this
//! transport, so fetches and pushes get the same policy as every other request a feed
//! makes ([`crate::http`]): the feed's trusted CA certificates, https-only unless
//! allowed, timeouts, bounded responses, same-origin redirects.
//!
//! The protocol is stateless RPC: each step is a GET of `info/refs?service=…` or a POST
//! to the service, the request body being everything libgit2 writes before it reads.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::sync::Once;
use std::time::{Duration, Instant};

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};
use reqwest::blocking::Client;

use crate::error::FeedError;
use crate::http::{HttpSettings, client, error_chain};
use crate::location::redact;

/// The largest response one git request may bring (a packfile): 2 GiB.
pub const MAX_GIT_RESPONSE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The longest one git request (headers and body) may take: a packfile can be large.
pub const GIT_REQUEST_DEADLINE: Duration = Duration::from_secs(15 * 60);

thread_local! {
    /// The client for git requests made on this thread, and the deadline of each
    /// request, set by [`with_settings`].
    static CLIENT: RefCell<Option<(Client, Duration)>> = const { RefCell::new(None) };
}

/// Run `f` with git's HTTP(S) requests on this thread going through a client built from
/// `settings` (libgit2 calls the transport on the thread that fetches or pushes).
pub fn with_settings<T>(
    settings: &HttpSettings,
    f: impl FnOnce() -> Result<T, FeedError>,
) -> Result<T, FeedError> {
    register();
    // The client's own timeout bounds each read; the deadline bounds a whole request.
    let mut per_read = settings.clone();
    let deadline = settings.request_timeout.unwrap_or(GIT_REQUEST_DEADLINE);
    per_read.request_timeout = Some(deadline);
    let client = client(&per_read)?;
    let previous = CLIENT.with(|c| c.replace(Some((client, deadline))));
    let result = f();
    CLIENT.with(|c| c.replace(previous));
    result
}

/// Register the transport for `http` and `https`, once per process.
#[allow(unsafe_code)]
fn register() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        for scheme in ["http", "https"] {
            // SAFETY: `git2::transport::register` is unsafe because libgit2's transport
            // registry is not synchronised: it must not race with other registrations or
            // with libgit2 looking a transport up. It runs here exactly once (guarded by
            // `Once`), before this process's first git network operation, which only
            // happens after `with_settings` has called this function.
            let registered = unsafe { git2::transport::register(scheme, factory) };
            // Registering a scheme twice is the only failure, and `Once` rules it out.
            debug_assert!(registered.is_ok(), "registering {scheme}: {registered:?}");
        }
    });
}

fn factory(remote: &git2::Remote<'_>) -> Result<Transport, git2::Error> {
    Transport::smart(remote, true, HttpTransport)
}

struct HttpTransport;

impl SmartSubtransport for HttpTransport {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let (service, path, post) = match action {
            Service::UploadPackLs => ("upload-pack", "/info/refs?service=git-upload-pack", false),
            Service::UploadPack => ("upload-pack", "/git-upload-pack", true),
            Service::ReceivePackLs => {
                ("receive-pack", "/info/refs?service=git-receive-pack", false)
            }
            Service::ReceivePack => ("receive-pack", "/git-receive-pack", true),
        };
        let (client, deadline) = CLIENT.with(|c| c.borrow().clone()).ok_or_else(|| {
            git2::Error::from_str(
                "candor's git HTTP transport was used outside candor_feed::git_http::with_settings",
            )
        })?;
        Ok(Box::new(HttpStream {
            client,
            deadline,
            url: format!("{}{path}", url.trim_end_matches('/')),
            service,
            post,
            request: Vec::new(),
            response: None,
        }))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// One request of the protocol: what libgit2 writes is the request body, sent when it
/// first reads; the response is read from then on.
struct HttpStream {
    client: Client,
    deadline: Duration,
    url: String,
    service: &'static str,
    post: bool,
    request: Vec<u8>,
    response: Option<Box<dyn Read + Send>>,
}

impl HttpStream {
    fn send(&mut self) -> io::Result<Box<dyn Read + Send>> {
        let builder = if self.post {
            self.client
                .post(&self.url)
                .header(
                    "Content-Type",
                    format!("application/x-git-{}-request", self.service),
                )
                .header(
                    "Accept",
                    format!("application/x-git-{}-result", self.service),
                )
                .body(std::mem::take(&mut self.request))
        } else {
            self.client.get(&self.url).header("Accept", "*/*")
        };
        let response = builder
            .send()
            .map_err(|e| io::Error::other(format!("{}: {}", redact(&self.url), error_chain(&e))))?;
        let status = response.status();
        if !status.is_success() {
            return Err(io::Error::other(format!(
                "{}: the server answered {status}",
                redact(&self.url)
            )));
        }
        let expected = if self.post {
            format!("application/x-git-{}-result", self.service)
        } else {
            format!("application/x-git-{}-advertisement", self.service)
        };
        let content_type = response
            .headers()
            .get("Content-Type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if content_type != expected {
            return Err(io::Error::other(format!(
                "{}: Content-Type is {content_type:?}, expected {expected:?} (not a git smart-HTTP server?)",
                redact(&self.url)
            )));
        }
        Ok(Box::new(Deadline {
            inner: response.take(MAX_GIT_RESPONSE_BYTES),
            until: Instant::now() + self.deadline,
            url: redact(&self.url),
        }))
    }
}

/// A response body that fails once its request's deadline has passed (a server that
/// drips a byte before every read would otherwise hold a fetch forever).
struct Deadline<R> {
    inner: R,
    until: Instant,
    url: String,
}

impl<R: Read> Read for Deadline<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if Instant::now() > self.until {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{}: timed out (the server sent too slowly)", self.url),
            ));
        }
        self.inner.read(buf)
    }
}

impl Read for HttpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.response.is_none() {
            let response = self.send()?;
            self.response = Some(response);
        }
        match &mut self.response {
            Some(response) => response.read(buf),
            None => Ok(0),
        }
    }
}

impl Write for HttpStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.response.is_some() {
            return Err(io::Error::other("git wrote after reading the response"));
        }
        self.request.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
