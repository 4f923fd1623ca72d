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
candor sign --bundle --key release.key statement.json --out manifest.sigstore.json"
)]
pub struct SignArgs {
    /// Private key (PKCS#8 PEM). Repeat to sign with several keys.
    #[arg(long = "key", value_name = "KEY", required = true)]
    keys: Vec<PathBuf>,
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
        candor_sign::sigstore::key_bundle(&envelope)
    } else {
        envelope.to_json()
    };
    let key_ids: Vec<String> = keys
        .iter()
        .map(|k| k.public_key().id().to_string())
        .collect();
    match &args.out {
        Some(out) => {
            write_atomic(out, text.as_bytes(), FileMode::Public)?;
            let digest = candor_sign::artifact::sha256_of(text.as_bytes());
            match format {
                Format::Human => output::stdout(&format!(
                    "signed {} ({}) with {}\n  envelope  {} (sha256 {})\n",
                    name,
                    statement.kind_name(),
                    key_ids.join(", "),
                    out.display(),
                    digest.sha256().unwrap_or_default(),
                )),
                Format::Json | Format::Sarif => output::json(&json!({
                    "ok": true,
                    "envelope": out,
                    "envelope_digest": digest,
                    "predicate_type": statement.predicate_type(),
                    "key_ids": key_ids,
                })),
            }
        }
        None => output::stdout(&text),
    }
    Ok(ExitCode::SUCCESS)
}
