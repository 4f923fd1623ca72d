//! `candor audit draft|sign|show` and `candor respond`: counter-attestations and the
//! vendor's answers.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_audit::draft::{self, DraftRequest, ManifestSource};
use candor_audit::respond::{self, FindingAnswer, RespondRequest};
use candor_audit::show::{self, ShowReport, ShowRequest};
use candor_audit::sign::{self, SignAuditRequest};
use candor_model::audit::{AuditorInfo, Evidence};
use candor_model::ids::{FindingId, ToolName, Version};
use candor_model::pattern::Pattern;
use candor_model::response::ResponseStatus;
use candor_model::signer::SigstoreIdentity;
use candor_sign::signing::{Destination, SignWith};
use candor_sign::verify::TrustedSigners;
use clap::{Args, Subcommand};

use super::{DEFAULT_PASSPHRASE_ENV, load_private_key};
use crate::error::CliError;
use crate::output::{self, Format};

/// `candor audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Draft an audit of a release against its manifest: scan the artifacts, match the
    /// claims, write an editable TOML draft.
    #[command(
        after_help = "Each claim and each group of behaviour no claim declares becomes \
one finding: confirmed (the scan supports the claim), inconclusive (the scan shows nothing of it; \
edit it), undeclared (grouped: a domain list decoded from one blob is one finding with every \
value), contradicted (a category the manifest asserts exhaustive has undeclared findings). \
The manifest's signature is checked with --key or a Sigstore identity, or, with \
--untrusted-manifest, only read and recorded as unchecked; the artifacts must be its subjects.\n\n\
Examples:\n  \
candor audit draft --manifest manifest.dsse.json --key vendor.pub \\\n    --artifact agent-1.4.1.tgz --out draft.toml\n  \
candor audit draft --manifest manifest.dsse.json --untrusted-manifest \\\n    --artifact agent-1.4.1.tgz --auditor 'Mira Keller' \\\n    --organization 'Security Lab GmbH'\n  \
candor audit draft --no-manifest --tool agent --release 1.4.1 \\\n    --artifact agent-1.4.1.tgz"
    )]
    Draft(DraftArgs),
    /// Sign an audit draft (checked again) into an audit attestation.
    #[command(after_help = "Examples:\n  \
candor audit sign --key auditor.key draft.toml --out audit.dsse.json\n  \
candor audit sign --sigstore draft.toml --out audit.sigstore.json")]
    Sign(SignArgs),
    /// Show audits and vendor responses: findings by severity, evidence, the answers.
    #[command(
        after_help = "Give the audits, the responses and the manifests they refer to. \
With --key, signatures are checked with those keys; without, signers are as the documents claim.\n\n\
Examples:\n  \
candor audit show audit.dsse.json\n  \
candor audit show manifest.dsse.json audit.dsse.json response.dsse.json \\\n    --key vendor.pub --key auditor.pub"
    )]
    Show(ShowArgs),
}

/// Arguments of `candor audit draft`.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The release's manifest (envelope or bundle).
    #[arg(long, value_name = "ENVELOPE", required_unless_present = "no_manifest")]
    manifest: Option<PathBuf>,
    /// A trusted public key of the vendor. Repeatable.
    #[arg(long = "key", value_name = "PUB")]
    keys: Vec<PathBuf>,
    /// A trusted Sigstore signer of the vendor: the OIDC issuer, exactly.
    #[arg(long, value_name = "URL", requires = "certificate_identity_pattern")]
    certificate_oidc_issuer: Option<String>,
    /// A trusted Sigstore signer of the vendor: the certificate subject pattern.
    #[arg(long, value_name = "PATTERN", requires = "certificate_oidc_issuer")]
    certificate_identity_pattern: Option<String>,
    /// The Sigstore trusted root (default: the embedded production root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Distinct vendor signers that must have signed.
    #[arg(long, default_value = "1")]
    threshold: NonZeroUsize,
    /// Draft against a manifest whose signer cannot be checked (recorded in the audit).
    #[arg(long, conflicts_with_all = ["keys", "certificate_oidc_issuer"])]
    untrusted_manifest: bool,
    /// Audit a release that has no manifest (with --tool and --release).
    #[arg(long, conflicts_with = "manifest", requires_all = ["tool", "release"])]
    no_manifest: bool,
    /// The tool, with --no-manifest.
    #[arg(long)]
    tool: Option<ToolName>,
    /// The release, with --no-manifest.
    #[arg(long, value_name = "VERSION")]
    release: Option<Version>,
    /// An artifact of the release. Repeatable.
    #[arg(long = "artifact", value_name = "PATH", required = true)]
    artifacts: Vec<PathBuf>,
    /// An artifact of the previous release: undeclared findings new since then are marked.
    #[arg(long = "previous-artifact", value_name = "PATH")]
    previous_artifacts: Vec<PathBuf>,
    /// The auditor's name.
    #[arg(long)]
    auditor: Option<String>,
    /// The auditor's organisation.
    #[arg(long, requires = "auditor")]
    organization: Option<String>,
    /// What the audit covers and what not.
    #[arg(long)]
    scope: Option<String>,
    /// Write the draft here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Replace the output file if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
}

