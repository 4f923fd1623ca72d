//! Environment variable reads: `process.env.NAME`, `os.getenv("NAME")`,
//! `std::env::var("NAME")` … Reading a locale or time-zone variable is also a condition.

use candor_model::claims::ClaimCategory;

use super::{Hit, hit, quoted_after};
use crate::indicator::Kind;

/// Longest name taken for an environment variable.
const MAX_ENV_NAME_LEN: usize = 128;

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

/// A call that reads the variable named by its first argument (`os.getenv("HOME")`),
/// its anchor found at `start..end`.
pub(super) fn env_call(text: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
    if let Some((name, stop)) = quoted_after(text, end)
        && is_env_name(&name)
    {
        env_hit(name, start, stop, hits);
    }
}

/// `process.env.NAME`, `process.env["NAME"]`, `process.env['NAME']`.
pub(super) fn js_env(text: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
    let rest = &text[end..];
    let (name, stop) = if let Some(after) = rest.strip_prefix(b".") {
        let len = after
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        (
            String::from_utf8_lossy(&after[..len]).into_owned(),
            end + 1 + len,
        )
    } else if rest.starts_with(b"[") {
        match quoted_after(text, end + 1) {
            Some((name, stop)) => (name, stop),
            None => return,
        }
    } else {
        return;
    };
    if is_env_name(&name) {
        env_hit(name, start, stop, hits);
    }
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
    }
}
