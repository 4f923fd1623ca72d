//! `candor sigstore`: Sigstore bundles, verified offline.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::pattern::Pattern;
use candor_model::signer::{IdentityMatcher, TextMatch};
use candor_sign::file::Input;
use candor_sign::sigstore::{self, Instance, TufSource};
use candor_verify::bundle::{self, BundleReport, BundleRequest, BundleVerified, Signer};
use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::output::{self, Format};

/// `candor sigstore …`
#[derive(Debug, Subcommand)]
pub enum SigstoreCommand {
    /// Verify a Sigstore bundle offline against a trusted root and a signer.
    VerifyBundle(VerifyBundleArgs),
    /// Fetch the current Sigstore trusted root over TUF into a file (the only command
    /// that fetches it; nothing does so implicitly).
    UpdateRoot(UpdateRootArgs),
}

/// Arguments of `candor sigstore update-root`.
#[derive(Debug, Args)]
#[command(
    after_help = "TUF (The Update Framework) verifies every step: root metadata rotations signed by the previous root, timestamp, snapshot and targets signatures and thresholds, versions never going back, expiry, and the target's length and hashes. The chain starts at the TUF root embedded in candor for the production or staging instance, or at --tuf-root for another repository. Verified metadata is kept in the cache directory so that a later run detects a rollback.\n\n\
Use the result with --trusted-root (verify-envelope, sigstore verify-bundle).\n\n\
Examples:\n  \
candor sigstore update-root --out trusted_root.json\n  \
candor sigstore update-root --tuf-url https://tuf.example.com \\\n    --tuf-root root.json --out trusted_root.json"
)]
pub struct UpdateRootArgs {
    /// Write the trusted root here (atomically).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace --out if it exists (a periodic refresh passes it; without it, an existing
    /// file is refused).
    #[arg(long)]
    force: bool,
    /// The Sigstore staging instance's repository.
    #[arg(long, conflicts_with = "tuf_url")]
    staging: bool,
    /// Another TUF repository (needs --tuf-root).
    #[arg(long, value_name = "URL", requires = "tuf_root")]
    tuf_url: Option<String>,
    /// The trusted TUF root metadata (root.json) of --tuf-url.
    #[arg(long, value_name = "FILE", requires = "tuf_url")]
    tuf_root: Option<PathBuf>,
    /// Where verified TUF metadata is kept between runs (default: the user's cache
    /// directory, candor/tuf).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// Who must have signed keylessly, in cosign's words: the certificate's subject exactly,
/// by a regular expression or by a wildcard pattern, and its OIDC issuer exactly or by a
/// regular expression. Shared by `verify-envelope` and `sigstore verify-bundle`.
#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_field_names)] // the fields are cosign's flag names
pub struct IdentityArgs {
    /// The certificate subject required (email or URI), exactly.
    #[arg(long, value_name = "IDENTITY", conflicts_with_all = ["certificate_identity_regexp", "certificate_identity_pattern"])]
    certificate_identity: Option<String>,
    /// The certificate subject required, as a regular expression (Rust regex syntax)
    /// that must match the whole subject: anchored, unlike cosign's, which accepts a
    /// match anywhere.
    #[arg(
        long,
        value_name = "REGEXP",
        conflicts_with = "certificate_identity_pattern"
    )]
    certificate_identity_regexp: Option<String>,
    /// The certificate subject required, as an anchored wildcard pattern (`*` any run,
    /// `?` one character, `\` escapes).
    #[arg(long, value_name = "PATTERN")]
    certificate_identity_pattern: Option<String>,
    /// The OIDC issuer required, exactly.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer required, as a regular expression that must match it whole.
    #[arg(long, value_name = "REGEXP")]
    certificate_oidc_issuer_regexp: Option<String>,
}

