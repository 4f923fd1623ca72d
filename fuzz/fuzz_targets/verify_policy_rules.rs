//! Target: `candor_verify::endpoint::endpoint_allowed`, the check of a policy's
//! `allowed_endpoints` against the endpoints a manifest claims and a scan observes.
//!
//! The input is read twice. As text (UTF-8, lossily): its first line an endpoint, the
//! other lines patterns (those `Pattern` accepts). As a source of choices: an endpoint
//! and a URL pattern put together from parts (scheme, the spellings of `://` a URL
//! parser accepts, user information, host, port, the character that ends the authority,
//! path), with hosts from the input, often sharing the pattern's suffix.
//!
//! Invariants: it never panics; a list allows what one of its patterns allows; and the
//! security property: a pattern allows an endpoint only if the endpoint's host (or host
//! and port, when a `*` of the pattern spans the `:`) matches the pattern's host part. The endpoint's host is what a WHATWG URL parser (Node's,
//! browsers') connects to: tabs and newlines removed; for the special schemes (http,
//! https, ws, wss, ftp) any run of `/` and `\` after `scheme:`, and the authority ends
//! at `/`, `\`, `?` or `#`; after another scheme, `//` starts the authority; text with
//! `://` but no scheme before it is no URL (left out); user information up to the last `@` dropped; a numeric port
//! dropped. A pattern's host part is its authority (to the first `/`, `?`, `#`) without
//! user information and port; a pattern without a scheme and without `/` is all host
//! part (and port). Endpoints whose host is not a plain ASCII host name (IPv6 literals,
//! characters URL parsers refuse or map) and patterns whose host part is not plain are
//! left to the other invariants. In particular `https://evil.example/<anything>`, with
//! any user information, is never allowed by `https://*.acme.example/*`.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use candor_model::pattern::Pattern;
use candor_verify::endpoint::endpoint_allowed;
use libfuzzer_sys::fuzz_target;

/// Schemes a WHATWG URL parser treats as special: `\` is a path separator there, and
/// any number of slashes and backslashes may follow `scheme:`.
const SPECIAL_SCHEMES: &[&str] = &["http", "https", "ws", "wss", "ftp"];

/// The host a URL parser would connect to for `value` (see the module documentation),
/// lowercase, and the port as written; `None` when the value has no plain ASCII host.
fn endpoint_host(value: &str) -> Option<(String, Option<String>)> {
    let value: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let value = value.trim_matches(|c: char| c <= ' ');
    let scheme_end = value.find(':').filter(|&i| {
        let scheme = &value[..i];
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let special =
        scheme_end.filter(|&i| SPECIAL_SCHEMES.contains(&value[..i].to_ascii_lowercase().as_str()));
    let authority = if let Some(i) = special {
        let after = value[i + 1..].trim_start_matches(['/', '\\']);
        &after[..after.find(['/', '\\', '?', '#']).unwrap_or(after.len())]
    } else if let Some(after) = scheme_end.and_then(|i| value[i + 1..].strip_prefix("//")) {
        &after[..after.find(['/', '?', '#']).unwrap_or(after.len())]
    } else if value.contains("://") {
        // `://` after something that is not a scheme: no URL parser reads this.
        return None;
    } else {
        // A bare host or host:port.
        &value[..value.find(['/', '?', '#']).unwrap_or(value.len())]
    };
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, (!port.is_empty()).then(|| port.to_owned()))
        }
        Some(_) => return None,
        None => (host_port, None),
    };
    plain_host(host).then(|| (host.to_ascii_lowercase(), port))
}

/// Letters, digits, `.`, `-`, `_`: a host name no URL parser rewrites or refuses.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The host part of `pattern` (see the module documentation), lowercase; `None` when it
/// has none or it is not plain.
fn pattern_host(pattern: &str) -> Option<String> {
    let authority = if let Some((_, after)) = pattern.split_once("://") {
        &after[..after.find(['/', '?', '#']).unwrap_or(after.len())]
    } else if !pattern.contains('/') {
        pattern
    } else {
        return None;
    };
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port == "*" || port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    };
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*'));
    plain.then(|| host.to_ascii_lowercase())
}

/// The security property for one pattern and one endpoint.
fn check(value: &str, pattern: &Pattern) {
    if !endpoint_allowed(value, std::slice::from_ref(pattern)) {
        return;
    }
    let (Some((host, port)), Some(wanted)) = (endpoint_host(value), pattern_host(pattern.as_str()))
    else {
        return;
    };
    let Ok(wanted_pattern) = wanted.parse::<Pattern>() else {
        return;
    };
    // A `*` of the pattern may span host and port (`*.acme.example*8443`): the host with
    // its port matching is within the property; the path or user information never is.
    let with_port = port.map(|port| format!("{host}:{port}"));
    assert!(
        wanted_pattern.matches(&host) || with_port.is_some_and(|hp| wanted_pattern.matches(&hp)),
        "{value:?} is allowed by {:?}, but its host {host:?} does not match {wanted:?}",
        pattern.as_str()
    );
}

