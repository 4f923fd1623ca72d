//! `candor verify-envelope`: check a DSSE envelope against trusted keys and an artifact.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use candor_model::AnyStatement;
use candor_model::pattern::Pattern;
use candor_sign::file::FileError;
use candor_sign::keys::PublicKey;
use candor_sign::verify::{
    self, SigstoreIdentity, TrustedKeys, TrustedSigners, VerifiedStatement, VerifyError,
};
use clap::Args;
use serde_json::{Value, json};

use crate::output::{self, Format, hinted};

/// Arguments of `candor verify-envelope`.
#[derive(Debug, Args)]
#[command(
    after_help = "Rules: every signature is tried against every --key (a keyid is only a hint); \
signatures by other keys are ignored and listed; at least --threshold distinct trusted keys must have signed. \
Then payloadType must be application/vnd.in-toto+json, the payload a valid candor Statement and, \
with --artifact, the artifact's sha256 (and sha512 where given) one of its subjects.\n\n\
Exit codes: 0 verified, 1 rejected, 2 usage or input error (missing file, unreadable key).\n\n\
Examples:\n  \
candor verify-envelope --key release.pub manifest.dsse.json\n  \
candor verify-envelope --key release.pub --artifact agent-1.4.0.tgz manifest.dsse.json\n  \
candor verify-envelope --key a.pub --key b.pub --threshold 2 --format json manifest.dsse.json"
)]
pub struct VerifyEnvelopeArgs {
    /// A trusted public key (PEM or `ed25519:` text file). Repeatable.
    #[arg(
        long = "key",
        value_name = "PUB",
        required_unless_present = "certificate_oidc_issuer"
    )]
    keys: Vec<PathBuf>,
    /// A trusted Sigstore signer: the OIDC issuer of its certificate, exactly.
    #[arg(long, value_name = "URL", requires = "certificate_identity_pattern")]
    certificate_oidc_issuer: Option<String>,
    /// A trusted Sigstore signer: its certificate subject, as an anchored pattern (`*`
    /// any run, `?` one character, `\` escapes).
    #[arg(long, value_name = "PATTERN", requires = "certificate_oidc_issuer")]
    certificate_identity_pattern: Option<String>,
    /// The Sigstore trusted root for certificate bundles (default: the embedded
    /// public-good production root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// The DSSE envelope, or a Sigstore bundle holding one.
    envelope: PathBuf,
    /// The installed artifact the Statement must name (by digest).
    #[arg(long)]
    artifact: Option<PathBuf>,
    /// Distinct trusted keys that must have signed (at least 1).
    #[arg(long, default_value = "1", value_parser = parse_threshold)]
    threshold: NonZeroUsize,
}

fn parse_threshold(text: &str) -> Result<NonZeroUsize, String> {
    match text.parse::<usize>() {
        Ok(0) => {
            Err("a threshold of 0 would accept unsigned envelopes; expected at least 1".to_owned())
        }
        Ok(n) => NonZeroUsize::new(n).ok_or_else(|| "expected at least 1".to_owned()),
        Err(_) => Err(format!("expected a positive whole number, got {text:?}")),
    }
}

