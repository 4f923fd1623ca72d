//! Environment variable reads: `process.env.NAME`, `os.getenv("NAME")`,
//! `std::env::var("NAME")` … Reading a locale or time-zone variable is also a condition.
//!
//! A read whose name is computed (`process.env[name]`, `` process.env[`${p}_proxy`] ``,
//! `os.environ[key]`, `os.getenv(var)`, `getenv(buf)`) is an `env-dynamic` indicator:
//! its value is the read as written (whitespace collapsed, at most
//! [`MAX_DYNAMIC_EXPR_LEN`] bytes of the name's expression), followed by the names it can
//! read where the code shows them (see [`candidates`]): axios 0.27.2's
//! `proxyEnv = protocol.slice(0, -1) + '_proxy'; … process.env[proxyEnv]` is
//! `process.env[proxyEnv] (candidates: *_proxy)`.

use candor_model::claims::ClaimCategory;

use super::{Hit, hit, quoted_after};
use crate::indicator::Kind;

/// Longest name taken for an environment variable.
const MAX_ENV_NAME_LEN: usize = 128;

/// Longest expression of a computed name reported (`proxyEnv.toUpperCase()`): a longer
/// one is cut, and its candidates are not looked for.
const MAX_DYNAMIC_EXPR_LEN: usize = 96;

/// Bytes before a computed read searched for the assignment of the variable holding the
/// name (`proxyEnv = protocol.slice(0, -1) + '_proxy';`): the statement or two before.
const ASSIGNMENT_LOOKBACK: usize = 1024;

/// Environment variables whose value is a locale or time-zone condition.
const LOCALE_VARIABLES: &[&str] = &[
    "TZ",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_TIME",
    "LC_MESSAGES",
    "LC_CTYPE",
];

/// A call or subscript that reads the variable named by its first argument
/// (`os.getenv("HOME")`, `os.environ["HOME"]`), its anchor found at `start..end`; a
/// computed name (`os.getenv(key)`) is a dynamic read.
pub(super) fn env_call(text: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
    let closer = if text[..end].ends_with(b"[") {
        b']'
    } else {
        b')'
    };
    if let Some((name, stop)) = quoted_after(text, end)
        && is_env_name(&name)
        && next_non_space(text, stop).is_some_and(|b| b == closer || b == b',')
    {
        env_hit(name, start, stop, hits);
        return;
    }
    if is_definition(&text[..start]) {
        return;
    }
    dynamic_read(text, start, end, closer, hits);
}

/// `process.env.NAME`, `process.env["NAME"]`, `process.env['NAME']`; `process.env[expr]`
/// is a dynamic read.
pub(super) fn js_env(text: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
    let rest = &text[end..];
    if let Some(after) = rest.strip_prefix(b".") {
        let len = after
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let name = String::from_utf8_lossy(&after[..len]).into_owned();
        if is_env_name(&name) {
            env_hit(name, start, end + 1 + len, hits);
        }
    } else if rest.starts_with(b"[") {
        if let Some((name, stop)) = quoted_after(text, end + 1)
            && is_env_name(&name)
            && next_non_space(text, stop) == Some(b']')
        {
            env_hit(name, start, stop, hits);
        } else {
            dynamic_read(text, start, end + 1, b']', hits);
        }
    }
}

/// The first byte at or after `at` that is not a space or tab.
fn next_non_space(text: &[u8], at: usize) -> Option<u8> {
    text.get(at..)?
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t'))
}

/// Whether the text right before an anchor defines or declares the function rather than
/// calling it (`def getenv(key, default=None):`, `function getenv(name) {`,
/// `char *getenv(const char *name);`).
fn is_definition(before: &[u8]) -> bool {
    let before = before.trim_ascii_end();
    before.ends_with(b"*")
        || [&b"def"[..], b"function", b"fn", b"func"]
            .iter()
            .any(|keyword| {
                before.ends_with(keyword)
                    && before[..before.len() - keyword.len()]
                        .last()
                        .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            })
}

