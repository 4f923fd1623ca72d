//! What `candor verify TARGET` verifies: TARGET (a file, a directory, or a command name
//! on `PATH`) resolved through links and the usual shims to the artifact that really
//! runs, with every hop recorded, the package it belongs to, and every link or shim that
//! leads out of its package.
//!
//! # Rules
//!
//! - **TARGET.** A name without `/` is a command: the first executable regular file of
//!   that name in the `PATH` directories, in order, as `execvp` finds it (an empty entry
//!   is the working directory). Anything else is a path, relative to the working
//!   directory. A file of that name in the working directory is never taken for a command
//!   (`./NAME` is); the error says so.
//! - **Links** are read one hop at a time ([`std::fs::read_link`], relative to the link's
//!   directory) and each hop is a step. Directories on the way are made canonical, as the
//!   kernel does, and a step's detail says so when that differs from how the link reads.
//!   A path seen twice is a [loop](ResolveError::Loop); more than [`MAX_HOPS`] links and
//!   wrappers in a row is [too many](ResolveError::TooManyHops) (Linux's own limit for
//!   links is 40).
//! - **Only regular files are read**, non-blocking and at most [`SCRIPT_LIMIT`] bytes of
//!   them; a FIFO, socket or device is [refused](ResolveError::NotFileOrDirectory).
//! - **Wrappers** are followed only in the exact forms their generators write, so that
//!   what is followed is all the wrapper does; anything else is the artifact itself, and
//!   a step ([`StepKind::UnrecognisedScript`]) says why it was not followed:
//!   - npm's cmd-shim (`basedir=$(dirname "$(echo "$0" | sed …)")`, then
//!     `exec node "$basedir/…/cli.js" "$@"` in both branches of its `if`) →
//!     [`StepKind::NpmCmdShim`] to the script it runs;
//!   - a `sh`/`bash` script of assignments of `dirname "$0"` and one `exec` (or
//!     `…"$@"` line) → [`StepKind::NodeWrapper`] to the script when the program is
//!     `node` (or another interpreter: the detail names it), [`StepKind::ShellWrapper`] to
//!     the program otherwise (a bare program name is looked up on `PATH`). `$basedir`,
//!     `$(dirname "$0")` and `$0` expand against the path the wrapper was *run as* (the
//!     link, not what it links to), as the shell would;
//!   - a pip/uv console script (`#!…/python…`, `from MOD import NAME`,
//!     `sys.exit(NAME())`, and pip's `#!/bin/sh` + `'''exec'` form for long interpreter
//!     paths) → [`StepKind::PipConsoleScript`] to the package directory (or module
//!     file) `MOD`'s first component names, searched as Python would: the script's real
//!     directory first (unless the `#!` line passes `-I` or `-P`), then the
//!     interpreter's site directories (a venv's
//!     `lib/python3.X/site-packages` when `pyvenv.cfg` is beside or above the interpreter,
//!     plus the base prefix's when it includes system packages; otherwise the user site
//!     `~/.local/lib/python3.X/site-packages` (unless `-I` or `-s`),
//!     `PREFIX/lib/python3.X/site-packages`,
//!     `…/dist-packages` and `PREFIX/lib/python3/dist-packages`, with `/usr/local` before
//!     `/usr` as Debian does);
//!   - a file starting `#!/usr/bin/env node` (or any `node` shebang) is the artifact
//!     itself: what it `require`s is inside its package, which is reported.
//! - **Packages.** npm: the nearest directory with a `package.json` that has a `name`,
//!   not above the `node_modules` the artifact is installed in (outside `node_modules`,
//!   only for directories and scripts run by node, and never `~` or `/`). `PyPI`: the
//!   `*.dist-info` beside the module whose `entry_points.txt` declares the console script,
//!   else whose `top_level.txt` or `RECORD` lists the module; name and version from its
//!   `METADATA`. Cargo: an executable in `ROOT/bin` listed in `ROOT/.crates2.json` (or
//!   `ROOT/.crates.toml`), whatever `ROOT` is (`~/.cargo`, `cargo install --root`).
//! - **Escapes** ([`Escape`]) are reported, not errors: a link or shim in
//!   `node_modules/.bin` whose target is not inside a package of that `node_modules`, or
//!   whose artifact ends up outside that package; a link in `PREFIX/bin` into
//!   `PREFIX/lib/node_modules/PKG` whose artifact ends outside `PKG`; an npm cmd-shim
//!   whose target is in no `node_modules` package; a link or wrapper inside an installed
//!   package (`node_modules/PKG/…`, `site-packages/PKG/…`) leading out of it; a console
//!   script's module found beside the script rather than in a site directory, or linked
//!   out of its site directory.
//!
//! # Limits
//!
//! - The environment a tool runs in at its user's is not known here: `PYTHONPATH`, `.pth`
//!   files, `NODE_PATH` and aliases or functions of the user's shell are not modelled; the
//!   `PATH` given is.
//! - Version managers' shims (pyenv, asdf, rustup's proxies, nvm) pick a version at run
//!   time: a pyenv shim is an unrecognised script, a rustup proxy link resolves to
//!   `rustup`.
//! - A node script that only `require`s another file is the artifact; what it loads is
//!   covered by its package, not by its digest.
//! - setuptools' older `EASY-INSTALL-ENTRY-SCRIPT` scripts, pnpm's and yarn's shims (they
//!   export `NODE_PATH`), and Windows `.cmd`/`.ps1` shims are not recognised: they are
//!   artifacts themselves. `*.egg-info` metadata is not read.
//! - A console script's module is looked for as a directory or a `.py`, `.pyc` or `.so`
//!   file; the standard library, zip imports and import hooks are not.
//! - Paths may change between resolution and digesting; whoever opens the artifact
//!   should refuse a non-regular file again.

