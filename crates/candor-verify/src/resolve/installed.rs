//! `candor verify --all`: where a tool the store knows is installed on this machine.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use candor_model::ids::{Purl, ToolName};

use super::chain::{resolve_command, resolve_from};
use super::command::{all_on_path, executable_file, path_dirs};
use super::files::{is_file, lstat};
use super::{
    Ecosystem, ResolutionStep, ResolveEnv, ResolveError, Resolved, StepKind, cargo, python,
};

/// Where a tool is installed.
#[derive(Debug, Default)]
pub struct Installations {
    /// Each installation found, by distinct artifact: first the commands on `PATH` in
    /// `PATH` order (the first is what the shell runs), then local `node_modules/.bin`
    /// commands, then what the package URL's ecosystem knows of (npm global packages,
    /// `cargo install` executables, Python distributions' scripts or packages).
    pub found: Vec<Resolved>,
    /// Found under the tool's name but identified, by its own metadata, as another
    /// package than the package URL names (a different tool of the same name).
    pub other_packages: Vec<Resolved>,
    /// Candidates that exist but could not be resolved (a link loop, a FIFO, unreadable
    /// metadata).
    pub failed: Vec<ResolveError>,
}

/// Find where `tool` (and, when given, the package `purl` names) is installed:
///
/// - the command `tool` in every `PATH` directory;
/// - `node_modules/.bin/TOOL` in the working directory and each directory above it (what
///   `npx` runs);
/// - for `pkg:npm/…`: the package directory in each `DIR/../lib/node_modules` of a `PATH`
///   directory (npm's global layout) and in each `node_modules` above the working
///   directory, unless a command above already resolved into it;
/// - for `pkg:cargo/…`: every executable of the crate in `DIR/../.crates2.json` of a
///   `PATH` directory, and in `~/.cargo`;
/// - for `pkg:pypi/…`: the distribution in the site directories of each `PATH`
///   directory's prefix (and `~/.local`): its console scripts in that `bin` directory,
///   or its top-level packages when it has none there.
///
/// A `pkg:generic/…` purl, or none, adds nothing to the `PATH` and `node_modules/.bin`
/// commands. Versions are not compared: an installation of another version is found, and
/// its package says which version it is.
pub fn find_installed(tool: &ToolName, purl: Option<&Purl>, env: &ResolveEnv) -> Installations {
    let sought = purl.and_then(Sought::parse);
    let mut search = Search {
        env,
        sought: sought.as_ref(),
        out: Installations::default(),
        artifacts: HashSet::new(),
    };
    let name = tool.as_str();
    for hit in all_on_path(name, env) {
        search.add(resolve_command(name, &hit, env));
    }
    for dir in env.cwd.ancestors() {
        let bin = dir.join("node_modules/.bin").join(name);
        if lstat(&bin).is_ok() {
            let step = lookup_step(
                name,
                &bin,
                format!("npm local bin of {} (what npx runs)", dir.display()),
            );
            search.add(resolve_from(name, &bin, vec![step], true, env));
        }
    }
    if let Some(sought) = &sought {
        match sought.ecosystem {
            Some(Ecosystem::Npm) => search.npm(&sought.name),
            Some(Ecosystem::Cargo) => search.cargo(&sought.name),
            Some(Ecosystem::Pypi) => search.pypi(&sought.name),
            None => {}
        }
    }
    search.out
}

/// What a package URL asks for.
#[derive(Debug)]
struct Sought {
    /// Its ecosystem, when candor knows it.
    ecosystem: Option<Ecosystem>,
    /// The package name as its ecosystem writes it (`@acme/agent`, `black`).
    name: String,
}

impl Sought {
    fn parse(purl: &Purl) -> Option<Self> {
        let parsed = packageurl::PackageUrl::from_str(purl.as_str()).ok()?;
        let ecosystem = match parsed.ty() {
            "npm" => Some(Ecosystem::Npm),
            "pypi" => Some(Ecosystem::Pypi),
            "cargo" => Some(Ecosystem::Cargo),
            _ => None,
        };
        let name = match parsed.namespace() {
            Some(namespace) => format!("{namespace}/{}", parsed.name()),
            None => parsed.name().to_owned(),
        };
        Some(Self { ecosystem, name })
    }

    /// Whether a resolved package is another one than this (same ecosystem and name,
    /// normalized as the ecosystem does, or it is not).
    fn is_other(&self, resolved: &Resolved) -> bool {
        let (Some(ecosystem), Some(package)) = (self.ecosystem, &resolved.package) else {
            return false;
        };
        let same_name = match ecosystem {
            Ecosystem::Npm => package.name == self.name,
            Ecosystem::Pypi => {
                python::normalize_name(&package.name) == python::normalize_name(&self.name)
            }
            Ecosystem::Cargo => cargo::normalize(&package.name) == cargo::normalize(&self.name),
        };
        package.ecosystem != ecosystem || !same_name
    }
}

struct Search<'a> {
    env: &'a ResolveEnv,
    sought: Option<&'a Sought>,
    out: Installations,
    artifacts: HashSet<PathBuf>,
}

