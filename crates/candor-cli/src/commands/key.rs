//! `candor key generate` and `candor key public`.

use std::path::PathBuf;
use std::process::ExitCode;

use candor_sign::keys::{self, KeyError, PublicKey, PublicKeyReport};
use clap::{Args, Subcommand, ValueEnum};

use zeroize::Zeroizing;

use super::{DEFAULT_PASSPHRASE_ENV, load_private_key, passphrase_from_env, prompt_passphrase};
use crate::error::CliError;
use crate::output::{self, Format};
use crate::prompt;

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an ed25519 key pair: OUT (private, PKCS#8 PEM, mode 0600) and OUT.pub.
    #[command(after_help = "Examples:\n  \
candor key generate --out release.key\n  \
candor key generate --out release.key --encrypt # asks for a passphrase\n  \
CANDOR_PASSPHRASE=… candor key generate --out release.key --encrypt")]
    Generate(GenerateArgs),
    /// Print the public key of a private or public key file.
    #[command(after_help = "Examples:\n  \
candor key public release.key\n  \
candor key public release.key.pub --encoding ed25519")]
    Public(PublicArgs),
}

/// Arguments of `candor key generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Where to write the private key; the public key goes to OUT.pub.
    #[arg(long, short)]
    out: PathBuf,
    /// Encrypt the private key with the passphrase in `$CANDOR_PASSPHRASE` (or
    /// `--passphrase-env`); when it is not set, on a terminal, the passphrase is asked for
    /// twice, not shown.
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
    /// Environment variable holding the passphrase of an encrypted private key (unset:
    /// asked for on a terminal).
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSPHRASE_ENV)]
    passphrase_env: String,
}

/// Run a key command.
pub fn run(command: KeyCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        KeyCommand::Generate(args) => generate(&args, format),
        KeyCommand::Public(args) => public(&args, format),
    }
}

/// The passphrase to encrypt a new key with: from the environment variable, else typed
/// twice at the terminal, else none (an error).
fn new_key_passphrase(args: &GenerateArgs) -> Result<Zeroizing<Vec<u8>>, CliError> {
    if let Some(passphrase) = passphrase_from_env(&args.passphrase_env)? {
        return Ok(passphrase);
    }
    if !prompt::available() {
        return Err(CliError::usage(
            format!(
                "--encrypt needs a passphrase, but ${} is not set or empty",
                args.passphrase_env
            ),
            format!("export {}=<passphrase>", args.passphrase_env),
        ));
    }
    // Refuse an existing file before the passphrase is typed, not after.
    candor_sign::file::refuse_existing(&args.out, args.force)?;
    candor_sign::file::refuse_existing(&keys::public_key_path(&args.out), args.force)?;
    let first = prompt_passphrase(&format!(
        "Passphrase to encrypt {} (not shown): ",
        args.out.display()
    ))?;
    let second =
        prompt::read_hidden("The same passphrase again: ").map_err(|e| CliError::Usage {
            kind: "passphrase-prompt",
            message: format!("cannot read a passphrase from the terminal: {e}"),
            hint: None,
        })?;
    if first != second {
        return Err(CliError::Usage {
            kind: "passphrase-mismatch",
            message: "the two passphrases differ; no key was written".to_owned(),
            hint: Some("run the command again and type the same passphrase twice".to_owned()),
        });
    }
    Ok(first)
}

fn generate(args: &GenerateArgs, format: Format) -> Result<ExitCode, CliError> {
    let passphrase = if args.encrypt {
        Some(new_key_passphrase(args)?)
    } else {
        None
    };
    let generated = keys::generate_key_files(
        &args.out,
        passphrase.as_deref().map(Vec::as_slice),
        args.force,
    )?;
    match format {
        Format::Human => output::stdout(&format!(
            "generated ed25519 key {}\n  private key  {} ({}mode 0600)\n  public key   {}\n  policy form  {}\n",
            generated.key_id,
            generated.private_key,
            if generated.encrypted {
                "encrypted, "
            } else {
                ""
            },
            generated.public_key,
            generated.ed25519,
        )),
        Format::Json | Format::Sarif => output::json(&generated),
    }
    Ok(ExitCode::SUCCESS)
}

fn public(args: &PublicArgs, format: Format) -> Result<ExitCode, CliError> {
    let public = match PublicKey::from_file(&args.key) {
        Ok(public) => public,
        // A private key: its public half, decrypted with the passphrase if need be.
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
        Format::Json | Format::Sarif => output::json(&PublicKeyReport::from(&public)),
    }
    Ok(ExitCode::SUCCESS)
}
