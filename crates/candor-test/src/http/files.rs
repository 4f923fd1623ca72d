//! A static file server: what an HTTPS feed is (GET, HEAD, `ETag`, conditional requests).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::server::{Reply, Request};

/// A handler serving the files under `root` read-only:
///
/// - `GET` and `HEAD` of a file answer `200` with its bytes, an `ETag` of
///   `"<sha256 hex of the file>"` and a `Content-Type` guessed from the extension;
/// - `If-None-Match` naming that tag (weak or strong, in a list, or `*`) answers `304`
///   with the `ETag` and no body;
/// - a missing file or a directory answers `404`; other methods `405`;
/// - a path with a `..` segment (percent-encoded or not), or one that leads out of
///   `root` through a symbolic link, answers `403`; a malformed percent-encoding `400`.
///
/// The query string is ignored. Files are read on every request, so a test may change
/// them between requests.
pub fn static_files(root: PathBuf) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |request| serve_file(&root, request)
}

fn serve_file(root: &Path, request: &Request) -> Reply {
    if request.method != "GET" && request.method != "HEAD" {
        return Reply::status(405).with_header("Allow", "GET, HEAD");
    }
    let Some(relative) = percent_decode(request.path_without_query()) else {
        return Reply::status(400);
    };
    let mut path = root.to_path_buf();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Reply::status(403),
            _ if segment.contains(['\\', '\0']) => return Reply::status(400),
            _ => path.push(segment),
        }
    }
    match (root.canonicalize(), path.canonicalize()) {
        (Ok(root), Ok(real)) if !real.starts_with(&root) => return Reply::status(403),
        (_, Ok(real)) if !real.is_file() => return Reply::status(404),
        _ => {}
    }
    let bytes = match fs_err::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == ErrorKind::NotFound => return Reply::status(404),
        Err(error) => {
            return Reply::Response {
                status: 500,
                headers: Vec::new(),
                body: error.to_string().into_bytes(),
            };
        }
    };
    let etag = format!("\"{}\"", sha256_hex(&bytes));
    let not_modified = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("if-none-match"))
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    if not_modified {
        return Reply::status(304).with_header("ETag", etag);
    }
    Reply::ok(bytes)
        .with_header("ETag", etag)
        .with_header("Content-Type", content_type(&path))
}

/// Lowercase hex of the SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        Some("txt" | "md" | "toml") => "text/plain; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `%XX` decoded; `None` for a malformed escape or a result that is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b/%2e%2E").as_deref(), Some("/a b/.."));
        assert_eq!(percent_decode("/plain").as_deref(), Some("/plain"));
        for bad in ["%", "%2", "%zz", "%+1", "%ff"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_etag_digest_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
