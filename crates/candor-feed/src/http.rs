//! HTTP for feeds: one client policy for static HTTPS feeds and git over HTTP(S).
//!
//! - rustls, the system's roots plus any CA certificates the feed was added with;
//! - `https://` only, unless the feed was added with `allow_http` (a warning each time);
//! - a connect timeout and a total deadline per request, so a server that stalls or
//!   drips cannot hold a sync (ADVERSARIAL.md F2);
//! - every body read with a size cap, so an endless body costs nothing (E4);
//! - redirects followed only within the same origin (scheme, host, port); credentials are
//!   never sent elsewhere (and reqwest drops them on any cross-origin hop anyway);
//! - URLs in messages without credentials.

use std::io::Read as _;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::redirect;

use crate::error::FeedError;
use crate::location::redact;
use crate::store::FeedOptions;

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a single request (headers and body) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// Settings of one feed's HTTP client.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Extra trusted CA certificates (PEM).
    pub ca_certificates: Vec<String>,
    /// Whether plain HTTP is allowed.
    pub allow_http: bool,
    /// A shorter deadline per request (tests), else [`REQUEST_TIMEOUT`].
    pub request_timeout: Option<Duration>,
}

impl From<&FeedOptions> for HttpSettings {
    fn from(options: &FeedOptions) -> Self {
        Self {
            ca_certificates: options.ca_certificates.clone(),
            allow_http: options.allow_http,
            request_timeout: options.timeout_seconds.map(Duration::from_secs),
        }
    }
}

/// A client built with [`HttpSettings`].
pub fn client(settings: &HttpSettings) -> Result<Client, FeedError> {
    let mut certificates = Vec::new();
    for pem in &settings.ca_certificates {
        certificates.push(reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| {
            FeedError::Http {
                url: "(CA certificate)".to_owned(),
                reason: format!("not a PEM certificate: {e}"),
            }
        })?);
    }
    Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(settings.request_timeout.unwrap_or(REQUEST_TIMEOUT))
        .https_only(!settings.allow_http)
        .redirect(redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if same_origin {
                attempt.follow()
            } else {
                let to = redact(attempt.url().as_str());
                attempt.error(format!(
                    "redirected to another origin ({to}); a feed is served from one origin"
                ))
            }
        }))
        .tls_certs_merge(certificates)
        .user_agent(concat!("candor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FeedError::Http {
            url: "(client)".to_owned(),
            reason: e.to_string(),
        })
}

/// What went wrong with a request, said without credentials.
pub fn request_error(url: &str, error: &reqwest::Error) -> FeedError {
    let url = redact(url);
    let reason = if error.is_timeout() {
        "timed out (the server stalled or sent too slowly)".to_owned()
    } else if error.is_redirect() {
        format!("redirect refused: {}", error_chain(error))
    } else if error.is_connect() {
        format!("cannot connect: {}", error_chain(error))
    } else {
        error_chain(error)
    };
    FeedError::Http { url, reason }
}

/// An error and its causes on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Read at most `limit` bytes of `response`'s body; more is an error, and so is a body
/// shorter than its `Content-Length` (ADVERSARIAL.md F3).
pub fn read_capped(
    mut response: Response,
    url: &str,
    limit: u64,
    what: &'static str,
    deadline: Duration,
) -> Result<Vec<u8>, FeedError> {
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(FeedError::TooLarge {
            url: redact(url),
            what,
            limit,
        });
    }
    // A total deadline for the body: reqwest's timeout bounds each read, and a server
    // that sends one byte just before each read would times out never (slow drip, F2).
    let deadline = std::time::Instant::now() + deadline;
    let mut body =
        Vec::with_capacity(usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0));
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if std::time::Instant::now() > deadline {
            return Err(FeedError::Http {
                url: redact(url),
                reason: "timed out (the server sent too slowly)".to_owned(),
            });
        }
        let n = match response.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FeedError::Http {
                    url: redact(url),
                    reason: match e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                    {
                        Some(inner) if inner.is_timeout() => {
                            "timed out (the server stalled or sent too slowly)".to_owned()
                        }
                        _ => format!("the body could not be read: {e}"),
                    },
                });
            }
        };
        body.extend_from_slice(&chunk[..n]);
        if body.len() as u64 > limit {
            break;
        }
    }
    if body.len() as u64 > limit {
        return Err(FeedError::TooLarge {
            url: redact(url),
            what,
            limit,
        });
    }
    if let Some(declared) = declared
        && body.len() as u64 != declared
    {
        return Err(FeedError::Http {
            url: redact(url),
            reason: format!(
                "the body is {} bytes but Content-Length is {declared}",
                body.len()
            ),
        });
    }
    Ok(body)
}
