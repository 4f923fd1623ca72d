//! Errors in documents: which file, where in it, and what was expected.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use schemars::JsonSchema;
use serde::Serialize;

use crate::location::{FieldPath, Location};

/// The longest line of a message quoted from input that candor prints; the rest is
/// elided. A 10 MB string in a document must not become 10 MB on stderr.
pub const MAX_LINE_BYTES: usize = 400;

/// The most problems of one document a report lists; it says how many more there were.
pub const MAX_SHOWN_ERRORS: usize = 100;

/// `text` with every line longer than `max` bytes cut at a character boundary and
/// ended with `… (N more bytes)`; unchanged (borrowed) when no line is that long.
pub fn elide_lines(text: &str, max: usize) -> Cow<'_, str> {
    if text.split('\n').all(|line| line.len() <= max) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(64 * 1024));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.len() <= max {
            out.push_str(line);
        } else {
            let mut cut = max;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&line[..cut]);
            let _ = write!(out, "… ({} more bytes)", line.len() - cut);
        }
    }
    Cow::Owned(out)
}

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
        let message = elide_lines(&self.message, MAX_LINE_BYTES);
        match &self.location {
            Location::Document => write!(f, "{}: {message}", self.file),
            Location::JsonPath(path) => write!(f, "{}: at {path}: {message}", self.file),
            location => write!(f, "{}:{location}: {message}", self.file),
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
            message: elide_lines(&error.message, MAX_LINE_BYTES).into_owned(),
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

    /// The problems as reports print them: the first [`MAX_SHOWN_ERRORS`], and how many
    /// more there were.
    pub fn located(&self) -> (Vec<LocatedError>, usize) {
        let shown = self.0.len().min(MAX_SHOWN_ERRORS);
        (
            self.0[..shown].iter().map(LocatedError::from).collect(),
            self.0.len() - shown,
        )
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: there is at least one problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for DocumentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().take(MAX_SHOWN_ERRORS).enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        if self.0.len() > MAX_SHOWN_ERRORS {
            write!(
                f,
                "\n… and {} more problems ({} in all)",
                self.0.len() - MAX_SHOWN_ERRORS,
                self.0.len()
            )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_elided_at_a_character_boundary() {
        assert!(matches!(elide_lines("short\nlines", 5), Cow::Borrowed(_)));
        // `é` is two bytes: a cut at 5 would split it.
        let text = format!("abcdé{}\nok", "x".repeat(100));
        let elided = elide_lines(&text, 5);
        assert_eq!(elided, "abcd… (102 more bytes)\nok");
    }

    #[test]
    fn a_document_with_thousands_of_problems_displays_the_first_hundred() {
        let errors = DocumentErrors(
            (0..250)
                .map(|i| DocumentError::whole("d.json", format!("problem {i}")))
                .collect(),
        );
        let text = errors.to_string();
        assert_eq!(text.lines().count(), MAX_SHOWN_ERRORS + 1);
        assert!(
            text.ends_with("… and 150 more problems (250 in all)"),
            "{text}"
        );
        let (shown, more) = errors.located();
        assert_eq!((shown.len(), more), (100, 150));
    }
}
