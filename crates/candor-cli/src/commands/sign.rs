//! `candor sign`: Statement → DSSE envelope.

use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::{AnyStatement, IN_TOTO_PAYLOAD_TYPE};
use candor_sign::dsse::{self, MAX_ENVELOPE_BYTES, Signer};
use candor_sign::file::{FileMode, read_capped, write_atomic};
use clap::Args;
use serde_json::json;

use super::{DEFAULT_PASSPHRASE_ENV, load_private_key};
use crate::output::{self, Format, hinted};

/// Arguments of `candor sign`.
#[derive(Debug, Args)]
#[command(
    after_help = "The Statement is re-encoded canonically before signing: what is signed is exactly \
what candor parsed, never bytes it did not understand.\n\nExamples:\n  \
candor sign --key release.key statement.json --out manifest.dsse.json\n  \
candor sign --key vendor-a.key --key vendor-b.key statement.json > manifest.dsse.json\n  \
candor sign --bundle --key release.key statement.json --out manifest.sigstore.json\n  \
candor sign --sigstore statement.json --out manifest.sigstore.json   # in CI: ambient OIDC token\n\n\
Keyless (--sigstore): the identity token is --identity-token, else $SIGSTORE_ID_TOKEN, else the CI \
system's (GitHub Actions, GitLab, Buildkite, …), else, on a terminal outside CI, an interactive \
login. Fulcio issues a short-lived certificate for an ephemeral key, the DSSE envelope is logged \
in Rekor, and a Sigstore bundle is written. Services: the production instance's (embedded), \
--staging, or --fulcio-url/--rekor-url/--tsa-url."
)]
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
    /// The in-toto Statement (JSON) to sign, from `candor manifest statement`.
    statement: PathBuf,
    /// Write the envelope here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Write a Sigstore bundle (v0.3, public-key hint) holding the envelope, for
    /// Sigstore tooling to carry; candor verifies it like the envelope.
    #[arg(long)]
    bundle: bool,
    /// Environment variable holding the passphrase of encrypted keys.
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
}

/// Run `candor sign`.
pub fn run(args: &SignArgs, format: Format) -> anyhow::Result<ExitCode> {
    let bytes = read_capped(&args.statement, MAX_ENVELOPE_BYTES, "a Statement")?;
    let name = args.statement.display().to_string();
    let statement = AnyStatement::from_json(&bytes, &name).map_err(|errors| {
        hinted(
            format!("{name} is not a valid candor Statement:\n{errors}"),
            "make Statements with `candor manifest statement`",
        )
    })?;
    if args.sigstore {
        return sign_keyless(args, &statement, &name, format);
    }
    let keys = args
        .keys
        .iter()
        .map(|path| load_private_key(path, &args.passphrase_env))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let signers: Vec<&dyn Signer> = keys.iter().map(|k| k as &dyn Signer).collect();
    let envelope = dsse::sign(
        IN_TOTO_PAYLOAD_TYPE,
        &statement.to_canonical_json(),
        &signers,
    );
    let text = if args.bundle {
        candor_sign::sigstore::key_bundle(&envelope).ok_or_else(|| {
            hinted(
                format!(
                    "a Sigstore bundle carries exactly one signature; {} keys were given",
                    keys.len()
                ),
                "sign with one key, or drop --bundle to write a DSSE envelope with every signature",
            )
        })?
    } else {
        envelope.to_json()
    };
    let key_ids: Vec<String> = keys
        .iter()
        .map(|k| k.public_key().id().to_string())
        .collect();
    write_signed(args.out.as_deref(), &text, |out, digest| match format {
        Format::Human => Report::Text(format!(
            "signed {} ({}) with {}\n  envelope  {} (sha256 {})\n",
            name,
            statement.kind_name(),
            key_ids.join(", "),
            out.display(),
            digest.sha256().unwrap_or_default(),
        )),
        Format::Json | Format::Sarif => Report::Json(json!({
            "ok": true,
            "envelope": out,
            "envelope_digest": digest,
            "predicate_type": statement.predicate_type(),
            "key_ids": key_ids,
        })),
    })
}

