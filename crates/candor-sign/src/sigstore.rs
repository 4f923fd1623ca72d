//! Sigstore bundles, verified offline.
//!
//! A bundle (media types v0.1–v0.3, `application/vnd.dev.sigstore.bundle+json;version=0.x`
//! and `application/vnd.dev.sigstore.bundle.v0.3+json`) carries a DSSE envelope (our
//! attestations) or a message signature (a plain artifact), the signer's certificate or a
//! public-key hint, and transparency-log and timestamp evidence. Verification is done by
//! the `sigstore-verify` crate against a trusted root, with no network: certificate chain
//! to the root's CAs, validity at the signing time, SCTs, Rekor inclusion proof and
//! checkpoint (v1 and v2 logs), signed entry timestamps, RFC 3161 timestamps, and the log
//! entry matching the signature and the artifact.
//!
//! What candor adds around it:
//! - the bundle and a trusted root are read strictly first (size cap, UTF-8, no BOM, no
//!   duplicate keys at any depth: `sigstore-verify` parses with serde, which keeps the
//!   last of two equal keys, a parser differential);
//! - the identity is matched here, after every cryptographic check passed: the issuer
//!   exactly, the subject (the certificate's email or URI SAN) exactly or by a candor
//!   [`Pattern`] (anchored; `*` any run, `?` one character, `\` escapes; nothing else is
//!   special, so a URL's `.` and `?`… only mean themselves where escaped — see
//!   `candor_model::pattern`);
//! - every failure is a [`SigstoreError`] naming the check that failed ([`SigstoreError::check`]).

use std::path::Path;

use candor_model::signer::IdentityMatcher;
pub use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::trust_root::{
    SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT,
};
use sigstore_verify::types::{Artifact, Bundle, DerPublicKey, Sha256Hash};
use sigstore_verify::{
    CertificateError, Error as VerifyError, PublicKeyVerificationPolicy, TimestampError,
    TransparencyLogError, VerificationPolicy,
};

use crate::file::Input;
use crate::verify::Check;

/// Largest bundle or trusted root read (a bundle is a few kilobytes).
pub const MAX_SIGSTORE_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Which trusted root to verify against when no file is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instance {
    /// The Sigstore public-good production instance (the default).
    Production,
    /// The Sigstore staging instance.
    Staging,
}

/// Who must have signed a bundle.
#[derive(Debug, Clone)]
pub enum BundleSigner {
    /// A keyless (Fulcio) signer: the certificate's OIDC issuer, exactly, and its subject
    /// by pattern ([`candor_model::pattern::Pattern::exact`] for one exact subject).
    Identity(IdentityMatcher),
    /// A managed key: the bundle's signature must verify with this public key.
    Key(DerPublicKey),
    /// Any certificate that chains to the trusted root: every check but the identity,
    /// for a caller that matches the returned subject and issuer against several
    /// trusted identities itself.
    AnyCertificate,
}

/// The artifact a bundle must be about.
#[derive(Debug, Clone, Copy)]
pub enum ArtifactRef<'a> {
    /// Its bytes.
    Bytes(&'a [u8]),
    /// Its SHA-256 digest (the bytes are not at hand).
    Sha256([u8; 32]),
}

/// A SHA-256 digest from its 64 hex digits (either case), for [`ArtifactRef::Sha256`].
pub fn sha256_from_hex(hex: &str) -> Option<[u8; 32]> {
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex, &mut digest).ok()?;
    Some(digest)
}

/// What a verified bundle established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The certificate subject (email or URI), for a keyless signature.
    pub subject: Option<String>,
    /// The certificate's OIDC issuer, for a keyless signature.
    pub issuer: Option<String>,
    /// The Rekor v1 integrated time, RFC 3339, when the log gave one.
    pub integrated_time: Option<String>,
    /// Every authenticated time used (signed entry timestamps, RFC 3161 timestamps).
    pub verified_times: Vec<String>,
    /// The DSSE payload type and payload, when the bundle holds an envelope.
    pub dsse: Option<(String, Vec<u8>)>,
    /// What the verification established, check by check (what `-v` prints).
    pub checks: Vec<Check>,
}

