//! `candor verify`: the installed tool against the trust policy and the store.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::audit::Evidence;
use candor_model::ids::ToolName;
use candor_sign::signing::SignWith;
use candor_verify::attest::{AttestRequest, attest};
use candor_verify::report::{Outcome, Reason, Source, TargetVerdict, Verdict, VerifyReport};
use candor_verify::run::{Progress, VerifyRequest, verify};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::feed::StoreArgs;
use super::{DEFAULT_PASSPHRASE_ENV, load_private_key};
use crate::error::CliError;
use crate::output::{self, Format, Paint};

/// Arguments of `candor verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 pass or warn, 1 fail, 2 usage or input error.\n\n\
Examples:\n  \
candor verify agent --policy policy.toml\n  \
candor verify ./node_modules/@acme/agent --policy policy.toml \\\n    --format json\n  \
candor verify --all --policy policy.toml --format sarif > verify.sarif\n  \
candor verify /usr/local/bin/agent --policy policy.toml \\\n    --attest agent.vsa.dsse.json --key verifier.key"
)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
pub struct VerifyArgs {
    /// What to verify: a file, a directory (an installed package, an unpacked release)
    /// or a command name found on PATH (through links and npm, pip and cargo shims).
    #[arg(value_name = "TARGET", required_unless_present = "all")]
    targets: Vec<String>,
    /// Also verify every tool the store knows that is installed here (a command on PATH).
    #[arg(long)]
    all: bool,
    /// The trust policy.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "policy.toml",
        env = "CANDOR_POLICY"
    )]
    policy: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
    /// A feed to sync first (added to the store if it lacks it): a directory, a git
    /// repository or an HTTPS site. Repeatable.
    #[arg(long = "feed", value_name = "LOCATION")]
    feeds: Vec<String>,
    /// The tool the targets are, when no trusted document names it (its rules apply).
    #[arg(long)]
    tool: Option<ToolName>,
    /// Scan the artifacts here too: undeclared behaviour found is "observed here".
    #[arg(long)]
    scan: bool,
    /// Read every file, neither using nor filling the digest cache.
    #[arg(long)]
    no_cache: bool,
    /// The Sigstore trusted root for identities in the policy (default: the embedded
    /// production root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Sign each verdict as a verification summary (SLSA VSA v1): a file for one target,
    /// an existing directory for several.
    #[arg(long, value_name = "OUT", requires = "attest_signer")]
    attest: Option<PathBuf>,
    /// Replace existing --attest files (without it, an existing one is refused).
    #[arg(long, requires = "attest")]
    force: bool,
    /// Private key (PKCS#8 PEM) to sign verdicts with. Repeatable.
    #[arg(
        long = "key",
        value_name = "KEY",
        group = "attest_signer",
        requires = "attest"
    )]
    keys: Vec<PathBuf>,
    /// Sign verdicts keylessly with Sigstore.
    #[arg(long, group = "attest_signer", requires = "attest")]
    sigstore: bool,
    /// Environment variable holding the passphrase of encrypted keys (unset: asked for
    /// on a terminal).
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
    #[command(flatten)]
    verbosity: super::Verbosity,
}

impl VerifyArgs {
    /// `-q` and `-v`.
    pub fn verbosity(&self) -> super::Verbosity {
        self.verbosity
    }
}

