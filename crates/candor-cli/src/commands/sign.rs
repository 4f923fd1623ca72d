//! `candor sign`: Statement → DSSE envelope.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_sign::file::Input;
use candor_sign::keyless::SigningUrls;
use candor_sign::signing::{self, Destination, IdentitySource, SignError, SignReport, SignWith};
use candor_sign::sigstore::Instance;
use clap::Args;

use super::{DEFAULT_PASSPHRASE_ENV, load_private_key};
use crate::error::CliError;
use crate::output::{self, Format};

/// Arguments of `candor sign`.
#[derive(Debug, Args)]
#[command(
    after_help = "The Statement is re-encoded canonically before signing: what is signed is exactly \
what candor parsed, never bytes it did not understand.\n\nExamples:\n  \
candor sign --key release.key statement.json --out manifest.dsse.json\n  \
candor manifest statement candor.toml --artifact agent.tgz | \\\n    \
candor sign --key release.key - --out manifest.dsse.json\n  \
candor sign --key vendor-a.key --key vendor-b.key statement.json > \\\n    manifest.dsse.json\n  \
candor sign --bundle --key release.key statement.json \\\n    --out manifest.sigstore.json\n  \
candor sign --sigstore statement.json --out manifest.sigstore.json # in \\\n    CI: ambient OIDC token\n\n\
Keyless (--sigstore): the identity token is --identity-token, else $SIGSTORE_ID_TOKEN, else the CI \
system's (GitHub Actions, GitLab, Buildkite, …), else, on a terminal outside CI, an interactive \
login. Fulcio issues a short-lived certificate for an ephemeral key, the DSSE envelope is logged \
in Rekor, and a Sigstore bundle is written. Services: the production instance's (embedded), \
--staging, or --fulcio-url/--rekor-url/--tsa-url."
)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
pub struct SignArgs {
    /// Private key (PKCS#8 PEM). Repeat to sign with several keys.
    #[arg(
        long = "key",
        value_name = "KEY",
        required_unless_present = "sigstore",
        conflicts_with = "sigstore"
    )]
    keys: Vec<PathBuf>,
    /// Sign keylessly with Sigstore (OIDC identity, Fulcio certificate, Rekor entry);
    /// writes a Sigstore bundle.
    #[arg(long)]
    sigstore: bool,
    /// The OIDC identity token for --sigstore (default: the identity token environment
    /// variable, then the CI system's; see below). Visible to other local users in the
    /// process list: prefer the variable.
    #[arg(long, value_name = "JWT", requires = "sigstore")]
    identity_token: Option<String>,
    /// Use the Sigstore staging instance for --sigstore.
    #[arg(long, requires = "sigstore")]
    staging: bool,
    /// Fulcio base URL for --sigstore (default: the instance's).
    #[arg(long, value_name = "URL", requires = "sigstore")]
    fulcio_url: Option<String>,
    /// Rekor (v1 API) base URL for --sigstore (default: the instance's).
    #[arg(long, value_name = "URL", requires = "sigstore")]
    rekor_url: Option<String>,
    /// RFC 3161 timestamp authority URL for --sigstore (default: the instance's; none
    /// when --fulcio-url or --rekor-url points at a private instance).
    #[arg(long, value_name = "URL", requires = "sigstore")]
    tsa_url: Option<String>,
    /// The in-toto Statement (JSON) to sign, from `candor manifest statement`; `-` reads
    /// it from standard input.
    statement: PathBuf,
    /// Write the envelope here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Replace the output file if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
    /// Write a Sigstore bundle (v0.3, public-key hint) holding the envelope, for
    /// Sigstore tooling to carry; candor verifies it like the envelope.
    #[arg(long)]
    bundle: bool,
    /// Environment variable holding the passphrase of encrypted keys (unset: asked for
    /// on a terminal).
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
}

/// Run `candor sign`.
pub fn run(args: &SignArgs, format: Format) -> Result<ExitCode, CliError> {
    super::check_stdin(&[("STATEMENT", Some(&args.statement))])?;
    let with = if args.sigstore {
        let instance = if args.staging {
            Instance::Staging
        } else {
            Instance::Production
        };
        SignWith::Keyless {
            identity: IdentitySource {
                given: args.identity_token.clone(),
                // The interactive login only where a person is at a terminal, never in CI.
                interactive: std::io::stdin().is_terminal() && std::env::var_os("CI").is_none(),
            },
            urls: SigningUrls::resolve(
                instance,
                args.fulcio_url.as_deref(),
                args.rekor_url.as_deref(),
                args.tsa_url.as_deref(),
            )
            .map_err(SignError::from)?,
        }
    } else {
        SignWith::Keys {
            keys: args
                .keys
                .iter()
                .map(|path| load_private_key(path, &args.passphrase_env))
                .collect::<Result<Vec<_>, _>>()?,
            bundle: args.bundle,
        }
    };
    let destination = match &args.out {
        Some(path) => {
            candor_sign::file::refuse_existing(path, args.force)?;
            Destination::File(path.clone())
        }
        None => Destination::Stdout,
    };
    let statement = Input::from_arg(&args.statement);
    let signed = signing::sign_file(&statement, &with, &destination)?;
    let Destination::File(out) = destination else {
        output::stdout(&signed.text);
        return Ok(ExitCode::SUCCESS);
    };
    let report = signed.report(&out);
    match (format, &report) {
        (Format::Json | Format::Sarif, _) => output::json(&report),
        (Format::Human, SignReport::Keys(report)) => output::stdout(&format!(
            "signed {} ({}) with {}\n  envelope  {} (sha256 {})\n",
            statement,
            signed.statement.kind_name(),
            report
                .key_ids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            report.envelope,
            report.envelope_digest.sha256().unwrap_or_default(),
        )),
        (Format::Human, SignReport::Keyless(report)) => output::stdout(&format!(
            "signed {} ({}) keylessly as {}\n  bundle    {} (sha256 {})\n  fulcio    {}\n  rekor     {}\n",
            statement,
            signed.statement.kind_name(),
            report
                .identity
                .as_deref()
                .unwrap_or("the interactive login"),
            report.bundle,
            report.bundle_digest.sha256().unwrap_or_default(),
            report.fulcio_url,
            report.rekor_url,
        )),
    }
    Ok(ExitCode::SUCCESS)
}