/// How to sign (keys or keyless), shared by `audit sign` and `respond`.
#[derive(Debug, Args)]
pub struct SignWithArgs {
    /// Private key (PKCS#8 PEM). Repeatable.
    #[arg(
        long = "key",
        value_name = "KEY",
        required_unless_present = "sigstore",
        conflicts_with = "sigstore"
    )]
    keys: Vec<PathBuf>,
    /// Sign keylessly with Sigstore (the identity token as for `candor sign --sigstore`).
    #[arg(long)]
    sigstore: bool,
    /// Environment variable holding the passphrase of encrypted keys (unset: asked for
    /// on a terminal).
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
    /// Write here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Replace the output file if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
}

impl SignWithArgs {
    fn sign_with(&self) -> Result<SignWith, CliError> {
        if self.sigstore {
            return Ok(SignWith::Keyless {
                identity: candor_sign::signing::IdentitySource {
                    given: None,
                    interactive: std::io::IsTerminal::is_terminal(&std::io::stdin())
                        && std::env::var_os("CI").is_none(),
                },
                urls: candor_sign::keyless::SigningUrls::for_instance(
                    candor_sign::sigstore::Instance::Production,
                )
                .map_err(candor_sign::signing::SignError::from)?,
            });
        }
        Ok(SignWith::Keys {
            keys: self
                .keys
                .iter()
                .map(|path| load_private_key(path, &self.passphrase_env))
                .collect::<Result<Vec<_>, _>>()?,
            bundle: false,
        })
    }

    fn destination(&self) -> Result<Destination, CliError> {
        Ok(match &self.out {
            Some(out) => {
                candor_sign::file::refuse_existing(out, self.force)?;
                Destination::File(out.clone())
            }
            None => Destination::Stdout,
        })
    }
}

/// Arguments of `candor audit sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The audit draft (TOML).
    draft: PathBuf,
    /// The manifest the draft examined, if not the file the draft records.
    #[arg(long, value_name = "ENVELOPE")]
    manifest: Option<PathBuf>,
    #[command(flatten)]
    with: SignWithArgs,
}

/// Arguments of `candor audit show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Audits, responses and the manifests they refer to.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A public key to check signatures with. Repeatable.
    #[arg(long = "key", value_name = "PUB")]
    keys: Vec<PathBuf>,
}

