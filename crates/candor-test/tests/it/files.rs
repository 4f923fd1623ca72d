//! The static file server: bytes, `ETag`s, conditional requests, and the paths it refuses.

use std::fmt::Write as _;
use std::path::Path;

use candor_test::http::{TlsIdentity, serve, serve_tls, static_files};
use reqwest::Certificate;
use reqwest::header::IF_NONE_MATCH;
use sha2::{Digest, Sha256};

use crate::{client, exchange, status_of};

fn feed(dir: &Path) {
    fs_err::create_dir_all(dir.join("agent/1.4.0")).unwrap();
    fs_err::write(dir.join("index.json"), b"{\"files\":[]}").unwrap();
    fs_err::write(dir.join("agent/1.4.0/notes.txt"), b"hello").unwrap();
}

fn etag_of(bytes: &[u8]) -> String {
    let mut tag = String::from("\"");
    for byte in Sha256::digest(bytes) {
        write!(tag, "{byte:02x}").unwrap();
    }
    tag.push('"');
    tag
}

#[test]
fn files_come_with_their_sha256_as_etag() {
    let dir = tempfile::tempdir().unwrap();
    feed(dir.path());
    let server = serve(static_files(dir.path().to_path_buf()));
    let client = client().build().unwrap();

    let response = client
        .get(format!("{}/index.json?cache=no", server.url()))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["etag"],
        etag_of(b"{\"files\":[]}").as_str()
    );
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.bytes().unwrap().as_ref(), b"{\"files\":[]}");

    let response = client
        .get(format!("{}/agent/1.4.0/notes.txt", server.url()))
        .send()
        .unwrap();
    assert_eq!(response.headers()["etag"], etag_of(b"hello").as_str());
    assert_eq!(response.text().unwrap(), "hello");

    let response = client
        .head(format!("{}/agent/1.4.0/notes.txt", server.url()))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "5");
    assert!(response.bytes().unwrap().is_empty());
}

#[test]
fn if_none_match_with_the_current_tag_answers_304_without_a_body() {
    let dir = tempfile::tempdir().unwrap();
    feed(dir.path());
    let server = serve(static_files(dir.path().to_path_buf()));
    let client = client().build().unwrap();
    let url = format!("{}/agent/1.4.0/notes.txt", server.url());
    let etag = etag_of(b"hello");
    for condition in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let response = client
            .get(&url)
            .header(IF_NONE_MATCH, &condition)
            .send()
            .unwrap();
        assert_eq!(response.status(), 304, "{condition}");
        assert_eq!(response.headers()["etag"], etag.as_str());
        assert!(response.bytes().unwrap().is_empty());
    }
    let raw = exchange(
        server.addr(),
        format!(
            "GET /agent/1.4.0/notes.txt HTTP/1.1\r\nIf-None-Match: {etag}\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(raw.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\n"), "no body: {raw}");

    // A stale tag gets the new content; the file is read on every request.
    fs_err::write(dir.path().join("agent/1.4.0/notes.txt"), b"changed").unwrap();
    let response = client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], etag_of(b"changed").as_str());
    assert_eq!(response.text().unwrap(), "changed");
}

#[test]
fn missing_files_directories_and_escapes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("feed");
    feed(&root);
    fs_err::write(dir.path().join("secret"), b"outside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret"), root.join("link")).unwrap();
    let server = serve(static_files(root));
    let get = |path: &str| {
        status_of(&exchange(
            server.addr(),
            format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n").as_bytes(),
        ))
    };
    assert_eq!(get("/missing.json"), 404);
    assert_eq!(get("/agent"), 404);
    assert_eq!(get("/"), 404);
    assert_eq!(get("/../secret"), 403);
    assert_eq!(get("/agent/../../secret"), 403);
    assert_eq!(get("/%2e%2e/secret"), 403);
    assert_eq!(get("/link"), 403);
    assert_eq!(get("/bad%zz"), 400);
    assert_eq!(get("/a\\b"), 400);
    let post = exchange(
        server.addr(),
        b"POST /index.json HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&post), 405);
    assert!(post.contains("\r\nAllow: GET, HEAD\r\n"));
}

#[test]
fn a_feed_over_https() {
    let dir = tempfile::tempdir().unwrap();
    feed(dir.path());
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(dir.path().to_path_buf()));
    let ca = Certificate::from_pem(identity.ca_pem.as_bytes()).unwrap();
    let client = client().tls_certs_only([ca]).build().unwrap();
    let response = client
        .get(format!("{}/index.json", server.url()))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "{\"files\":[]}");
}