/// Run `candor verify-envelope`.
pub fn run(args: &VerifyEnvelopeArgs, format: Format) -> anyhow::Result<ExitCode> {
    let keys = args
        .keys
        .iter()
        .map(|path| {
            PublicKey::from_file(path)
                .with_context(|| format!("cannot load trusted key {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut trusted = TrustedSigners::keys(TrustedKeys::new(keys));
    if let (Some(issuer), Some(pattern)) = (
        &args.certificate_oidc_issuer,
        &args.certificate_identity_pattern,
    ) {
        let subject = pattern
            .parse::<Pattern>()
            .map_err(|e| anyhow::anyhow!("--certificate-identity-pattern {pattern:?}: {e}"))?;
        trusted.identities.push(SigstoreIdentity {
            issuer: issuer.clone(),
            subject,
        });
        trusted.trusted_root = Some(candor_sign::sigstore::trusted_root(
            args.trusted_root.as_deref(),
            candor_sign::sigstore::Instance::Production,
        )?);
    }
    if args.threshold.get() > trusted.len() {
        return Err(hinted(
            format!(
                "--threshold {} can never be met: only {} distinct trusted signer(s) given",
                args.threshold,
                trusted.len()
            ),
            "pass one --key per required signer (the same key given twice counts once)",
        ));
    }
    let artifact = match &args.artifact {
        Some(path) => Some((
            path.display().to_string(),
            candor_sign::artifact::digest_file(path)
                .with_context(|| format!("cannot digest artifact {}", path.display()))?,
        )),
        None => None,
    };
    let envelope_name = args.envelope.display().to_string();
    let verified = match verify::verify_attestation_file(&args.envelope, &trusted, args.threshold) {
        Ok(verified) => verified,
        // A file that cannot be opened is an input error; a file too large is a rejection.
        Err(VerifyError::File(FileError::Io(e))) => return Err(e.into()),
        Err(error) => return Ok(rejected(&envelope_name, &error, format)),
    };
    let subject = match &artifact {
        Some((name, digest)) => match verify::check_subject(&verified.statement, name, digest) {
            Ok(subject) => Some(subject.clone()),
            Err(error) => return Ok(rejected(&envelope_name, &error, format)),
        },
        None => None,
    };
    match format {
        Format::Human => output::stdout(&human_report(
            &envelope_name,
            &verified,
            args.threshold,
            trusted.len(),
            subject.as_ref(),
            artifact.as_ref(),
        )),
        Format::Json | Format::Sarif => output::json(&json!({
            "verified": true,
            "envelope": { "file": envelope_name, "digest": verified.envelope_digest },
            "predicate_type": verified.statement.predicate_type(),
            "kind": verified.statement.kind_name(),
            "signers": verified.signers,
            "threshold": args.threshold,
            "ignored_signatures": verified.ignored,
            "artifact": artifact.as_ref().map(|(name, digest)| json!({
                "file": name,
                "digest": digest,
                "subject": subject.as_ref().map(|s| &s.name),
            })),
            "statement": serde_json::from_slice::<Value>(&verified.statement.to_canonical_json()).unwrap_or(Value::Null),
        })),
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(statement: &AnyStatement) -> String {
    match statement {
        AnyStatement::Manifest(s) => format!(
            "behaviour manifest for {} {} by {}",
            s.predicate.tool.name, s.predicate.tool.version, s.predicate.vendor.name
        ),
        AnyStatement::Audit(s) => format!(
            "audit of {} {} by {} ({})",
            s.predicate.manifest.tool,
            s.predicate.manifest.version,
            s.predicate.auditor.name,
            s.predicate.auditor.organization
        ),
        AnyStatement::Response(s) => format!("vendor response by {}", s.predicate.vendor),
    }
}

fn human_report(
    envelope: &str,
    verified: &VerifiedStatement,
    threshold: NonZeroUsize,
    trusted_signers: usize,
    subject: Option<&candor_model::Subject>,
    artifact: Option<&(String, candor_model::digest::DigestSet)>,
) -> String {
    let mut out = format!("verified: {}\n", describe(&verified.statement));
    let _ = writeln!(
        out,
        "  envelope   {envelope} (sha256 {})",
        verified.envelope_digest.sha256().unwrap_or_default()
    );
    for signer in &verified.signers {
        let _ = writeln!(out, "  signed by  {signer}");
    }
    let _ = writeln!(
        out,
        "  threshold  {} of {} distinct trusted signer(s) required, {} signed",
        threshold,
        trusted_signers,
        verified.signers.len()
    );
    for ignored in &verified.ignored {
        let _ = writeln!(
            out,
            "  ignored    signature {} (keyid {}): {}",
            ignored.index,
            ignored.keyid.as_deref().unwrap_or("none"),
            ignored.reason
        );
    }
    match (subject, artifact) {
        (Some(subject), Some((name, digest))) => {
            let _ = writeln!(
                out,
                "  artifact   {name} (sha256 {}) is subject {}",
                digest.sha256().unwrap_or_default(),
                subject.name
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  artifact   not checked (pass --artifact to bind the Statement to an installed file)"
            );
        }
    }
    out
}

fn error_kind(error: &VerifyError) -> &'static str {
    match error {
        VerifyError::File(_) => "too-large",
        VerifyError::Envelope(_) => "malformed-envelope",
        VerifyError::Base64 { .. } => "malformed-base64",
        VerifyError::NoSignatures { .. } => "no-signatures",
        VerifyError::TooManySignatures { .. } => "too-many-signatures",
        VerifyError::ThresholdNotMet { .. } => "threshold-not-met",
        VerifyError::PayloadType { .. } => "payload-type",
        VerifyError::Statement(_) => "invalid-statement",
        VerifyError::SubjectMismatch { .. } => "subject-mismatch",
        VerifyError::Sigstore { .. } => "sigstore",
        VerifyError::UntrustedIdentity { .. } => "untrusted-identity",
        VerifyError::NotAnAttestation { .. } => "not-an-attestation",
        _ => "rejected",
    }
}

fn rejected(envelope: &str, error: &VerifyError, format: Format) -> ExitCode {
    let ignored = match error {
        VerifyError::ThresholdNotMet { ignored, .. } => ignored.clone(),
        _ => Vec::new(),
    };
    match format {
        Format::Human => {
            let mut text = format!("verification failed: {error}\n");
            for i in &ignored {
                let _ = writeln!(
                    text,
                    "  signature {} (keyid {}): {}",
                    i.index,
                    i.keyid.as_deref().unwrap_or("none"),
                    i.reason
                );
            }
            output::stdout(&text);
        }
        Format::Json | Format::Sarif => {
            let errors = match error {
                VerifyError::Statement(errors) => output::document_errors_json(errors),
                VerifyError::Envelope(e) => Value::Array(vec![output::document_error_json(e)]),
                _ => Value::Array(Vec::new()),
            };
            output::json(&json!({
                "verified": false,
                "envelope": { "file": envelope },
                "error": { "kind": error_kind(error), "message": error.to_string(), "errors": errors },
                "ignored_signatures": ignored,
            }));
        }
    }
    ExitCode::from(1)
}