/// Arguments of `candor respond`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every finding but confirmed ones is answered with --status and \
--statement, unless --finding ID=STATUS[:STATEMENT] answers it otherwise. The response names the \
audit by its sha256 and is filed in feeds under the audited release.\n\n\
Examples:\n  \
candor respond --key vendor.key --audit audit.dsse.json --vendor Acme \\\n    --status fixed --fixed-in 1.4.2 --statement 'Removed in 1.4.2.' \\\n    --out response.dsse.json\n  \
candor respond --key vendor.key --audit audit.dsse.json --vendor Acme \\\n    --status acknowledged --statement 'Under review.' \\\n    --finding F-003=disputed:'The list is test data.'"
)]
pub struct RespondArgs {
    /// The audit answered (envelope or bundle).
    #[arg(long, value_name = "ENVELOPE")]
    audit: PathBuf,
    /// The vendor answering.
    #[arg(long)]
    vendor: String,
    /// The position on every finding answered.
    #[arg(long, value_parser = parse_status)]
    status: ResponseStatus,
    /// The release that fixes them (with --status fixed).
    #[arg(long, value_name = "VERSION")]
    fixed_in: Option<Version>,
    /// The vendor's words.
    #[arg(long)]
    statement: String,
    /// One finding answered otherwise: ID=STATUS or ID=STATUS:STATEMENT. Repeatable.
    #[arg(long = "finding", value_name = "ID=STATUS[:STATEMENT]", value_parser = parse_answer)]
    findings: Vec<FindingAnswer>,
    #[command(flatten)]
    with: SignWithArgs,
}

fn parse_status(text: &str) -> Result<ResponseStatus, String> {
    match text {
        "acknowledged" => Ok(ResponseStatus::Acknowledged),
        "disputed" => Ok(ResponseStatus::Disputed),
        "fixed" => Ok(ResponseStatus::Fixed),
        "wont-fix" => Ok(ResponseStatus::WontFix),
        _ => Err(format!(
            "expected acknowledged, disputed, fixed or wont-fix, got {text:?}"
        )),
    }
}

