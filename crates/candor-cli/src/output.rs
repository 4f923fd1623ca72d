//! Rendering: human text or stable JSON, on stdout; errors and progress on stderr.

use std::fmt::Write as _;
use std::io::Write as _;

use candor_model::location::Location;
use candor_model::{DocumentError, DocumentErrors};
use serde_json::{Value, json};

/// Output format of every reporting command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    Human,
    /// One JSON document on stdout (schema-stable).
    Json,
    /// SARIF 2.1.0 on stdout, for code-scanning tools (`candor scan` only).
    Sarif,
}

/// Write text to stdout. A closed pipe (`candor … | head`) is not an error.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Write a line to stderr.
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Print a JSON value on stdout, indented, with a trailing newline.
pub fn json(value: &Value) {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    stdout(&text);
}

/// Report an input or usage error (exit 2): the whole cause chain, then any hint.
pub fn report_error(error: &anyhow::Error, format: Format) {
    let hint = error.downcast_ref::<Hinted>().map(|h| h.hint.clone());
    match format {
        // SARIF readers expect a log or nothing on stdout: errors go to stderr as text.
        Format::Human | Format::Sarif => {
            let mut text = format!("error: {error}");
            for cause in error.chain().skip(1) {
                let cause = cause.to_string();
                if !text.contains(&cause) {
                    let _ = write!(text, "\n  caused by: {cause}");
                }
            }
            if let Some(hint) = &hint {
                let _ = write!(text, "\nhint: {hint}");
            }
            stderr(&text);
        }
        Format::Json => {
            let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
            json(&json!({
                "ok": false,
                "error": { "kind": "input", "message": error.to_string(), "chain": chain, "hint": hint }
            }));
        }
    }
}

/// An error with something the user can do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Hinted {
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// Bail with a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Hinted {
        message: message.into(),
        hint: hint.into(),
    }
    .into()
}

/// A document error as JSON: file, line, column, JSON path, message.
pub fn document_error_json(error: &DocumentError) -> Value {
    let (line, column, path) = match &error.location {
        Location::LineColumn { line, column } => (Some(*line), Some(*column), None),
        Location::JsonPath(path) => (None, None, Some(path.clone())),
        Location::JsonPathAt { path, line, column } => {
            (Some(*line), Some(*column), Some(path.clone()))
        }
        Location::Document => (None, None, None),
    };
    json!({
        "file": error.file,
        "line": line,
        "column": column,
        "path": path,
        "message": error.message,
    })
}

/// Every document error as a JSON list.
pub fn document_errors_json(errors: &DocumentErrors) -> Value {
    Value::Array(errors.iter().map(document_error_json).collect())
}
