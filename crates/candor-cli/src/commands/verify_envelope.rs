//! `candor verify-envelope`: check a DSSE envelope against trusted keys and an artifact.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::AnyStatement;
use candor_sign::file::Input;
use candor_sign::sigstore::Instance;
use candor_verify::envelope::{self, EnvelopeReport, EnvelopeRequest, Rejected, Verified};
use clap::Args;

use crate::error::CliError;
use crate::output::{self, Format};

/// Arguments of `candor verify-envelope`.
#[derive(Debug, Args)]
#[command(
    after_help = "Rules: every signature is tried against every --key (a keyid is only a hint); \
signatures by other keys are ignored and listed; at least --threshold distinct trusted keys must have signed. \
A Sigstore bundle with a certificate counts as one signer when the certificate verifies against the \
trusted root and its identity is the one given, in cosign's words (--certificate-oidc-issuer[-regexp] \
with --certificate-identity, --certificate-identity-regexp or --certificate-identity-pattern; regular \
expressions must match the whole text, unlike cosign's). \
Then payloadType must be application/vnd.in-toto+json, the payload a valid candor Statement and, \
with --artifact, the artifact's sha256 (and sha512 where given) one of its subjects. \
Without --artifact, no file is checked: a pass then says who signed which Statement, not that \
anything on this machine is what it describes (a warning on stderr says so).\n\n\
The document is the last argument or --bundle, and the artifact --artifact (a file, or sha256:<64 \
hex>), as sigstore verify-bundle takes them.\n\n\
Exit codes: 0 verified, 1 rejected, 2 usage or input error (missing file, unreadable key).\n\n\
Examples:\n  \
candor verify-envelope --key release.key.pub manifest.dsse.json\n  \
candor verify-envelope --key release.key.pub --artifact agent-1.4.0.tgz \\\n    manifest.dsse.json\n  \
candor verify-envelope --key a.pub --key b.pub --threshold 2 \\\n    --format json manifest.dsse.json\n  \
candor verify-envelope --bundle manifest.sigstore.json \\\n    \
--certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n    \
--certificate-identity-regexp 'https://github\\.com/acme/agent/.*' \\\n    \
--artifact agent-1.4.0.tgz"
)]
pub struct VerifyEnvelopeArgs {
    /// A trusted public key (PEM or `ed25519:` text file). Repeatable.
    #[arg(
        long = "key",
        value_name = "PUB",
        required_unless_present_any = ["certificate_oidc_issuer", "certificate_oidc_issuer_regexp"]
    )]
    keys: Vec<PathBuf>,
    /// A trusted Sigstore signer (with --key or instead).
    #[command(flatten)]
    identity: super::sigstore::IdentityArgs,
    /// The Sigstore trusted root for certificate bundles (default: the embedded
    /// public-good production root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trusted root instead of production.
    #[arg(long, conflicts_with = "trusted_root")]
    staging: bool,
    /// The DSSE envelope, or a Sigstore bundle holding one; `-` reads it from standard
    /// input.
    #[arg(required_unless_present = "bundle", conflicts_with = "bundle")]
    envelope: Option<PathBuf>,
    /// The same, by cosign's name (as sigstore verify-bundle takes it).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// The installed artifact the Statement must name (by digest): a file, or its digest
    /// as `sha256:<64 hex>`. Without it only the signatures and the Statement are
    /// checked, and nothing ties them to a file here.
    #[arg(long, value_name = "FILE_OR_DIGEST")]
    artifact: Option<PathBuf>,
    /// Distinct trusted keys that must have signed (at least 1).
    #[arg(long, default_value = "1", value_parser = parse_threshold)]
    threshold: NonZeroUsize,
    #[command(flatten)]
    verbosity: super::Verbosity,
}

