//! `candor sigstore verify-bundle`: a Sigstore bundle over an artifact (or its digest),
//! verified offline against a trusted root and a signer, as the Sigstore conformance
//! suite's client protocol drives it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::signer::IdentityMatcher;
use candor_sign::file::Input;
use candor_sign::keys::PublicKey;
use candor_sign::sigstore::{
    self, ArtifactRef, BundleSigner, Instance, SigstoreError, VerifiedBundle,
};
use candor_sign::verify::{
    self, Check, CheckOutcome, TrustError, TrustedKeys, TrustedSigners, VerifyError,
};
use schemars::JsonSchema;
use serde::Serialize;

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A managed key: this PEM public key file.
    Key(PathBuf),
    /// A keyless signer.
    Identity(IdentityMatcher),
}

/// What to verify.
#[derive(Debug, Clone)]
pub struct BundleRequest {
    /// The bundle: a file or standard input.
    pub bundle: Input,
    /// Who must have signed it.
    pub signer: Signer,
    /// A trusted root file, instead of the embedded root of `instance`.
    pub trusted_root: Option<PathBuf>,
    /// Whose embedded trusted root to use when no file is given.
    pub instance: Instance,
    /// The artifact: a file, or `sha256:<64 hex>` when no file has that name
    /// (ADVERSARIAL.md E12: a file named like a digest is read as the file).
    pub artifact: String,
}

/// Why a bundle could not be examined: the inputs are unusable (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The public key does not load.
    #[error("cannot read public key {}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The public key is not a PEM public key, or the trusted root does not load.
    #[error(transparent)]
    Sigstore(SigstoreError),
    /// The artifact cannot be read.
    #[error("cannot read artifact {artifact}")]
    Artifact {
        /// The artifact, as given.
        artifact: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A managed-key bundle without log evidence could not be examined as candor's own
    /// (its file or its key is unusable).
    #[error(transparent)]
    Attestation(VerifyError),
    /// The key cannot be trusted as given.
    #[error(transparent)]
    Trust(#[from] TrustError),
}

impl BundleError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            BundleError::Key { .. } => "unreadable-key",
            BundleError::Sigstore(error) => error.kind(),
            BundleError::Artifact { .. } => "unreadable-artifact",
            BundleError::Attestation(error) => error.kind(),
            BundleError::Trust(error) => error.kind(),
        }
    }
}

/// A bundle that verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BundleVerified {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub verified: bool,
    /// The bundle, as given.
    pub bundle: String,
    /// The artifact, as given.
    pub artifact: String,
    /// The certificate subject, for a keyless signature.
    pub subject: Option<String>,
    /// The certificate's OIDC issuer, for a keyless signature.
    pub issuer: Option<String>,
    /// The Rekor v1 integrated time, RFC 3339, when the log gave one.
    pub integrated_time: Option<String>,
    /// Every authenticated time used.
    pub verified_times: Vec<String>,
    /// Whether a transparency log or a timestamp authority attests the signature's time.
    /// `false` only for candor's own managed-key bundles (`candor sign --bundle --key`),
    /// verified by the key alone, as `candor verify-envelope` verifies them.
    pub logged: bool,
    /// The key id (sha256 of the raw ed25519 key) of a managed-key bundle without log
    /// evidence.
    pub key_id: Option<String>,
    /// The DSSE payload type, when the bundle holds an envelope.
    pub payload_type: Option<String>,
    /// Size of the DSSE payload in bytes (not printed in JSON).
    #[serde(skip)]
    pub payload_bytes: Option<usize>,
    /// Every check made, in order (what `-v` prints; not in JSON).
    #[serde(skip)]
    #[schemars(skip)]
    pub checks: Vec<Check>,
}

/// Why a bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BundleRejection {
    /// The check that failed (`chain`, `inclusion proof`, `identity`, …).
    pub check: String,
    /// What is wrong.
    pub message: String,
    /// Whether the message starts with the bundle's file name (not printed in JSON).
    #[serde(skip)]
    pub names_file: bool,
    /// What to do about it, where something can be done (a Rekor v2 bundle checked
    /// against the embedded trusted root: pass `--trusted-root`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A bundle that was examined and rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BundleRejected {
    /// Always `false`.
    #[schemars(schema_with = "candor_model::schema::always_false")]
    pub verified: bool,
    /// The bundle, as given.
    pub bundle: String,
    /// Why.
    pub error: BundleRejection,
    /// Every check made, in order, the failed one last (what `-v` prints; not in JSON).
    #[serde(skip)]
    #[schemars(skip)]
    pub checks: Vec<Check>,
}

