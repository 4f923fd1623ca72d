//! A real git smart-HTTP server: git's own `git http-backend`, run as a CGI program per
//! request, so clients are tested against the reference implementation of the protocol
//! (v0 and v2, fetch and push) rather than an imitation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::files::percent_decode;
use super::server::{Reply, Request};

/// The value of `REMOTE_USER` the backend sees: any non-empty name makes `git http-backend`
/// enable `receive-pack` (push) for repositories that do not set `http.receivepack`.
pub const GIT_REMOTE_USER: &str = "candor-test";

/// Request headers the CGI environment does not pass on as `HTTP_*`: the body's framing
/// (the backend gets the decoded body and its length) and hop-by-hop headers.
const NOT_PASSED: [&str; 9] = [
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "expect",
    "te",
    "upgrade",
    "proxy-authorization",
];

/// A handler serving the git repositories under `project_root` over smart HTTP: every
/// request runs `git http-backend` as a CGI program and its output becomes the reply.
///
/// A repository `project_root/repo.git` is at `<server url>/repo.git`; every repository is
/// exported (`GIT_HTTP_EXPORT_ALL`), with no authentication. Both services work:
///
/// - fetch (`git-upload-pack`), protocol v0 and v2 (the `Git-Protocol` header reaches
///   the backend as `HTTP_GIT_PROTOCOL`), request bodies gzip-encoded or not (the
///   backend inflates them itself, told by `HTTP_CONTENT_ENCODING`);
/// - push (`git-receive-pack`): the backend runs with `REMOTE_USER` set to
///   [`GIT_REMOTE_USER`], which enables it for every repository; set
///   `http.receivepack false` in a repository's config to refuse pushes to it. Chunked
///   request bodies (git's large pushes) are decoded by the server first.
///
/// The backend runs with `GIT_CONFIG_NOSYSTEM=1` and `GIT_CONFIG_GLOBAL=/dev/null`, so
/// the developer's git configuration plays no part; `GIT_TRACE*` variables pass through
/// for debugging.
///
/// # Panics
///
/// If git's `http-backend` program cannot be found (git is not installed): neither
/// `$(git --exec-path)/git-http-backend` nor `/usr/lib/git-core/git-http-backend` exists.
pub fn git_http_backend(
    project_root: PathBuf,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let backend = find_backend().unwrap_or_else(|| {
        panic!(
            "git_http_backend needs git's http-backend program: neither \
             `git --exec-path`/git-http-backend nor /usr/lib/git-core/git-http-backend exists"
        )
    });
    move |request| run_backend(&backend, &project_root, request)
}

/// The `git http-backend` of the `git` on `PATH`, or Debian's.
fn find_backend() -> Option<PathBuf> {
    let exec_path = Command::new("git")
        .arg("--exec-path")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|path| PathBuf::from(path.trim()).join("git-http-backend"));
    exec_path
        .into_iter()
        .chain([PathBuf::from("/usr/lib/git-core/git-http-backend")])
        .find(|path| path.is_file())
}

/// `Content-Type` → `CONTENT_TYPE`, `Git-Protocol` → `HTTP_GIT_PROTOCOL`.
fn cgi_name(header: &str) -> String {
    let name: String = header
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("HTTP_{name}")
}

fn failure(status: u16, why: String) -> Reply {
    Reply::Response {
        status,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: why.into_bytes(),
    }
}

fn run_backend(backend: &Path, project_root: &Path, request: &Request) -> Reply {
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let Some(path_info) = percent_decode(path) else {
        return Reply::status(400);
    };
    let mut command = Command::new(backend);
    command
        .env_clear()
        .envs(std::env::vars_os().filter(|(name, _)| {
            name.to_str().is_some_and(|name| {
                ["PATH", "HOME", "TMPDIR", "LANG"].contains(&name) || name.starts_with("GIT_TRACE")
            })
        }))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("SERVER_SOFTWARE", "candor-test")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path_info)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("REMOTE_USER", GIT_REMOTE_USER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !request.body.is_empty() || request.header("content-length").is_some() {
        command.env("CONTENT_LENGTH", request.body.len().to_string());
    }
    if let Some(content_type) = request.header("content-type") {
        command.env("CONTENT_TYPE", content_type);
    }
    let mut passed: Vec<(String, String)> = Vec::new();
    for (name, value) in &request.headers {
        if NOT_PASSED.iter().any(|n| name.eq_ignore_ascii_case(n)) {
            continue;
        }
        let variable = cgi_name(name);
        match passed.iter_mut().find(|(v, _)| *v == variable) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
            None => passed.push((variable, value.clone())),
        }
    }
    command.envs(passed);

    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            return failure(500, format!("cannot run {}: {error}", backend.display()));
        }
    };
    let stdin = child.stdin.take();
    let output = std::thread::scope(|scope| {
        // Feed the body while the output is read: a large push and a large answer would
        // otherwise wait on each other.
        scope.spawn(|| {
            if let Some(mut stdin) = stdin {
                // The backend may answer without reading everything (an error): fine.
                let _ = stdin.write_all(&request.body);
            }
        });
        child.wait_with_output()
    });
    let output = match output {
        Ok(output) => output,
        Err(error) => return failure(500, format!("git http-backend failed: {error}")),
    };
    if output.stdout.is_empty() {
        return failure(
            500,
            format!(
                "git http-backend answered nothing ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        );
    }
    parse_cgi(&output.stdout).unwrap_or_else(|why| {
        failure(
            502,
            format!(
                "git http-backend's answer is not CGI ({why}); stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    })
}

/// A CGI answer (RFC 3875 §6): headers, a blank line, the body; `Status:` gives the
/// status (200 when absent).
fn parse_cgi(output: &[u8]) -> Result<Reply, &'static str> {
    let crlf = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let (end, separator) = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).ok_or("no blank line after the headers")?,
    };
    let head = std::str::from_utf8(&output[..end]).map_err(|_| "headers are not UTF-8")?;
    let mut status = 200;
    let mut headers = Vec::new();
    for line in head.lines() {
        let (name, value) = line
            .split_once(':')
            .ok_or("a header line without a colon")?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            status = value
                .split(' ')
                .next()
                .and_then(|code| code.parse().ok())
                .filter(|code| (100..1000).contains(code))
                .ok_or("a malformed Status header")?;
        } else {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(Reply::Response {
        status,
        headers,
        body: output[end + separator..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgi_answers_become_replies() {
        let reply = parse_cgi(b"Status: 404 Not Found\r\nExpires: x\r\n\r\nbody").unwrap();
        assert_eq!(
            reply,
            Reply::Response {
                status: 404,
                headers: vec![("Expires".to_owned(), "x".to_owned())],
                body: b"body".to_vec(),
            }
        );
        let reply = parse_cgi(b"Content-Type: a/b\n\n\r\n\r\nrest").unwrap();
        let Reply::Response { status, body, .. } = reply else {
            panic!("a response")
        };
        assert_eq!((status, body.as_slice()), (200, b"\r\n\r\nrest".as_slice()));
        assert!(parse_cgi(b"no blank line").is_err());
        assert!(parse_cgi(b"Status: abc\r\n\r\n").is_err());
        assert!(parse_cgi(b"no colon\r\n\r\n").is_err());
    }

    #[test]
    fn header_names_become_cgi_variables() {
        assert_eq!(cgi_name("Git-Protocol"), "HTTP_GIT_PROTOCOL");
        assert_eq!(cgi_name("content-encoding"), "HTTP_CONTENT_ENCODING");
    }
}
