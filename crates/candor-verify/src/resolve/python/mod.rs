//! pip and uv console scripts: the template they write ([`template`]), the module it
//! imports found as Python finds it ([`site`] directories), and the `*.dist-info` that
//! installed it ([`dist`]).

mod dist;
mod site;
mod template;

use std::path::{Path, PathBuf};

use super::chain::Bound;
use super::files::{is_file, list_dir};
use super::{ArtifactKind, Package, ResolveError};
use dist::{dist_for, extension_is};
use site::site_dirs;

pub(super) use dist::{console_scripts, dists, normalize_name, package_of, top_levels};
pub(super) use site::system_site_dirs;
pub(super) use template::{EntryPoint, long_shebang, recognise};

/// What the interpreter's options on the `#!` line change in `sys.path`: `-I`
/// (isolated) and `-P` drop the script's directory, `-I` and `-s` the user site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flags {
    /// The script's directory is searched first.
    pub script_dir: bool,
    /// The user site (`~/.local/lib/python3.X/site-packages`) is searched.
    pub user_site: bool,
}

impl Default for Flags {
    fn default() -> Self {
        Self {
            script_dir: true,
            user_site: true,
        }
    }
}

impl Flags {
    /// The flags in the interpreter's arguments (`-I`, `-sE`, …).
    pub fn from_args<'a>(args: impl IntoIterator<Item = &'a str>) -> Self {
        let mut flags = Self::default();
        for arg in args {
            let Some(letters) = arg.strip_prefix('-').filter(|l| !l.starts_with('-')) else {
                continue;
            };
            if letters.contains('I') {
                flags = Self {
                    script_dir: false,
                    user_site: false,
                };
            }
            if letters.contains('P') {
                flags.script_dir = false;
            }
            if letters.contains('s') {
                flags.user_site = false;
            }
        }
        flags
    }
}

/// Where a console script's module was found.
#[derive(Debug, Clone)]
pub(super) struct Module {
    /// The package directory or module file, as found (`SITE/black`).
    pub path: PathBuf,
    /// The directory it was found in.
    pub dir: PathBuf,
    /// A directory (package) or a file (module).
    pub kind: ArtifactKind,
    /// Found beside the script (Python's `sys.path[0]`), not in a site directory.
    pub beside_script: bool,
    /// The distribution that installed it, when a `*.dist-info` says so.
    pub package: Option<Package>,
}

/// The search for a console script's module.
#[derive(Debug, Clone)]
pub(super) struct Found {
    /// The module, if found.
    pub module: Option<Module>,
    /// The script's real directory, searched first unless `-I` or `-P`.
    pub script_dir: PathBuf,
    /// The interpreter's options.
    pub flags: Flags,
    /// The interpreter's site directories, searched in this order after it.
    pub site_dirs: Vec<PathBuf>,
}

