//! HTTPS: a client that trusts only the test CA gets through, any other client does not,
//! and the server behaves over TLS as it does over TCP.

use std::time::{Duration, Instant};

use candor_test::http::{Reply, TlsIdentity, serve_tls};
use reqwest::Certificate;

use crate::client;

fn trusting(identity: &TlsIdentity) -> reqwest::blocking::ClientBuilder {
    let ca = Certificate::from_pem(identity.ca_pem.as_bytes()).unwrap();
    client().tls_certs_only([ca])
}

#[test]
fn a_client_that_trusts_the_ca_gets_through_by_ip_and_by_name() {
    let identity = TlsIdentity::new();
    assert!(identity.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let server = serve_tls(&identity, |request| Reply::ok(request.path.clone()));
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let client = trusting(&identity).build().unwrap();
    for url in [
        format!("{}/by-ip", server.url()),
        format!("https://localhost:{}/by-name", server.addr().port()),
    ] {
        let response = client.get(&url).send().unwrap();
        assert_eq!(response.status(), 200);
        let path = url.rsplit('/').next().unwrap();
        assert_eq!(response.text().unwrap(), format!("/{path}"));
    }
    client
        .get(format!("{}/again", server.url()))
        .send()
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].connection, requests[2].connection,
        "keep-alive over TLS"
    );
}

#[test]
fn a_client_that_does_not_trust_the_ca_is_refused() {
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, |_| Reply::ok("secret"));
    let other = TlsIdentity::new();
    assert_ne!(identity.ca_pem, other.ca_pem);
    for builder in [trusting(&other), client()] {
        let error = builder
            .build()
            .unwrap()
            .get(server.url())
            .send()
            .unwrap_err();
        assert!(error.is_connect(), "{error:?}");
    }
    // The plain-HTTP scheme against the TLS port gets no answer either.
    let plain = format!("http://{}", server.addr());
    assert!(client().build().unwrap().get(plain).send().is_err());
    assert!(server.requests().is_empty());
}

#[test]
fn the_ca_written_to_a_file_is_the_one_clients_trust() {
    let identity = TlsIdentity::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    identity.write_ca(&path).unwrap();
    let pem = fs_err::read(&path).unwrap();
    assert_eq!(pem, identity.ca_pem.as_bytes());
    let der = Certificate::from_der(identity.ca_der()).unwrap();
    let server = serve_tls(&identity, |_| Reply::ok("ok"));
    let response = client()
        .tls_certs_only([der])
        .build()
        .unwrap()
        .get(server.url())
        .send()
        .unwrap();
    assert_eq!(response.text().unwrap(), "ok");
}

#[test]
fn faults_behave_the_same_over_tls() {
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, |request| match request.path.as_str() {
        "/stall" => Reply::Stall,
        _ => Reply::Truncated {
            body: b"part".to_vec(),
            declared: 10,
        },
    });
    let response = trusting(&identity)
        .build()
        .unwrap()
        .get(format!("{}/cut", server.url()))
        .send()
        .unwrap();
    assert_eq!(response.content_length(), Some(10));
    assert!(response.bytes().is_err());
    let impatient = trusting(&identity)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = impatient
        .get(format!("{}/stall", server.url()))
        .send()
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
}
