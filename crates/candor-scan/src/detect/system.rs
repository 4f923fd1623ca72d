//! The host system: processes spawned (with their command where visible), file-system
//! paths, and files or APIs that identify the machine.

use candor_model::claims::ClaimCategory;

use super::{Hit, hit, quoted_after};
use crate::indicator::Kind;

/// Longest path read: a longer run of path bytes is cut there.
const MAX_PATH_LEN: usize = 512;

/// Shortest path reported (`~/.x`): shorter ones (`~/`, `~/a`) name nothing in particular.
const MIN_PATH_LEN: usize = 4;

/// A process-spawning API: a call shows its command (`execSync("git status")`), a bare
/// name (`child_process`, `posix_spawn`) only itself. `exec(` is also
/// `RegExp.prototype.exec` and the tail of C's `regexec(`: see [`exec_spawns`].
pub(super) fn process(
    text: &[u8],
    anchor_text: &str,
    start: usize,
    end: usize,
    hits: &mut Vec<Hit>,
) {
    if anchor_text == "exec(" && !exec_spawns(text, start, end) {
        return;
    }
    let command = anchor_text
        .ends_with('(')
        .then(|| quoted_after(text, end).map(|(c, _)| c))
        .flatten();
    let value = match command {
        Some(c) if !c.is_empty() => {
            format!("{} {c}", anchor_text.trim_end_matches('('))
        }
        _ => anchor_text.trim_end_matches('(').to_owned(),
    };
    hits.push(hit(
        ClaimCategory::Process,
        Kind::Process,
        value,
        start,
        end,
    ));
}

/// Names a module that spawns processes is usually bound to, as the receiver of
/// `.exec(`: Node's `child_process` as people name it, shelljs, and an `os` module.
const PROCESS_RECEIVERS: &[&[u8]] = &[
    b"child_process",
    b"childProcess",
    b"ChildProcess",
    b"cp",
    b"shell",
    b"shelljs",
    b"os",
];

/// Bytes before an `exec(` searched for `child_process` (its `require` or `import`):
/// less than the context the engine gives the detectors on each side of a block, so a
/// block sees what a pass over the whole file would.
const BINDING_LOOKBACK: usize = 8 << 10;

/// Longest receiver read before `.exec(`: an identifier, or a call's parenthesised
/// arguments (`require("child_process")`).
const MAX_RECEIVER_LEN: usize = 96;

/// Whether the `exec(` found at `start..end` runs a process.
///
/// `exec(` is three things: `child_process`'s `exec` (`cp.exec("git status")`, `exec(cmd)`
/// once destructured from `require("child_process")`), `RegExp.prototype.exec`
/// (`/^v(\d+)/.exec(s)`, `pattern.exec(line)`, minified `e.exec(t)`) and the end of
/// other names (C's `regexec(`). The rule:
///
/// - preceded by an identifier byte, it is another function (`regexec(`): no;
/// - a member call `X.exec(…)` is a process when `X` is a process module: one of
///   [`PROCESS_RECEIVERS`], `require("child_process")` itself, or a name bound to
///   `require("child_process")` or imported from it in the [`BINDING_LOOKBACK`] bytes
///   before; never when `X` is a regular-expression literal (`/…/g`) or a
///   `RegExp(…)`; otherwise only when its first argument is a string literal that reads
///   as a command and `X`'s name does not read as a regular expression;
/// - a plain call `exec(…)` is a process when `child_process` is named in the
///   [`BINDING_LOOKBACK`] bytes before, or when its first argument is a string literal
///   that reads as a command (PHP's and Ruby's `exec("ls -la")`).
///
/// A command is a string whose first word is a lowercase program name or path
/// (`git status`, `/bin/sh -c …`): not SQL (`db.exec("CREATE TABLE …")`) nor text.
fn exec_spawns(text: &[u8], start: usize, end: usize) -> bool {
    let before = &text[..start];
    let commands = || quoted_after(text, end).is_some_and(|(literal, _)| is_command(&literal));
    let child_process_before = || {
        let from = start.saturating_sub(BINDING_LOOKBACK);
        memchr::memmem::find(&text[from..start], b"child_process").is_some()
    };
    match before.last() {
        Some(b) if is_identifier_byte(*b) => false,
        Some(b'.') => {
            let receiver_end = start - 1;
            match receiver(text, receiver_end) {
                Receiver::Process => true,
                Receiver::RegExp => false,
                Receiver::Named(name) => {
                    is_child_process_binding(text, start, name)
                        || (!reads_as_regexp(name) && commands())
                }
                Receiver::Other => commands(),
            }
        }
        _ => child_process_before() || commands(),
    }
}