impl VerifyEnvelopeArgs {
    /// `-q` and `-v`.
    pub fn verbosity(&self) -> super::Verbosity {
        self.verbosity
    }
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
pub fn run(args: &VerifyEnvelopeArgs, format: Format) -> Result<ExitCode, CliError> {
    let identities: Vec<_> = args.identity.matcher()?.into_iter().collect();
    let (envelope_name, envelope) = match (&args.envelope, &args.bundle) {
        (Some(envelope), _) => ("ENVELOPE", envelope),
        (None, Some(bundle)) => ("--bundle", bundle),
        (None, None) => return Err(CliError::usage("no envelope given", "name the envelope")),
    };
    if let Some(artifact) = &args.artifact {
        super::artifact_not_stdin("--artifact", artifact.as_os_str())?;
    }
    super::check_stdin(&[(envelope_name, Some(envelope))])?;
    let report = envelope::verify_envelope(&EnvelopeRequest {
        envelope: Input::from_arg(envelope),
        keys: args.keys.clone(),
        identities,
        trusted_root: args.trusted_root.clone(),
        instance: if args.staging {
            Instance::Staging
        } else {
            Instance::Production
        },
        artifact: args.artifact.clone(),
        threshold: args.threshold,
    })?;
    if args.artifact.is_none() && report.is_verified() {
        output::stderr(
            "warning: no --artifact: the signatures and the Statement verified, but no file \
             was checked against its subjects; this does not show that anything installed \
             is what it describes\nhint: pass --artifact FILE to bind the Statement to the \
             file you run",
        );
    }
    if args.verbosity.verbose {
        super::print_checks(match &report {
            EnvelopeReport::Verified(verified) => &verified.checks,
            EnvelopeReport::Rejected(rejected) => &rejected.checks,
        });
    }
    match (format, &report) {
        _ if args.verbosity.quiet => {}
        (Format::Json | Format::Sarif, _) => output::json(&report),
        (Format::Human, EnvelopeReport::Verified(verified)) => {
            output::stdout(&human_verified(verified));
        }
        (Format::Human, EnvelopeReport::Rejected(rejected)) => {
            output::stdout(&human_rejected(rejected));
        }
    }
    if let (Format::Human, false, EnvelopeReport::Rejected(rejected)) =
        (format, args.verbosity.quiet, &report)
        && let Some(hint) = &rejected.error.hint
    {
        output::stderr(&format!("hint: {hint}"));
    }
    Ok(if report.is_verified() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One line on what the Statement is: `behaviour manifest for agent 1.4.0 by Acme`.
pub fn describe(statement: &AnyStatement) -> String {
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
        AnyStatement::Summary(s) => {
            let p = &s.predicate;
            match &p.candor {
                Some(d) => format!(
                    "verification summary: {} {} {} under policy version {}, by {}",
                    d.verdict.label(),
                    d.tool.as_deref().unwrap_or(&p.resource_uri),
                    d.version.as_deref().unwrap_or(""),
                    d.policy_version,
                    p.verifier.id
                ),
                None => format!(
                    "verification summary: {} {:?} by {}",
                    p.resource_uri, p.verification_result, p.verifier.id
                ),
            }
        }
    }
}

fn human_verified(verified: &Verified) -> String {
    let paint = output::Paint::stdout();
    let mut out = format!(
        "{} {}\n",
        paint.green("verified:"),
        describe(&verified.statement)
    );
    let _ = writeln!(
        out,
        "  envelope   {} (sha256 {})",
        verified.envelope.file,
        verified
            .envelope
            .digest
            .as_ref()
            .and_then(|d| d.sha256())
            .unwrap_or_default()
    );
    for signer in &verified.signers {
        let _ = writeln!(out, "  signed by  {signer}");
    }
    let _ = writeln!(
        out,
        "  threshold  {} of {} distinct trusted signer(s) required, {} signed",
        verified.threshold,
        verified.trusted_signers,
        verified.signers.len()
    );
    for ignored in &verified.ignored_signatures {
        let _ = writeln!(
            out,
            "  ignored    signature {} (keyid {}): {}",
            ignored.index,
            ignored.keyid.as_deref().unwrap_or("none"),
            ignored.reason
        );
    }
    match &verified.artifact {
        Some(artifact) => {
            let _ = writeln!(
                out,
                "  artifact   {} (sha256 {}) is subject {}",
                artifact.file,
                artifact.digest.sha256().unwrap_or_default(),
                artifact.subject.as_deref().unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  artifact   not checked (pass --artifact to bind the Statement to an installed file)"
            );
        }
    }
    out
}

fn human_rejected(rejected: &Rejected) -> String {
    let mut text = format!(
        "{} {}\n",
        output::Paint::stdout().red("verification failed:"),
        rejected.error.message
    );
    for i in &rejected.ignored_signatures {
        let _ = writeln!(
            text,
            "  signature {} (keyid {}): {}",
            i.index,
            i.keyid.as_deref().unwrap_or("none"),
            i.reason
        );
    }
    text
}
