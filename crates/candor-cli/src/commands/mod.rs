//! One module per subcommand: its clap arguments and `run`, which turns the arguments
//! into one library call and renders the typed result.

pub mod audit;
pub mod feed;
pub mod generate;
pub mod key;
pub mod ledger;
pub mod manifest;
pub mod policy;
pub mod publish;
pub mod scan;
pub mod sign;
pub mod sigstore;
pub mod verify;
pub mod verify_envelope;

use std::io::IsTerminal as _;
use std::path::Path;

use candor_sign::keys::{KeyError, PrivateKey};
use zeroize::Zeroizing;

use crate::error::CliError;

/// `-q` and `-v` of the verifying commands (`verify`, `verify-envelope`,
/// `sigstore verify-bundle`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Verbosity {
    /// Print no report: the exit code says it (0 verified, 1 rejected). Input and usage
    /// errors (exit 2) and warnings still go to stderr, as with grep -q.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print every check on stderr, in the order it was made: what passed, what did
    /// not count and why, and what failed.
    #[arg(short, long)]
    pub verbose: bool,
}

/// The checks of a verification on stderr, one a line (`-v`).
pub fn print_checks(checks: &[candor_sign::verify::Check]) {
    let text: Vec<String> = checks
        .iter()
        .map(|check| format!("check  {check}").replace('\n', "\ncheck  "))
        .collect();
    if !text.is_empty() {
        crate::output::stderr(&text.join("\n"));
    }
}

/// The environment variable that holds key passphrases unless `--passphrase-env` names
/// another.
pub const DEFAULT_PASSPHRASE_ENV: &str = "CANDOR_PASSPHRASE";

/// The passphrase in environment variable `var`, if set and non-empty.
pub fn passphrase_from_env(var: &str) -> Result<Option<Zeroizing<Vec<u8>>>, CliError> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(value) if value.is_empty() => Ok(None),
        Some(value) => {
            let text = value.into_string().map_err(|_| CliError::Usage {
                kind: "passphrase-not-utf8",
                message: format!("environment variable {var} is not valid UTF-8"),
                hint: None,
            })?;
            Ok(Some(Zeroizing::new(text.into_bytes())))
        }
    }
}

/// Check the documents one command line names: `-` is standard input, which can be read
/// only once, and is refused when it is a terminal (nothing was piped in; reading would
/// wait for typing). `named` pairs each argument's name (`ENVELOPE`, `--bundle`) with its
/// value.
pub fn check_stdin(named: &[(&str, Option<&Path>)]) -> Result<(), CliError> {
    let dashes: Vec<&str> = named
        .iter()
        .filter(|(_, path)| path.is_some_and(|p| p.as_os_str() == "-"))
        .map(|(name, _)| *name)
        .collect();
    match dashes.as_slice() {
        [name] if std::io::stdin().is_terminal() => Err(CliError::Usage {
            kind: "stdin-is-a-terminal",
            message: format!(
                "{name} is `-` (standard input), but standard input is a terminal: nothing \
                 is piped in"
            ),
            hint: Some("pipe the document in (… | candor …), or name its file".to_owned()),
        }),
        [first, rest @ ..] if !rest.is_empty() => Err(CliError::Usage {
            kind: "stdin-twice",
            message: format!(
                "`-` (standard input) is given for {first} and {}: standard input can be \
                 read only once",
                rest.join(" and ")
            ),
            hint: Some("save all but one of them to files and name those".to_owned()),
        }),
        _ => Ok(()),
    }
}

/// An artifact is digested from its file: `-` is refused rather than looked for as a
/// file named `-` (standard input is for documents).
pub fn artifact_not_stdin(name: &str, artifact: &std::ffi::OsStr) -> Result<(), CliError> {
    if artifact == "-" {
        return Err(CliError::Usage {
            kind: "artifact-from-stdin",
            message: format!(
                "{name} is `-`: an artifact is read from its file, not from standard input \
                 (`-` reads the document)"
            ),
            hint: Some("name the artifact's file (./- for a file called `-`)".to_owned()),
        });
    }
    Ok(())
}

/// A key error, with the passphrase variable named where a passphrase is missing.
pub fn key_error(error: KeyError, path: &Path, passphrase_env: &str) -> CliError {
    match error {
        KeyError::PassphraseRequired { source_name } => CliError::Usage {
            kind: "passphrase-required",
            message: format!(
                "{source_name}: the private key is encrypted and ${passphrase_env} is not set or empty"
            ),
            hint: Some(format!(
                "export {passphrase_env}=<passphrase>, or name another variable with --passphrase-env"
            )),
        },
        source => CliError::KeyFile {
            what: "private key",
            path: path.display().to_string(),
            source,
        },
    }
}

/// A passphrase typed at the terminal (see [`crate::prompt`]); an empty one is refused.
pub fn prompt_passphrase(prompt: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let typed = crate::prompt::read_hidden(prompt).map_err(|e| CliError::Usage {
        kind: "passphrase-prompt",
        message: format!("cannot read a passphrase from the terminal: {e}"),
        hint: None,
    })?;
    if typed.is_empty() {
        return Err(CliError::Usage {
            kind: "empty-passphrase",
            message: "no passphrase entered (an empty passphrase is not accepted)".to_owned(),
            hint: None,
        });
    }
    Ok(typed)
}

/// Load a private key, with the passphrase in `passphrase_env` where it is encrypted;
/// without one, on a terminal, the passphrase is asked for.
pub fn load_private_key(path: &Path, passphrase_env: &str) -> Result<PrivateKey, CliError> {
    let passphrase = passphrase_from_env(passphrase_env)?;
    let key = match PrivateKey::from_file(path, passphrase.as_deref().map(Vec::as_slice)) {
        Err(KeyError::PassphraseRequired { .. })
            if passphrase.is_none() && crate::prompt::available() =>
        {
            let typed = prompt_passphrase(&format!("Passphrase for {}: ", path.display()))?;
            PrivateKey::from_file(path, Some(&typed))
        }
        loaded => loaded,
    }
    .map_err(|e| key_error(e, path, passphrase_env))?;
    if let Some(mode) = candor_sign::keys::loose_permissions(path) {
        crate::output::stderr(&format!(
            "warning: {}: the private key is readable or writable by group or others \
             (mode {mode:04o}); anyone who can read it can sign as you\n\
             hint: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(key)
}
