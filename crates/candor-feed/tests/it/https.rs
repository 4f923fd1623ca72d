//! Static HTTPS feeds against a real TLS server on 127.0.0.1 whose certificate the test
//! makes and trusts explicitly: every file checked against the index, and each fault a
//! server can commit (stall, error status, endless or truncated body, wrong bytes, a
//! redirect elsewhere) gives a clear error, leaves the store unchanged, and a later sync
//! succeeds (ADVERSARIAL.md E4, F1–F3, F11).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use candor_feed::FeedError;
use candor_feed::sync::{SyncOptions, sync};
use candor_test::http::{Reply, Request, TlsIdentity, serve_tls, static_files};

use crate::support::{published_feed, store_with_https_feed};

#[test]
fn sync_over_https_checks_every_file_and_uses_the_etag() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, paths) = published_feed(dir.path(), &["1.4.0", "1.5.0"]);
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(feed_dir));
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 2);
    assert!(synced.state.is_some(), "the index's ETag is recorded");
    let again = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert!(again.unchanged, "{again:#?}");
    let requests = server.requests();
    let last = requests.last().unwrap();
    assert_eq!(last.path, "/index.json");
    assert!(last.header("If-None-Match").is_some());
    // Each document was fetched once, and only after the index.
    for path in &paths {
        assert_eq!(
            requests
                .iter()
                .filter(|r| r.path == format!("/{path}"))
                .count(),
            1
        );
    }
}

#[test]
fn a_server_the_client_does_not_trust_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, _) = published_feed(dir.path(), &["1.4.0"]);
    let server = serve_tls(&TlsIdentity::new(), static_files(feed_dir));
    // Trusting another CA: the TLS handshake fails, nothing is stored.
    let mut store = store_with_https_feed(
        dir.path(),
        "vendor",
        &server.url(),
        &TlsIdentity::new().ca_pem,
    );
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::Http { .. }), "{error}");
    assert!(error.to_string().contains("index.json"), "{error}");
    assert_eq!(store.document_count().unwrap(), 0);
}

/// A server that commits `fault` for requests `when` selects until `healed` is set, then
/// serves the feed.
fn faulty(
    feed_dir: std::path::PathBuf,
    when: impl Fn(&Request) -> bool + Send + Sync + 'static,
    fault: Reply,
) -> (
    impl Fn(&Request) -> Reply + Send + Sync + 'static,
    Arc<AtomicBool>,
) {
    let healed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&healed);
    let files = static_files(feed_dir);
    (
        move |request: &Request| {
            if !flag.load(Ordering::SeqCst) && when(request) {
                fault.clone()
            } else {
                files(request)
            }
        },
        healed,
    )
}

#[track_caller]
fn fault_then_recovery(
    when: impl Fn(&Request) -> bool + Send + Sync + 'static,
    fault: Reply,
    expect: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, _) = published_feed(dir.path(), &["1.4.0", "1.5.0"]);
    let identity = TlsIdentity::new();
    let (handler, healed) = faulty(feed_dir, when, fault);
    let server = serve_tls(&identity, handler);
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let started = std::time::Instant::now();
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        candor_feed::http::error_chain(&error).contains(expect),
        "expected {expect:?} in: {}",
        candor_feed::http::error_chain(&error)
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the fault held the sync"
    );
    assert_eq!(store.document_count().unwrap(), 0, "the store is unchanged");
    assert_eq!(store.counts("vendor").unwrap(), 0);
    assert_eq!(store.feed("vendor").unwrap().state, None);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    healed.store(true, Ordering::SeqCst);
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.listed, 2);
    assert_eq!(store.document_count().unwrap(), 2);
}

fn index(request: &Request) -> bool {
    request.path == "/index.json"
}

fn a_document(request: &Request) -> bool {
    request.path.contains("/1.5.0/")
}

#[test]
fn f2_a_stalled_server_times_out() {
    fault_then_recovery(index, Reply::Stall, "timed out");
}

#[test]
fn f2_a_slow_drip_is_cut_by_the_deadline() {
    fault_then_recovery(
        a_document,
        Reply::Drip {
            body: vec![b'{'; 1000],
            every: Duration::from_millis(50),
        },
        "timed out",
    );
}

#[test]
fn f1_an_error_status_is_reported() {
    fault_then_recovery(index, Reply::status(500), "the server answered 500");
}

#[test]
fn e4_an_endless_body_stops_at_the_cap() {
    // A document's cap is its size in the index: a few kilobytes.
    fault_then_recovery(
        a_document,
        Reply::Endless { status: 200 },
        "the limit for a feed document",
    );
}