impl Found {
    /// The directories searched, in words.
    pub fn searched_text(&self) -> String {
        let script_dir = self.flags.script_dir.then_some(&self.script_dir);
        script_dir
            .into_iter()
            .chain(&self.site_dirs)
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Find `entry`'s module for the (canonical) `script` run by `python`, as Python's
/// `sys.path` would: the script's directory, then the site directories.
pub(super) fn locate(
    script: &Path,
    python: &Path,
    entry: &EntryPoint,
    home: Option<&Path>,
    flags: Flags,
) -> Result<Found, ResolveError> {
    let script_dir = script.parent().unwrap_or(Path::new("/")).to_owned();
    let site_dirs = site_dirs(python, home.filter(|_| flags.user_site))?;
    let top = entry.top();
    let mut namespace: Option<(PathBuf, PathBuf, bool)> = None;
    let first = flags.script_dir.then_some((&script_dir, true));
    let order = first
        .into_iter()
        .chain(site_dirs.iter().map(|d| (d, false)));
    for (dir, beside_script) in order {
        let (hit, namespace_here) = find_in(dir, top)?;
        if let Some((path, kind)) = hit {
            let script_name = script.file_name().and_then(|n| n.to_str());
            let package = if beside_script {
                None
            } else {
                dist_for(dir, top, script_name.zip(Some(entry)))?
            };
            let module = Module {
                path,
                dir: dir.clone(),
                kind,
                beside_script,
                package,
            };
            return Ok(Found {
                module: Some(module),
                script_dir,
                flags,
                site_dirs,
            });
        }
        if let Some(path) = namespace_here {
            namespace.get_or_insert((path, dir.clone(), beside_script));
        }
    }
    let module = match namespace {
        Some((path, dir, beside_script)) => Some(Module {
            package: if beside_script {
                None
            } else {
                dist_for(&dir, top, None)?
            },
            path,
            dir,
            kind: ArtifactKind::Directory,
            beside_script,
        }),
        None => None,
    };
    Ok(Found {
        module,
        script_dir,
        flags,
        site_dirs,
    })
}

/// The bound a console script's module must stay within: a module beside the script has
/// escaped already; one in a site directory must really be there (not linked out).
pub(super) fn bound(script: &Path, module: &Module, found: &Found) -> Bound {
    if module.beside_script {
        let root = found.site_dirs.first().unwrap_or(&found.script_dir).clone();
        return Bound {
            at: script.to_owned(),
            root,
            escaped: true,
            detail: format!(
                "console script {} imports {} from beside itself, ahead of its interpreter's site directories",
                script.display(),
                module.path.display()
            ),
        };
    }
    Bound {
        at: module.path.clone(),
        root: std::fs::canonicalize(&module.dir).unwrap_or_else(|_| module.dir.clone()),
        escaped: false,
        detail: format!(
            "{} is imported by the console script {} from the site directory {}",
            module.path.display(),
            script.display(),
            module.dir.display()
        ),
    }
}

/// What one `sys.path` directory holds of a name: a regular package or a module, and a
/// namespace package directory.
type InDir = (Option<(PathBuf, ArtifactKind)>, Option<PathBuf>);

/// In one `sys.path` directory: a regular package or a module (what Python takes first),
/// and a namespace package directory (taken only if no directory has either).
fn find_in(dir: &Path, top: &str) -> Result<InDir, ResolveError> {
    let package = dir.join(top);
    let is_package_dir = std::fs::metadata(&package).is_ok_and(|m| m.is_dir());
    if is_package_dir
        && ["__init__.py", "__init__.pyc"]
            .iter()
            .any(|i| is_file(&package.join(i)))
    {
        return Ok((Some((package, ArtifactKind::Directory)), None));
    }
    let mut modules: Vec<(u8, PathBuf)> = list_dir(dir)?
        .into_iter()
        .filter_map(|(name, _)| {
            let name = name.to_str()?;
            let suffix = name.strip_prefix(top)?.strip_prefix('.')?;
            let rank = match suffix {
                _ if extension_is(suffix, "so") || suffix == "so" => 0,
                "py" => 1,
                "pyc" => 2,
                _ => return None,
            };
            Some((rank, dir.join(name)))
        })
        .filter(|(_, path)| is_file(path))
        .collect();
    modules.sort();
    let module = modules
        .into_iter()
        .next()
        .map(|(_, path)| (path, ArtifactKind::File));
    Ok((module, is_package_dir.then_some(package)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_options_change_the_search() {
        let isolated = Flags {
            script_dir: false,
            user_site: false,
        };
        assert_eq!(Flags::from_args(["-I"]), isolated);
        assert_eq!(Flags::from_args(["-sP"]), isolated);
        assert_eq!(
            Flags::from_args(["-s"]),
            Flags {
                script_dir: true,
                user_site: false
            }
        );
        assert_eq!(
            Flags::from_args(["-X", "utf8", "--check-hash-based-pycs"]),
            Flags::default()
        );
    }
}