/// What stands before the `.` of a member call ending at `dot`.
#[derive(Debug, PartialEq, Eq)]
enum Receiver<'a> {
    /// A process module: a name of [`PROCESS_RECEIVERS`], `require("child_process")`.
    Process,
    /// A regular-expression literal (`/…/gi`) or a `RegExp(…)` call.
    RegExp,
    /// Another name.
    Named(&'a [u8]),
    /// Anything else (a subscript, another call).
    Other,
}

fn receiver(text: &[u8], dot: usize) -> Receiver<'_> {
    let before = &text[..dot];
    if before.last() == Some(&b')') {
        // A call: what is it a call of?
        let depth_zero = before
            .iter()
            .rev()
            .take(MAX_RECEIVER_LEN)
            .scan(0i32, |depth, b| {
                *depth += match b {
                    b')' => 1,
                    b'(' => -1,
                    _ => 0,
                };
                Some(*depth)
            })
            .position(|depth| depth == 0);
        let Some(back) = depth_zero else {
            return Receiver::Other;
        };
        let open = dot - 1 - back;
        let callee = identifier_before(text, open);
        let arguments = &text[open..dot];
        return if callee == b"require"
            && memchr::memmem::find(arguments, b"child_process").is_some()
        {
            Receiver::Process
        } else if callee == b"RegExp" {
            Receiver::RegExp
        } else {
            Receiver::Other
        };
    }
    let name = identifier_before(text, dot);
    let name_start = dot - name.len();
    let flags = name.iter().all(|b| b"dgimsuyv".contains(b));
    if flags && name_start > 0 && text[name_start - 1] == b'/' {
        return Receiver::RegExp;
    }
    if name.is_empty() {
        Receiver::Other
    } else if PROCESS_RECEIVERS.contains(&name) {
        Receiver::Process
    } else {
        Receiver::Named(name)
    }
}

/// Whether `name` is bound to `child_process` in the [`BINDING_LOOKBACK`] bytes before
/// `start`: `name = require("child_process")` (`node:child_process` too),
/// `import name from "child_process"`, `import * as name from 'child_process'`.
fn is_child_process_binding(text: &[u8], start: usize, name: &[u8]) -> bool {
    let from = start.saturating_sub(BINDING_LOOKBACK);
    let window = &text[from..start];
    memchr::memmem::find_iter(window, b"child_process").any(|at| {
        let mut head = &window[..at];
        head = head.strip_suffix(b"node:").unwrap_or(head);
        let Some((quote, rest)) = head.split_last() else {
            return false;
        };
        if !matches!(quote, b'"' | b'\'' | b'`') {
            return false;
        }
        let rest = trim_end(rest);
        let bound = if let Some(call) = rest.strip_suffix(b"require(") {
            trim_end(call)
                .strip_suffix(b"=")
                .filter(|assign| !assign.ends_with(b"=") && !assign.ends_with(b"!"))
                .map(trim_end)
        } else {
            rest.strip_suffix(b"from").map(trim_end)
        };
        bound.is_some_and(|b| b.ends_with(name) && identifier_before(b, b.len()) == name)
    })
}

/// The identifier (`[A-Za-z0-9_$]`, at most [`MAX_RECEIVER_LEN`] bytes) ending at `end`.
fn identifier_before(text: &[u8], end: usize) -> &[u8] {
    let len = text[..end]
        .iter()
        .rev()
        .take(MAX_RECEIVER_LEN)
        .take_while(|b| is_identifier_byte(**b))
        .count();
    &text[end - len..end]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let len = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &bytes[..bytes.len() - len]
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Whether an identifier names a regular expression: `re`, `regex`, `regexp`,
/// `pattern`, `matcher`, or ends so (`tokensRE`, `urlRe`, `DATA_URL_PATTERN`,
/// `versionRegex`).
fn reads_as_regexp(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    ["re", "regex", "regexp", "pattern", "matcher"]
        .iter()
        .any(|word| lower == word.as_bytes())
        || name.ends_with(b"RE")
        || name.ends_with(b"Re")
        || ["regex", "regexp", "pattern", "_re"]
            .iter()
            .any(|word| lower.ends_with(word.as_bytes()))
}

/// Whether a string literal reads as a command line: its first word is a lowercase
/// program name or path (`git`, `npm`, `/bin/sh`, `./build.sh`).
fn is_command(literal: &str) -> bool {
    let word = literal.split_ascii_whitespace().next().unwrap_or_default();
    word.bytes().any(|b| b.is_ascii_lowercase())
        && word.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'-' | b'.' | b'/' | b'~')
        })
}

/// A file or API that identifies the machine (`/etc/machine-id`, `IOPlatformUUID`).
pub(super) fn machine_id(anchor_text: &str, start: usize, end: usize, hits: &mut Vec<Hit>) {
    hits.push(hit(
        ClaimCategory::Identifiers,
        Kind::MachineId,
        anchor_text.to_owned(),
        start,
        end,
    ));
}