/// The outcome of `candor sigstore verify-bundle` (what `--format json` prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BundleReport {
    /// It verified.
    Verified(BundleVerified),
    /// It was rejected.
    Rejected(BundleRejected),
}

/// `sha256:<64 hex>` that is not a path on disk (the client protocol's rule).
fn as_digest(text: &str) -> Option<[u8; 32]> {
    let hex = text.strip_prefix("sha256:")?;
    if std::path::Path::new(text).exists() {
        return None;
    }
    sigstore::sha256_from_hex(hex)
}

fn bundle_signer(signer: &Signer) -> Result<BundleSigner, BundleError> {
    match signer {
        Signer::Key(path) => {
            let pem = fs_err::read_to_string(path).map_err(|source| BundleError::Key {
                path: path.clone(),
                source,
            })?;
            Ok(BundleSigner::Key(
                sigstore::public_key_from_pem(&pem, &path.display().to_string())
                    .map_err(BundleError::Sigstore)?,
            ))
        }
        Signer::Identity(identity) => Ok(BundleSigner::Identity(identity.clone())),
    }
}

/// Verify a bundle (see the module documentation).
pub fn verify_bundle(request: &BundleRequest) -> Result<BundleReport, BundleError> {
    let signer = bundle_signer(&request.signer)?;
    let root = sigstore::trusted_root(request.trusted_root.as_deref(), request.instance)
        .map_err(BundleError::Sigstore)?;
    let mut checks = vec![Check::passed(
        "trusted root",
        match (&request.trusted_root, request.instance) {
            (Some(file), _) => format!("{} loaded", file.display()),
            (None, Instance::Production) => "the embedded public-good production root".to_owned(),
            (None, Instance::Staging) => "the embedded staging root".to_owned(),
        },
    )];
    let artifact_bytes;
    let artifact = if let Some(digest) = as_digest(&request.artifact) {
        checks.push(Check::passed(
            "artifact",
            format!("given by its digest, {}", request.artifact),
        ));
        ArtifactRef::Sha256(digest)
    } else {
        artifact_bytes =
            fs_err::read(&request.artifact).map_err(|source| BundleError::Artifact {
                artifact: request.artifact.clone(),
                source,
            })?;
        checks.push(Check::passed(
            "artifact",
            format!(
                "{}: {} bytes, sha256 {}",
                request.artifact,
                artifact_bytes.len(),
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&artifact_bytes))
            ),
        ));
        ArtifactRef::Bytes(&artifact_bytes)
    };
    let bundle_name = request.bundle.to_string();
    // Read once: standard input cannot be read again for the managed-key path.
    let bundle = sigstore::read_document_bytes(&request.bundle).and_then(|bytes| {
        let bundle = sigstore::parse_bundle(&bytes, &bundle_name)?;
        Ok((bundle, bytes))
    });
    if let Ok((read, bytes)) = &bundle {
        checks.push(Check::passed(
            "document",
            format!(
                "{bundle_name}: a Sigstore bundle ({}), {} bytes",
                read.media_type,
                bytes.len()
            ),
        ));
    }
    if let (Signer::Key(key), Ok((read, bytes))) = (&request.signer, &bundle)
        && !sigstore::has_log_or_timestamp(read)
    {
        return unlogged_key_bundle(request, bytes, key, &artifact, checks);
    }
    let mut hint = None;
    let result = bundle.and_then(|(bundle, _)| {
        sigstore::verify_bundle(&bundle, artifact, &signer, &root).inspect_err(|error| {
            if request.trusted_root.is_none() {
                hint = sigstore::rekor_v2_hint(&bundle, error.check());
            }
        })
    });
    Ok(match result {
        Ok(verified) => {
            checks.extend(verified.checks.iter().cloned());
            BundleReport::Verified(verified_report(
                bundle_name,
                request.artifact.clone(),
                verified,
                checks,
            ))
        }
        Err(error) => {
            checks.push(Check::failed(error.check(), error.to_string()));
            BundleReport::Rejected(BundleRejected {
                verified: false,
                bundle: bundle_name,
                error: BundleRejection {
                    check: error.check().to_owned(),
                    message: error.to_string(),
                    names_file: error.names_file(),
                    hint,
                },
                checks,
            })
        }
    })
}

fn verified_report(
    bundle: String,
    artifact: String,
    verified: VerifiedBundle,
    checks: Vec<Check>,
) -> BundleVerified {
    BundleVerified {
        verified: true,
        bundle,
        artifact,
        subject: verified.subject,
        issuer: verified.issuer,
        logged: true,
        key_id: None,
        integrated_time: verified.integrated_time,
        verified_times: verified.verified_times,
        payload_bytes: verified.dsse.as_ref().map(|(_, payload)| payload.len()),
        payload_type: verified.dsse.map(|(payload_type, _)| payload_type),
        checks,
    }
}