/// Why a bundle was rejected; [`SigstoreError::check`] names the failed check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigstoreError {
    /// The file could not be read, or is not a Sigstore document of a supported version.
    #[error("{file}: {reason}")]
    Document {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The file is not strict JSON (size, encoding, duplicate keys).
    #[error("{0}")]
    Json(candor_model::error::DocumentError),
    /// The bundle parsed but is inconsistent (a proof without its checkpoint, …).
    #[error("invalid bundle: {0}")]
    Invalid(String),
    /// The trusted root is unusable.
    #[error("trusted root: {0}")]
    TrustedRoot(String),
    /// The bundle is well-formed but of a kind that cannot be verified.
    #[error("unsupported bundle: {0}")]
    Unsupported(String),
    /// The certificate does not chain to a certificate authority of the trusted root.
    #[error("certificate chain: {0}")]
    Chain(String),
    /// The certificate (or a CA) was not valid at the signing time.
    #[error(
        "certificate validity: {0} (the signature was not made while the certificate was valid)"
    )]
    Time(String),
    /// The certificate's signed certificate timestamp does not verify.
    #[error("certificate transparency (SCT): {0}")]
    Sct(String),
    /// The transparency-log inclusion proof does not verify.
    #[error("transparency log inclusion proof: {0}")]
    InclusionProof(String),
    /// The log checkpoint (signed tree head) does not verify.
    #[error("transparency log checkpoint: {0}")]
    Checkpoint(String),
    /// The log's signed entry timestamp (inclusion promise) does not verify.
    #[error("transparency log signed entry timestamp: {0}")]
    InclusionPromise(String),
    /// The log entry is for another signature or artifact, or from an unknown log.
    #[error("transparency log entry: {0}")]
    LogEntry(String),
    /// An RFC 3161 timestamp does not verify, or no trusted time was available.
    #[error("timestamp: {0}")]
    Timestamp(String),
    /// The signature does not verify over the content.
    #[error("signature: {0}")]
    Signature(String),
    /// The bundle signs another artifact.
    #[error("artifact: {0}")]
    Artifact(String),
    /// The certificate's issuer is not the one required.
    #[error("identity: the certificate's OIDC issuer is {actual}; the policy requires {expected}")]
    Issuer {
        /// Required (exact text quoted, or a regular expression).
        expected: String,
        /// In the certificate.
        actual: String,
    },
    /// The certificate's subject does not match.
    #[error("identity: the certificate's subject is {actual}; the policy requires {expected}")]
    Subject {
        /// Required (exact text or pattern, quoted).
        expected: String,
        /// In the certificate.
        actual: String,
    },
}

impl SigstoreError {
    /// Whether the message starts with the file it is about.
    pub fn names_file(&self) -> bool {
        matches!(
            self,
            SigstoreError::Document { .. } | SigstoreError::Json(_)
        )
    }

    /// The check that failed, in a word or two: `document`, `bundle`, `trusted root`,
    /// `unsupported`, `chain`, `time`, `sct`, `inclusion proof`, `checkpoint`,
    /// `signed entry timestamp`, `log entry`, `timestamp`, `signature`, `artifact`,
    /// `identity`.
    pub fn check(&self) -> &'static str {
        match self {
            SigstoreError::Document { .. } | SigstoreError::Json(_) => "document",
            SigstoreError::Invalid(_) => "bundle",
            SigstoreError::TrustedRoot(_) => "trusted root",
            SigstoreError::Unsupported(_) => "unsupported",
            SigstoreError::Chain(_) => "chain",
            SigstoreError::Time(_) => "time",
            SigstoreError::Sct(_) => "sct",
            SigstoreError::InclusionProof(_) => "inclusion proof",
            SigstoreError::Checkpoint(_) => "checkpoint",
            SigstoreError::InclusionPromise(_) => "signed entry timestamp",
            SigstoreError::LogEntry(_) => "log entry",
            SigstoreError::Timestamp(_) => "timestamp",
            SigstoreError::Signature(_) => "signature",
            SigstoreError::Artifact(_) => "artifact",
            SigstoreError::Issuer { .. } | SigstoreError::Subject { .. } => "identity",
        }
    }
}

