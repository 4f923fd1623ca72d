//! Errors in documents: which file, where in it, and what was expected.

use std::fmt;

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
