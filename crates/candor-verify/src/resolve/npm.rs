//! npm: which package a bin link or cmd-shim names, and the package an artifact belongs
//! to (`package.json`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::chain::{Bound, enclosing_installed_package};
use super::files::read_metadata;
use super::{ArtifactKind, Ecosystem, METADATA_LIMIT, Package, ResolveError};

/// How a hop (a link, or a wrapper's target) was judged.
#[derive(Debug, Default)]
pub(super) struct Judged {
    /// It is a link npm makes for a package's `bin`.
    pub npm_bin: bool,
    /// The package it names, for an npm bin link.
    pub package: Option<PathBuf>,
    /// Where its artifact must end up.
    pub bounds: Vec<Bound>,
}

/// Judge a hop from `at` whose target, relative to the (canonical) directory `dir`,
/// reads `reads`:
///
/// - in `NODE_MODULES/.bin`: it must name a package of `NODE_MODULES`, and the artifact
///   must be inside that package;
/// - in `PREFIX/bin`, naming a package of `PREFIX/lib/node_modules`: the artifact must be
///   inside that package;
/// - an npm cmd-shim anywhere: it must name a package in some `node_modules`, and the
///   artifact must be inside it.
pub(super) fn judge_hop(at: &Path, dir: &Path, reads: &Path, cmd_shim: bool) -> Judged {
    let node_modules = dir
        .parent()
        .filter(|_| is_named(dir, ".bin"))
        .filter(|p| is_named(p, "node_modules"));
    if let Some(node_modules) = node_modules {
        return match package_dir(node_modules, reads) {
            Some(package) => Judged {
                npm_bin: true,
                bounds: vec![inside(at, &package, reads)],
                package: Some(package),
            },
            None => Judged {
                npm_bin: true,
                package: None,
                bounds: vec![Bound {
                    at: at.to_owned(),
                    root: node_modules.to_owned(),
                    escaped: true,
                    detail: format!(
                        "{} is in {} but points to {}, outside every package of {}",
                        at.display(),
                        dir.display(),
                        reads.display(),
                        node_modules.display()
                    ),
                }],
            },
        };
    }
    let prefix = dir.parent().filter(|_| is_named(dir, "bin"));
    if let Some(prefix) = prefix
        && let Some(package) = package_dir(&prefix.join("lib/node_modules"), reads)
    {
        return Judged {
            npm_bin: true,
            bounds: vec![inside(at, &package, reads)],
            package: Some(package),
        };
    }
    if !cmd_shim {
        return Judged::default();
    }
    let package = enclosing_installed_package(reads).filter(|p| {
        p.parent().is_some_and(|n| {
            is_named(n, "node_modules") || n.parent().is_some_and(|n| is_named(n, "node_modules"))
        })
    });
    let bound = match package {
        Some(package) => inside(at, &package, reads),
        None => Bound {
            at: at.to_owned(),
            root: prefix.map_or_else(|| dir.join("node_modules"), |p| p.join("lib/node_modules")),
            escaped: true,
            detail: format!(
                "the npm cmd-shim {} runs {}, which is in no node_modules package",
                at.display(),
                reads.display()
            ),
        },
    };
    Judged {
        npm_bin: false,
        package: None,
        bounds: vec![bound],
    }
}

/// The bound "the artifact stays inside `package`".
fn inside(at: &Path, package: &Path, reads: &Path) -> Bound {
    Bound {
        at: at.to_owned(),
        root: std::fs::canonicalize(package).unwrap_or_else(|_| package.to_owned()),
        escaped: false,
        detail: format!(
            "{} points to {} in the package {}",
            at.display(),
            reads.display(),
            package.display()
        ),
    }
}

fn is_named(path: &Path, name: &str) -> bool {
    path.file_name().is_some_and(|n| n == name)
}

/// The package of `node_modules` that `reads` is in (or is): `NODE_MODULES/PKG` or
/// `NODE_MODULES/@SCOPE/PKG`.
fn package_dir(node_modules: &Path, reads: &Path) -> Option<PathBuf> {
    let mut rest = reads.strip_prefix(node_modules).ok()?.components();
    let first = rest.next()?.as_os_str();
    if first == ".bin" || first == ".." {
        return None;
    }
    if first.to_string_lossy().starts_with('@') {
        let second = rest.next()?.as_os_str();
        return Some(node_modules.join(first).join(second));
    }
    Some(node_modules.join(first))
}