impl SigstoreError {
    /// A stable, kebab-case name of the failure: the failed check
    /// ([`SigstoreError::check`]) with its words joined by `-`.
    pub fn kind(&self) -> &'static str {
        match self {
            SigstoreError::Document { .. } | SigstoreError::Json(_) => "document",
            SigstoreError::Invalid(_) => "bundle",
            SigstoreError::TrustedRoot(_) => "trusted-root",
            SigstoreError::Unsupported(_) => "unsupported",
            SigstoreError::Chain(_) => "chain",
            SigstoreError::Time(_) => "time",
            SigstoreError::Sct(_) => "sct",
            SigstoreError::InclusionProof(_) => "inclusion-proof",
            SigstoreError::Checkpoint(_) => "checkpoint",
            SigstoreError::InclusionPromise(_) => "signed-entry-timestamp",
            SigstoreError::LogEntry(_) => "log-entry",
            SigstoreError::Timestamp(_) => "timestamp",
            SigstoreError::Signature(_) => "signature",
            SigstoreError::Artifact(_) => "artifact",
            SigstoreError::Issuer { .. } | SigstoreError::Subject { .. } => "identity",
        }
    }
}

/// Reads a file strictly as JSON text (size cap, UTF-8, no BOM, no duplicate keys).
fn read_document(path: &Path) -> Result<String, SigstoreError> {
    let input = Input::from(path);
    let bytes = read_document_bytes(&input)?;
    candor_model::json::check_text(&bytes, &input.to_string())
        .map(str::to_owned)
        .map_err(SigstoreError::Json)
}

/// Reads a Sigstore document's bytes from a file or standard input, refusing more than
/// [`MAX_SIGSTORE_DOCUMENT_BYTES`].
pub fn read_document_bytes(input: &Input) -> Result<Vec<u8>, SigstoreError> {
    input
        .read_capped(MAX_SIGSTORE_DOCUMENT_BYTES, "Sigstore document")
        .map_err(|e| SigstoreError::Document {
            file: input.to_string(),
            reason: e.to_string(),
        })
}

/// Parses a bundle from untrusted bytes: strict JSON first (size cap, UTF-8, no BOM, no
/// duplicate keys), then the bundle format. `file` names it in errors.
pub fn parse_bundle(bytes: &[u8], file: &str) -> Result<Bundle, SigstoreError> {
    let text = candor_model::json::check_text(bytes, file).map_err(SigstoreError::Json)?;
    bundle_from_checked(text, file)
}

/// The bundle in text that already passed `candor_model::json::check_text`.
pub(crate) fn bundle_from_checked(text: &str, file: &str) -> Result<Bundle, SigstoreError> {
    Bundle::from_json(text).map_err(|e| SigstoreError::Document {
        file: file.to_owned(),
        reason: format!("not a Sigstore bundle of a supported version (v0.1–v0.3): {e}"),
    })
}

/// Whether `bundle` was logged in a Rekor v2 log: its entries carry neither an
/// integrated time nor an inclusion promise (a v2 log signs neither; the time comes from
/// an RFC 3161 timestamp). The trusted root must then list that log and a timestamp
/// authority; the embedded production root may list neither.
pub fn logged_in_rekor_v2(bundle: &Bundle) -> bool {
    let entries = &bundle.verification_material.tlog_entries;
    !entries.is_empty()
        && entries
            .iter()
            .all(|e| e.integrated_time.is_none() && e.inclusion_promise.is_none())
}

/// What to tell someone whose bundle, verified against an embedded trusted root, failed
/// `check` (a [`SigstoreError::check`]) because it was logged in a Rekor v2 log.
pub fn rekor_v2_hint(bundle: &Bundle, check: &str) -> Option<String> {
    let about_log_or_time = matches!(
        check,
        "timestamp" | "log entry" | "checkpoint" | "inclusion proof" | "time" | "trusted root"
    );
    (about_log_or_time && logged_in_rekor_v2(bundle)).then(|| {
        "the bundle was logged in a Rekor v2 log and timed by a timestamp authority, which \
         the embedded trusted root may not list: pass --trusted-root with the trusted root of \
         the Sigstore instance that logged it (`candor sigstore update-root --out \
         trusted_root.json` fetches production's; --staging for the staging instance)"
            .to_owned()
    })
}

