//! Whether an endpoint is inside a policy's `allowed_endpoints`.
//!
//! A pattern's `*` matches any run of characters, `/` and `.` included
//! (`candor_model::pattern`). Matched against a whole URL that would let
//! `https://*.acme.example/*` allow `https://evil.example/.acme.example/`, so endpoints
//! and patterns are compared part by part:
//!
//! - a pattern with a scheme (`https://*.acme.example/*`) is split into scheme,
//!   authority and the rest (path, query); each part of the pattern must match the same
//!   part of the endpoint, so a `*` in the authority never reaches into the path;
//! - a pattern without a scheme and without `/` (`*.acme.example`, `api.acme.example:8443`)
//!   is a host pattern: it matches the endpoint's host (with its port, when the pattern
//!   names one);
//! - any other pattern matches the endpoint as written.
//!
//! An endpoint is read as a WHATWG URL parser (Node's, browsers') reads it, since that
//! is where the tool connects: tabs and newlines are dropped; the scheme is the leading
//! `[A-Za-z][A-Za-z0-9+.-]*` before the first `:`; after a special scheme (`http`,
//! `https`, `ws`, `wss`, `ftp`) any run of `/` and `\` is skipped and the authority
//! ends at `/`, `\`, `?` or `#` (so `https:/evil.example://api.acme.example/` is a URL of
//! `evil.example`, and `https:\\evil.example` too); after any other scheme the authority
//! follows `//`.
//!
//! The endpoint's host is compared in lowercase, without user information
//! (`https://api.acme.example@evil.example/` has the host `evil.example`), and without
//! its scheme's default port (`https://host:443/` is `https://host/`). A bare host or
//! `host:port` (what a scanner or an auditor reports) has no scheme and no path: it is
//! allowed by a URL pattern whose scheme matches `https` or `http` and whose rest matches
//! `/`.

use candor_model::pattern::Pattern;

/// An endpoint or a pattern, in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: &'a str,
    rest: &'a str,
}

/// Schemes a WHATWG URL parser treats as special (see the module documentation).
const SPECIAL_SCHEMES: [&str; 5] = ["http", "https", "ws", "wss", "ftp"];

/// An endpoint in parts, as a WHATWG URL parser reads it (see the module documentation);
/// a value that is not a URL (a bare host, `host:port`) is an authority and what follows.
fn split_endpoint(value: &str) -> (Option<String>, String, String) {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let text = cleaned.trim_matches(|c: char| c <= ' ');
    let scheme = text.split_once(':').filter(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    });
    match scheme {
        Some((scheme, after))
            if SPECIAL_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) =>
        {
            let after = after.trim_start_matches(['/', '\\']);
            let end = after.find(['/', '\\', '?', '#']).unwrap_or(after.len());
            (
                Some(scheme.to_owned()),
                after[..end].to_owned(),
                after[end..].replace('\\', "/"),
            )
        }
        Some((scheme, after)) if after.starts_with("//") => {
            let after = &after[2..];
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            (
                Some(scheme.to_owned()),
                after[..end].to_owned(),
                after[end..].to_owned(),
            )
        }
        _ => {
            let end = text.find(['/', '?', '#']).unwrap_or(text.len());
            (None, text[..end].to_owned(), text[end..].to_owned())
        }
    }
}

/// A pattern in parts: scheme before `://`, authority, the rest.
fn split(text: &str) -> Parts<'_> {
    let (scheme, after) = match text.split_once("://") {
        Some((scheme, after)) => (Some(scheme), after),
        None => (None, text),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Parts {
        scheme,
        authority: &after[..end],
        rest: &after[end..],
    }
}

/// The host (lowercase, without user information) and port of an authority, the port
/// dropped when it is the scheme's default.
fn host_and_port(authority: &str, scheme: Option<&str>) -> (String, Option<String>) {
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        match inner.split_once(']') {
            Some((host, after)) => (
                format!("[{host}]"),
                after.strip_prefix(':').map(str::to_owned),
            ),
            None => (host_port.to_owned(), None),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                (host.to_owned(), Some(port.to_owned()))
            }
            _ => (host_port.to_owned(), None),
        }
    };
    let default = match scheme.map(str::to_ascii_lowercase).as_deref() {
        Some("https" | "wss") => Some("443"),
        Some("http" | "ws") => Some("80"),
        _ => None,
    };
    let port = port.filter(|p| Some(p.as_str()) != default);
    (host.to_ascii_lowercase(), port)
}

