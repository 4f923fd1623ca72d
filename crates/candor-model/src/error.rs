//! Errors in documents: which file, where in it, and what was expected.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use crate::location::{FieldPath, Location};

/// One problem in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// The document's name as the user knows it (usually its path).
    pub file: String,
    /// Where in the document.
    pub location: Location,
    /// What is wrong and what was expected instead.
    pub message: String,
}

impl DocumentError {
    /// A problem with the document as a whole.
    pub fn whole(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            location: Location::Document,
            message: message.into(),
        }
    }
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Document => write!(f, "{}: {}", self.file, self.message),
            Location::JsonPath(path) => write!(f, "{}: at {path}: {}", self.file, self.message),
            location => write!(f, "{}:{location}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for DocumentError {}

/// A [`DocumentError`] as reports print it: the file, the line and column and the JSON
/// path where known (`null` otherwise), and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LocatedError {
    /// The document's name (usually its path).
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// JSON path (`$.predicate.claims.network[0].id`), where known.
    pub path: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl From<&DocumentError> for LocatedError {
    fn from(error: &DocumentError) -> Self {
        let (line, column, path) = match &error.location {
            Location::LineColumn { line, column } => (Some(*line), Some(*column), None),
            Location::JsonPath(path) => (None, None, Some(path.clone())),
            Location::JsonPathAt { path, line, column } => {
                (Some(*line), Some(*column), Some(path.clone()))
            }
            Location::Document => (None, None, None),
        };
        Self {
            file: error.file.clone(),
            line,
            column,
            path,
            message: error.message.clone(),
        }
    }
}

/// What a command prints on stdout with `--format json` when it could not do its job
/// (exit 2): `{"ok": false, "error": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorReport {
    /// Always `false`.
    #[schemars(schema_with = "crate::schema::always_false")]
    pub ok: bool,
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error of an [`ErrorReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorDetail {
    /// A stable, kebab-case name of the failure (`unreadable`, `passphrase-required`,
    /// `usage`, …).
    pub kind: String,
    /// The error, as the human output's `error:` line says it.
    pub message: String,
    /// The error and each of its causes, outermost first.
    pub chain: Vec<String>,
    /// What the user can do about it, where something can be done.
    pub hint: Option<String>,
}

/// Every problem found in one document (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DocumentErrors(pub Vec<DocumentError>);

impl DocumentErrors {
    /// A single problem.
    pub fn one(error: DocumentError) -> Self {
        Self(vec![error])
    }

    /// The problems, in document order where known.
    pub fn iter(&self) -> impl Iterator<Item = &DocumentError> {
        self.0.iter()
    }

    /// The problems as reports print them.
    pub fn located(&self) -> Vec<LocatedError> {
        self.0.iter().map(LocatedError::from).collect()
    }
}

impl fmt::Display for DocumentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl From<DocumentError> for DocumentErrors {
    fn from(error: DocumentError) -> Self {
        Self::one(error)
    }
}

/// A rule a document breaks, found after it parsed: a path and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where the offending value is.
    pub path: FieldPath,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Violation {
    /// A violation at `path`.
    pub fn new(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
        }
    }
}