/// A read at `start` whose name is the expression from `from` to its `closer` (`]` of a
/// subscript, `)` or the first argument's `,` of a call): reported with the expression
/// as written and its candidate names, if it reads as code.
fn dynamic_read(text: &[u8], start: usize, from: usize, closer: u8, hits: &mut Vec<Hit>) {
    let Some((expr, stop, whole)) = expression(text, from, closer) else {
        return;
    };
    // One string literal is a name as written, if further away than `quoted_after`
    // looks (`os.environ.get(\n    'NAME',`): not computed.
    if let [q @ (b'"' | b'\'' | b'`'), body @ .., last] = expr.as_bytes()
        && q == last
        && !body.contains(q)
        && !body.windows(2).any(|w| w == b"${")
    {
        let name = String::from_utf8_lossy(body).into_owned();
        if whole && is_env_name(&name) {
            env_hit(name, start, stop, hits);
        }
        return;
    }
    let anchor = String::from_utf8_lossy(&text[start..from]);
    let close = if closer == b']' { "]" } else { ")" };
    let cut = if whole { "" } else { "…" };
    let names = if whole {
        candidates(text, start, &expr)
    } else {
        Vec::new()
    };
    let value = if names.is_empty() {
        format!("{anchor}{expr}{cut}{close}")
    } else {
        format!(
            "{anchor}{expr}{cut}{close} (candidates: {})",
            names.join(", ")
        )
    };
    hits.push(hit(
        ClaimCategory::Env,
        Kind::EnvDynamic,
        value,
        start,
        stop,
    ));
}

/// The expression of a computed name from `from` to its `closer` at depth 0 (or a `,`
/// for a call), whitespace collapsed: the text, where it stops, and whether it is whole
/// (not cut at [`MAX_DYNAMIC_EXPR_LEN`]). `None` when it does not read as code: empty,
/// with bytes code does not put there (`%s`, binary), or two words in a row (a
/// declaration: `const char *name`).
fn expression(text: &[u8], from: usize, closer: u8) -> Option<(String, usize, bool)> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut at = from;
    let mut whole = false;
    while at < text.len() && at - from < MAX_DYNAMIC_EXPR_LEN {
        let b = text[at];
        if !is_expression_byte(b) {
            return None;
        }
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                _ if depth == 0 && (b == closer || (closer == b')' && b == b',')) => {
                    whole = true;
                    break;
                }
                b')' | b']' | b'}' | b';' => return None,
                _ => {}
            },
        }
        at += 1;
    }
    let raw = std::str::from_utf8(&text[from..at]).ok()?;
    let expr = raw.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    let starts_ok = expr.bytes().next().is_some_and(|b| {
        b.is_ascii_alphabetic() || matches!(b, b'_' | b'$' | b'&' | b'"' | b'\'' | b'`')
    });
    let two_words = raw
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c.is_ascii_whitespace() || c == '*')
        })
        .any(|part| {
            part.split(|c: char| c.is_ascii_whitespace() || c == '*')
                .filter(|w| !w.is_empty())
                .count()
                > 1
        });
    (starts_ok && !two_words && (whole || at - from >= MAX_DYNAMIC_EXPR_LEN)).then_some((
        expr,
        at + usize::from(whole),
        whole,
    ))
}

/// Bytes an expression naming a variable is made of: identifiers, member and call
/// syntax, string and template literals, concatenation, spaces.
fn is_expression_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'$'
                | b'.'
                | b'['
                | b']'
                | b'('
                | b')'
                | b'{'
                | b'}'
                | b'\''
                | b'"'
                | b'`'
                | b'+'
                | b'-'
                | b'*'
                | b'&'
                | b'!'
                | b':'
                | b','
                | b' '
                | b'\t'
                | b'\n'
                | b'\r'
        )
}

/// The names a computed read can read, where the code shows them: the pattern of the
/// expression itself when it is built from string literals (`proto + '_proxy'`,
/// `` `${proto}_proxy` ``, `f"{proto}_proxy"`: `*_proxy`), or else, for a variable (or
/// its `.toUpperCase()`, `.toLowerCase()`, `.upper()`, `.lower()`), the pattern of its
/// last assignment in the [`ASSIGNMENT_LOOKBACK`] bytes before the read. What is not a
/// literal is `*`; a pattern with no literal part says nothing and is not given.
fn candidates(text: &[u8], start: usize, expr: &str) -> Vec<String> {
    if let Some(pattern) = pattern_of(expr) {
        return vec![pattern];
    }
    let (root, case) = match expr.split_once('.') {
        None => (expr, None),
        Some((root, "toUpperCase()" | "upper()")) => (root, Some(true)),
        Some((root, "toLowerCase()" | "lower()")) => (root, Some(false)),
        Some(_) => return Vec::new(),
    };
    if !root
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
    {
        return Vec::new();
    }
    let from = start.saturating_sub(ASSIGNMENT_LOOKBACK);
    let Some(assigned) = last_assignment(&text[from..start], root.as_bytes()) else {
        return Vec::new();
    };
    let Some(pattern) = pattern_of(&assigned) else {
        return Vec::new();
    };
    vec![match case {
        Some(true) => pattern.to_ascii_uppercase(),
        Some(false) => pattern.to_ascii_lowercase(),
        None => pattern,
    }]
}