fn authority_text(host: &str, port: Option<&str>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn part_matches(pattern: &str, text: &str) -> bool {
    pattern
        .parse::<Pattern>()
        .is_ok_and(|pattern| pattern.matches(text))
}

/// Whether `value` (an endpoint as a claim writes it, a URL, a bare host or `host:port`)
/// is allowed by one of `patterns` (see the module documentation).
pub fn endpoint_allowed(value: &str, patterns: &[Pattern]) -> bool {
    patterns.iter().any(|pattern| allows(pattern, value))
}

fn allows(pattern: &Pattern, value: &str) -> bool {
    let written = pattern.as_str();
    let (scheme, authority, rest) = split_endpoint(value);
    let endpoint = Parts {
        scheme: scheme.as_deref(),
        authority: &authority,
        rest: &rest,
    };
    let (host, port) = host_and_port(endpoint.authority, endpoint.scheme);
    if written.contains("://") {
        let wanted = split(written);
        let scheme_ok = match endpoint.scheme {
            Some(scheme) => part_matches(
                wanted.scheme.unwrap_or_default(),
                &scheme.to_ascii_lowercase(),
            ),
            // A bare host: reached over https or http.
            None => {
                endpoint.rest.is_empty()
                    && ["https", "http"]
                        .iter()
                        .any(|s| part_matches(wanted.scheme.unwrap_or_default(), s))
            }
        };
        if !scheme_ok {
            return false;
        }
        let scheme = endpoint.scheme.or_else(|| {
            ["https", "http"]
                .into_iter()
                .find(|s| part_matches(wanted.scheme.unwrap_or_default(), s))
        });
        let (host, port) = host_and_port(endpoint.authority, scheme);
        let (wanted_host, wanted_port) = host_and_port(wanted.authority, wanted.scheme);
        let authority_ok = part_matches(
            &authority_text(&wanted_host, wanted_port.as_deref()),
            &authority_text(&host, port.as_deref()),
        );
        let rest = if endpoint.rest.is_empty() {
            "/"
        } else {
            endpoint.rest
        };
        let wanted_rest = if wanted.rest.is_empty() {
            "/"
        } else {
            wanted.rest
        };
        authority_ok && part_matches(wanted_rest, rest)
    } else if !written.contains('/') {
        // A host pattern, with a port when it names one.
        match written.rsplit_once(':') {
            Some((_, p)) if p.bytes().all(|b| b.is_ascii_digit()) || p == "*" => {
                part_matches(written, &authority_text(&host, port.as_deref()))
            }
            _ => part_matches(written, &host),
        }
    } else {
        pattern.matches(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(value: &str, patterns: &[&str]) -> bool {
        let patterns: Vec<Pattern> = patterns.iter().map(|p| p.parse().unwrap()).collect();
        endpoint_allowed(value, &patterns)
    }

    #[test]
    fn a_star_in_the_authority_does_not_reach_into_the_path() {
        let p = &["https://*.acme.example/*"];
        assert!(allowed("https://api.acme.example/v1", p));
        assert!(!allowed("https://evil.example/.acme.example/", p));
        assert!(!allowed("https://evil.example/x.acme.example/y", p));
        assert!(!allowed("https://evil.example?.acme.example/", p));
        // User information is not the host.
        assert!(!allowed("https://api.acme.example@evil.example/", p));
        assert!(!allowed("https://evil.example#.acme.example/", p));
    }

    /// Found by the `verify_policy_rules` fuzz target: `split_once("://")` read the host
    /// after the *last-looking* `://`, but Node connects to what follows `https:`.
    #[test]
    fn endpoints_are_read_as_url_parsers_read_them() {
        for p in [&["https://*.acme.example/*"][..], &["*.acme.example"][..]] {
            assert!(!allowed("https:/evil.example://api.acme.example/", p));
            assert!(!allowed("https:evil.example://api.acme.example/", p));
            assert!(!allowed(r"https:\\evil.example\.acme.example/", p));
            assert!(!allowed("https://evil.example\\.acme.example/", p));
            assert!(!allowed("https://evil.exa\tmple/.acme.example", p));
            assert!(allowed("https:api.acme.example/v1", p));
            assert!(allowed(r"https:\\api.acme.example\v1", p));
            assert!(allowed("  https://api.acme.\nexample/v1", p));
        }
    }

    #[test]
    fn default_ports_and_case() {
        let p = &["https://*.acme.example/*"];
        assert!(allowed("https://API.acme.example:443/v1", p));
        assert!(!allowed("https://api.acme.example:8443/v1", p));
        assert!(allowed("telemetry.acme.example:443", p));
        assert!(allowed(
            "https://api.acme.example:8443/v1",
            &["https://*.acme.example:8443/*"]
        ));
    }

    #[test]
    fn host_patterns_match_hosts() {
        let p = &["*.acme.example"];
        assert!(allowed("https://api.acme.example/v1", p));
        assert!(allowed("api.acme.example", p));
        assert!(allowed("api.acme.example:8443", p));
        assert!(!allowed("acme.example.evil.example", p));
        assert!(!allowed("https://evil.example/api.acme.example", p));
        assert!(allowed("api.acme.example:8443", &["*.acme.example:8443"]));
        assert!(!allowed("api.acme.example:9000", &["*.acme.example:8443"]));
    }

    #[test]
    fn bare_hosts_against_url_patterns() {
        assert!(allowed("api.acme.example", &["https://api.acme.example/"]));
        assert!(allowed("api.acme.example", &["http://api.acme.example/"]));
        assert!(!allowed("api.acme.example", &["ftp://api.acme.example/"]));
        assert!(!allowed(
            "api.acme.example/v1",
            &["https://api.acme.example/*"]
        ));
        assert!(allowed("10.0.0.1", &["https://10.0.0.1/"]));
        assert!(allowed("[2001:db8::1]", &[r"https://\[2001:db8::1\]/*"]));
    }
}
