//! `cargo install`: an executable in `ROOT/bin` is the binary itself; `ROOT/.crates2.json`
//! (or the older `ROOT/.crates.toml`) names the crate and version that installed it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::files::read_metadata;
use super::{Ecosystem, METADATA_LIMIT, Package, ResolveError};

/// `.crates2.json`: `{"installs": {"NAME VERSION (SOURCE)": {"bins": [...], ...}}}`.
#[derive(Debug, Deserialize)]
struct Crates2 {
    installs: BTreeMap<String, Install>,
}

#[derive(Debug, Deserialize)]
struct Install {
    #[serde(default)]
    bins: Vec<String>,
}

/// `.crates.toml`: `[v1]` `"NAME VERSION (SOURCE)" = [bins]`.
#[derive(Debug, Deserialize)]
struct CratesToml {
    #[serde(default)]
    v1: BTreeMap<String, Vec<String>>,
}

/// What an install root's list says: the list file, and (`NAME VERSION (SOURCE)`, bins).
#[derive(Debug)]
pub(super) struct InstallList {
    /// `.crates2.json` or `.crates.toml`.
    pub file: PathBuf,
    /// Each installed crate with its executables.
    pub installs: Vec<(String, Vec<String>)>,
}

/// The install list of the root `root`, if it has one.
pub(super) fn install_list(root: &Path) -> Result<Option<InstallList>, ResolveError> {
    let json = root.join(".crates2.json");
    if let Some(bytes) = read_metadata(&json, METADATA_LIMIT, "a cargo install list")? {
        let parsed: Crates2 =
            serde_json::from_slice(&bytes).map_err(|source| ResolveError::InvalidJson {
                path: json.clone(),
                what: "cargo install list (.crates2.json)",
                source,
            })?;
        let installs = parsed
            .installs
            .into_iter()
            .map(|(key, install)| (key, install.bins))
            .collect();
        return Ok(Some(InstallList {
            file: json,
            installs,
        }));
    }
    let toml_path = root.join(".crates.toml");
    if let Some(bytes) = read_metadata(&toml_path, METADATA_LIMIT, "a cargo install list")? {
        let text = String::from_utf8_lossy(&bytes);
        let parsed: CratesToml =
            toml::from_str(&text).map_err(|source| ResolveError::InvalidToml {
                path: toml_path.clone(),
                source,
            })?;
        return Ok(Some(InstallList {
            file: toml_path,
            installs: parsed.v1.into_iter().collect(),
        }));
    }
    Ok(None)
}

/// The crate that installed the canonical `artifact`, when it is `ROOT/bin/NAME` and
/// `ROOT`'s install list names it.
pub(super) fn package_of(artifact: &Path) -> Result<Option<Package>, ResolveError> {
    let Some(bin) = artifact
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == "bin"))
    else {
        return Ok(None);
    };
    let (Some(root), Some(name)) = (bin.parent(), artifact.file_name().and_then(|n| n.to_str()))
    else {
        return Ok(None);
    };
    let Some(list) = install_list(root)? else {
        return Ok(None);
    };
    let Some((key, _)) = list
        .installs
        .iter()
        .find(|(_, bins)| bins.iter().any(|b| b == name))
    else {
        return Ok(None);
    };
    package(root, &list.file, key).map(Some)
}

/// The package an install list's `key` (`NAME VERSION (SOURCE)`) names.
pub(super) fn package(root: &Path, file: &Path, key: &str) -> Result<Package, ResolveError> {
    let mut words = key.split_whitespace();
    let (name, version) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let version_ok = !version.is_empty()
        && version.len() <= 128
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    let invalid = |problem: String| ResolveError::InvalidPackage {
        path: file.to_owned(),
        problem,
    };
    if !name_ok || !version_ok {
        return Err(invalid(format!(
            "install {key:?} is not `NAME VERSION (SOURCE)` with a crate name and a version"
        )));
    }
    let mut purl = packageurl::PackageUrl::new("cargo", name)
        .map_err(|e| invalid(format!("no package URL for `{name}`: {e}")))?;
    purl.with_version(version)
        .map_err(|e| invalid(format!("no package URL for version `{version}`: {e}")))?;
    Ok(Package {
        ecosystem: Ecosystem::Cargo,
        name: name.to_owned(),
        version: Some(version.to_owned()),
        root: root.to_owned(),
        metadata: file.to_owned(),
        purl: purl.to_string(),
    })
}

/// `ROOT/bin/BIN` for each executable the crate `name` installed under `root`.
pub(super) fn bins_of(root: &Path, name: &str) -> Result<Vec<PathBuf>, ResolveError> {
    let Some(list) = install_list(root)? else {
        return Ok(Vec::new());
    };
    Ok(list
        .installs
        .iter()
        .filter(|(key, _)| {
            key.split_whitespace()
                .next()
                .is_some_and(|n| normalize(n) == normalize(name))
        })
        .flat_map(|(_, bins)| bins.iter())
        .filter(|bin| !bin.is_empty() && !bin.contains('/') && *bin != "." && *bin != "..")
        .map(|bin| root.join("bin").join(bin))
        .collect())
}

/// crates.io treats `-` and `_` as one, and names case-insensitively.
pub(super) fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}