impl IdentityArgs {
    /// The identity the flags describe, if any: a subject and an issuer, both or none.
    pub fn matcher(&self) -> Result<Option<IdentityMatcher>, CliError> {
        let invalid = |flag: &str, error: &dyn std::fmt::Display| CliError::Usage {
            kind: "invalid-identity",
            message: format!("{flag}: {error}"),
            hint: None,
        };
        let subject = match (
            &self.certificate_identity,
            &self.certificate_identity_regexp,
            &self.certificate_identity_pattern,
        ) {
            (Some(exact), _, _) => Some(TextMatch::Exact(exact.clone())),
            (None, Some(regexp), _) => Some(
                TextMatch::regex(regexp)
                    .map_err(|e| invalid("--certificate-identity-regexp", &e))?,
            ),
            (None, None, Some(pattern)) => {
                Some(TextMatch::Pattern(pattern.parse::<Pattern>().map_err(
                    |e| invalid("--certificate-identity-pattern", &e),
                )?))
            }
            (None, None, None) => None,
        };
        let issuer = match (
            &self.certificate_oidc_issuer,
            &self.certificate_oidc_issuer_regexp,
        ) {
            (Some(exact), _) if exact.trim().is_empty() => {
                return Err(invalid(
                    "--certificate-oidc-issuer",
                    &"empty; expected the OIDC issuer URL",
                ));
            }
            (Some(exact), _) => Some(TextMatch::Exact(exact.clone())),
            (None, Some(regexp)) => Some(
                TextMatch::regex(regexp)
                    .map_err(|e| invalid("--certificate-oidc-issuer-regexp", &e))?,
            ),
            (None, None) => None,
        };
        match (issuer, subject) {
            (None, None) => Ok(None),
            (Some(issuer), Some(subject)) => Ok(Some(IdentityMatcher { issuer, subject })),
            (Some(_), None) => Err(CliError::usage(
                "a certificate OIDC issuer needs the certificate subject it vouches for",
                "pass --certificate-identity, --certificate-identity-regexp or \
                 --certificate-identity-pattern",
            )),
            (None, Some(_)) => Err(CliError::usage(
                "a certificate identity needs the OIDC issuer that vouches for it",
                "pass --certificate-oidc-issuer (or --certificate-oidc-issuer-regexp), e.g. \
                 https://token.actions.githubusercontent.com",
            )),
        }
    }
}

/// Arguments of `candor sigstore verify-bundle` (the conformance suite's client protocol:
/// `verify-bundle [--staging] --bundle FILE (--certificate-identity ID
/// --certificate-oidc-issuer URL | --key KEY) [--trusted-root FILE] FILE_OR_DIGEST`).
#[derive(Debug, Args)]
#[command(
    after_help = "Checks, all offline: the certificate chains to a CA of the trusted root and was valid \
when the signature was made (by the log's or a timestamp authority's signed time); its SCT; the Rekor \
inclusion proof and checkpoint (v1 and v2 logs); signed entry timestamps and RFC 3161 timestamps; the \
log entry matches the signature and the artifact; the signature verifies over the artifact (or, for \
a DSSE bundle, the artifact is a subject of its in-toto Statement). Then the identity, in cosign's \
words: the issuer exactly (--certificate-oidc-issuer) or by a regular expression \
(--certificate-oidc-issuer-regexp), the subject exactly (--certificate-identity), by a regular \
expression (--certificate-identity-regexp) or by an anchored pattern (--certificate-identity-pattern: \
`*` any run, `?` one character, `\\` escapes). Regular expressions must match the whole text, \
unlike cosign's (which match anywhere): write `.*` where any text may stand. A managed-key bundle is \
verified with --key instead.\n\n\
The artifact is the last argument or --artifact, as verify-envelope takes it: a file, or its digest \
as sha256:<64 hex>.\n\n\
Trusted root: --trusted-root FILE, else the Sigstore public-good production root embedded in candor \
(--staging: the staging root). It is never fetched implicitly.\n\n\
Exit codes: 0 verified, 1 rejected, 2 usage or input error.\n\n\
Examples:\n  \
candor sigstore verify-bundle --bundle a.sigstore.json \\\n    \
--certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n    \
--certificate-identity-pattern \\\n    \
'https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*' \\\n    \
agent-1.4.0.tgz\n  \
candor sigstore verify-bundle --bundle a.sigstore.json \\\n    \
--certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n    \
--certificate-identity-regexp 'https://github\\.com/acme/[^/]+/\\.github/.*' \\\n    \
--artifact agent-1.4.0.tgz\n  \
candor sigstore verify-bundle --bundle a.sigstore.json --key cosign.pub \\\n    sha256:<64 hex digits>"
)]
pub struct VerifyBundleArgs {
    /// Use the embedded Sigstore staging trusted root instead of production.
    #[arg(long)]
    staging: bool,
    /// The Sigstore bundle; `-` reads it from standard input.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    #[command(flatten)]
    identity: IdentityArgs,
    /// A PEM public key: verify a managed-key bundle with it.
    #[arg(long, value_name = "KEY", conflicts_with_all = [
        "certificate_identity",
        "certificate_identity_regexp",
        "certificate_identity_pattern",
        "certificate_oidc_issuer",
        "certificate_oidc_issuer_regexp",
    ])]
    key: Option<PathBuf>,
    /// A Sigstore trusted root file instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// The artifact, or its digest as `sha256:<64 hex>` (for a DSSE bundle: a subject of
    /// its in-toto Statement).
    #[arg(required_unless_present = "artifact", conflicts_with = "artifact")]
    file_or_digest: Option<String>,
    /// The artifact (or its digest) by flag, as verify-envelope takes it.
    #[arg(long, value_name = "FILE_OR_DIGEST")]
    artifact: Option<String>,
    #[command(flatten)]
    verbosity: super::Verbosity,
}