impl Search<'_> {
    fn add(&mut self, resolved: Result<Resolved, ResolveError>) {
        match resolved {
            Err(error) => self.out.failed.push(error),
            Ok(resolved) => {
                if !self.artifacts.insert(resolved.artifact.clone()) {
                    return;
                }
                if self.sought.is_some_and(|s| s.is_other(&resolved)) {
                    self.out.other_packages.push(resolved);
                } else {
                    self.out.found.push(resolved);
                }
            }
        }
    }

    /// Whether a package root is already the package of something found.
    fn has_package_root(&self, root: &Path) -> bool {
        self.out
            .found
            .iter()
            .chain(&self.out.other_packages)
            .any(|r| r.package.as_ref().is_some_and(|p| p.root == root))
    }

    fn npm(&mut self, name: &str) {
        let mut roots: Vec<PathBuf> = path_dirs(self.env)
            .iter()
            .filter_map(|dir| dir.parent().map(|prefix| prefix.join("lib/node_modules")))
            .collect();
        roots.extend(self.env.cwd.ancestors().map(|dir| dir.join("node_modules")));
        let mut seen = HashSet::new();
        for root in roots {
            let package = root.join(name);
            let Ok(canonical) = std::fs::canonicalize(&package) else {
                continue;
            };
            if !seen.insert(canonical.clone())
                || !is_file(&canonical.join("package.json"))
                || self.has_package_root(&canonical)
            {
                continue;
            }
            let target = package.display().to_string();
            self.add(resolve_from(&target, &package, Vec::new(), false, self.env));
        }
    }

    fn cargo(&mut self, name: &str) {
        let mut roots: Vec<PathBuf> = path_dirs(self.env)
            .iter()
            .filter(|dir| dir.file_name().is_some_and(|n| n == "bin"))
            .filter_map(|dir| dir.parent().map(Path::to_owned))
            .collect();
        roots.extend(self.env.home.as_ref().map(|home| home.join(".cargo")));
        let mut seen = HashSet::new();
        for root in roots {
            if !seen.insert(std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone())) {
                continue;
            }
            let bins = match cargo::bins_of(&root, name) {
                Ok(bins) => bins,
                Err(error) => {
                    self.out.failed.push(error);
                    continue;
                }
            };
            for bin in bins.into_iter().filter(|b| executable_file(b)) {
                let step = lookup_step(
                    name,
                    &bin,
                    format!("an executable of the crate `{name}` in {}", root.display()),
                );
                let target = bin.display().to_string();
                self.add(resolve_from(&target, &bin, vec![step], false, self.env));
            }
        }
    }

    fn pypi(&mut self, name: &str) {
        let mut prefixes: Vec<(PathBuf, PathBuf)> = path_dirs(self.env)
            .iter()
            .filter_map(|bin| bin.parent().map(|prefix| (bin.clone(), prefix.to_owned())))
            .collect();
        prefixes.extend(
            self.env
                .home
                .as_ref()
                .map(|home| (home.join(".local/bin"), home.join(".local"))),
        );
        let mut seen = HashSet::new();
        for (bin, prefix) in prefixes {
            let sites = match python::system_site_dirs(&prefix, None) {
                Ok(sites) => sites,
                Err(error) => {
                    self.out.failed.push(error);
                    continue;
                }
            };
            for site in sites {
                if !seen.insert(site.clone()) {
                    continue;
                }
                if let Err(error) = self.pypi_site(name, &bin, &site) {
                    self.out.failed.push(error);
                }
            }
        }
    }

    /// The distribution `name` in `site`: its scripts in `bin`, else its packages.
    fn pypi_site(&mut self, name: &str, bin: &Path, site: &Path) -> Result<(), ResolveError> {
        let wanted = python::normalize_name(name);
        for dist in python::dists(site)? {
            let Some(stem) = dist
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".dist-info"))
            else {
                continue;
            };
            let dist_name = stem.rsplit_once('-').map_or(stem, |(n, _)| n);
            if python::normalize_name(dist_name) != wanted {
                continue;
            }
            let mut any_script = false;
            for (script, _) in python::console_scripts(&dist)? {
                let path = bin.join(&script);
                if script.contains('/') || !executable_file(&path) {
                    continue;
                }
                any_script = true;
                let found_by = lookup_step(
                    &script,
                    &path,
                    format!("a console script of the distribution in {}", dist.display()),
                );
                self.add(resolve_from(&script, &path, vec![found_by], true, self.env));
            }
            if any_script {
                continue;
            }
            for top in python::top_levels(&dist)? {
                let package = [site.join(&top), site.join(format!("{top}.py"))]
                    .into_iter()
                    .find(|p| lstat(p).is_ok());
                if let Some(package) = package {
                    let target = package.display().to_string();
                    self.add(resolve_from(&target, &package, Vec::new(), false, self.env));
                }
            }
        }
        Ok(())
    }
}

fn lookup_step(name: &str, path: &Path, detail: String) -> ResolutionStep {
    ResolutionStep {
        how: StepKind::PathLookup,
        from: PathBuf::from(name),
        to: path.to_owned(),
        detail,
    }
}
