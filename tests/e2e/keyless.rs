//! `candor sign --sigstore` against a Fulcio and a Rekor played by a local HTTP server on
//! 127.0.0.1 that answers with the shapes the real services answer with. This proves the
//! requests candor sends (token, public key, proof of possession, the DSSE entry holding
//! exactly the canonical Statement) and how it builds the bundle from the answers; the
//! real services' certificates and log proofs are out of reach here (no internet), and
//! verification of real bundles is covered by the conformance cases instead.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine as _;

use crate::support::{Run, Workspace};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One request the fake services received.
#[derive(Debug, Clone)]
struct Request {
    path: String,
    authorization: Option<String>,
    body: serde_json::Value,
}

/// A fake Fulcio + Rekor: `fulcio_status` is the status of the certificate answer.
struct FakeSigstore {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

/// A stand-in leaf certificate: DER-shaped bytes (the client does not parse them).
const LEAF_DER: &[u8] = b"\x30\x82\x01\x00fake-leaf-certificate-for-candor-tests";

impl FakeSigstore {
    fn start(fulcio_status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                    continue;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let mut length = 0;
                let mut authorization = None;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).expect("read header");
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().expect("content length");
                        }
                        if name.eq_ignore_ascii_case("authorization") {
                            authorization = Some(value.trim().to_owned());
                        }
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("read body");
                let body: serde_json::Value =
                    serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                let (status, answer) = answer(&path, &body, fulcio_status);
                seen.lock().expect("lock").push(Request {
                    path,
                    authorization,
                    body,
                });
                let answer = answer.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

/// What Fulcio and Rekor answer (shapes of their v2 signingCert and v1 log/entries APIs).
fn answer(path: &str, body: &serde_json::Value, fulcio_status: u16) -> (u16, serde_json::Value) {
    match path {
        "/api/v2/signingCert" if fulcio_status != 201 => (
            fulcio_status,
            serde_json::json!({ "code": fulcio_status, "message": "error processing the identity token" }),
        ),
        "/api/v2/signingCert" => {
            let pem = format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                B64.encode(LEAF_DER)
            );
            (
                201,
                serde_json::json!({ "signedCertificateEmbeddedSct": { "chain": { "certificates": [pem] } } }),
            )
        }
        "/api/v1/log/entries" => {
            let entry_body = B64.encode(body.to_string());
            (
                201,
                serde_json::json!({
                    "24296fb24b8ad77a1ad7edcd612f1e4a2c12b8c9d3e7a1b5f4e6c8d0a2b4c6e8f0a1b2c3d4e5f6a7": {
                        "body": entry_body,
                        "integratedTime": 1_763_700_000,
                        "logID": "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
                        "logIndex": 4242,
                        "verification": {
                            "signedEntryTimestamp": B64.encode(b"a signed entry timestamp"),
                            "inclusionProof": {
                                "checkpoint": "rekor.sigstore.dev - 1193050959916656506\n4243\nq83rvK0dRevE3jBIAF8DXtWeRgXF3/UuZ2qBlvJzbDI=\n\n\u{2014} rekor.sigstore.dev wNI9ajBEAiB3\n",
                                "hashes": ["ab83ebbcad1d45ebc4de3048005f035ed59e4605c5dff52e676a8196f2736c32"],
                                "logIndex": 4242,
                                "rootHash": "ab83ebbcad1d45ebc4de3048005f035ed59e4605c5dff52e676a8196f2736c32",
                                "treeSize": 4243
                            }
                        }
                    }
                }),
            )
        }
        // GitHub Actions' token service (ACTIONS_ID_TOKEN_REQUEST_URL).
        _ if path.starts_with("/actions-token") => (200, serde_json::json!({ "value": token() })),
        _ => (404, serde_json::json!({ "message": "not found" })),
    }
}

/// An unsigned JWT with the claims Fulcio reads (it authenticates tokens; this client
/// only reads the identity from it).
fn token() -> String {
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        serde_json::json!({
            "iss": "https://token.actions.githubusercontent.com",
            "sub": "repo:acme/agent:ref:refs/tags/v1.4.0",
            "aud": "sigstore",
            "exp": 4_102_444_800_u64,
            "email": "release@acme.example",
        })
        .to_string(),
    );
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

fn sign(ws: &Workspace, services: &FakeSigstore, token: Option<&str>) -> Run {
    let mut command = keyless_command(ws, services);
    match token {
        Some(token) => command.env("SIGSTORE_ID_TOKEN", token),
        None => command.env_remove("SIGSTORE_ID_TOKEN"),
    };
    Run::of(&mut command)
}

