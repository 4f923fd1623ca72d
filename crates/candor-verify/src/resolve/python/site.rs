//! Where an interpreter's packages are: the site directories of a venv or a prefix, in
//! `sys.path` order.

use std::path::{Path, PathBuf};

use crate::resolve::files::{is_file, list_dir, read_metadata};
use crate::resolve::{METADATA_LIMIT, ResolveError};

/// The site directories of the interpreter `python`, in `sys.path` order.
pub(super) fn site_dirs(python: &Path, home: Option<&Path>) -> Result<Vec<PathBuf>, ResolveError> {
    let bin = python.parent().unwrap_or(Path::new("/"));
    let config = [
        bin.join("pyvenv.cfg"),
        bin.parent().unwrap_or(bin).join("pyvenv.cfg"),
    ]
    .into_iter()
    .find(|p| is_file(p));
    let real = std::fs::canonicalize(python).ok();
    let name_version = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(version_of_name)
    };
    let mut dirs = Vec::new();
    if let Some(config_path) = config {
        let config = VenvConfig::read(&config_path)?;
        let venv = config_path.parent().unwrap_or(Path::new("/"));
        let version = config.version.clone().or_else(|| name_version(python));
        for lib in lib_dirs(venv, version.as_deref())? {
            dirs.push(lib.join("site-packages"));
        }
        if config.system_site_packages
            && let Some(base) = config.home.as_deref().and_then(Path::parent)
        {
            dirs.extend(user_site(home, version.as_deref())?);
            dirs.extend(system_site_dirs(base, version.as_deref())?);
        }
    } else if let Some(real) = real {
        let version = name_version(&real).or_else(|| name_version(python));
        let prefix = real
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"));
        dirs.extend(user_site(home, version.as_deref())?);
        dirs.extend(system_site_dirs(prefix, version.as_deref())?);
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if std::fs::metadata(&dir).is_ok_and(|m| m.is_dir()) && !unique.contains(&dir) {
            unique.push(dir);
        }
    }
    Ok(unique)
}

/// `~/.local/lib/python3.X/site-packages`.
fn user_site(home: Option<&Path>, version: Option<&str>) -> Result<Vec<PathBuf>, ResolveError> {
    let Some(home) = home else {
        return Ok(Vec::new());
    };
    Ok(lib_dirs(&home.join(".local"), version)?
        .into_iter()
        .map(|lib| lib.join("site-packages"))
        .collect())
}

/// A prefix's site directories: `/usr/local/lib/python3.X/dist-packages` first for
/// `/usr` (Debian), then `PREFIX/lib/python3.X/site-packages`,
/// `PREFIX/lib/python3/dist-packages`, `PREFIX/lib/python3.X/dist-packages`.
pub(in crate::resolve) fn system_site_dirs(
    prefix: &Path,
    version: Option<&str>,
) -> Result<Vec<PathBuf>, ResolveError> {
    let mut dirs = Vec::new();
    if prefix == Path::new("/usr") {
        for lib in lib_dirs(Path::new("/usr/local"), version)? {
            dirs.push(lib.join("dist-packages"));
        }
    }
    let libs = lib_dirs(prefix, version)?;
    dirs.extend(libs.iter().map(|lib| lib.join("site-packages")));
    dirs.push(prefix.join("lib/python3/dist-packages"));
    dirs.extend(libs.iter().map(|lib| lib.join("dist-packages")));
    Ok(dirs)
}

/// `PREFIX/lib/python3.X` for the version, or for every `python3.*` there when it is not
/// known.
fn lib_dirs(prefix: &Path, version: Option<&str>) -> Result<Vec<PathBuf>, ResolveError> {
    let lib = prefix.join("lib");
    if let Some(version) = version {
        return Ok(vec![lib.join(format!("python{version}"))]);
    }
    Ok(list_dir(&lib)?
        .into_iter()
        .filter(|(name, file_type)| {
            file_type.is_dir() && name.to_str().is_some_and(|n| version_of_name(n).is_some())
        })
        .map(|(name, _)| lib.join(name))
        .collect())
}

/// `python3.12` → `3.12`.
fn version_of_name(name: &str) -> Option<String> {
    let version = name.strip_prefix("python")?;
    let (major, minor) = version.split_once('.')?;
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (numeric(major) && numeric(minor)).then(|| version.to_owned())
}

/// What `pyvenv.cfg` says about where packages are.
#[derive(Debug, Default)]
struct VenvConfig {
    version: Option<String>,
    system_site_packages: bool,
    home: Option<PathBuf>,
}

impl VenvConfig {
    fn read(path: &Path) -> Result<Self, ResolveError> {
        let bytes = read_metadata(path, METADATA_LIMIT, "a pyvenv.cfg")?.unwrap_or_default();
        let mut config = Self::default();
        for line in String::from_utf8_lossy(&bytes).lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "version" | "version_info" => {
                    let mut numbers = value.split('.');
                    if let (Some(major), Some(minor)) = (numbers.next(), numbers.next()) {
                        config.version = version_of_name(&format!("python{major}.{minor}"));
                    }
                }
                "include-system-site-packages" => {
                    config.system_site_packages = value.eq_ignore_ascii_case("true");
                }
                "home" => config.home = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_interpreter_names() {
        assert_eq!(version_of_name("python3.12").as_deref(), Some("3.12"));
        assert_eq!(version_of_name("python3"), None);
    }
}
