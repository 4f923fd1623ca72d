//! Installed distributions: the `*.dist-info` beside a package, what it declares
//! (`entry_points.txt`, `top_level.txt`, `RECORD`) and whom it names (`METADATA`).

use std::path::{Component, Path, PathBuf};

use super::template::{EntryPoint, is_identifier, shorten};
use crate::resolve::files::{list_dir, read_metadata};
use crate::resolve::{Ecosystem, METADATA_LIMIT, Package, ResolveError};

/// `RECORD` files list every installed file; large distributions have large ones.
const RECORD_LIMIT: u64 = 16 << 20;

/// Whether a file name's extension is `extension` (Python's suffixes are
/// case-sensitive).
pub(super) fn extension_is(name: &str, extension: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == extension)
}

/// The installed package an artifact inside a site directory belongs to.
pub(in crate::resolve) fn package_of(artifact: &Path) -> Result<Option<Package>, ResolveError> {
    let components: Vec<Component<'_>> = artifact.components().collect();
    let Some(index) = components.iter().rposition(
        |c| matches!(c, Component::Normal(n) if *n == "site-packages" || *n == "dist-packages"),
    ) else {
        return Ok(None);
    };
    let Some(Component::Normal(first)) = components.get(index + 1) else {
        return Ok(None);
    };
    let site: PathBuf = components[..=index].iter().collect();
    let first = first.to_string_lossy();
    let top = first.split('.').next().unwrap_or(&first);
    if top.is_empty() || first.ends_with(".dist-info") {
        return Ok(None);
    }
    dist_for(&site, top, None)
}

/// The `*.dist-info` directories of a site directory.
pub(in crate::resolve) fn dists(site: &Path) -> Result<Vec<PathBuf>, ResolveError> {
    Ok(list_dir(site)?
        .into_iter()
        .filter(|(name, file_type)| {
            file_type.is_dir() && name.to_string_lossy().ends_with(".dist-info")
        })
        .map(|(name, _)| site.join(name))
        .collect())
}

/// The distribution in `site` that installed the top-level `top`: the one declaring the
/// console script `script` for `entry` if given, else the one whose `top_level.txt` or
/// `RECORD` lists it.
pub(super) fn dist_for(
    site: &Path,
    top: &str,
    script: Option<(&str, &EntryPoint)>,
) -> Result<Option<Package>, ResolveError> {
    let dists = dists(site)?;
    if let Some((script, entry)) = script {
        for dist in &dists {
            let declared = console_scripts(dist)?;
            if declared
                .iter()
                .any(|(name, target)| name == script && entry_matches(target, entry))
            {
                return dist_package(dist, &site.join(top)).map(Some);
            }
        }
    }
    for dist in &dists {
        let listed = read_metadata(
            &dist.join("top_level.txt"),
            METADATA_LIMIT,
            "a top_level.txt",
        )?;
        if listed.is_some_and(|l| {
            String::from_utf8_lossy(&l)
                .lines()
                .any(|line| line.trim() == top)
        }) {
            return dist_package(dist, &site.join(top)).map(Some);
        }
    }
    for dist in &dists {
        let Some(record) = read_metadata(&dist.join("RECORD"), RECORD_LIMIT, "a RECORD")? else {
            continue;
        };
        let owns = String::from_utf8_lossy(&record).lines().any(|line| {
            let file = line.split(',').next().unwrap_or_default();
            file.strip_prefix(top).is_some_and(|rest| {
                rest.starts_with('/')
                    || rest == ".py"
                    || (rest.starts_with('.') && extension_is(rest, "so"))
            })
        });
        if owns {
            return dist_package(dist, &site.join(top)).map(Some);
        }
    }
    Ok(None)
}

/// `module:attr` in `entry_points.txt` names what the script imports and calls.
fn entry_matches(target: &str, entry: &EntryPoint) -> bool {
    let target = target.split('[').next().unwrap_or(target).trim();
    target.split_once(':').is_some_and(|(module, attr)| {
        module.trim() == entry.module && attr.trim().split('.').next() == Some(entry.name.as_str())
    })
}