/// An absolute or home-relative path starting at `start`, where a path anchor was found.
pub(super) fn path(text: &[u8], start: usize, hits: &mut Vec<Hit>) {
    // A path starts a string: after a quote, NUL, space, `(`, `=` or `,` — not in the
    // middle of a URL, a longer path, or random bytes.
    if let Some(prev) = start.checked_sub(1).map(|i| text[i])
        && !matches!(
            prev,
            b'"' | b'\'' | b'`' | 0 | b' ' | b'\t' | b'\n' | b'(' | b'=' | b','
        )
    {
        return;
    }
    let len = text[start..]
        .iter()
        .take(MAX_PATH_LEN)
        .take_while(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'"' | b'\'' | b'`' | b',' | b';' | b')' | b'(' | b'<' | b'>' | b'|'
                )
        })
        .count();
    let end = start + len;
    let value = String::from_utf8_lossy(&text[start..end]).into_owned();
    if value.len() < MIN_PATH_LEN {
        return;
    }
    hits.push(hit(
        ClaimCategory::Filesystem,
        Kind::Path,
        value,
        start,
        end,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::values;

    #[test]
    fn processes_with_their_command() {
        let text =
            r#"require("child_process").execSync("git status --porcelain");Command::new("curl")"#;
        assert_eq!(
            values(text, Kind::Process),
            [
                "child_process",
                "execSync git status --porcelain",
                "Command::new curl"
            ]
        );
    }

    /// Issue 17: `RegExp.prototype.exec` and C's `regexec` were reported as processes
    /// (axios: `/^([-+\w]{1,25}):/.exec(url)`, `tokensRE.exec(str)`, minified
    /// `e.exec(t)`; git: `"regexec() failed"`).
    #[test]
    fn regexp_exec_and_regexec_are_not_processes() {
        for text in [
            r"var match = /^([-+\w]{1,25})(:?\/\/|:)/.exec(url);",
            r"const prefix = /^[*.]+/g.exec(trimmed);",
            "while ((match = pattern.exec(line)) !== null) {}",
            "while ((match = tokensRE.exec(str))) {}",
            "const match = DATA_URL_PATTERN.exec(uri);",
            "for(var n,r=[];null!==(n=e.exec(t));)r.push(n)",
            "m = re.exec(s); m = versionRegex.exec(s); m = urlRe.exec(s)",
            r#"pattern.exec("git status"); re.exec('ls -la')"#,
            r#"new RegExp("^v").exec("v1"); db.exec("CREATE TABLE t (x)")"#,
            "if (regexec(&re, line, 1, &m, 0)) die(\"-L parameter: regexec() failed\");",
            "\0-L parameter: regexec() failed: %s\0",
        ] {
            assert_eq!(values(text, Kind::Process), [] as [&str; 0], "{text}");
        }
    }

    #[test]
    fn child_process_exec_is_a_process() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#"child_process.exec("git status")"#,
                &["child_process", "exec git status"],
            ),
            ("cp.exec(cmd, cb)", &["exec"]),
            (
                "childProcess.exec(`${bin} --version`)",
                &["exec ${bin} --version"],
            ),
            (
                r#"require("child_process").exec("npm ls")"#,
                &["child_process", "exec npm ls"],
            ),
            (
                "const run = require('node:child_process');\nrun.exec(cmd)",
                &["child_process", "exec"],
            ),
            (
                "import * as proc from \"child_process\";\nproc.exec(cmd)",
                &["child_process", "exec"],
            ),
            (
                "const { exec } = require(\"child_process\");\nexec(cmd, cb)",
                &["child_process", "exec"],
            ),
            (r#"exec("ls -la /tmp")"#, &["exec ls -la /tmp"]),
            (r#"x.exec("/bin/sh -c id")"#, &["exec /bin/sh -c id"]),
            ("shell.exec('npm test')", &["exec npm test"]),
            ("os.exec(path, args)", &["exec"]),
            (
                r#"execSync("git rev-parse HEAD")"#,
                &["execSync git rev-parse HEAD"],
            ),
            (r#"cp.execFile("git", ["status"])"#, &["execFile git"]),
            (r#"os.system("rm -rf build")"#, &["os.system rm -rf build"]),
            (r#"subprocess.run(["git", "log"])"#, &["subprocess.run git"]),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(text, expected)| (text, values(text, Kind::Process), expected))
            .filter(|(_, found, expected)| found != *expected)
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn paths_and_machine_ids() {
        let text = r#"read("/etc/machine-id");open("~/.config/acme/config.json");"%APPDATA%\\Acme";"https://x.example/etc/passwd""#;
        assert_eq!(values(text, Kind::MachineId), ["/etc/machine-id"]);
        assert_eq!(
            values(text, Kind::Path),
            ["~/.config/acme/config.json", "%APPDATA%\\\\Acme"]
        );
    }
}