fn keyless_command(ws: &Workspace, services: &FakeSigstore) -> assert_cmd::Command {
    let mut command = ws.candor();
    command
        .args(["sign", "--sigstore", "--fulcio-url", &services.url])
        .args(["--rekor-url", &services.url])
        .args(["statement.json", "--out", "manifest.sigstore.json"])
        .env("CI", "true")
        // Nothing ambient: no CI system's token service may be asked.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .env_remove("GITLAB_CI")
        .env_remove("BUILDKITE");
    command
}

#[test]
fn keyless_signing_sends_the_right_requests_and_writes_a_bundle() {
    let ws = Workspace::new();
    ws.release();
    let services = FakeSigstore::start(201);
    let token = token();
    let run = sign(&ws, &services, Some(&token));
    run.success();
    assert!(
        run.stdout.starts_with(
            "signed statement.json (behaviour manifest) keylessly as release@acme.example\n"
        ),
        "{run}"
    );

    let requests = services.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/api/v2/signingCert", "/api/v1/log/entries"]);
    // Fulcio: the token, a PEM public key, a proof of possession.
    let fulcio = &requests[0].body;
    assert_eq!(fulcio["credentials"]["oidcIdentityToken"], token.as_str());
    let key = fulcio["publicKeyRequest"]["publicKey"]["content"]
        .as_str()
        .unwrap();
    assert!(key.starts_with("-----BEGIN PUBLIC KEY-----"), "{key}");
    assert!(
        !fulcio["publicKeyRequest"]["proofOfPossession"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Rekor: a dsse entry whose envelope carries exactly the canonical Statement.
    let rekor = &requests[1].body;
    assert_eq!(rekor["kind"], "dsse");
    let envelope: serde_json::Value = serde_json::from_str(
        rekor["spec"]["proposedContent"]["envelope"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let statement = candor_model::AnyStatement::from_json(
        ws.read("statement.json").as_bytes(),
        "statement.json",
    )
    .unwrap();
    let canonical = statement.to_canonical_json();
    assert_eq!(
        B64.decode(envelope["payload"].as_str().unwrap()).unwrap(),
        canonical
    );

    // The bundle: v0.3, the certificate Fulcio issued, the entry Rekor logged, the
    // envelope that was logged.
    let bundle: serde_json::Value =
        serde_json::from_str(&ws.read("manifest.sigstore.json")).unwrap();
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        bundle["verificationMaterial"]["certificate"]["rawBytes"],
        B64.encode(LEAF_DER)
    );
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["logIndex"], "4242");
    assert_eq!(entry["kindVersion"]["kind"], "dsse");
    assert_eq!(entry["integratedTime"], "1763700000");
    assert_eq!(
        B64.decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap(),
        canonical
    );
    assert_eq!(
        bundle["dsseEnvelope"]["signatures"][0]["sig"],
        envelope["signatures"][0]["sig"]
    );
}

#[test]
fn keyless_signing_failures_name_the_step() {
    let ws = Workspace::new();
    ws.release();
    // Fulcio refuses the token.
    let services = FakeSigstore::start(401);
    let run = sign(&ws, &services, Some(&token()));
    run.code(2);
    assert!(
        run.stderr.contains(&format!(
            "Fulcio ({}) did not issue a signing certificate",
            services.url
        )),
        "{run}"
    );
    assert!(!ws.exists("manifest.sigstore.json"));
    // Not a JWT.
    let run = sign(&ws, &services, Some("not-a-token"));
    run.code(2);
    assert!(run.stderr.contains("identity token: "), "{run}");
    // No token, in CI: no interactive flow, a hint instead; nothing was sent.
    let quiet = FakeSigstore::start(201);
    let run = sign(&ws, &quiet, None);
    run.code(2);
    assert!(run.stderr.contains("no OIDC identity token"), "{run}");
    assert!(run.stderr.contains("hint: "), "{run}");
    assert!(quiet.requests().is_empty());
}

#[test]
fn the_github_actions_token_is_found_in_ci() {
    let ws = Workspace::new();
    ws.release();
    let services = FakeSigstore::start(201);
    let mut command = keyless_command(&ws, &services);
    command
        .env_remove("SIGSTORE_ID_TOKEN")
        .env("GITHUB_ACTIONS", "true")
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!("{}/actions-token?api-version=2.0", services.url),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-request-token");
    let run = Run::of(&mut command);
    run.success();
    let requests = services.requests();
    assert!(
        requests[0].path.starts_with("/actions-token"),
        "{requests:?}"
    );
    assert!(
        requests[0].path.contains("audience=sigstore"),
        "{requests:?}"
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some("Bearer runner-request-token")
    );
    assert_eq!(requests[1].path, "/api/v2/signingCert");
    assert_eq!(
        requests[1].body["credentials"]["oidcIdentityToken"],
        token().as_str()
    );
}