/// Choices read from the input, byte by byte (zeros once it runs out).
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[usize::from(self.byte()) % options.len()]
    }

    /// Up to `max` characters, each from `alphabet`.
    fn text(&mut self, max: usize, alphabet: &[u8]) -> String {
        let len = usize::from(self.byte()) % (max + 1);
        (0..len)
            .map(|_| char::from(alphabet[usize::from(self.byte()) % alphabet.len()]))
            .collect()
    }
}

const HOST_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
const HOST_PATTERN_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789.-_*";
const USERINFO_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789.-_:%@*";
/// Any printable ASCII and what else a path may carry.
const PATH_CHARS: &[u8] =
    b" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t";

/// An endpoint and a URL pattern put together from `choices`.
fn generated(choices: &mut Choices<'_>) -> (String, String) {
    let scheme = choices.pick(&[
        "https", "HTTPS", "http", "wss", "ws", "ftp", "ftps", "Https",
    ]);
    let separator = choices.pick(&[
        "://", "://", "://", ":\\\\", ":/\\", ":\\/", ":", ":/", ":///",
    ]);
    let userinfo = match choices.byte() % 4 {
        0 => format!("{}@", choices.text(12, USERINFO_CHARS)),
        _ => String::new(),
    };
    let suffix = choices.text(16, HOST_PATTERN_CHARS);
    let host_pattern = format!("{}{suffix}", choices.pick(&["*", "*.", "", "api", "*-"]));
    let host = match choices.byte() % 3 {
        // The pattern's fixed part, after a prefix: near misses and matches.
        0 => format!(
            "{}{}",
            choices.text(12, HOST_CHARS),
            suffix.replace('*', "")
        ),
        _ => choices.text(24, HOST_CHARS),
    };
    let port = match choices.byte() % 4 {
        0 => format!(":{}", choices.text(5, b"0123456789")),
        1 => ":443".to_owned(),
        _ => String::new(),
    };
    let ends = choices.pick(&["", "/", "\\", "?", "#", "/", "\\/"]);
    let path = choices.text(24, PATH_CHARS);
    let endpoint = format!("{scheme}{separator}{userinfo}{host}{port}{ends}{path}");
    let wanted_scheme = choices.pick(&["https", "http*", "*", "ws*", "https"]);
    let wanted_port = choices.pick(&["", "", ":*", ":443", ":8443"]);
    let wanted_path = choices.pick(&["/*", "/*", "/", "", "/v1/*", "*"]);
    let pattern = format!("{wanted_scheme}://{host_pattern}{wanted_port}{wanted_path}");
    (endpoint, pattern)
}

/// The pattern of the policy example, `examples/policy.toml`.
fn acme() -> &'static Pattern {
    static ACME: std::sync::OnceLock<Pattern> = std::sync::OnceLock::new();
    ACME.get_or_init(|| "https://*.acme.example/*".parse().expect("a valid pattern"))
}

fuzz_target!(|bytes: &[u8]| {
    // As text: an endpoint, then patterns.
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split('\n');
    let value = lines.next().unwrap_or_default();
    let patterns: Vec<Pattern> = lines.filter_map(|line| line.parse().ok()).collect();
    let any = patterns
        .iter()
        .any(|p| endpoint_allowed(value, std::slice::from_ref(p)));
    assert_eq!(endpoint_allowed(value, &patterns), any);
    for pattern in &patterns {
        check(value, pattern);
    }
    check(value, acme());

    // The example's pattern never allows evil.example, whatever follows it.
    let mut choices = Choices(bytes);
    let userinfo = choices.text(16, USERINFO_CHARS);
    let path = choices.text(32, PATH_CHARS);
    for evil in [
        format!("https://evil.example/{path}"),
        format!("https://{userinfo}@evil.example/{path}"),
    ] {
        assert!(
            !endpoint_allowed(&evil, std::slice::from_ref(acme())),
            "{evil:?} is allowed by https://*.acme.example/*"
        );
        check(&evil, acme());
    }

    // Generated from parts.
    let mut choices = Choices(bytes);
    let (endpoint, pattern) = generated(&mut choices);
    if let Ok(pattern) = pattern.parse::<Pattern>() {
        check(&endpoint, &pattern);
    }
});
