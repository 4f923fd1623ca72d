//! The walk from a starting path to the artifact: one hop at a time through links and
//! wrappers, then the package the artifact belongs to, then the escapes.

use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::command::PathHit;
use super::files::{
    describe_special, is_link_loop, is_not_found, lexical_clean, lstat, normalize, read_head,
    unreadable,
};
use super::shell::{Interpreter, Shebang, WrapperForm};
use super::{
    ArtifactKind, Escape, MAX_HOPS, Package, ResolutionStep, ResolveEnv, ResolveError, Resolved,
    SCRIPT_LIMIT, StepKind, TargetKind, cargo, npm, python, shell,
};

/// Resolve the command `name`, found on `PATH` at `hit`.
pub(super) fn resolve_command(
    name: &str,
    hit: &PathHit,
    env: &ResolveEnv,
) -> Result<Resolved, ResolveError> {
    resolve_from(name, &hit.path, vec![hit.step(name)], true, env)
}

/// Resolve the path TARGET `target`, absolute as `path`.
pub(super) fn resolve_path(
    target: &str,
    path: &Path,
    env: &ResolveEnv,
) -> Result<Resolved, ResolveError> {
    resolve_from(target, path, Vec::new(), false, env)
}

/// Resolve from `start`, after the steps that found it.
pub(super) fn resolve_from(
    target: &str,
    start: &Path,
    steps: Vec<ResolutionStep>,
    command: bool,
    env: &ResolveEnv,
) -> Result<Resolved, ResolveError> {
    let mut walk = Walk {
        env,
        steps,
        visited: HashSet::new(),
        hops: 0,
        bounds: Vec::new(),
        package: None,
        interpreter: None,
    };
    let followed = walk.follow(start)?;
    let kind = match (command, followed.target_kind) {
        (true, _) => TargetKind::Command,
        (false, ArtifactKind::File) => TargetKind::File,
        (false, ArtifactKind::Directory) => TargetKind::Directory,
    };
    walk.finish(target, kind, followed)
}

/// A directory a hop's artifact must end up in, and what to say when it does not.
#[derive(Debug, Clone)]
pub(super) struct Bound {
    /// The link or shim.
    pub at: PathBuf,
    /// The directory (canonical where it exists).
    pub root: PathBuf,
    /// Whether it escaped already, wherever the chain ends (its target is outside `root`
    /// as it reads).
    pub escaped: bool,
    /// What it is and how it reads.
    pub detail: String,
}

/// Where following ended.
struct Followed {
    /// What the starting path was after its own links.
    target_kind: ArtifactKind,
    /// The canonical artifact.
    artifact: PathBuf,
    /// Its kind.
    artifact_kind: ArtifactKind,
}

/// What a regular file turned out to be.
enum Examined {
    /// It is what runs.
    Artifact,
    /// A wrapper running `target` (as written: its `$0`), which is `next` normalized;
    /// by an interpreter, which makes that file the artifact whatever its first line.
    Runs {
        target: PathBuf,
        next: PathBuf,
        run_by: Option<Interpreter>,
    },
    /// A console script whose module is the artifact.
    Module(PathBuf, ArtifactKind),
}

struct Walk<'a> {
    env: &'a ResolveEnv,
    steps: Vec<ResolutionStep>,
    visited: HashSet<PathBuf>,
    hops: usize,
    bounds: Vec<Bound>,
    package: Option<Package>,
    /// The interpreter of the last script examined (the artifact's, at the end).
    interpreter: Option<Interpreter>,
}

