//! Where a feed is: a directory, a git repository (a local path or a URL), or a static
//! HTTPS site; and how its address is shown (never with credentials).

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::error::FeedError;

/// How a feed is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// A directory on this machine.
    Directory,
    /// A git repository: a local path (bare or not), `file://`, `http(s)://…`.
    Git,
    /// A static web server: `index.json` and the files it lists.
    Https,
}

impl TransportKind {
    /// The name used in reports and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Directory => "directory",
            TransportKind::Git => "git",
            TransportKind::Https => "https",
        }
    }

    /// The kind named `text` (`directory`, `dir`, `git`, `https`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "directory" | "dir" => Some(TransportKind::Directory),
            "git" => Some(TransportKind::Git),
            "https" | "http" => Some(TransportKind::Https),
            _ => None,
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feed's address, as given (credentials included: they are needed to reach it).
/// [`fmt::Display`] shows it without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLocation {
    /// How it is reached.
    pub transport: TransportKind,
    /// The path or URL, as given.
    raw: String,
}

impl FeedLocation {
    /// A location of a known transport.
    pub fn new(transport: TransportKind, raw: impl Into<String>) -> Self {
        Self {
            transport,
            raw: raw.into(),
        }
    }

    /// The location `text` names: a URL ending in `.git`, a `file://` URL or a local git
    /// repository is a git feed; another `https://` URL a static feed; another local
    /// path a directory (existing or not). `forced` overrides the guess.
    pub fn detect(text: &str, forced: Option<TransportKind>) -> Result<Self, FeedError> {
        let invalid = |reason: &str| FeedError::Location {
            location: redact(text),
            reason: reason.to_owned(),
        };
        let scp_like = text.contains('@') && text.contains(':') && !text.contains("://");
        if text.starts_with("ssh://") || scp_like {
            return Err(invalid(
                "ssh is not supported; use an https:// or file:// URL of the repository",
            ));
        }
        let (text, forced) = match text.strip_prefix("git+") {
            Some(rest) => (rest, forced.or(Some(TransportKind::Git))),
            None => (text, forced),
        };
        if let Some(transport) = forced {
            return Ok(Self::new(transport, text));
        }
        if text.contains("://") {
            let url = Url::parse(text).map_err(|e| invalid(&format!("not a URL: {e}")))?;
            return Ok(match url.scheme() {
                "file" => Self::new(TransportKind::Git, text),
                "http" | "https"
                    if url
                        .path()
                        .trim_end_matches('/')
                        .to_ascii_lowercase()
                        .ends_with(".git") =>
                {
                    Self::new(TransportKind::Git, text)
                }
                "http" | "https" => Self::new(TransportKind::Https, text),
                other => {
                    return Err(invalid(&format!(
                        "unsupported scheme {other}:// ; expected https://, file:// or a path"
                    )));
                }
            });
        }
        let transport = if git2::Repository::open(text).is_ok() {
            TransportKind::Git
        } else {
            TransportKind::Directory
        };
        Ok(Self::new(transport, text))
    }

    /// The path or URL as given, credentials included.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The local path, for a directory or a local git repository.
    pub fn local_path(&self) -> Option<PathBuf> {
        if self.raw.contains("://") {
            Url::parse(&self.raw)
                .ok()
                .filter(|u| u.scheme() == "file")
                .and_then(|u| u.to_file_path().ok())
        } else {
            Some(Path::new(&self.raw).to_path_buf())
        }
    }

    /// Whether it is a URL with the plain-HTTP scheme.
    pub fn is_plain_http(&self) -> bool {
        self.raw.starts_with("http://")
    }
}

impl fmt::Display for FeedLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.raw))
    }
}

/// A URL without its user name and password (`https://***@host/…`); other text as is.
pub fn redact(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_password(None);
            let _ = url.set_username("***");
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_told_apart_and_shown_without_credentials() {
        let https = FeedLocation::detect("https://user:token@feeds.example/acme/", None).unwrap();
        assert_eq!(https.transport, TransportKind::Https);
        assert_eq!(https.to_string(), "https://***@feeds.example/acme/");
        assert!(!https.to_string().contains("token"));
        let git = FeedLocation::detect("https://git.example/acme/feed.git", None).unwrap();
        assert_eq!(git.transport, TransportKind::Git);
        let git = FeedLocation::detect("git+https://git.example/acme/feed", None).unwrap();
        assert_eq!(git.transport, TransportKind::Git);
        assert_eq!(git.raw(), "https://git.example/acme/feed");
        let file = FeedLocation::detect("file:///srv/feed.git", None).unwrap();
        assert_eq!(file.transport, TransportKind::Git);
        assert_eq!(file.local_path(), Some(PathBuf::from("/srv/feed.git")));
        let dir = tempfile::tempdir().unwrap();
        let plain = FeedLocation::detect(&dir.path().display().to_string(), None).unwrap();
        assert_eq!(plain.transport, TransportKind::Directory);
        git2::Repository::init_bare(dir.path().join("bare.git")).unwrap();
        let bare =
            FeedLocation::detect(&dir.path().join("bare.git").display().to_string(), None).unwrap();
        assert_eq!(bare.transport, TransportKind::Git);
        for refused in [
            "ssh://git.example/feed.git",
            "git@git.example:acme/feed.git",
            "ftp://x/y",
        ] {
            assert!(FeedLocation::detect(refused, None).is_err(), "{refused}");
        }
    }
}