/// Whether `bundle` carries any evidence of its time: a transparency-log entry or an
/// RFC 3161 timestamp. candor's own managed-key bundles (`candor sign --bundle --key`)
/// carry neither: they are a DSSE envelope with a public-key hint.
pub fn has_log_or_timestamp(bundle: &Bundle) -> bool {
    let material = &bundle.verification_material;
    !material.tlog_entries.is_empty()
        || !material
            .timestamp_verification_data
            .rfc3161_timestamps
            .is_empty()
}

/// The trusted root: `path`, or the one embedded for `instance`.
pub fn trusted_root(path: Option<&Path>, instance: Instance) -> Result<TrustedRoot, SigstoreError> {
    let (text, name) = match path {
        Some(path) => (read_document(path)?, path.display().to_string()),
        None => (
            embedded_trusted_root(instance).to_owned(),
            format!("embedded {instance:?} trusted root"),
        ),
    };
    TrustedRoot::from_json(&text).map_err(|e| SigstoreError::Document {
        file: name,
        reason: format!("not a Sigstore trusted root: {e}"),
    })
}

/// The trusted root embedded in candor for `instance` (JSON text).
pub fn embedded_trusted_root(instance: Instance) -> &'static str {
    match instance {
        Instance::Production => SIGSTORE_PRODUCTION_TRUSTED_ROOT,
        Instance::Staging => SIGSTORE_STAGING_TRUSTED_ROOT,
    }
}

/// Where `update_root` fetches a trusted root from.
#[derive(Debug, Clone)]
pub enum TufSource {
    /// A well-known instance's TUF repository, anchored in the TUF root embedded in
    /// candor.
    Instance(Instance),
    /// Another TUF repository, anchored in this `root.json` (bytes the caller trusts).
    Custom {
        /// The repository's base URL.
        url: String,
        /// Its trusted root metadata.
        root: Vec<u8>,
    },
}

/// Fetches the current `trusted_root.json` over TUF (root → timestamp → snapshot →
/// targets, each verified: signatures and thresholds, versions never going back,
/// expiry, target length and hashes) and returns it as JSON text. `cache_dir` keeps the
/// verified metadata between runs, which is what makes a rollback to older metadata
/// detectable; without it every run starts from the bootstrap root. Network access
/// happens here and only here: nothing else in candor calls it.
pub fn update_root(source: &TufSource, cache_dir: Option<&Path>) -> Result<String, SigstoreError> {
    use sigstore_trust_root::{TufBootstrap, TufConfig};
    let (config, name) = match source {
        TufSource::Instance(Instance::Production) => (
            TufConfig::production(),
            "the production TUF repository".to_owned(),
        ),
        TufSource::Instance(Instance::Staging) => (
            TufConfig::staging(),
            "the staging TUF repository".to_owned(),
        ),
        TufSource::Custom { url, root } => (
            TufConfig::custom(url.clone(), TufBootstrap::trusted(root)),
            format!("the TUF repository at {url}"),
        ),
    };
    let config = match cache_dir {
        Some(dir) => config.with_cache_dir(dir.to_path_buf()),
        None => config.without_cache(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SigstoreError::TrustedRoot(format!("cannot start the async runtime: {e}")))?;
    let root = runtime
        .block_on(sigstore_trust_root::TrustedRoot::from_tuf(config))
        .map_err(|e| SigstoreError::TrustedRoot(format!("{name}: {e}")))?;
    let mut text = serde_json::to_string_pretty(&root)
        .map_err(|e| SigstoreError::TrustedRoot(e.to_string()))?;
    text.push('\n');
    // What is written must be what verification reads back.
    TrustedRoot::from_json(&text).map_err(|e| {
        SigstoreError::TrustedRoot(format!("{name}: the fetched root does not load: {e}"))
    })?;
    Ok(text)
}

/// What `candor sigstore update-root` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct UpdatedRoot {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub ok: bool,
    /// The file written.
    pub out: String,
    /// Its sha256.
    pub digest: candor_model::digest::DigestSet,
}

/// [`update_root`], then the trusted root written to `out` atomically (mode 0644).
pub fn update_root_file(
    source: &TufSource,
    cache_dir: Option<&Path>,
    out: &Path,
) -> Result<UpdatedRoot, SigstoreError> {
    let text = update_root(source, cache_dir)?;
    crate::file::write_atomic(out, text.as_bytes(), crate::file::FileMode::Public).map_err(
        |e| SigstoreError::Document {
            file: out.display().to_string(),
            reason: e.to_string(),
        },
    )?;
    Ok(UpdatedRoot {
        ok: true,
        out: out.display().to_string(),
        digest: crate::artifact::sha256_of(text.as_bytes()),
    })
}

