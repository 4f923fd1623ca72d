//! One module per subcommand: its clap arguments and `run`.

pub mod key;
pub mod manifest;
pub mod scan;
pub mod sign;
pub mod sigstore;
pub mod verify_envelope;

use std::path::Path;

use anyhow::Context as _;
use zeroize::Zeroizing;

use crate::output::hinted;

/// The environment variable that holds key passphrases unless `--passphrase-env` names
/// another.
pub const DEFAULT_PASSPHRASE_ENV: &str = "CANDOR_PASSPHRASE";

/// The passphrase in environment variable `var`, if set and non-empty.
pub fn passphrase_from_env(var: &str) -> anyhow::Result<Option<Zeroizing<Vec<u8>>>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(value) if value.is_empty() => Ok(None),
        Some(value) => {
            let text = value
                .into_string()
                .map_err(|_| anyhow::anyhow!("environment variable {var} is not valid UTF-8"))?;
            Ok(Some(Zeroizing::new(text.into_bytes())))
        }
    }
}

/// Load a private key, asking for the passphrase in `passphrase_env` only if it is
/// encrypted.
pub fn load_private_key(
    path: &Path,
    passphrase_env: &str,
) -> anyhow::Result<candor_sign::keys::PrivateKey> {
    let passphrase = passphrase_from_env(passphrase_env)?;
    match candor_sign::keys::PrivateKey::from_file(path, passphrase.as_deref().map(Vec::as_slice)) {
        Err(candor_sign::keys::KeyError::PassphraseRequired { source_name }) => Err(hinted(
            format!(
                "{source_name}: the private key is encrypted and ${passphrase_env} is not set or empty"
            ),
            format!(
                "export {passphrase_env}=<passphrase>, or name another variable with --passphrase-env"
            ),
        )),
        other => other.with_context(|| format!("cannot load private key {}", path.display())),
    }
}

/// Refuse to replace an existing file unless `force`.
pub fn check_overwrite(path: &Path, force: bool) -> anyhow::Result<()> {
    if !force && path.exists() {
        return Err(hinted(
            format!("{} already exists", path.display()),
            "pass --force to replace it",
        ));
    }
    Ok(())
}
