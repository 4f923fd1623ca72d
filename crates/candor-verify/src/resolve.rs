//! Resolving a `candor verify` target to what runs (interim: files, directories and PATH
//! commands through symlinks; the shim forms arrive with the resolution module).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

/// What to resolve.
#[derive(Debug, Clone)]
pub struct ResolveRequest {
    /// The target as given.
    pub target: String,
    /// PATH (`None`: the process's).
    pub path_var: Option<OsString>,
    /// The directory relative targets are relative to.
    pub cwd: PathBuf,
    /// The home directory.
    pub home: Option<PathBuf>,
}

/// What a target was given as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// A file path.
    File,
    /// A directory path.
    Directory,
    /// A command name found on PATH.
    Command,
}

/// Whether the artifact is a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// A file.
    File,
    /// A directory.
    Directory,
}

/// One hop of a resolution.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ResolutionStep {
    /// How (`path-lookup`, `symlink`).
    pub how: String,
    /// From.
    pub from: PathBuf,
    /// To.
    pub to: PathBuf,
}

/// A package the artifact belongs to.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Package {
    /// `npm`, `pypi`, `cargo`.
    pub ecosystem: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its root directory.
    pub root: PathBuf,
    /// Its package URL.
    pub purl: String,
}

/// A link or shim pointing outside its package.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Escape {
    /// The link or shim.
    pub at: PathBuf,
    /// Where it points.
    pub points_to: PathBuf,
    /// The package it belongs to.
    pub package_root: PathBuf,
}

/// A resolved target.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Resolved {
    /// As given.
    pub target: String,
    /// What it was given as.
    pub kind: TargetKind,
    /// Every hop.
    pub steps: Vec<ResolutionStep>,
    /// What runs.
    pub artifact: PathBuf,
    /// File or directory.
    pub artifact_kind: ArtifactKind,
    /// The package, when known.
    pub package: Option<Package>,
    /// Links and shims pointing outside their package.
    pub escapes: Vec<Escape>,
}

/// Why a target cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Nothing there.
    #[error("{target}: no such file, directory or command on PATH")]
    NotFound {
        /// The target.
        target: String,
    },
    /// Cannot be read.
    #[error("cannot read {}", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl ResolveError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ResolveError::NotFound { .. } => "not-found",
            ResolveError::Unreadable { .. } => "unreadable",
        }
    }
}

/// Resolve a target.
pub fn resolve(request: &ResolveRequest) -> Result<Resolved, ResolveError> {
    let given = Path::new(&request.target);
    let mut steps = Vec::new();
    let (kind, start) = if request.target.contains('/') || request.cwd.join(given).exists() {
        (TargetKind::File, request.cwd.join(given))
    } else {
        let path = request
            .path_var
            .clone()
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        let found = std::env::split_paths(&path)
            .map(|dir| dir.join(given))
            .find(|p| p.is_file())
            .ok_or_else(|| ResolveError::NotFound {
                target: request.target.clone(),
            })?;
        steps.push(ResolutionStep {
            how: "path-lookup".to_owned(),
            from: given.to_owned(),
            to: found.clone(),
        });
        (TargetKind::Command, found)
    };
    let artifact = fs_err::canonicalize(&start).map_err(|e| ResolveError::Unreadable {
        path: start.clone(),
        source: e,
    })?;
    if artifact != start {
        steps.push(ResolutionStep {
            how: "symlink".to_owned(),
            from: start,
            to: artifact.clone(),
        });
    }
    let is_dir = artifact.is_dir();
    Ok(Resolved {
        target: request.target.clone(),
        kind: if is_dir && kind == TargetKind::File {
            TargetKind::Directory
        } else {
            kind
        },
        steps,
        artifact,
        artifact_kind: if is_dir {
            ArtifactKind::Directory
        } else {
            ArtifactKind::File
        },
        package: None,
        escapes: Vec::new(),
    })
}
