//! Signed documents for the tests: manifests, audits and responses of the sample tool,
//! signed with deterministic keys.

use std::path::{Path, PathBuf};

use candor_feed::location::FeedLocation;
use candor_feed::store::{FeedOptions, Store};
use candor_model::IN_TOTO_PAYLOAD_TYPE;
use candor_model::Subject;
use candor_model::digest::DigestSet;
use candor_model::manifest::Declaration;
use candor_sign::dsse;
use candor_sign::keys::PrivateKey;

/// The key of vendor number `n`.
pub fn key(n: u8) -> PrivateKey {
    PrivateKey::from_seed(&[n; 32])
}

/// A signed manifest of `agent` at `version` about an artifact with the text
/// `artifact`, by `signer`; `note` varies the document without changing the release;
/// `supersedes` names a manifest envelope it replaces.
pub fn manifest(
    version: &str,
    signer: &PrivateKey,
    note: &str,
    supersedes: Option<&[u8]>,
) -> Vec<u8> {
    let text = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/agent@{version}"),
        )
        .replace("tag = \"v1.4.0\"", &format!("tag = \"v{version}\""))
        .replace("prompt text", &format!("prompt text{note}"));
    let declaration = Declaration::from_toml(&text, "candor.toml").unwrap();
    let mut statement = declaration.to_statement_with(vec![Subject {
        name: format!("pkg:generic/agent@{version}"),
        digest: artifact_digest(version),
    }]);
    statement.predicate.supersedes = supersedes.map(candor_sign::artifact::sha256_of);
    dsse::sign(
        IN_TOTO_PAYLOAD_TYPE,
        &statement.to_canonical_json(),
        &[signer],
    )
    .to_json()
    .into_bytes()
}

/// The digests of the artifact of `version` (its bytes: `agent <version>`).
pub fn artifact_digest(version: &str) -> DigestSet {
    candor_sign::artifact::digest_bytes(format!("agent {version}\n").as_bytes())
}

/// Write `bytes` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(&path, bytes).unwrap();
    path
}

/// A store in `dir/store` with the feed `name` at `location`.
pub fn store_with_feed(dir: &Path, name: &str, location: &str) -> Store {
    let mut store = Store::open(&dir.join("store")).unwrap();
    let location = FeedLocation::detect(location, None).unwrap();
    store
        .add_feed(name, &location, &FeedOptions::default())
        .unwrap();
    store
}

/// A feed directory in `dir/feed` holding manifests of `versions` by vendor 1; the
/// published paths, in the order given.
pub fn published_feed(dir: &Path, versions: &[&str]) -> (PathBuf, Vec<String>) {
    let feed_dir = dir.join("feed");
    let files: Vec<PathBuf> = versions
        .iter()
        .map(|v| {
            write(
                dir,
                &format!("in/{v}.dsse.json"),
                &manifest(v, &key(1), "", None),
            )
        })
        .collect();
    let location = FeedLocation::detect(&feed_dir.display().to_string(), None).unwrap();
    let report = candor_feed::publish::publish(
        &files,
        &location,
        &candor_feed::publish::PublishOptions::default(),
        None,
    )
    .unwrap();
    (
        feed_dir,
        report.documents.into_iter().map(|d| d.path).collect(),
    )
}

/// A store in `dir/store` with an HTTPS feed `name` at `url`, trusting `ca_pem`, with a
/// short request deadline.
pub fn store_with_https_feed(dir: &Path, name: &str, url: &str, ca_pem: &str) -> Store {
    let mut store = Store::open(&dir.join("store")).unwrap();
    let location = FeedLocation::detect(url, None).unwrap();
    store
        .add_feed(
            name,
            &location,
            &FeedOptions {
                ca_certificates: vec![ca_pem.to_owned()],
                timeout_seconds: Some(2),
                ..FeedOptions::default()
            },
        )
        .unwrap();
    store
}