/// A PEM public key (`-----BEGIN PUBLIC KEY-----`, SPKI) for [`BundleSigner::Key`].
pub fn public_key_from_pem(pem: &str, file: &str) -> Result<DerPublicKey, SigstoreError> {
    DerPublicKey::from_pem(pem).map_err(|e| SigstoreError::Document {
        file: file.to_owned(),
        reason: format!("expected a PEM public key (-----BEGIN PUBLIC KEY-----): {e}"),
    })
}

/// Verifies `bundle` over `artifact` against `root`, then that `signer` made it.
///
/// For a DSSE bundle, `artifact` must be a subject of the in-toto Statement it carries.
pub fn verify_bundle(
    bundle: &Bundle,
    artifact: ArtifactRef<'_>,
    signer: &BundleSigner,
    root: &TrustedRoot,
) -> Result<VerifiedBundle, SigstoreError> {
    check_chain(bundle)?;
    let artifact_sha256 = match artifact {
        ArtifactRef::Bytes(bytes) => hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)),
        ArtifactRef::Sha256(digest) => hex::encode(digest),
    };
    let artifact = match artifact {
        ArtifactRef::Bytes(bytes) => Artifact::from_blob(bytes),
        ArtifactRef::Sha256(digest) => Artifact::from_digest(Sha256Hash::new(digest)),
    };
    let result = match signer {
        BundleSigner::Identity(_) | BundleSigner::AnyCertificate => {
            sigstore_verify::verify(artifact, bundle, &VerificationPolicy::any_identity(), root)
        }
        BundleSigner::Key(key) => sigstore_verify::verify(
            artifact,
            bundle,
            &PublicKeyVerificationPolicy::new(key.clone()),
            root,
        ),
    }
    .map_err(classify)
    .map_err(|error| match error {
        SigstoreError::Artifact(text) => SigstoreError::Artifact(format!(
            "{text}; {}",
            what_was_signed(bundle, &artifact_sha256)
        )),
        other => other,
    })?;
    let subject = result.identity().map(|s| s.as_str().to_owned());
    let issuer = result.issuer().map(str::to_owned);
    if matches!(signer, BundleSigner::AnyCertificate) && !result.certificate_verified() {
        return Err(SigstoreError::Chain(
            "the bundle has no verified signing certificate".to_owned(),
        ));
    }
    if let BundleSigner::Identity(expected) = signer {
        // Only after every cryptographic check: the claims are then the CA's word.
        if !result.certificate_verified() {
            return Err(SigstoreError::Chain(
                "the signing certificate was not verified".to_owned(),
            ));
        }
        let actual_issuer = issuer.as_deref().unwrap_or_default();
        if !expected.issuer.matches(actual_issuer) {
            return Err(SigstoreError::Issuer {
                expected: expected.issuer.to_string(),
                actual: describe_claim(issuer.as_deref()),
            });
        }
        if !subject
            .as_deref()
            .is_some_and(|s| expected.subject.matches(s))
        {
            return Err(SigstoreError::Subject {
                expected: expected.subject.to_string(),
                actual: describe_claim(subject.as_deref()),
            });
        }
    }
    let checks = established(bundle, &result, signer, &artifact_sha256);
    let dsse = match &bundle.content {
        sigstore_verify::types::SignatureContent::DsseEnvelope(envelope) => Some((
            envelope.payload_type.clone(),
            envelope.payload.as_bytes().to_vec(),
        )),
        // A message signature, or a content kind added after 0.15.
        _ => None,
    };
    Ok(VerifiedBundle {
        subject,
        issuer,
        integrated_time: result.integrated_time().map(|t| t.to_string()),
        // Each distinct time once: a bundle may carry the same log entry or timestamp
        // many times over (2,000 copies printed 2,000 lines).
        verified_times: result
            .verified_timestamps()
            .iter()
            .map(ToString::to_string)
            .fold(Vec::new(), |mut times, time| {
                if !times.contains(&time) {
                    times.push(time);
                }
                times
            }),
        dsse,
        checks,
    })
}