#[test]
fn f3_a_truncated_body_is_refused() {
    fault_then_recovery(
        a_document,
        Reply::Truncated {
            body: b"{\"payload\"".to_vec(),
            declared: 5000,
        },
        "",
    );
}

#[test]
fn a_file_that_is_not_what_the_index_says_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, paths) = published_feed(dir.path(), &["1.4.0"]);
    // The served bytes: another (valid) document, same size, after the index was made.
    let path = feed_dir.join(&paths[0]);
    let mut bytes = fs_err::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b' ' { b'\t' } else { b' ' };
    let tampered = bytes.clone();
    let identity = TlsIdentity::new();
    let (handler, healed) = faulty(feed_dir, a_document_140, Reply::ok(tampered));
    let server = serve_tls(&identity, handler);
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::DigestMismatch { .. }), "{error}");
    assert!(error.is_refusal());
    assert_eq!(store.document_count().unwrap(), 0);
    healed.store(true, Ordering::SeqCst);
    sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(store.document_count().unwrap(), 1);
}

fn a_document_140(request: &Request) -> bool {
    request.path.contains("/1.4.0/")
}

#[test]
fn an_index_listing_a_file_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, _) = published_feed(dir.path(), &["1.4.0"]);
    let index = fs_err::read_to_string(feed_dir.join("index.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&index).unwrap();
    let files = value["files"].as_array_mut().unwrap();
    files.push(files[0].clone());
    fs_err::write(
        feed_dir.join("index.json"),
        serde_json::to_string(&value).unwrap(),
    )
    .unwrap();
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(feed_dir));
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::Index(_)), "{error}");
    assert!(
        candor_feed::http::error_chain(&error).contains("listed twice"),
        "{error}"
    );
}

#[test]
fn an_index_entry_escaping_the_feed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, _) = published_feed(dir.path(), &["1.4.0"]);
    let index = fs_err::read_to_string(feed_dir.join("index.json")).unwrap();
    let escaped = index.replacen("\"path\": \"agent/", "\"path\": \"../agent/", 1);
    fs_err::write(feed_dir.join("index.json"), escaped).unwrap();
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(feed_dir));
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        candor_feed::http::error_chain(&error).contains("$.files[0].path"),
        "{error}"
    );
    assert!(server.requests().iter().all(|r| !r.path.contains("..")));
}

#[test]
fn f9_redirects_stay_within_the_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, _) = published_feed(dir.path(), &["1.4.0"]);
    let identity = TlsIdentity::new();
    let elsewhere = serve_tls(&identity, static_files(feed_dir.clone()));
    let target = format!("{}/index.json", elsewhere.url());
    let files = static_files(feed_dir);
    let server = serve_tls(&identity, move |request: &Request| {
        match request.path.as_str() {
            "/index.json" => Reply::redirect(302, target.clone()),
            "/moved/index.json" => Reply::redirect(301, "/index2.json"),
            _ => files(request),
        }
    });
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        candor_feed::http::error_chain(&error).contains("another origin"),
        "{error}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "nothing was sent to the other origin"
    );
}

#[test]
fn a_failed_sync_resumes_without_fetching_again() {
    let dir = tempfile::tempdir().unwrap();
    let (feed_dir, paths) = published_feed(dir.path(), &["1.4.0", "1.5.0"]);
    let identity = TlsIdentity::new();
    // 1.4.0 is served; 1.5.0 fails the first time.
    let (handler, healed) = faulty(feed_dir, a_document, Reply::status(503));
    let server = serve_tls(&identity, handler);
    let mut store = store_with_https_feed(dir.path(), "vendor", &server.url(), &identity.ca_pem);
    sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    healed.store(true, Ordering::SeqCst);
    sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    let first = format!("/{}", paths[0]);
    assert_eq!(
        server.requests().iter().filter(|r| r.path == first).count(),
        1,
        "the document staged by the failed sync is not fetched again"
    );
}

#[test]
fn f11_plain_http_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = candor_feed::store::Store::open(&dir.path().join("store")).unwrap();
    let error = candor_feed::feeds::add(
        &mut store,
        &candor_feed::feeds::AddRequest {
            name: "vendor".to_owned(),
            location: "http://user:secret@127.0.0.1:1/feed/".to_owned(),
            transport: None,
            ca_certificates: Vec::new(),
            allow_http: false,
            timeout_seconds: None,
        },
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("plain http:// is refused"), "{message}");
    assert!(
        !message.contains("secret"),
        "credentials printed: {message}"
    );
}