/// The npm package the canonical `artifact` belongs to: the nearest directory (itself,
/// for a directory) with a `package.json` that has a `name`, never above the
/// `node_modules` it is installed in. Outside `node_modules` only directories and scripts
/// run by node are looked up for, and never in `home` or `/`.
pub(super) fn package_of(
    artifact: &Path,
    kind: ArtifactKind,
    runs_with_node: bool,
    home: Option<&Path>,
) -> Result<Option<Package>, ResolveError> {
    let installed = artifact
        .components()
        .any(|c| c.as_os_str() == "node_modules");
    if !installed && kind == ArtifactKind::File && !runs_with_node {
        return Ok(None);
    }
    let start = match kind {
        ArtifactKind::Directory => artifact,
        ArtifactKind::File => artifact.parent().unwrap_or(artifact),
    };
    for dir in start.ancestors() {
        let Some(parent) = dir.parent() else { break };
        if is_named(dir, "node_modules") || (!installed && home == Some(dir)) {
            break;
        }
        if let Some(package) = read_package_json(dir)? {
            return Ok(Some(package));
        }
        let scope_parent = parent.parent().filter(|_| {
            parent
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('@'))
        });
        if is_named(parent, "node_modules")
            || scope_parent.is_some_and(|p| is_named(p, "node_modules"))
        {
            break;
        }
    }
    Ok(None)
}

/// What `package.json` says that matters here.
#[derive(Debug, Deserialize)]
struct PackageJson {
    name: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// The package `DIR/package.json` names, or `None` when there is none or it has no
/// `name` (a `{"type": "module"}` marker in a subdirectory).
pub(super) fn read_package_json(dir: &Path) -> Result<Option<Package>, ResolveError> {
    let path = dir.join("package.json");
    let Some(bytes) = read_metadata(&path, METADATA_LIMIT, "a package.json")? else {
        return Ok(None);
    };
    let json: PackageJson =
        serde_json::from_slice(&bytes).map_err(|source| ResolveError::InvalidJson {
            path: path.clone(),
            what: "package.json",
            source,
        })?;
    let invalid = |problem: String| ResolveError::InvalidPackage {
        path: path.clone(),
        problem,
    };
    let name = match json.name {
        None => return Ok(None),
        Some(serde_json::Value::String(name)) => name,
        Some(other) => return Err(invalid(format!("`name` is {other}, not a string"))),
    };
    check_name(&name).map_err(invalid)?;
    let version = match json.version {
        None => None,
        Some(serde_json::Value::String(v))
            if !v.is_empty() && v.len() <= 256 && !v.chars().any(char::is_control) =>
        {
            Some(v)
        }
        Some(other) => {
            return Err(invalid(format!(
                "`version` is {other}, not a version string"
            )));
        }
    };
    let purl = npm_purl(&name, version.as_deref())
        .map_err(|e| invalid(format!("no package URL for `{name}`: {e}")))?;
    Ok(Some(Package {
        ecosystem: Ecosystem::Npm,
        name,
        version,
        root: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned()),
        metadata: path,
        purl,
    }))
}

/// npm's rules for a package name, the ones that keep it a safe path: 1 to 214
/// characters, no whitespace or control characters, `@scope/name` or `name`, no `.` or
/// `..` component.
fn check_name(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split('/').collect();
    let shape_ok = match parts.as_slice() {
        [single] => !single.starts_with('@'),
        [scope, _] => scope.starts_with('@') && scope.len() > 1,
        _ => false,
    };
    let ok = shape_ok
        && name.len() <= 214
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != "..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`name` {name:?} is not an npm package name (expected `name` or `@scope/name`, at most 214 characters, no spaces)"
        ))
    }
}

/// `pkg:npm/%40scope/name@version`.
pub(super) fn npm_purl(name: &str, version: Option<&str>) -> Result<String, packageurl::Error> {
    let (namespace, short) = match name.split_once('/') {
        Some((scope, short)) => (Some(scope), short),
        None => (None, name),
    };
    let mut purl = packageurl::PackageUrl::new("npm", short)?;
    if let Some(namespace) = namespace {
        purl.with_namespace(namespace)?;
    }
    if let Some(version) = version {
        purl.with_version(version)?;
    }
    Ok(purl.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_links_name_their_package() {
        let nm = Path::new("/p/node_modules");
        assert_eq!(
            package_dir(nm, Path::new("/p/node_modules/@a/b/bin/x.js")).as_deref(),
            Some(Path::new("/p/node_modules/@a/b"))
        );
        assert_eq!(
            package_dir(nm, Path::new("/p/node_modules/b/x.js")).as_deref(),
            Some(Path::new("/p/node_modules/b"))
        );
        assert_eq!(package_dir(nm, Path::new("/p/node_modules/.bin/y")), None);
        assert_eq!(package_dir(nm, Path::new("/tmp/evil.js")), None);
    }

    #[test]
    fn purls_encode_the_scope() {
        assert_eq!(
            npm_purl("@acme/agent", Some("1.4.0")).expect("purl"),
            "pkg:npm/%40acme/agent@1.4.0"
        );
        assert_eq!(
            npm_purl("left-pad", None).expect("purl"),
            "pkg:npm/left-pad"
        );
    }

    #[test]
    fn names_that_are_not_safe_paths_are_refused() {
        for bad in ["", "../x", "@/x", "@a/b/c", "a b", "@a/..", "a/b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for good in ["agent", "@acme/agent", "left-pad.js"] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }
}