impl Walk<'_> {
    /// Count one hop from `at`, refusing the one after [`MAX_HOPS`].
    fn hop(&mut self, at: &Path) -> Result<(), ResolveError> {
        self.hops += 1;
        if self.hops > MAX_HOPS {
            return Err(ResolveError::TooManyHops {
                path: at.to_owned(),
                limit: MAX_HOPS,
            });
        }
        Ok(())
    }

    /// The error for an I/O failure on `path`, reached from the link or wrapper `via`.
    fn missing(&self, error: io::Error, via: Option<&Path>, path: &Path) -> ResolveError {
        if is_link_loop(&error) {
            return ResolveError::Loop {
                path: path.to_owned(),
                hops: self.hops,
            };
        }
        if !is_not_found(&error) {
            return unreadable(path, "examine")(error);
        }
        match via {
            Some(from) => ResolveError::Dangling {
                from: from.to_owned(),
                target: path.to_owned(),
            },
            None => ResolveError::NotFound {
                path: path.to_owned(),
            },
        }
    }

    fn follow(&mut self, start: &Path) -> Result<Followed, ResolveError> {
        let mut current = normalize(start).map_err(|e| self.missing(e, None, start))?;
        let mut invoked_as = start.to_owned();
        let mut via: Option<PathBuf> = None;
        let mut target_kind = None;
        let mut run_by: Option<Interpreter> = None;
        loop {
            if !self.visited.insert(current.clone()) {
                return Err(ResolveError::Loop {
                    path: current,
                    hops: self.hops,
                });
            }
            let metadata =
                lstat(&current).map_err(|e| self.missing(e, via.as_deref(), &current))?;
            let file_type = metadata.file_type();
            if file_type.is_symlink() {
                let next = self.follow_link(&current)?;
                via = Some(std::mem::replace(&mut current, next));
                continue;
            }
            if !file_type.is_file() && !file_type.is_dir() {
                return Err(ResolveError::NotFileOrDirectory {
                    path: current,
                    what: describe_special(file_type),
                });
            }
            let kind = if file_type.is_dir() {
                ArtifactKind::Directory
            } else {
                ArtifactKind::File
            };
            let target_kind = *target_kind.get_or_insert(kind);
            let examined = match (kind, run_by.take()) {
                (ArtifactKind::Directory, _) => Examined::Artifact,
                (ArtifactKind::File, Some(interpreter)) => {
                    self.interpreter = Some(interpreter);
                    Examined::Artifact
                }
                (ArtifactKind::File, None) => self.examine(&current, &invoked_as)?,
            };
            let (artifact, artifact_kind) = match examined {
                Examined::Artifact => (current, kind),
                Examined::Module(path, kind) => (path, kind),
                Examined::Runs {
                    target,
                    next,
                    run_by: interpreter,
                } => {
                    via = Some(std::mem::replace(&mut current, next));
                    invoked_as = target;
                    run_by = interpreter;
                    continue;
                }
            };
            let artifact = std::fs::canonicalize(&artifact)
                .map_err(|e| self.missing(e, via.as_deref(), &artifact))?;
            return Ok(Followed {
                target_kind,
                artifact,
                artifact_kind,
            });
        }
    }

    /// One link hop from `link`: the step, the bounds, and where it leads.
    fn follow_link(&mut self, link: &Path) -> Result<PathBuf, ResolveError> {
        self.hop(link)?;
        let text = std::fs::read_link(link).map_err(unreadable(link, "read the link"))?;
        let dir = link.parent().unwrap_or(Path::new("/"));
        let joined = dir.join(&text);
        let reads = lexical_clean(&joined);
        let next = normalize(&joined).map_err(|e| self.missing(e, Some(link), &reads))?;
        let mut detail = format!("link text `{}`", text.display());
        if reads != next {
            detail = format!(
                "{detail}; directories on the way are links (it reads {})",
                reads.display()
            );
        }
        let judged = npm::judge_hop(link, dir, &reads, false);
        let how = if judged.npm_bin {
            StepKind::NpmBin
        } else {
            StepKind::Symlink
        };
        if let Some(package) = &judged.package {
            detail = format!("{detail}; npm's bin link into {}", package.display());
        }
        self.record(how, link, &next, detail, judged.bounds, &reads);
        Ok(next)
    }

    /// Push a hop's step and bounds, with the bound of the installed package `from` lies
    /// in, if any.
    fn record(
        &mut self,
        how: StepKind,
        from: &Path,
        to: &Path,
        detail: String,
        bounds: Vec<Bound>,
        reads: &Path,
    ) {
        self.steps.push(ResolutionStep {
            how,
            from: from.to_owned(),
            to: to.to_owned(),
            detail,
        });
        self.bounds.extend(bounds);
        if let Some(root) = enclosing_installed_package(from) {
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            self.bounds.push(Bound {
                at: from.to_owned(),
                escaped: !reads.starts_with(&root) && !to.starts_with(&root),
                detail: format!(
                    "{} is inside the installed package {} and points to {}",
                    from.display(),
                    root.display(),
                    reads.display()
                ),
                root,
            });
        }
    }

    /// A step saying `script` is the artifact because it is not a wrapper form followed.
    fn unrecognised(&mut self, script: &Path, why: &str) -> Examined {
        self.steps.push(ResolutionStep {
            how: StepKind::UnrecognisedScript,
            from: script.to_owned(),
            to: script.to_owned(),
            detail: format!("not recognised as a wrapper ({why}): the script is the artifact"),
        });
        Examined::Artifact
    }

    /// What the regular file `file` (run as `invoked_as`) is.
    fn examine(&mut self, file: &Path, invoked_as: &Path) -> Result<Examined, ResolveError> {
        let head = read_head(file, SCRIPT_LIMIT, false)?;
        self.interpreter = None;
        let Some(shebang) = Shebang::parse(&head.bytes) else {
            if is_native_executable(&head.bytes) {
                return Ok(Examined::Artifact);
            }
            return Ok(self.unrecognised(file, "no `#!` line and not a native executable"));
        };
        let interpreter = shebang.interpreter();
        self.interpreter = Some(interpreter.clone());
        if interpreter == Interpreter::Node {
            return Ok(Examined::Artifact);
        }
        if head.size > SCRIPT_LIMIT {
            let why = format!(
                "a {}-byte script; wrappers are small and only the first {SCRIPT_LIMIT} bytes were read",
                head.size
            );
            return Ok(self.unrecognised(file, &why));
        }
        let Ok(text) = std::str::from_utf8(&head.bytes) else {
            return Ok(self.unrecognised(file, "not UTF-8 text"));
        };
        match interpreter {
            Interpreter::Shell => {
                if let Some((python, body)) = python::long_shebang(text, file) {
                    return self.console_script(file, &python, body, python::Flags::default());
                }
                self.shell_wrapper(file, invoked_as, text)
            }
            Interpreter::Python => {
                let python = if let Some(name) = shebang.env_program() {
                    let Ok(hit) = super::command::first_on_path(name, self.env) else {
                        let why = format!("its interpreter `{name}` is not on PATH");
                        return Ok(self.unrecognised(file, &why));
                    };
                    hit.path
                } else {
                    PathBuf::from(shebang.program())
                };
                let body = text.split_once('\n').map_or("", |(_, rest)| rest);
                let flags = python::Flags::from_args(shebang.interpreter_args());
                self.console_script(file, &python, body, flags)
            }
            Interpreter::Node | Interpreter::Other(_) => {
                let why = format!("a `{}` script", shebang.program_name());
                Ok(self.unrecognised(file, &why))
            }
        }
    }

    fn shell_wrapper(
        &mut self,
        file: &Path,
        invoked_as: &Path,
        text: &str,
    ) -> Result<Examined, ResolveError> {
        let invoked_dir = invoked_as.parent().unwrap_or(Path::new("/"));
        let basedir =
            std::fs::canonicalize(invoked_dir).map_err(unreadable(invoked_dir, "examine"))?;
        let wrapper = match shell::recognise(text, &basedir, invoked_as) {
            Ok(wrapper) => wrapper,
            Err(why) => return Ok(self.unrecognised(file, &why)),
        };
        let target = match wrapper.target {
            shell::RunTarget::Path(path) => path,
            shell::RunTarget::Command(name) => {
                match super::command::first_on_path(&name, self.env) {
                    Ok(hit) => hit.path,
                    Err(_) => {
                        return Err(ResolveError::Dangling {
                            from: file.to_owned(),
                            target: PathBuf::from(name),
                        });
                    }
                }
            }
        };
        self.hop(file)?;
        let reads = lexical_clean(&target);
        let next = normalize(&target).map_err(|e| self.missing(e, Some(file), &reads))?;
        let judged = npm::judge_hop(file, &basedir, &reads, wrapper.form == WrapperForm::CmdShim);
        let how = match wrapper.form {
            WrapperForm::CmdShim => StepKind::NpmCmdShim,
            WrapperForm::Interpreter => StepKind::NodeWrapper,
            WrapperForm::Program => StepKind::ShellWrapper,
        };
        let detail = format!("line {}: `{}`{}", wrapper.line, wrapper.text, wrapper.note);
        self.record(how, file, &next, detail, judged.bounds, &reads);
        Ok(Examined::Runs {
            target,
            next,
            run_by: wrapper.run_by,
        })
    }

    /// A Python script run by `python`: a console script's module, or the script itself.
    fn console_script(
        &mut self,
        script: &Path,
        python: &Path,
        body: &str,
        flags: python::Flags,
    ) -> Result<Examined, ResolveError> {
        let entry = match python::recognise(body) {
            Ok(entry) => entry,
            Err(why) => return Ok(self.unrecognised(script, &why)),
        };
        let found = python::locate(script, python, &entry, self.env.home.as_deref(), flags)?;
        let Some(module) = found.module.clone() else {
            let why = format!(
                "a console script importing `{}`, which is in none of: {}",
                entry.module,
                found.searched_text()
            );
            return Ok(self.unrecognised(script, &why));
        };
        self.hop(script)?;
        let canonical =
            std::fs::canonicalize(&module.path).map_err(unreadable(&module.path, "examine"))?;
        let detail = format!(
            "`{}` run by {}: `{}` found in {}{}",
            entry.import_line,
            python.display(),
            entry.top(),
            module.dir.display(),
            if module.beside_script {
                " (beside the script, before the site directories)"
            } else {
                ""
            }
        );
        self.steps.push(ResolutionStep {
            how: StepKind::PipConsoleScript,
            from: script.to_owned(),
            to: canonical.clone(),
            detail,
        });
        self.bounds.push(python::bound(script, &module, &found));
        self.package = module.package;
        Ok(Examined::Module(canonical, module.kind))
    }

    fn finish(
        mut self,
        target: &str,
        kind: TargetKind,
        followed: Followed,
    ) -> Result<Resolved, ResolveError> {
        let Followed {
            artifact,
            artifact_kind,
            ..
        } = followed;
        if self.package.is_none() {
            self.package = identify(
                &artifact,
                artifact_kind,
                self.interpreter.as_ref(),
                self.env,
            )?;
        }
        if let Some(package) = &self.package {
            let how = match package.ecosystem {
                super::Ecosystem::Cargo => StepKind::CargoBin,
                super::Ecosystem::Npm | super::Ecosystem::Pypi => StepKind::PackageRoot,
            };
            self.steps.push(ResolutionStep {
                how,
                from: artifact.clone(),
                to: package.metadata.clone(),
                detail: format!(
                    "{} {} {}",
                    package.ecosystem.purl_type(),
                    package.name,
                    package.version.as_deref().unwrap_or("(no version)")
                ),
            });
        }
        let mut escapes: Vec<Escape> = Vec::new();
        for bound in self.bounds {
            if bound.escaped || !artifact.starts_with(&bound.root) {
                let escape = Escape {
                    at: bound.at,
                    points_to: artifact.clone(),
                    package_root: bound.root,
                    detail: bound.detail,
                };
                if !escapes
                    .iter()
                    .any(|e| e.at == escape.at && e.package_root == escape.package_root)
                {
                    escapes.push(escape);
                }
            }
        }
        Ok(Resolved {
            target: target.to_owned(),
            kind,
            steps: self.steps,
            artifact,
            artifact_kind,
            package: self.package,
            escapes,
        })
    }
}