mod cargo;
mod chain;
mod command;
mod error;
mod files;
mod installed;
mod npm;
mod python;
mod shell;

use std::ffi::OsString;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

pub use error::ResolveError;
pub use installed::{Installations, find_installed};

/// At most this many links and wrappers are followed in a row.
pub const MAX_HOPS: usize = 40;

/// Scripts of up to this many bytes are examined as possible wrappers; larger files are
/// artifacts, read no further than their first bytes.
pub const SCRIPT_LIMIT: u64 = 1 << 20;

/// Metadata files (`package.json`, `METADATA`, `entry_points.txt`, `.crates2.json`, …)
/// larger than this are refused.
pub const METADATA_LIMIT: u64 = 1 << 20;

/// The parts of the environment resolution depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveEnv {
    /// `PATH` as the user's shell has it; `None`: this process's.
    pub path_var: Option<OsString>,
    /// The working directory: relative paths, and empty `PATH` entries, are taken from
    /// here.
    pub cwd: PathBuf,
    /// The home directory, for per-user locations (Python's user site in `~/.local`,
    /// `~/.cargo`); `None`: none are looked at.
    pub home: Option<PathBuf>,
}

impl ResolveEnv {
    /// This process's `PATH`, working directory and `HOME`.
    pub fn from_process() -> std::io::Result<Self> {
        Ok(Self {
            path_var: None,
            cwd: std::env::current_dir()?,
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
        })
    }
}

/// What to resolve, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRequest {
    /// TARGET as the user gave it: a path, or a command name (no `/`).
    pub target: String,
    /// The environment.
    pub env: ResolveEnv,
}

/// How TARGET was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// A path to a file (after its own links).
    File,
    /// A path to a directory (after its own links).
    Directory,
    /// A command name, looked up on `PATH`.
    Command,
}

/// What the artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// A regular file.
    File,
    /// A directory (a package, an unpacked release).
    Directory,
}

/// How one step of resolution went from one path to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// A command name found in a `PATH` directory (or a package manager's bin directory,
    /// for [`find_installed`]).
    PathLookup,
    /// A symbolic link.
    Symlink,
    /// A link npm made for a package's `bin`: `node_modules/.bin/x` or `PREFIX/bin/x` into
    /// `PREFIX/lib/node_modules`.
    NpmBin,
    /// npm's cmd-shim shell script.
    NpmCmdShim,
    /// A pip (or uv) console script, to the module it imports.
    PipConsoleScript,
    /// An executable `cargo install` put in `ROOT/bin` (to the install list naming it).
    CargoBin,
    /// A shell script that `exec`s node (or another interpreter) on a script.
    NodeWrapper,
    /// A shell script that `exec`s another program.
    ShellWrapper,
    /// The package the artifact belongs to (to the metadata naming it).
    PackageRoot,
    /// A script that is not a wrapper form this module follows: it is the artifact.
    UnrecognisedScript,
}

/// One hop (or finding) of resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ResolutionStep {
    /// What kind of step.
    pub how: StepKind,
    /// Where it started (a command name for [`StepKind::PathLookup`]).
    pub from: PathBuf,
    /// Where it led.
    pub to: PathBuf,
    /// The evidence, in words (the link's text, the line of the wrapper, the metadata).
    pub detail: String,
}

/// A package ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    /// npm (`package.json`).
    Npm,
    /// `PyPI` (`*.dist-info/METADATA`).
    Pypi,
    /// crates.io (`cargo install`).
    Cargo,
}

impl Ecosystem {
    /// The package URL type (`npm`, `pypi`, `cargo`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Cargo => "cargo",
        }
    }
}

/// The installed package an artifact belongs to, as its own metadata names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Package {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name (`@acme/agent`, `black`, `ripgrep`).
    pub name: String,
    /// Its version, when the metadata has one.
    pub version: Option<String>,
    /// Its root: the npm package directory, the Python package directory (or module
    /// file), cargo's install root.
    pub root: PathBuf,
    /// The file name and version were read from.
    pub metadata: PathBuf,
    /// Its package URL (`pkg:npm/%40acme/agent@1.4.0`).
    pub purl: String,
}

/// A link or shim that belongs to a package (or to `node_modules/.bin`) but leads outside
/// it. Not an error: the caller decides (`candor verify` fails the verdict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Escape {
    /// The link or shim.
    pub at: PathBuf,
    /// Where resolution ended: the artifact.
    pub points_to: PathBuf,
    /// The directory it should have stayed in.
    pub package_root: PathBuf,
    /// What it is and how it reads.
    pub detail: String,
}

/// TARGET resolved: what runs, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Resolved {
    /// TARGET as given.
    pub target: String,
    /// How TARGET was read.
    pub kind: TargetKind,
    /// Every hop, in order.
    pub steps: Vec<ResolutionStep>,
    /// The real, canonical file or directory that runs: what gets digested.
    pub artifact: PathBuf,
    /// Whether the artifact is a file or a directory.
    pub artifact_kind: ArtifactKind,
    /// The package the artifact belongs to, when its metadata says.
    pub package: Option<Package>,
    /// Links and shims that lead outside their package.
    pub escapes: Vec<Escape>,
}

/// Resolve TARGET (see the [module documentation](self) for the rules).
pub fn resolve(request: &ResolveRequest) -> Result<Resolved, ResolveError> {
    let target = request.target.as_str();
    if target.is_empty() {
        return Err(ResolveError::EmptyTarget);
    }
    let env = &request.env;
    if command::is_command_name(target) {
        let hit = command::first_on_path(target, env)?;
        chain::resolve_command(target, &hit, env)
    } else {
        let path = files::absolute(&env.cwd, std::path::Path::new(target));
        chain::resolve_path(target, &path, env)
    }
}
