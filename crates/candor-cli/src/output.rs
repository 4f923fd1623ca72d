//! Rendering: human text or stable JSON, on stdout; errors and progress on stderr.

use std::fmt::Write as _;
use std::io::{BufWriter, StdoutLock, Write as _};

use candor_model::error::{ErrorDetail, ErrorReport};
use serde::Serialize;

use crate::error::CliError;

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

/// Stdout, locked and buffered: a report written through it goes out as it is rendered
/// and is never held whole in memory (a scan's report may run to hundreds of megabytes).
pub fn stdout_writer() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(STDOUT_BUFFER, std::io::stdout().lock())
}

/// Bytes [`stdout_writer`] buffers between writes.
const STDOUT_BUFFER: usize = 64 * 1024;

/// Print a typed report as JSON on stdout, indented, with a trailing newline, streamed
/// (see [`stdout_writer`]). A closed pipe is not an error.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let mut out = stdout_writer();
    // Serializing plain data types cannot fail; writing stops at a closed pipe.
    let _ = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
}

/// Report an input or usage error (exit 2): the whole cause chain, then any hint.
pub fn report_error(error: &CliError, format: Format) {
    let hint = error.hint();
    let chain = error.chain();
    match format {
        // SARIF readers expect a log or nothing on stdout: errors go to stderr as text.
        Format::Human | Format::Sarif => {
            let mut text = format!("error: {}", chain[0]);
            for cause in &chain[1..] {
                if !text.contains(cause.as_str()) {
                    let _ = write!(text, "\n  caused by: {cause}");
                }
            }
            if let Some(hint) = &hint {
                let _ = write!(text, "\nhint: {hint}");
            }
            stderr(&text);
        }
        Format::Json => json(&ErrorReport {
            ok: false,
            error: ErrorDetail {
                kind: error.kind().to_owned(),
                message: error.to_string(),
                chain,
                hint,
            },
        }),
    }
}

/// `s` when `n` is not one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// ANSI colour for human output, only on a terminal and unless `NO_COLOR` is set
/// (no-color.org).
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
    pub fn stdout() -> Self {
        use std::io::IsTerminal as _;
        Self {
            enabled: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Red (bold).
    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// Yellow (bold).
    pub fn yellow(self, text: &str) -> String {
        self.paint("1;33", text)
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Green.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
}
