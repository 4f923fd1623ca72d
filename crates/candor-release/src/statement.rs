//! The unsigned manifest Statement: a declaration bound to the release's artifacts.

use std::path::{Path, PathBuf};

use candor_model::ids::Purl;
use candor_model::manifest::{Declaration, ManifestPredicate};
use candor_model::{DocumentErrors, Statement, Subject};
use candor_sign::file::{FileError, Input};

use crate::declaration::{DeclarationError, read_declaration};

/// One release artifact as given on the command line: `PATH`, or `PATH=PURL` to name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactSpec {
    /// The text as given.
    pub spec: String,
    /// The file.
    pub path: PathBuf,
    /// Its package URL, when given.
    pub purl: Option<Purl>,
}

impl ArtifactSpec {
    /// Parse `PATH` or `PATH=PURL`. A whole argument that names an existing file is a
    /// path even if it contains `=`.
    pub fn parse(spec: &str) -> Result<Self, StatementError> {
        let (path, purl) = match spec.split_once('=') {
            Some((path, purl)) if !Path::new(spec).exists() => (PathBuf::from(path), Some(purl)),
            _ => (PathBuf::from(spec), None),
        };
        let purl = purl
            .map(|purl| {
                purl.parse::<Purl>().map_err(|e| StatementError::Artifact {
                    spec: spec.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Self {
            spec: spec.to_owned(),
            path,
            purl,
        })
    }

    /// The subject name: the package URL given, else `pkg:generic/<file name>@<version>`.
    /// A package URL naming another version than the release's is refused.
    pub fn subject_name(&self, version: &str) -> Result<String, StatementError> {
        if let Some(purl) = &self.purl {
            if let Some(named) = purl.version()
                && named != version
            {
                return Err(StatementError::Artifact {
                    spec: self.spec.clone(),
                    reason: format!(
                        "the package URL names version {named}, but the declaration is for \
                         version {version}; expected `@{version}` (or the declaration of {named})"
                    ),
                });
            }
            return Ok(purl.to_string());
        }
        let file_name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| StatementError::Artifact {
                spec: self.spec.clone(),
                reason: "the path has no UTF-8 file name".to_owned(),
            })?;
        Purl::generic(file_name, version)
            .map(|p| p.to_string())
            .map_err(|e| StatementError::Artifact {
                spec: self.spec.clone(),
                reason: e.to_string(),
            })
    }
}

/// Why a Statement could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// The declaration could not be read.
    #[error(transparent)]
    Declaration(#[from] DeclarationError),
    /// The declaration does not validate.
    #[error("{file} is not a valid declaration:\n{errors}")]
    InvalidDeclaration {
        /// The file.
        file: String,
        /// Every error, located.
        errors: DocumentErrors,
    },
    /// An artifact argument is malformed.
    #[error("--artifact {spec}: {reason}")]
    Artifact {
        /// The argument as given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// An artifact cannot be read.
    #[error("cannot digest artifact {}", path.display())]
    Digest {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: FileError,
    },
    /// No artifact was named, and the declaration lists no subjects.
    #[error("the Statement has no subjects")]
    NoSubjects,
    /// The Statement breaks a rule (a subject listed twice, …).
    #[error("invalid Statement at {path}: {message}")]
    Invalid {
        /// JSON path of the first offending value.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl StatementError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            StatementError::Declaration(error) => error.kind(),
            StatementError::InvalidDeclaration { .. } => "invalid-declaration",
            StatementError::Artifact { .. } => "invalid-artifact-argument",
            StatementError::Digest { .. } => "unreadable-artifact",
            StatementError::NoSubjects => "no-subjects",
            StatementError::Invalid { .. } => "invalid-statement",
        }
    }
}

/// The Statement of `declaration` with a subject per artifact (digested now).
pub fn build_statement(
    declaration: &Declaration,
    artifacts: &[ArtifactSpec],
) -> Result<Statement<ManifestPredicate>, StatementError> {
    let mut subjects = Vec::with_capacity(artifacts.len());
    for artifact in artifacts {
        let name = artifact.subject_name(declaration.tool.version.as_str())?;
        let digest = candor_sign::artifact::digest_file(&artifact.path).map_err(|source| {
            StatementError::Digest {
                path: artifact.path.clone(),
                source,
            }
        })?;
        subjects.push(Subject { name, digest });
    }
    let statement = declaration.to_statement_with(subjects);
    if let Some(first) = statement.violations().into_iter().next() {
        return Err(if statement.subject.is_empty() {
            StatementError::NoSubjects
        } else {
            StatementError::Invalid {
                path: first.path.to_json_path(),
                message: first.message,
            }
        });
    }
    Ok(statement)
}

/// What `candor manifest statement` works from.
#[derive(Debug, Clone)]
pub struct StatementRequest {
    /// The `candor.toml`: a file or standard input.
    pub declaration: Input,
    /// The release's artifacts.
    pub artifacts: Vec<ArtifactSpec>,
    /// A published manifest envelope this one replaces (same release and signer): its
    /// sha256 goes into `supersedes`. A file or standard input.
    pub supersedes: Option<Input>,
}

/// How an artifact's subject was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectChoice {
    /// The artifact, as given.
    pub artifact: String,
    /// The subject name.
    pub name: String,
    /// Whether the name was given (`PATH=PURL`) rather than made up
    /// (`pkg:generic/<file name>@<version>`).
    pub given: bool,
}

/// A Statement made from a declaration.
#[derive(Debug, Clone)]
pub struct MadeStatement {
    /// How each artifact's subject was named, in argument order.
    pub subjects: Vec<SubjectChoice>,
    /// The Statement.
    pub statement: Statement<ManifestPredicate>,
    /// Its indented JSON, as written or printed.
    pub text: String,
}

/// Read the declaration, digest the artifacts, build the Statement.
pub fn make_statement(request: &StatementRequest) -> Result<MadeStatement, StatementError> {
    let declaration = read_declaration(&request.declaration)?.map_err(|errors| {
        StatementError::InvalidDeclaration {
            file: request.declaration.to_string(),
            errors,
        }
    })?;
    let mut statement = build_statement(&declaration, &request.artifacts)?;
    if let Some(old) = &request.supersedes {
        let bytes = old
            .read_capped(
                candor_sign::dsse::MAX_ENVELOPE_BYTES,
                "a DSSE envelope or Sigstore bundle",
            )
            .map_err(|source| StatementError::Digest {
                path: PathBuf::from(old.to_string()),
                source,
            })?;
        statement.predicate.supersedes = Some(candor_sign::artifact::sha256_of(&bytes));
    }
    let subjects = request
        .artifacts
        .iter()
        .zip(&statement.subject)
        .map(|(artifact, subject)| SubjectChoice {
            artifact: artifact.path.display().to_string(),
            name: subject.name.clone(),
            given: artifact.purl.is_some(),
        })
        .collect();
    Ok(MadeStatement {
        subjects,
        text: statement.to_pretty_json(),
        statement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_arguments_name_a_path_and_maybe_a_package_url() {
        let spec = ArtifactSpec::parse("dist/a.tgz=pkg:npm/%40acme/agent@1.4.0").unwrap();
        assert_eq!(spec.path, PathBuf::from("dist/a.tgz"));
        assert_eq!(
            spec.subject_name("1.4.0").unwrap(),
            "pkg:npm/%40acme/agent@1.4.0"
        );
        // A package URL of another version than the release's.
        let error = spec.subject_name("9").unwrap_err().to_string();
        assert!(
            error.contains("names version 1.4.0, but the declaration is for version 9"),
            "{error}"
        );
        let spec = ArtifactSpec::parse("dist/agent").unwrap();
        assert_eq!(
            spec.subject_name("1.4.0").unwrap(),
            "pkg:generic/agent@1.4.0"
        );
        let error = ArtifactSpec::parse("dist/a.tgz=npm:agent").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("--artifact dist/a.tgz=npm:agent: invalid package URL"),
            "{error}"
        );
        // A file whose name contains `=` is that file, not a path and a package URL.
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("a=b");
        fs_err::write(&odd, "x").unwrap();
        let spec = ArtifactSpec::parse(&odd.display().to_string()).unwrap();
        assert_eq!(spec.path, odd);
        assert!(spec.purl.is_none());
    }
}
