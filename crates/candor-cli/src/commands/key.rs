//! `candor key generate` and `candor key public`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use candor_sign::file::{FileMode, write_atomic};
use candor_sign::keys::{KeyError, PrivateKey, PublicKey};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::{DEFAULT_PASSPHRASE_ENV, check_overwrite, load_private_key, passphrase_from_env};
use crate::output::{self, Format, hinted};

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an ed25519 key pair: OUT (private, PKCS#8 PEM, mode 0600) and OUT.pub.
    #[command(after_help = "Examples:\n  \
candor key generate --out release.key\n  \
CANDOR_PASSPHRASE=… candor key generate --out release.key --encrypt")]
    Generate(GenerateArgs),
    /// Print the public key of a private or public key file.
    #[command(after_help = "Examples:\n  \
candor key public release.key\n  \
candor key public release.pub --encoding ed25519")]
    Public(PublicArgs),
}

/// Arguments of `candor key generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Where to write the private key; the public key goes to OUT.pub.
    #[arg(long, short)]
    out: PathBuf,
    /// Encrypt the private key with the passphrase in `$CANDOR_PASSPHRASE` (or `--passphrase-env`).
    #[arg(long)]
    encrypt: bool,
    /// Environment variable holding the passphrase.
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

/// How to print a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// `SubjectPublicKeyInfo` PEM (`-----BEGIN PUBLIC KEY-----`).
    Pem,
    /// `ed25519:<base64>`, as trust policies write keys.
    Ed25519,
}

/// Arguments of `candor key public`.
#[derive(Debug, Args)]
pub struct PublicArgs {
    /// A private key (PKCS#8 PEM) or public key (PEM or `ed25519:` text) file.
    key: PathBuf,
    /// Encoding of the printed key.
    #[arg(long, value_enum, default_value_t = Encoding::Pem)]
    encoding: Encoding,
    /// Environment variable holding the passphrase of an encrypted private key.
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
}

/// Run a key command.
pub fn run(command: KeyCommand, format: Format) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Generate(args) => generate(&args, format),
        KeyCommand::Public(args) => public(&args, format),
    }
}

fn public_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn generate(args: &GenerateArgs, format: Format) -> anyhow::Result<ExitCode> {
    let public_out = public_path(&args.out);
    check_overwrite(&args.out, args.force)?;
    check_overwrite(&public_out, args.force)?;
    let passphrase = if args.encrypt {
        Some(passphrase_from_env(&args.passphrase_env)?.ok_or_else(|| {
            hinted(
                format!(
                    "--encrypt needs a passphrase, but ${} is not set or empty",
                    args.passphrase_env
                ),
                format!("export {}=<passphrase>", args.passphrase_env),
            )
        })?)
    } else {
        None
    };
    let key = PrivateKey::generate();
    key.write_pem(&args.out, passphrase.as_deref().map(Vec::as_slice))
        .with_context(|| format!("cannot write private key {}", args.out.display()))?;
    write_atomic(
        &public_out,
        key.public_key().to_pem().as_bytes(),
        FileMode::Public,
    )
    .with_context(|| format!("cannot write public key {}", public_out.display()))?;
    let public = key.public_key();
    match format {
        Format::Human => output::stdout(&format!(
            "generated ed25519 key {}\n  private key  {} ({}mode 0600)\n  public key   {}\n  policy form  {}\n",
            public.id(),
            args.out.display(),
            if args.encrypt { "encrypted, " } else { "" },
            public_out.display(),
            public.to_ed25519_text(),
        )),
        Format::Json | Format::Sarif => output::json(&json!({
            "key_id": public.id(),
            "private_key": args.out,
            "public_key": public_out,
            "encrypted": args.encrypt,
            "ed25519": public.to_ed25519_text(),
        })),
    }
    Ok(ExitCode::SUCCESS)
}

fn public(args: &PublicArgs, format: Format) -> anyhow::Result<ExitCode> {
    let public = match PublicKey::from_file(&args.key) {
        Ok(public) => public,
        Err(KeyError::PrivateWherePublicExpected { .. }) => {
            load_private_key(&args.key, &args.passphrase_env)?
                .public_key()
                .clone()
        }
        Err(e) => return Err(e.into()),
    };
    match format {
        Format::Human => output::stdout(&match args.encoding {
            Encoding::Pem => public.to_pem(),
            Encoding::Ed25519 => format!("{}\n", public.to_ed25519_text()),
        }),
        Format::Json | Format::Sarif => output::json(&json!({
            "key_id": public.id(),
            "pem": public.to_pem(),
            "ed25519": public.to_ed25519_text(),
        })),
    }
    Ok(ExitCode::SUCCESS)
}