/// The `[console_scripts]` and `[gui_scripts]` of a distribution: (name, `module:attr`).
pub(in crate::resolve) fn console_scripts(
    dist: &Path,
) -> Result<Vec<(String, String)>, ResolveError> {
    let Some(text) = read_metadata(
        &dist.join("entry_points.txt"),
        METADATA_LIMIT,
        "an entry_points.txt",
    )?
    else {
        return Ok(Vec::new());
    };
    let mut scripts = Vec::new();
    let mut in_scripts = false;
    for line in String::from_utf8_lossy(&text).lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_scripts = line == "[console_scripts]" || line == "[gui_scripts]";
        } else if let (true, Some((name, target))) = (in_scripts, line.split_once('=')) {
            scripts.push((name.trim().to_owned(), target.trim().to_owned()));
        }
    }
    Ok(scripts)
}

/// The top-level packages and modules a distribution installed (`top_level.txt`, else
/// the first components of `RECORD`).
pub(in crate::resolve) fn top_levels(dist: &Path) -> Result<Vec<String>, ResolveError> {
    let mut tops: Vec<String> = Vec::new();
    if let Some(listed) = read_metadata(
        &dist.join("top_level.txt"),
        METADATA_LIMIT,
        "a top_level.txt",
    )? {
        tops.extend(
            String::from_utf8_lossy(&listed)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    } else if let Some(record) = read_metadata(&dist.join("RECORD"), RECORD_LIMIT, "a RECORD")? {
        for line in String::from_utf8_lossy(&record).lines() {
            let file = line.split(',').next().unwrap_or_default();
            let first = file.split('/').next().unwrap_or_default();
            let top = first.split('.').next().unwrap_or_default();
            let is_top_level =
                file.contains('/') || extension_is(first, "py") || extension_is(first, "so");
            if is_top_level
                && !top.is_empty()
                && !first.ends_with(".dist-info")
                && !first.starts_with("..")
                && is_identifier(top)
                && !tops.iter().any(|t| t == top)
            {
                tops.push(top.to_owned());
            }
        }
    }
    tops.retain(|t| is_identifier(t));
    Ok(tops)
}

/// A distribution's name and version from its `METADATA` (`Name:` and `Version:`
/// headers), installed at `root`.
pub(in crate::resolve) fn dist_package(dist: &Path, root: &Path) -> Result<Package, ResolveError> {
    let metadata = dist.join("METADATA");
    let bytes = read_metadata(&metadata, METADATA_LIMIT, "a METADATA file")?.ok_or_else(|| {
        ResolveError::InvalidPackage {
            path: metadata.clone(),
            problem: "missing: every *.dist-info has a METADATA file naming the distribution"
                .to_owned(),
        }
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let header = |key: &str| {
        text.lines()
            .take_while(|l| !l.trim().is_empty())
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            })
            .map(|(_, v)| v.trim().to_owned())
    };
    let invalid = |problem: String| ResolveError::InvalidPackage {
        path: metadata.clone(),
        problem,
    };
    let name = header("Name").ok_or_else(|| {
        invalid("no `Name:` header (expected the distribution's name)".to_owned())
    })?;
    let valid_name = !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(invalid(format!(
            "`Name: {}` is not a distribution name (expected letters, digits, `-`, `_`, `.`)",
            shorten(&name)
        )));
    }
    let version = header("Version");
    if let Some(v) = &version
        && (v.is_empty() || v.len() > 128 || v.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(invalid(format!(
            "`Version: {}` is not a version",
            shorten(v)
        )));
    }
    let normalized = normalize_name(&name);
    let mut purl = packageurl::PackageUrl::new("pypi", normalized.as_str())
        .map_err(|e| invalid(format!("no package URL for `{name}`: {e}")))?;
    if let Some(v) = &version {
        purl.with_version(v.as_str())
            .map_err(|e| invalid(format!("no package URL for version `{v}`: {e}")))?;
    }
    Ok(Package {
        ecosystem: Ecosystem::Pypi,
        purl: purl.to_string(),
        name,
        version,
        root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned()),
        metadata,
    })
}

/// PEP 503: lowercase, runs of `-`, `_`, `.` as one `-`.
pub(in crate::resolve) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_as_pep_503_says() {
        assert_eq!(normalize_name("Foo__Bar.baz"), "foo-bar-baz");
    }
}