/// What a successful verification established, as checks, from what `sigstore-verify`
/// reports it verified and what the bundle holds.
fn established(
    bundle: &Bundle,
    result: &sigstore_verify::VerificationResult,
    signer: &BundleSigner,
    artifact_sha256: &str,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if result.certificate_verified() {
        checks.push(Check::passed(
            "certificate",
            "chains to a certificate authority of the trusted root, and was valid when the \
             signature was made",
        ));
    }
    if result.sct_verified() {
        checks.push(Check::passed(
            "sct",
            "the certificate's signed certificate timestamp verifies",
        ));
    }
    if let BundleSigner::Key(_) = signer {
        checks.push(Check::passed(
            "key",
            "the signature was made by the given public key",
        ));
    }
    let entries = &bundle.verification_material.tlog_entries;
    if result.tlog_verified() {
        for entry in entries {
            checks.push(Check::passed(
                "transparency log",
                format!(
                    "{} {} entry {}: inclusion in the log verified{}",
                    entry.kind_version.kind(),
                    entry.kind_version.version(),
                    entry.log_index,
                    entry
                        .integrated_time
                        .map_or_else(String::new, |time| format!(", integrated at {time}"))
                ),
            ));
        }
    } else {
        checks.push(Check::skipped(
            "transparency log",
            format!("{} entr(y/ies), none verified", entries.len()),
        ));
    }
    for time in result.verified_timestamps() {
        checks.push(Check::passed("time", format!("{time}, authenticated")));
    }
    checks.push(Check::passed(
        "signature",
        match &bundle.content {
            sigstore_verify::types::SignatureContent::DsseEnvelope(_) => format!(
                "the DSSE envelope's signature verifies, and its Statement names sha256 \
                 {artifact_sha256}"
            ),
            _ => format!("verifies over the artifact (sha256 {artifact_sha256})"),
        },
    ));
    if let BundleSigner::Identity(expected) = signer {
        checks.push(Check::passed(
            "identity",
            format!(
                "issuer {} matches {}, and subject {} matches {}",
                result.issuer().unwrap_or_default(),
                expected.issuer,
                result
                    .identity()
                    .map(sigstore_verify::SubjectAltName::as_str)
                    .unwrap_or_default(),
                expected.subject
            ),
        ));
    }
    checks
}

/// Both sides of an artifact mismatch: the artifact's sha256, and the digest the bundle
/// signs (a message signature) or the subjects of its Statement (a DSSE bundle; the first
/// five).
fn what_was_signed(bundle: &Bundle, artifact_sha256: &str) -> String {
    let signed = match &bundle.content {
        sigstore_verify::types::SignatureContent::MessageSignature(message) => {
            match &message.message_digest {
                Some(digest) => format!(
                    "the bundle signs {} {}",
                    // `Sha2256` → `sha256`, as digests are written elsewhere.
                    format!("{:?}", digest.algorithm)
                        .to_ascii_lowercase()
                        .replace("sha2", "sha"),
                    hex::encode(digest.digest.as_bytes())
                ),
                None => "the bundle names no message digest".to_owned(),
            }
        }
        sigstore_verify::types::SignatureContent::DsseEnvelope(envelope) => {
            let statement: serde_json::Value =
                serde_json::from_slice(envelope.payload.as_bytes()).unwrap_or_default();
            let subjects: Vec<String> = statement["subject"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .take(5)
                .map(|s| {
                    format!(
                        "{} sha256 {}",
                        s["name"].as_str().unwrap_or("(no name)"),
                        s["digest"]["sha256"].as_str().unwrap_or("(none)")
                    )
                })
                .collect();
            if subjects.is_empty() {
                "its Statement names no subject".to_owned()
            } else {
                format!("its Statement names: {}", subjects.join(", "))
            }
        }
        _ => "the bundle's content is of another kind".to_owned(),
    };
    format!("the artifact has sha256 {artifact_sha256}, {signed}")
}

/// The media type candor writes bundles with.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// A DSSE envelope signed with one key (no certificate, no log entry) as a Sigstore
/// bundle v0.3 with a public-key hint, so Sigstore tooling can carry it. The hint is the
/// signature's key id (a hint only: verifiers try their trusted keys). A bundle holds
/// exactly one signature (protobuf-specs; Sigstore parsers refuse two), so an envelope
/// signed by several keys stays a bare envelope: `None`.
pub fn key_bundle(envelope: &crate::dsse::Envelope) -> Option<String> {
    let [signature] = envelope.signatures.as_slice() else {
        return None;
    };
    let bundle = serde_json::json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": { "hint": signature.keyid.clone().unwrap_or_default() },
            "tlogEntries": [],
        },
        "dsseEnvelope": envelope,
    });
    let mut text = serde_json::to_string_pretty(&bundle).ok()?;
    text.push('\n');
    Some(text)
}