impl VerifyBundleArgs {
    /// `-q` and `-v`.
    pub fn verbosity(&self) -> super::Verbosity {
        self.verbosity
    }
}

/// Run `candor sigstore …`.
pub fn run(command: SigstoreCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        SigstoreCommand::VerifyBundle(args) => verify_bundle(&args, format),
        SigstoreCommand::UpdateRoot(args) => update_root(&args, format),
    }
}

/// The user's cache directory for TUF metadata: `$XDG_CACHE_HOME/candor/tuf`, else
/// `$HOME/.cache/candor/tuf`.
fn default_cache_dir() -> Option<PathBuf> {
    let non_empty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    non_empty("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("candor").join("tuf"))
}

fn update_root(args: &UpdateRootArgs, format: Format) -> Result<ExitCode, CliError> {
    candor_sign::file::refuse_existing(&args.out, args.force)?;
    let source = match (&args.tuf_url, &args.tuf_root) {
        (Some(url), Some(root)) => TufSource::Custom {
            url: url.clone(),
            root: fs_err::read(root)?,
        },
        _ if args.staging => TufSource::Instance(Instance::Staging),
        _ => TufSource::Instance(Instance::Production),
    };
    let cache_dir = args.cache_dir.clone().or_else(default_cache_dir);
    let report = sigstore::update_root_file(&source, cache_dir.as_deref(), &args.out)?;
    match format {
        Format::Human => output::stdout(&format!(
            "updated: Sigstore trusted root from {}\n  written   {} (sha256 {})\n  use with  --trusted-root {}\n",
            match &source {
                TufSource::Custom { url, .. } => url.clone(),
                TufSource::Instance(Instance::Staging) => "the staging TUF repository".to_owned(),
                TufSource::Instance(Instance::Production) =>
                    "the production TUF repository".to_owned(),
            },
            report.out,
            report.digest.sha256().unwrap_or_default(),
            report.out,
        )),
        Format::Json | Format::Sarif => output::json(&report),
    }
    Ok(ExitCode::SUCCESS)
}

/// Who must have signed, from the arguments.
fn signer(args: &VerifyBundleArgs) -> Result<Signer, CliError> {
    if let Some(path) = &args.key {
        return Ok(Signer::Key(path.clone()));
    }
    match args.identity.matcher()? {
        Some(identity) => Ok(Signer::Identity(identity)),
        None => Err(CliError::usage(
            "no signer given",
            "pass --certificate-oidc-issuer with --certificate-identity (or \
             --certificate-identity-regexp, --certificate-identity-pattern), or --key for a \
             managed-key bundle",
        )),
    }
}

fn verify_bundle(args: &VerifyBundleArgs, format: Format) -> Result<ExitCode, CliError> {
    let (artifact_name, artifact) = match (&args.file_or_digest, &args.artifact) {
        (Some(artifact), _) => ("FILE_OR_DIGEST", artifact.clone()),
        (None, Some(artifact)) => ("--artifact", artifact.clone()),
        (None, None) => return Err(CliError::usage("no artifact given", "name the artifact")),
    };
    super::artifact_not_stdin(artifact_name, artifact.as_ref())?;
    super::check_stdin(&[("--bundle", Some(&args.bundle))])?;
    let report = bundle::verify_bundle(&BundleRequest {
        bundle: Input::from_arg(&args.bundle),
        signer: signer(args)?,
        trusted_root: args.trusted_root.clone(),
        instance: if args.staging {
            Instance::Staging
        } else {
            Instance::Production
        },
        artifact,
    })?;
    if args.verbosity.verbose {
        super::print_checks(match &report {
            BundleReport::Verified(verified) => &verified.checks,
            BundleReport::Rejected(rejected) => &rejected.checks,
        });
    }
    match (format, &report) {
        _ if args.verbosity.quiet => {}
        (Format::Json | Format::Sarif, _) => output::json(&report),
        (Format::Human, BundleReport::Verified(verified)) => {
            output::stdout(&human_verified(verified));
        }
        (Format::Human, BundleReport::Rejected(rejected)) if rejected.error.names_file => {
            output::stdout(&format!(
                "{} {}\n",
                output::Paint::stdout().red(&format!(
                    "verification failed ({} check):",
                    rejected.error.check
                )),
                rejected.error.message
            ));
        }
        (Format::Human, BundleReport::Rejected(rejected)) => output::stdout(&format!(
            "{} {}: {}\n",
            output::Paint::stdout().red(&format!(
                "verification failed ({} check):",
                rejected.error.check
            )),
            rejected.bundle,
            rejected.error.message
        )),
    }
    if let (Format::Human, false, BundleReport::Rejected(rejected)) =
        (format, args.verbosity.quiet, &report)
        && let Some(hint) = &rejected.error.hint
    {
        output::stderr(&format!("hint: {hint}"));
    }
    Ok(match report {
        BundleReport::Verified(_) => ExitCode::SUCCESS,
        BundleReport::Rejected(_) => ExitCode::from(1),
    })
}

fn human_verified(verified: &BundleVerified) -> String {
    let mut out = format!(
        "{} Sigstore bundle {}\n",
        output::Paint::stdout().green("verified:"),
        verified.bundle
    );
    let _ = writeln!(out, "  artifact   {}", verified.artifact);
    match (&verified.subject, &verified.issuer) {
        (Some(subject), Some(issuer)) => {
            let _ = writeln!(out, "  signed by  {subject}\n  issuer     {issuer}");
        }
        _ => match &verified.key_id {
            Some(key_id) => {
                let _ = writeln!(out, "  signed by  {key_id} (the given public key)");
            }
            None => {
                let _ = writeln!(out, "  signed by  the given public key");
            }
        },
    }
    if !verified.logged {
        let _ = writeln!(
            out,
            "  log        none: a managed-key bundle (`candor sign --bundle --key`), verified \
             by the key alone; no log or timestamp attests when it was signed"
        );
    }
    // The log's integrated time is itself an authenticated time: said once.
    if let Some(time) = &verified.integrated_time {
        let authenticated = if verified.verified_times.contains(time) {
            " (authenticated)"
        } else {
            ""
        };
        let _ = writeln!(out, "  logged at  {time}{authenticated}");
    }
    for time in verified
        .verified_times
        .iter()
        .filter(|time| verified.integrated_time.as_ref() != Some(*time))
    {
        let _ = writeln!(out, "  time       {time} (authenticated)");
    }
    if let (Some(payload_type), Some(bytes)) = (&verified.payload_type, verified.payload_bytes) {
        let _ = writeln!(
            out,
            "  content    DSSE envelope, {payload_type}, {bytes} bytes"
        );
    }
    out
}
