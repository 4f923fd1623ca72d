//! Command names on `PATH`, found as `execvp` finds them.

use std::path::{Path, PathBuf};

use super::files::{absolute, is_executable};
use super::{ResolutionStep, ResolveEnv, ResolveError, StepKind};

/// An executable file found for a command name.
#[derive(Debug, Clone)]
pub(super) struct PathHit {
    /// `DIR/NAME`, as the shell runs it (links not followed).
    pub path: PathBuf,
    /// Which `PATH` entry, from 1.
    pub entry: usize,
    /// How many entries `PATH` has.
    pub entries: usize,
}

impl PathHit {
    /// The step recording the lookup of `name`.
    pub fn step(&self, name: &str) -> ResolutionStep {
        ResolutionStep {
            how: StepKind::PathLookup,
            from: PathBuf::from(name),
            to: self.path.clone(),
            detail: format!(
                "PATH entry {} of {} has an executable `{name}`",
                self.entry, self.entries
            ),
        }
    }
}

/// Whether TARGET is read as a command name: no `/`, and not `.` or `..`.
pub(super) fn is_command_name(target: &str) -> bool {
    !target.contains('/') && target != "." && target != ".."
}

/// The `PATH` entries, absolute (an empty entry is the working directory, as POSIX says).
pub(super) fn path_dirs(env: &ResolveEnv) -> Vec<PathBuf> {
    let path_var = match &env.path_var {
        Some(value) => value.clone(),
        None => std::env::var_os("PATH").unwrap_or_default(),
    };
    if path_var.is_empty() {
        return Vec::new();
    }
    std::env::split_paths(&path_var)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                env.cwd.clone()
            } else {
                absolute(&env.cwd, &dir)
            }
        })
        .collect()
}

/// Every `PATH` directory's executable regular file named `name`, in `PATH` order.
pub(super) fn all_on_path(name: &str, env: &ResolveEnv) -> Vec<PathHit> {
    let dirs = path_dirs(env);
    let entries = dirs.len();
    dirs.iter()
        .enumerate()
        .filter_map(|(index, dir)| {
            let path = dir.join(name);
            executable_file(&path).then(|| PathHit {
                path,
                entry: index + 1,
                entries,
            })
        })
        .collect()
}

/// The first `PATH` directory's executable regular file named `name`: what the shell
/// runs.
pub(super) fn first_on_path(name: &str, env: &ResolveEnv) -> Result<PathHit, ResolveError> {
    let dirs = path_dirs(env);
    let entries = dirs.len();
    for (index, dir) in dirs.iter().enumerate() {
        let path = dir.join(name);
        if executable_file(&path) {
            return Ok(PathHit {
                path,
                entry: index + 1,
                entries,
            });
        }
    }
    Err(ResolveError::NotOnPath {
        name: name.to_owned(),
        searched: entries,
        in_working_directory: std::fs::symlink_metadata(env.cwd.join(name)).is_ok(),
    })
}

/// Whether `path`, links followed, is a regular file someone may execute (what
/// `execvp` skips otherwise).
pub(super) fn executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| is_executable(&m))
}