/// Run `candor verify`.
pub fn run(args: &VerifyArgs, format: Format) -> Result<ExitCode, CliError> {
    let store = super::feed::store_dir(&args.store)?;
    let with = attest_signer(args)?;
    let request = VerifyRequest {
        targets: args.targets.clone(),
        all: args.all,
        policy: args.policy.clone(),
        store,
        feeds: args.feeds.clone(),
        tool: args.tool.clone(),
        scan: args.scan,
        cache: !args.no_cache,
        trusted_root: args.trusted_root.clone(),
        path_var: None,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        home: std::env::var_os("HOME").map(PathBuf::from),
        now: None,
    };
    let bar = DigestBar::new();
    let mut report = verify(&request, &mut |p| bar.update(p))?;
    bar.finish();
    if let (Some(out), Some(with)) = (&args.attest, with) {
        attest(
            &mut report,
            &AttestRequest {
                out: out.clone(),
                with,
                replace: args.force,
            },
            &args.policy,
        )?;
    }
    if args.verbosity.verbose {
        output::stderr(checks(&report).trim_end());
    }
    match format {
        _ if args.verbosity.quiet => {}
        Format::Json => output::json(&report),
        Format::Sarif => output::json(&candor_verify::sarif::to_sarif(&report)),
        Format::Human => output::stdout(&human(&report, Paint::stdout())),
    }
    Ok(if report.verdict == Verdict::Fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn attest_signer(args: &VerifyArgs) -> Result<Option<SignWith>, CliError> {
    if args.attest.is_none() {
        return Ok(None);
    }
    if args.sigstore {
        return Ok(Some(SignWith::Keyless {
            identity: candor_sign::signing::IdentitySource {
                given: None,
                interactive: std::io::stdin().is_terminal() && std::env::var_os("CI").is_none(),
            },
            urls: candor_sign::keyless::SigningUrls::for_instance(
                candor_sign::sigstore::Instance::Production,
            )
            .map_err(candor_sign::signing::SignError::from)?,
        }));
    }
    Ok(Some(SignWith::Keys {
        keys: args
            .keys
            .iter()
            .map(|path| load_private_key(path, &args.passphrase_env))
            .collect::<Result<Vec<_>, _>>()?,
        bundle: false,
    }))
}

/// Every check `verify` made, target by target, in the order made (`-v`, on stderr):
/// how the target was resolved, each file digested, each document examined (trusted and
/// by whom, or not and why), then each rule of the policy.
fn checks(report: &VerifyReport) -> String {
    let mut out = String::new();
    for target in &report.targets {
        let _ = writeln!(out, "check  {}", target.target);
        let line = |out: &mut String, mark: &str, what: &str, detail: &str| {
            let _ = writeln!(out, "check  {mark:<4} {what:<18} {detail}");
        };
        for step in &target.resolved.steps {
            let how = serde_json::to_value(step.how)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let detail = format!("{how}: {} → {}", step.from.display(), step.to.display());
            line(&mut out, "ok", "resolved", &detail);
        }
        for artifact in &target.artifacts {
            let detail = format!(
                "{}: {} bytes, sha256 {}{}{}",
                artifact.path.display(),
                artifact.size,
                artifact.sha256,
                if artifact.cached { " (cached)" } else { "" },
                match (&artifact.subject, artifact.known) {
                    (Some(subject), _) => format!(", subject {subject}"),
                    (None, true) => ", named by a document".to_owned(),
                    (None, false) => ", named by no document".to_owned(),
                }
            );
            line(&mut out, "ok", "artifact", &detail);
        }
        let documents = &target.documents;
        for (kind, used) in [
            ("manifest", &documents.manifests),
            ("response", &documents.responses),
        ] {
            for doc in used {
                let detail = format!(
                    "{kind} {} for {} {} ({}): signed by {}",
                    &doc.sha256[..16.min(doc.sha256.len())],
                    doc.tool,
                    doc.version,
                    doc.path,
                    doc.signers.join(", ")
                );
                line(&mut out, "ok", "document", &detail);
            }
        }
        for audit in &documents.audits {
            let detail = format!(
                "audit {} by {} ({}): signed by {}{}",
                &audit.sha256[..16.min(audit.sha256.len())],
                audit.auditor,
                audit.organization,
                audit.signers.join(", "),
                audit
                    .not_counted
                    .as_ref()
                    .map_or_else(String::new, |why| format!("; not counted: {why}"))
            );
            let mark = if audit.counted { "ok" } else { "--" };
            line(&mut out, mark, "document", &detail);
        }
        for doc in &documents.untrusted {
            let detail = format!(
                "{} {} for {} {} (signer {}) not used: {}",
                doc.kind,
                &doc.sha256[..16.min(doc.sha256.len())],
                doc.tool,
                doc.version,
                doc.claimed_signer,
                doc.reason
            );
            line(&mut out, "--", "document", &detail);
        }
        for reason in &target.reasons {
            let mark = match reason.outcome {
                Outcome::Pass => "ok",
                Outcome::Warn => "WARN",
                Outcome::Fail => "FAIL",
            };
            line(&mut out, mark, reason.rule.as_str(), &reason.message);
        }
    }
    out
}

/// A progress bar on stderr while large files are digested (a terminal only).
struct DigestBar {
    bar: Option<ProgressBar>,
}

impl DigestBar {
    /// Files smaller than this are digested without a bar.
    const MIN_BYTES: u64 = 64 << 20;

    fn new() -> Self {
        Self {
            bar: std::io::stderr().is_terminal().then(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} digesting {msg} {bytes}/{total_bytes} {wide_bar}",
                ) {
                    bar.set_style(style);
                }
                bar
            }),
        }
    }

    fn update(&self, progress: Progress<'_>) {
        let Some(bar) = &self.bar else { return };
        let Progress::Digesting { path, read, size } = progress;
        if size < Self::MIN_BYTES {
            return;
        }
        if bar.length() != Some(size) {
            bar.set_length(size);
            bar.set_message(path.display().to_string());
        }
        bar.set_position(read);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn verdict_label(verdict: Verdict, paint: Paint) -> String {
    match verdict {
        Verdict::Pass => paint.green(verdict.label()),
        Verdict::Warn => paint.yellow(verdict.label()),
        Verdict::Fail => paint.red(verdict.label()),
    }
}

/// The human rendering of a report.
pub fn human(report: &VerifyReport, paint: Paint) -> String {
    let mut out = String::new();
    for target in &report.targets {
        render_target(&mut out, target, paint);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "policy {} (version {}, sha256 {}{})",
        report.policy.file,
        report.policy.version,
        &report.policy.sha256[..16.min(report.policy.sha256.len())],
        match report.policy.previous_version {
            Some(previous) => format!("; replaces version {previous}"),
            None => String::new(),
        }
    );
    for written in &report.attestations {
        let _ = writeln!(
            out,
            "signed verdict {} (sha256 {})",
            written.file.display(),
            written.sha256
        );
    }
    out
}

fn render_target(out: &mut String, target: &TargetVerdict, paint: Paint) {
    let what = match (&target.tool, &target.version) {
        (Some(tool), Some(version)) => format!("{tool} {version}"),
        (Some(tool), None) => tool.clone(),
        _ => "unknown tool".to_owned(),
    };
    let vendor = target
        .vendor
        .as_ref()
        .map_or_else(String::new, |v| format!(" by {v}"));
    let _ = writeln!(
        out,
        "{}  {what}{vendor}  ({})",
        verdict_label(target.verdict, paint),
        target.target
    );
    let resolved = &target.resolved;
    for step in &resolved.steps {
        let how = serde_json::to_value(step.how)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  resolved   {how}: {} → {}",
            step.from.display(),
            step.to.display()
        );
    }
    if let Some(package) = &resolved.package {
        let _ = writeln!(
            out,
            "  package    {} ({})",
            package.purl,
            package.root.display()
        );
    }
    for artifact in &target.artifacts {
        if target.artifacts.len() > 20 && !artifact.known {
            continue;
        }
        let _ = writeln!(
            out,
            "  artifact   {}  sha256 {}{}{}",
            artifact.path.display(),
            artifact.sha256,
            if artifact.cached { " (cached)" } else { "" },
            if artifact.changed_while_read {
                " (CHANGED WHILE READ)"
            } else {
                ""
            }
        );
    }
    if target.artifacts.len() > 20 {
        let unknown = target.artifacts.iter().filter(|a| !a.known).count();
        let _ = writeln!(
            out,
            "  artifact   … and {unknown} other file(s) no document names"
        );
    }
    for reason in &target.reasons {
        render_reason(out, reason, paint);
    }
    render_evidence(out, target);
    if let Some(upgrade) = &target.upgrade {
        let _ = writeln!(
            out,
            "  upgrade    {} (the vendor says it fixes {})",
            upgrade.version,
            upgrade.fixes.join(", ")
        );
    }
    for doc in &target.documents.untrusted {
        let _ = writeln!(
            out,
            "  untrusted  {} {} for {} {} (signer {}): {}",
            doc.kind,
            &doc.sha256[..16.min(doc.sha256.len())],
            doc.tool,
            doc.version,
            doc.claimed_signer,
            doc.reason
        );
    }
}