/// The right-hand side of the last `name = …` in `before` (not `==`, `=>`, `<=` …), to
/// the end of its statement (`;`, a line break or a `,` at depth 0).
fn last_assignment(before: &[u8], name: &[u8]) -> Option<String> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let at = memchr::memmem::rfind_iter(before, name).find(|&at| {
        let glued_before = at > 0 && (is_ident(before[at - 1]) || before[at - 1] == b'.');
        let rest = before[at + name.len()..].trim_ascii_start();
        !glued_before
            && rest.starts_with(b"=")
            && !rest.starts_with(b"==")
            && !rest.starts_with(b"=>")
    })?;
    let rest = before[at + name.len()..].trim_ascii_start();
    let rhs = &rest[1..];
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let len = rhs
        .iter()
        .position(|&b| {
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'"' | b'\'' | b'`' => quote = Some(b),
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                    b';' | b'\n' => return true,
                    b',' if depth == 0 => return true,
                    _ => {}
                },
            }
            false
        })
        .unwrap_or(rhs.len());
    std::str::from_utf8(&rhs[..len])
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The pattern of an expression built by concatenation (`+`) of string literals and
/// other operands, or of one template literal or f-string: literals as written,
/// interpolations and other operands as `*`. `None` without a literal part, or when the
/// literals are not made of name bytes (`[A-Za-z0-9_]`).
fn pattern_of(expr: &str) -> Option<String> {
    let mut pattern = String::new();
    let mut literal = false;
    for operand in split_top_level(expr, '+') {
        let operand = operand.trim();
        let bytes = operand.as_bytes();
        let (body, interpolated) = match bytes {
            [b'`', .., b'`'] => (&operand[1..operand.len() - 1], "${"),
            [b'f' | b'F', q @ (b'"' | b'\''), .., last] if last == q => {
                (&operand[2..operand.len() - 1], "{")
            }
            [q @ (b'"' | b'\''), .., last] if last == q && operand.len() >= 2 => {
                (&operand[1..operand.len() - 1], "\0")
            }
            _ => {
                pattern.push('*');
                continue;
            }
        };
        let mut rest = body;
        while let Some(at) = rest.find(interpolated) {
            pattern.push_str(&rest[..at]);
            literal |= at > 0;
            pattern.push('*');
            let after = &rest[at..];
            rest = after.find('}').map_or("", |close| &after[close + 1..]);
        }
        literal |= !rest.is_empty();
        pattern.push_str(rest);
    }
    while pattern.contains("**") {
        pattern = pattern.replace("**", "*");
    }
    let name_bytes = pattern
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'*');
    (literal && name_bytes && pattern.len() <= MAX_ENV_NAME_LEN).then_some(pattern)
}