/// What `candor sign` reports after writing its output file.
enum Report {
    Text(String),
    Json(serde_json::Value),
}

/// Writes the signed document to `out` atomically and prints `report(out, digest)`, or
/// prints the document itself when there is no `out`.
fn write_signed(
    out: Option<&std::path::Path>,
    text: &str,
    report: impl FnOnce(&std::path::Path, &candor_model::digest::DigestSet) -> Report,
) -> anyhow::Result<ExitCode> {
    match out {
        Some(out) => {
            write_atomic(out, text.as_bytes(), FileMode::Public)?;
            let digest = candor_sign::artifact::sha256_of(text.as_bytes());
            match report(out, &digest) {
                Report::Text(text) => output::stdout(&text),
                Report::Json(value) => output::json(&value),
            }
        }
        None => output::stdout(text),
    }
    Ok(ExitCode::SUCCESS)
}

/// The environment variable a keyless identity token is read from.
const ID_TOKEN_ENV: &str = "SIGSTORE_ID_TOKEN";

fn sign_keyless(
    args: &SignArgs,
    statement: &AnyStatement,
    name: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    use candor_sign::keyless::{self, Identity, SigningUrls};
    let instance = if args.staging {
        candor_sign::sigstore::Instance::Staging
    } else {
        candor_sign::sigstore::Instance::Production
    };
    let mut urls = SigningUrls::for_instance(instance)?;
    if let Some(url) = &args.fulcio_url {
        urls.fulcio.clone_from(url);
    }
    if let Some(url) = &args.rekor_url {
        urls.rekor.clone_from(url);
        urls.rekor_v2 = false;
    }
    // A private instance (its own Fulcio or Rekor) does not inherit the public
    // timestamp authority: it uses --tsa-url, or none.
    if args.fulcio_url.is_some() || args.rekor_url.is_some() {
        urls.tsa = None;
        urls.oidc = None;
    }
    if let Some(url) = &args.tsa_url {
        urls.tsa = Some(url.clone());
    }
    let given = args.identity_token.clone().or_else(|| {
        std::env::var(ID_TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let identity = match given {
        Some(jwt) => Identity::Token(Box::new(keyless::parse_token(&jwt)?)),
        None => match keyless::ambient_token()? {
            Some(token) => Identity::Token(Box::new(token)),
            None if std::io::IsTerminal::is_terminal(&std::io::stdin())
                && std::env::var_os("CI").is_none() =>
            {
                Identity::Interactive
            }
            None => {
                return Err(hinted(
                    keyless::KeylessError::NoToken.to_string(),
                    format!(
                        "in GitHub Actions grant `permissions: id-token: write`; elsewhere export {ID_TOKEN_ENV}"
                    ),
                ));
            }
        },
    };
    let who = match &identity {
        Identity::Token(token) => Some(token.identity().to_owned()),
        Identity::Interactive => None,
    };
    let text = keyless::sign_statement(&statement.to_canonical_json(), identity, &urls)?;
    write_signed(args.out.as_deref(), &text, |out, digest| match format {
        Format::Human => Report::Text(format!(
            "signed {name} ({}) keylessly as {}\n  bundle    {} (sha256 {})\n  fulcio    {}\n  rekor     {}\n",
            statement.kind_name(),
            who.as_deref().unwrap_or("the interactive login"),
            out.display(),
            digest.sha256().unwrap_or_default(),
            urls.fulcio,
            urls.rekor,
        )),
        Format::Json | Format::Sarif => Report::Json(json!({
            "ok": true,
            "bundle": out,
            "bundle_digest": digest,
            "predicate_type": statement.predicate_type(),
            "identity": who,
            "fulcio_url": urls.fulcio,
            "rekor_url": urls.rekor,
        })),
    })
}