/// The package an artifact belongs to, by where it is: a cargo install, a Python site
/// directory, an npm package.
fn identify(
    artifact: &Path,
    kind: ArtifactKind,
    interpreter: Option<&Interpreter>,
    env: &ResolveEnv,
) -> Result<Option<Package>, ResolveError> {
    if kind == ArtifactKind::File
        && let Some(package) = cargo::package_of(artifact)?
    {
        return Ok(Some(package));
    }
    if let Some(package) = python::package_of(artifact)? {
        return Ok(Some(package));
    }
    let runs_with_node = interpreter == Some(&Interpreter::Node)
        || artifact
            .extension()
            .is_some_and(|e| e == "js" || e == "mjs" || e == "cjs");
    npm::package_of(artifact, kind, runs_with_node, env.home.as_deref())
}

/// Whether a file starts like an ELF, Mach-O or PE executable.
fn is_native_executable(bytes: &[u8]) -> bool {
    const MAGIC: [&[u8]; 6] = [
        b"\x7fELF",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    MAGIC.iter().any(|m| bytes.starts_with(m)) || bytes.starts_with(b"MZ")
}

/// The installed package directory `path` lies inside (not the package directory itself):
/// `…/node_modules/PKG` or `…/node_modules/@SCOPE/PKG`, `…/site-packages/PKG` or
/// `…/dist-packages/PKG`, by the innermost such component.
pub(super) fn enclosing_installed_package(path: &Path) -> Option<PathBuf> {
    let components: Vec<Component<'_>> = path.components().collect();
    let mut found = None;
    for (index, component) in components.iter().enumerate() {
        let Component::Normal(name) = component else {
            continue;
        };
        let width = if *name == "node_modules" {
            match components.get(index + 1) {
                Some(Component::Normal(next)) if next.to_string_lossy().starts_with('@') => 2,
                Some(Component::Normal(next)) if *next != ".bin" => 1,
                _ => continue,
            }
        } else if *name == "site-packages" || *name == "dist-packages" {
            1
        } else {
            continue;
        };
        let end = index + 1 + width;
        // Inside: at least one component below the package directory.
        if end < components.len() {
            found = Some(components[..end].iter().collect::<PathBuf>());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_packages_are_found_by_their_innermost_directory() {
        let cases = [
            ("/p/node_modules/a/bin/x.js", Some("/p/node_modules/a")),
            (
                "/p/node_modules/@s/a/bin/x.js",
                Some("/p/node_modules/@s/a"),
            ),
            (
                "/p/node_modules/a/node_modules/b/x.js",
                Some("/p/node_modules/a/node_modules/b"),
            ),
            ("/p/node_modules/a", None),
            ("/p/node_modules/.bin/x", None),
            (
                "/v/lib/python3.11/site-packages/pkg/__init__.py",
                Some("/v/lib/python3.11/site-packages/pkg"),
            ),
            ("/v/lib/python3.11/site-packages/pkg", None),
            ("/usr/bin/x", None),
        ];
        for (path, expected) in cases {
            assert_eq!(
                enclosing_installed_package(Path::new(path)).as_deref(),
                expected.map(Path::new),
                "{path}"
            );
        }
    }

    #[test]
    fn native_executables_are_recognised_by_magic() {
        assert!(is_native_executable(b"\x7fELF\x02\x01"));
        assert!(is_native_executable(b"\xcf\xfa\xed\xfe...."));
        assert!(!is_native_executable(b"echo hi"));
    }
}