/// A rejection whose check is `check` (as JSON names it) and whose last check, `failed`,
/// says why.
fn rejected(bundle: &Input, check: &str, failed: Check, mut checks: Vec<Check>) -> BundleReport {
    let bundle = bundle.to_string();
    let message = failed.detail.clone();
    if checks
        .last()
        .is_none_or(|c| c.outcome != CheckOutcome::Failed)
    {
        checks.push(failed);
    }
    BundleReport::Rejected(BundleRejected {
        verified: false,
        error: BundleRejection {
            check: check.to_owned(),
            names_file: message.starts_with(&format!("{bundle}: ")),
            message,
            hint: None,
        },
        bundle,
        checks,
    })
}

/// A managed-key bundle with no log entry and no timestamp: Sigstore's verification
/// needs log evidence for its time, so such a bundle is verified as candor's own (what
/// `candor sign --bundle --key` writes, and `verify-envelope` verifies): an ed25519
/// signature over a DSSE envelope holding a candor Statement, with the artifact one of
/// its subjects. Anything else without log evidence is refused, saying why.
fn unlogged_key_bundle(
    request: &BundleRequest,
    bytes: &[u8],
    key: &Path,
    artifact: &ArtifactRef<'_>,
    mut checks: Vec<Check>,
) -> Result<BundleReport, BundleError> {
    let public = match PublicKey::from_file(key) {
        Ok(public) => public,
        Err(error) => {
            let failed = Check::failed(
                "log entry",
                format!(
                    "the bundle has no transparency-log entry and no timestamp; without \
                     one, only candor's own managed-key bundles (ed25519, `candor sign \
                     --bundle --key`) verify, and {} is not an ed25519 public key ({error})",
                    key.display()
                ),
            );
            return Ok(rejected(&request.bundle, "log entry", failed, checks));
        }
    };
    checks.push(Check::skipped(
        "transparency log",
        "none, and no timestamp: verified as a candor managed-key bundle, by the key alone",
    ));
    let key_id = public.id().to_string();
    let trusted = TrustedSigners::new(TrustedKeys::new([public]), Vec::new(), None, "--key")?;
    let name = request.bundle.to_string();
    let verified = match verify::verify_attestation_recorded(
        bytes,
        &name,
        &trusted,
        NonZeroUsize::MIN,
        &mut checks,
    ) {
        Ok(verified) => verified,
        Err(error) if error.is_input_error() => return Err(BundleError::Attestation(error)),
        Err(error) => {
            let failed = Check::failed(
                error.check(),
                format!(
                    "{error} (the bundle has no transparency-log entry and no timestamp, \
                     so it was verified as a candor managed-key bundle)"
                ),
            );
            // The recorded failure, said with why this path was taken.
            checks.pop();
            return Ok(rejected(&request.bundle, error.kind(), failed, checks));
        }
    };
    let digest = match artifact {
        ArtifactRef::Sha256(digest) => {
            match DigestSet::single(DigestAlgorithm::Sha256, &hex::encode(digest)) {
                Ok(digest) => digest,
                Err(error) => {
                    let failed = Check::failed("artifact", error.to_string());
                    return Ok(rejected(&request.bundle, "artifact", failed, checks));
                }
            }
        }
        ArtifactRef::Bytes(bytes) => candor_sign::artifact::digest_bytes(bytes),
    };
    match verify::check_subject(&verified.statement, &request.artifact, &digest) {
        Ok(subject) => checks.push(Check::passed(
            "subject",
            format!(
                "artifact {} (sha256 {}) is subject {}",
                request.artifact,
                digest.sha256().unwrap_or_default(),
                subject.name
            ),
        )),
        Err(error) => {
            let failed = Check::failed(error.check(), error.to_string());
            return Ok(rejected(&request.bundle, error.kind(), failed, checks));
        }
    }
    let payload = verified.statement.to_canonical_json();
    Ok(BundleReport::Verified(BundleVerified {
        verified: true,
        bundle: name,
        artifact: request.artifact.clone(),
        subject: None,
        issuer: None,
        logged: false,
        key_id: Some(key_id),
        integrated_time: None,
        verified_times: Vec::new(),
        payload_type: Some(candor_model::IN_TOTO_PAYLOAD_TYPE.to_owned()),
        payload_bytes: Some(payload.len()),
        checks,
    }))
}