/// `expr` split at `sep` outside brackets and string literals.
fn split_top_level(expr: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut from = 0;
    for (i, c) in expr.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' | '`' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ if c == sep && depth == 0 => {
                    parts.push(&expr[from..i]);
                    from = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&expr[from..]);
    parts
}

fn env_hit(name: String, start: usize, end: usize, hits: &mut Vec<Hit>) {
    if LOCALE_VARIABLES.contains(&name.as_str()) || name.starts_with("LC_") {
        hits.push(hit(
            ClaimCategory::Conditional,
            Kind::LocaleApi,
            format!("${name}"),
            start,
            end,
        ));
    }
    hits.push(hit(ClaimCategory::Env, Kind::EnvVar, name, start, end));
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ENV_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::values;

    #[test]
    fn environment_reads_in_several_languages() {
        let text = r#"process.env.ACME_BASE_URL;process.env["HTTPS_PROXY"];os.getenv("HOME");os.Getenv("GOPATH");std::env::var("RUST_LOG");getenv("TZ")"#;
        assert_eq!(
            values(text, Kind::EnvVar),
            [
                "ACME_BASE_URL",
                "HTTPS_PROXY",
                "HOME",
                "GOPATH",
                "RUST_LOG",
                "TZ"
            ]
        );
        assert_eq!(values(text, Kind::LocaleApi), ["$TZ"]);
        assert_eq!(values(text, Kind::EnvDynamic), [] as [&str; 0]);
    }

    /// Issue 17: reads of a computed name were missed.
    #[test]
    fn computed_names_are_dynamic_reads() {
        let cases: &[(&str, &str)] = &[
            ("const v = process.env[name];", "process.env[name]"),
            (
                "p = process.env[`${proto}_proxy`]",
                "process.env[`${proto}_proxy`] (candidates: *_proxy)",
            ),
            (
                "x = process.env['npm_config_' + key]",
                "process.env['npm_config_' + key] (candidates: npm_config_*)",
            ),
            ("v = os.environ[key]", "os.environ[key]"),
            ("v = os.environ.get(key)", "os.environ.get(key)"),
            ("v = os.getenv(var, 'x')", "os.getenv(var)"),
            (
                "v = os.environ[f\"{proto}_PROXY\"]",
                "os.environ[f\"{proto}_PROXY\"] (candidates: *_PROXY)",
            ),
            ("char *v = getenv(buf);", "getenv(buf)"),
            ("let v = std::env::var(&key)?;", "env::var(&key)"),
            (
                "v = os.getenv(\"ACME_\" + name)",
                "os.getenv(\"ACME_\" + name) (candidates: ACME_*)",
            ),
            ("const v = process.env[\n  name\n];", "process.env[name]"),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(text, expected)| (text, values(text, Kind::EnvDynamic), expected))
            .filter(|(_, found, expected)| found != &[expected.to_string()])
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        // A name written as one literal is not computed, however far from the call.
        let text = "return os.environ.get(\n        '_PYTHON_SYSCONFIGDATA_NAME',\n        f'_x_{y}',\n    )\nos.environ.get(\"ProgramFiles(x86)\")";
        assert_eq!(values(text, Kind::EnvDynamic), [] as [&str; 0]);
        assert_eq!(values(text, Kind::EnvVar), ["_PYTHON_SYSCONFIGDATA_NAME"]);
        // A literal concatenated with more is not the name read.
        assert_eq!(
            values("process.env['npm_config_' + key]", Kind::EnvVar),
            [] as [&str; 0]
        );
    }

    /// axios 0.27.2 `lib/adapters/http.js` builds `http_proxy` / `https_proxy` from the
    /// protocol: the names are `*_proxy` (and `*_PROXY` upper-cased), as far as the code
    /// shows.
    #[test]
    fn candidates_come_from_the_assignment_before_the_read() {
        let text = "    if (!proxy && proxy !== false) {
      var proxyEnv = protocol.slice(0, -1) + '_proxy';
      var proxyUrl = process.env[proxyEnv] || process.env[proxyEnv.toUpperCase()];
      if (proxyUrl) {
        var noProxyEnv = process.env.no_proxy || process.env.NO_PROXY;";
        assert_eq!(
            values(text, Kind::EnvDynamic),
            [
                "process.env[proxyEnv] (candidates: *_proxy)",
                "process.env[proxyEnv.toUpperCase()] (candidates: *_PROXY)"
            ]
        );
        assert_eq!(values(text, Kind::EnvVar), ["no_proxy", "NO_PROXY"]);
        // No assignment in sight: no candidates, not a guess.
        assert_eq!(
            values(
                "function getEnv(key) { return process.env[key.toLowerCase()] }",
                Kind::EnvDynamic
            ),
            ["process.env[key.toLowerCase()]"]
        );
    }

    #[test]
    fn declarations_and_format_strings_are_not_reads() {
        for text in [
            "extern char *getenv(const char *name);",
            "char *getenv(const char *);",
            "def getenv(key, default=None):",
            "function getenv(name) {",
            "\0getenv(%s) failed\0",
            "Object.keys(process.env).length; process.env;",
            "getenv()",
        ] {
            assert_eq!(values(text, Kind::EnvDynamic), [] as [&str; 0], "{text}");
        }
    }
}