fn parse_answer(text: &str) -> Result<FindingAnswer, String> {
    let (id, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ID=STATUS[:STATEMENT], got {text:?}"))?;
    let (status, statement) = match rest.split_once(':') {
        Some((status, statement)) => (status, Some(statement.to_owned())),
        None => (rest, None),
    };
    Ok(FindingAnswer {
        finding: id.parse::<FindingId>().map_err(|e| e.to_string())?,
        status: parse_status(status)?,
        statement,
    })
}

/// Run `candor audit …`.
pub fn run(command: AuditCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        AuditCommand::Draft(args) => draft(&args, format),
        AuditCommand::Sign(args) => {
            let signed = sign::sign_audit(&SignAuditRequest {
                draft: args.draft.clone(),
                manifest: args.manifest.clone(),
                with: args.with.sign_with()?,
                out: args.with.destination()?,
            })?;
            report_signed(
                &signed,
                args.with.out.as_ref(),
                &args.draft.display().to_string(),
                format,
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Show(args) => {
            let report = show::show(&ShowRequest {
                files: args.files.clone(),
                keys: args.keys.clone(),
            })?;
            match format {
                Format::Human => output::stdout(&human_show(&report)),
                Format::Json | Format::Sarif => output::json(&report),
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// Which manifest the draft is against, from the arguments.
fn manifest_source(args: &DraftArgs) -> Result<ManifestSource, CliError> {
    Ok(match (&args.manifest, &args.tool, &args.release) {
        (None, Some(tool), Some(version)) if args.no_manifest => ManifestSource::None {
            tool: tool.clone(),
            version: version.clone(),
        },
        (Some(file), _, _) if args.untrusted_manifest => {
            ManifestSource::Untrusted { file: file.clone() }
        }
        (Some(file), _, _) => {
            let mut identities = Vec::new();
            if let (Some(issuer), Some(pattern)) = (
                &args.certificate_oidc_issuer,
                &args.certificate_identity_pattern,
            ) {
                let subject = pattern.parse::<Pattern>().map_err(|e| CliError::Usage {
                    kind: "invalid-pattern",
                    message: format!("--certificate-identity-pattern {pattern:?}: {e}"),
                    hint: None,
                })?;
                let identity = SigstoreIdentity::new(issuer.clone(), subject).map_err(|e| {
                    CliError::Usage {
                        kind: "invalid-identity",
                        message: format!("--certificate-oidc-issuer: {e}"),
                        hint: None,
                    }
                })?;
                identities.push(identity.into());
            }
            if args.keys.is_empty() && identities.is_empty() {
                return Err(CliError::usage(
                    "no vendor signer given to check the manifest with",
                    "pass --key VENDOR.pub (or a Sigstore identity), or --untrusted-manifest to draft without checking it",
                ));
            }
            let signers = TrustedSigners::from_files(
                &args.keys,
                identities,
                args.trusted_root.as_deref(),
                candor_sign::sigstore::Instance::Production,
            )
            .map_err(|e| CliError::Envelope(candor_verify::envelope::EnvelopeError::Trust(e)))?;
            ManifestSource::Verified {
                file: file.clone(),
                signers,
                threshold: args.threshold,
            }
        }
        _ => {
            return Err(CliError::usage(
                "no manifest given",
                "pass --manifest ENVELOPE, or --no-manifest --tool NAME --release VERSION",
            ));
        }
    })
}

fn draft(args: &DraftArgs, format: Format) -> Result<ExitCode, CliError> {
    if let Some(out) = &args.out {
        candor_sign::file::refuse_existing(out, args.force)?;
    }
    let manifest = manifest_source(args)?;
    let drafted = draft::draft(&DraftRequest {
        manifest,
        artifacts: args.artifacts.clone(),
        previous_artifacts: args.previous_artifacts.clone(),
        auditor: args.auditor.clone().map(|name| AuditorInfo {
            name,
            organization: args.organization.clone().unwrap_or_default(),
            contact: None,
        }),
        scope: args.scope.clone(),
    })?;
    match &args.out {
        Some(out) => candor_sign::file::write_atomic(
            out,
            drafted.text.as_bytes(),
            candor_sign::file::FileMode::Public,
        )?,
        None if format == Format::Human => output::stdout(&drafted.text),
        None => {}
    }
    match format {
        Format::Json | Format::Sarif => output::json(&drafted.draft),
        Format::Human if args.out.is_some() => {
            let mut counts = std::collections::BTreeMap::new();
            for finding in &drafted.draft.findings {
                *counts
                    .entry(format!("{:?}", finding.status).to_lowercase())
                    .or_insert(0) += 1;
            }
            let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            output::stdout(&format!(
                "drafted audit of {} {}: {} finding(s) ({})\n  manifest  {}\n  draft     {}\n  next      edit it, then `candor audit sign --key AUDITOR.key {}`\n",
                drafted.draft.manifest.tool,
                drafted.draft.manifest.version,
                drafted.draft.findings.len(),
                counts.join(", "),
                match (
                    &drafted.draft.manifest.envelope_digest,
                    drafted.draft.manifest.signature_verified
                ) {
                    (None, _) => "none (the release has no manifest)".to_owned(),
                    (Some(d), true) => format!(
                        "sha256 {} (signature verified)",
                        d.sha256().unwrap_or_default()
                    ),
                    (Some(d), false) => format!(
                        "sha256 {} (signature NOT checked)",
                        d.sha256().unwrap_or_default()
                    ),
                },
                args.out
                    .as_ref()
                    .map(|o| o.display().to_string())
                    .unwrap_or_default(),
                args.out
                    .as_ref()
                    .map(|o| o.display().to_string())
                    .unwrap_or_default(),
            ));
        }
        Format::Human => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn report_signed(
    signed: &candor_sign::signing::SignedDocument,
    out: Option<&PathBuf>,
    input: &str,
    format: Format,
) {
    match out {
        None => output::stdout(&signed.text),
        Some(out) => match format {
            Format::Json | Format::Sarif => output::json(&signed.report(out)),
            Format::Human => output::stdout(&format!(
                "signed {input} ({})\n  written   {} (sha256 {})\n",
                signed.statement.kind_name(),
                out.display(),
                signed.digest.sha256().unwrap_or_default()
            )),
        },
    }
}

/// Run `candor respond`.
pub fn run_respond(args: &RespondArgs, format: Format) -> Result<ExitCode, CliError> {
    let signed = respond::respond(&RespondRequest {
        audit: args.audit.clone(),
        vendor: args.vendor.clone(),
        status: args.status,
        fixed_in: args.fixed_in.clone(),
        statement: args.statement.clone(),
        answers: args.findings.clone(),
        with: args.with.sign_with()?,
        out: args.with.destination()?,
    })?;
    report_signed(
        &signed,
        args.with.out.as_ref(),
        &args.audit.display().to_string(),
        format,
    );
    Ok(ExitCode::SUCCESS)
}

fn human_show(report: &ShowReport) -> String {
    let mut out = String::new();
    for audit in &report.audits {
        human_audit(&mut out, audit);
    }
    for response in &report.responses {
        let _ = writeln!(
            out,
            "response by {} to audit sha256 {}{}",
            response.vendor,
            response.audit,
            if response.audit_found {
                ""
            } else {
                " (NOT among the files)"
            }
        );
        let _ = writeln!(out, "  file       {}", response.file);
        let _ = writeln!(out, "  signed by  {}", signer_text(&response.signers));
        match (response.signed_by_manifest_signer, &response.signer_check) {
            (Some(true), Some(check)) => {
                let _ = writeln!(out, "  signer     the manifest's signer ({check})");
            }
            (Some(false), Some(check)) => {
                let _ = writeln!(out, "  signer     NOT the manifest's signer ({check})");
            }
            _ => {}
        }
    }
    for problem in &report.problems {
        let _ = writeln!(out, "problem: {problem}");
    }
    out
}

fn human_audit(out: &mut String, audit: &candor_audit::show::AuditView) {
    let _ = writeln!(
        out,
        "audit of {} {} by {} ({}), {}",
        audit.tool, audit.version, audit.auditor, audit.organization, audit.date
    );
    let _ = writeln!(out, "  file       {} (sha256 {})", audit.file, audit.sha256);
    match &audit.manifest.sha256 {
        Some(sha) => {
            let _ = writeln!(
                out,
                "  manifest   sha256 {sha}{}{}",
                if audit.manifest.found {
                    ""
                } else {
                    " (NOT among the files)"
                },
                if audit.manifest.signature_verified_by_auditor {
                    ", signature checked by the auditor"
                } else {
                    ", signature NOT checked by the auditor"
                }
            );
        }
        None => {
            let _ = writeln!(out, "  manifest   none: the release has no manifest");
        }
    }
    let _ = writeln!(out, "  signed by  {}", signer_text(&audit.signers));
    if let Some(scope) = &audit.scope {
        let _ = writeln!(out, "  scope      {scope}");
    }
    for finding in &audit.findings {
        human_finding(out, finding);
    }
    out.push('\n');
}

fn human_finding(out: &mut String, finding: &candor_audit::show::FindingView) {
    let _ = writeln!(
        out,
        "\n  {} {:?} {:?} {}{}",
        finding.id,
        finding.severity,
        finding.status,
        finding.category,
        finding
            .claim
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "    {}", finding.summary);
    if finding.values.len() > 1 {
        let _ = writeln!(out, "    values: {}", finding.values.join(", "));
    }
    for evidence in &finding.evidence {
        match evidence {
            Evidence::Static(e) => {
                let _ = writeln!(
                    out,
                    "    {}{} @{}  {}\n      {}",
                    e.file,
                    e.section
                        .as_ref()
                        .map(|s| format!(" [{s}]"))
                        .unwrap_or_default(),
                    e.offset,
                    if e.chain.is_empty() {
                        "plain".to_owned()
                    } else {
                        e.chain.join(" → ")
                    },
                    e.excerpt
                );
            }
            Evidence::Dynamic {
                command, observed, ..
            } => {
                let _ = writeln!(out, "    ran `{command}`: {observed}");
            }
        }
    }
    for answer in &finding.answers {
        let _ = writeln!(
            out,
            "    → {} {:?}{}: {}",
            answer.vendor,
            answer.status,
            answer
                .fixed_in
                .as_ref()
                .map(|v| format!(" in {v}"))
                .unwrap_or_default(),
            answer.statement
        );
    }
}

fn signer_text(signers: &candor_audit::show::Signers) -> String {
    if signers.verified.is_empty() {
        format!("{} (claimed, not checked)", signers.claimed.join(", "))
    } else {
        format!("{} (verified)", signers.verified.join(", "))
    }
}
