//! Rendering: human text or stable JSON, on stdout; errors and progress on stderr.

use std::fmt::Write as _;
use std::io::{BufWriter, StdoutLock, Write as _};

use candor_model::error::{ErrorDetail, ErrorReport, MAX_LINE_BYTES, elide_lines};
use serde::Serialize;

use crate::error::CliError;

/// Output format of every reporting command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    Human,
    /// One JSON document on stdout (schema-stable).
    Json,
    /// SARIF 2.1.0 on stdout, for code-scanning tools: `candor scan` and `candor verify`
    /// only, so it is not listed in every command's help (theirs shows it).
    #[value(hide = true)]
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
    // Messages quote input; a 10 MB value must not become 10 MB on stderr.
    let elide = |text: &str| elide_lines(text, MAX_LINE_BYTES).into_owned();
    let hint = error.hint().map(|hint| elide(&hint));
    let chain: Vec<String> = error.chain().iter().map(|link| elide(link)).collect();
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
                message: chain[0].clone(),
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

/// When human output is coloured (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (no-color.org); `CLICOLOR_FORCE` forces it.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// The `--color` choice, set once by `main`.
pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// ANSI colour for human output, as `--color` says (see [`ColorChoice`]).
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    /// Colour on stdout, as `--color` says.
    pub fn stdout() -> Self {
        use std::io::IsTerminal as _;
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let enabled = match COLOR.get().copied().unwrap_or(ColorChoice::Auto) {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                !set("NO_COLOR") && (set("CLICOLOR_FORCE") || std::io::stdout().is_terminal())
            }
        };
        Self { enabled }
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