fn render_reason(out: &mut String, reason: &Reason, paint: Paint) {
    let mark = match reason.outcome {
        Outcome::Pass => paint.green("ok  "),
        Outcome::Warn => paint.yellow("WARN"),
        Outcome::Fail => paint.red("FAIL"),
    };
    let _ = writeln!(
        out,
        "  {mark} {:<18} {}",
        reason.rule.as_str(),
        reason.message
    );
}

/// The evidence of auditors' and this machine's findings that failed or warned.
fn render_evidence(out: &mut String, target: &TargetVerdict) {
    for fact in &target.facts {
        let failing = target
            .reasons
            .iter()
            .any(|r| r.outcome != Outcome::Pass && r.source.as_ref() == Some(&fact.source));
        let behaviour = fact.finding.as_ref().is_none_or(|f| {
            matches!(
                f.status,
                candor_model::audit::FindingStatus::Undeclared
                    | candor_model::audit::FindingStatus::Contradicted
            )
        });
        if !failing || !behaviour || fact.evidence.is_empty() {
            continue;
        }
        let who = match &fact.source {
            Source::ObservedByAuditor { organization, .. } => organization.clone(),
            other => other.label(),
        };
        let id = fact
            .finding
            .as_ref()
            .map_or_else(String::new, |f| format!("{} ", f.id));
        for evidence in fact.evidence.iter().take(2) {
            if let Evidence::Static(e) = evidence {
                let chain = if e.chain.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", e.chain.join(" → "))
                };
                let _ = writeln!(
                    out,
                    "  evidence   {id}({who}) {} @ {}{chain}: {}",
                    e.file,
                    e.offset,
                    truncate(&e.excerpt, 100)
                );
            }
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}