/// A certificate chain carried in a bundle (v0.1/v0.2) must not include a root: roots
/// come from the trusted root only (ADVERSARIAL.md A17, conformance
/// `bundle-with-root-cert_fail`). sigstore-verify 0.15.1 accepts such a bundle, so candor
/// checks it first: a certificate whose issuer is its own subject is a root.
fn check_chain(bundle: &Bundle) -> Result<(), SigstoreError> {
    use sigstore_verify::types::VerificationMaterialContent;
    use x509_cert::der::Decode as _;
    let VerificationMaterialContent::X509CertificateChain { certificates } =
        &bundle.verification_material.content
    else {
        return Ok(());
    };
    for (index, certificate) in certificates.iter().enumerate() {
        let parsed =
            x509_cert::Certificate::from_der(certificate.raw_bytes.as_bytes()).map_err(|e| {
                SigstoreError::Chain(format!(
                    "certificate {index} of the bundle's chain is not a DER certificate: {e}"
                ))
            })?;
        let tbs = &parsed.tbs_certificate;
        if tbs.subject == tbs.issuer {
            return Err(SigstoreError::Chain(format!(
                "the bundle's certificate chain carries a root (self-issued) certificate at \
                 position {index}, {}; roots must come from the trusted root only",
                tbs.subject
            )));
        }
    }
    Ok(())
}

fn describe_claim(claim: Option<&str>) -> String {
    claim.map_or_else(|| "absent".to_owned(), |c| format!("{c:?}"))
}

/// Maps `sigstore-verify`'s error to the check that failed.
fn classify(error: VerifyError) -> SigstoreError {
    let text = error.to_string();
    match error {
        // webpki reports validity failures as chain failures.
        VerifyError::Certificate(CertificateError::ChainInvalid(detail))
            if detail.contains("CertNotValidYet") || detail.contains("CertExpired") =>
        {
            SigstoreError::Time(text)
        }
        VerifyError::Certificate(
            CertificateError::ChainInvalid(_) | CertificateError::Malformed(_),
        ) => SigstoreError::Chain(text),
        VerifyError::Certificate(CertificateError::Sct(_)) => SigstoreError::Sct(text),
        VerifyError::Certificate(_) => SigstoreError::Time(text),
        VerifyError::TransparencyLog(log) => match log {
            TransparencyLogError::InclusionProof(_) => SigstoreError::InclusionProof(text),
            TransparencyLogError::Checkpoint(_) => SigstoreError::Checkpoint(text),
            TransparencyLogError::InclusionPromise(_) => SigstoreError::InclusionPromise(text),
            _ => SigstoreError::LogEntry(text),
        },
        VerifyError::Timestamp(TimestampError::NoVerifiedTimestamp(_)) => {
            SigstoreError::Timestamp(text)
        }
        VerifyError::Timestamp(_) => SigstoreError::Timestamp(text),
        VerifyError::SignatureInvalid(_) | VerifyError::Crypto(_) => SigstoreError::Signature(text),
        VerifyError::ArtifactMismatch(_) | VerifyError::UnsupportedArtifact(_) => {
            SigstoreError::Artifact(text)
        }
        VerifyError::InvalidTrustRoot(_)
        | VerifyError::TrustRoot(_)
        | VerifyError::TrustedCertificate(_) => SigstoreError::TrustedRoot(text),
        VerifyError::UnsupportedBundle(_) => SigstoreError::Unsupported(text),
        // Structural checks of the bundle name the evidence that is missing or broken.
        VerifyError::Bundle(_) if text.contains("inclusion proof") => {
            SigstoreError::InclusionProof(text)
        }
        VerifyError::Bundle(_) if text.contains("checkpoint") => SigstoreError::Checkpoint(text),
        _ => SigstoreError::Invalid(text),
    }
}
