//! Network: URLs (found from their scheme), and bare domain names, IPv4 and IPv6
//! literals and ports (grown out of the dots and colons of the buffer).

use candor_model::claims::ClaimCategory;

use super::{Hit, hit};
use crate::indicator::Kind;

/// Most digits of a port (65535 has five).
const MAX_PORT_DIGITS: usize = 5;

/// Longest host name (RFC 1035).
const MAX_HOST_LEN: usize = 253;

/// Longest label of a host name (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Shortest bare domain reported (`qq.cn`): shorter dotted names (`a.io`, `e.id`) are
/// mostly member expressions in code.
const MIN_BARE_DOMAIN_LEN: usize = 5;

/// Longest IPv6 address in text: eight groups, or six and a dotted quad
/// (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`), 45 bytes.
const MAX_IPV6_LEN: usize = 45;

/// Colons of an uncompressed IPv6 address: eight groups.
const FULL_FORM_COLONS: usize = 7;

/// Fewest groups of a compressed IPv6 literal (`fe80::1`), the loopback `::1` aside.
const MIN_IPV6_GROUPS: usize = 2;

/// An IPv4 address all of whose octets are below this (`1.2.3.4`) is taken for a version
/// number.
const SMALL_OCTET: u8 = 10;

/// Bytes a URL may contain (RFC 3986 unreserved, reserved and `%`), less the quote and
/// separator characters that end it in code.
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'*'
                | b'+'
                | b';'
                | b'='
                | b'%'
        )
}

/// A URL starting at `start` (its scheme), with its host as a domain or address and its
/// port.
pub(super) fn url(text: &[u8], start: usize, hits: &mut Vec<Hit>) {
    let mut end = start;
    while end < text.len() && is_url_byte(text[end]) {
        end += 1;
    }
    // Trailing punctuation belongs to the sentence or the code, not the URL.
    while end > start
        && matches!(
            text[end - 1],
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b']'
        )
    {
        end -= 1;
    }
    let url = String::from_utf8_lossy(&text[start..end]).into_owned();
    let Some((scheme, rest)) = url.split_once("://") else {
        return;
    };
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_len);
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let is_port = |p: &str| {
        !p.is_empty() && p.len() <= MAX_PORT_DIGITS && p.bytes().all(|b| b.is_ascii_digit())
    };
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => {
            let (host, rest) = v6.split_once(']').unwrap_or((v6, ""));
            (host, rest.strip_prefix(':').filter(|p| is_port(p)))
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) if is_port(port) => (host, Some(port)),
            _ => (host_port, None),
        },
    };
    // A template's placeholder (`http://${host}/x`, cut at `{`: `http://$`; printf's
    // `https://%s/`) names no host: there is no endpoint to report. (A percent-encoded
    // host, `%65vil.example`, is one: URL parsers decode it.)
    let placeholder = host.contains(['$', '{']) || host.starts_with("%s") || host.starts_with("%(");
    if host.is_empty() || placeholder {
        return;
    }
    let host = host.to_ascii_lowercase();
    // Normalized: lowercase scheme and host, credentials dropped, port and path kept.
    let url_value = format!(
        "{}://{host}{}{path}",
        scheme.to_ascii_lowercase(),
        port.map(|p| format!(":{p}")).unwrap_or_default()
    );
    hits.push(hit(
        ClaimCategory::Network,
        Kind::Url,
        url_value,
        start,
        end,
    ));
    if let Some(port) = port.and_then(|p| p.parse::<u16>().ok()).filter(|p| *p != 0) {
        hits.push(hit(
            ClaimCategory::Network,
            Kind::Port,
            port.to_string(),
            start,
            end,
        ));
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        hits.push(hit(ClaimCategory::Network, Kind::Ipv4, host, start, end));
    } else if let Ok(v6) = host.parse::<std::net::Ipv6Addr>() {
        hits.push(hit(
            ClaimCategory::Network,
            Kind::Ipv6,
            v6.to_string(),
            start,
            end,
        ));
    } else if is_host_name(&host) && host.contains('.') {
        // A URL's host is a host whatever its suffix (`.example`, `.internal`, `.local`);
        // the public-suffix check is for bare names outside URLs.
        hits.push(hit(ClaimCategory::Network, Kind::Domain, host, start, end));
    }
}

/// Whether `host` is a syntactically valid host name (dot-separated LDH labels).
fn is_host_name(host: &str) -> bool {
    host.len() <= MAX_HOST_LEN
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= MAX_LABEL_LEN
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Whether `host` is a plausible domain under a known public suffix.
fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > MAX_HOST_LEN {
        return false;
    }
    let labels_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= MAX_LABEL_LEN
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if !labels_ok {
        return false;
    }
    match psl::suffix(host.as_bytes()) {
        Some(suffix) => suffix.is_known() && suffix.as_bytes().len() < host.len(),
        None => false,
    }
}

/// Top-level domains that are also everyday identifiers in code (`this.name`, `el.style`,
/// `e.id`, `x.map`): a two-label candidate under one of these is only reported in a URL.
const CODE_WORD_SUFFIXES: &[&str] = &[
    "id", "name", "style", "map", "show", "link", "call", "data", "type", "now", "new", "top",
    "run", "app", "dev", "zip", "mov", "one", "live", "play", "click", "page", "fit", "win", "on",
    "to", "is", "it", "in", "as", "at", "do", "go", "me", "my", "no", "so", "us", "we", "be", "by",
    "js", "ts", "rs", "py", "sh", "md", "ai", "io", "so", "fm", "tv", "cc", "ws", "la", "ly", "ms",
    "mu", "nu", "pm", "pw", "re", "sc", "st", "tk", "mobile", "select", "save", "search", "store",
    "team", "test", "tools", "video", "watch", "work", "zone", "open", "mode", "menu", "market",
    "hot", "host", "how", "info", "ink", "icu", "global", "fun", "free", "fail", "exposed",
    "email", "design", "date", "day", "deal", "delivery", "auto", "blue", "box", "buy", "cam",
    "camera", "case", "cash", "center", "chat", "city", "cloud", "codes", "cool", "salon", "sale",
    "report", "rest", "review", "room", "rocks", "safe", "services", "shop", "site", "space",
    "support", "system", "tech", "tips", "today", "top", "trade", "video", "wiki", "world", "xyz",
];

/// Top-level domains older than the 2012 round of new generic ones, besides the
/// two-letter country codes: names under them are hosts far more often than anything
/// else. The newer ones are mostly ordinary words (`.help`, `.directory`, `.auto`,
/// `.data`, `.pid`, `.run`) that configuration keys and property chains end with.
const ORIGINAL_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "arpa", "info", "biz", "name", "pro", "aero",
    "coop", "museum", "mobi", "asia", "tel", "travel", "jobs", "cat", "post", "xxx",
];

/// Whether `tld` is one of the newer generic top-level domains (see [`ORIGINAL_TLDS`]):
/// not a country code (two letters), not an original one, not an internationalised one
/// (`xn--…`, mostly country codes).
fn is_newer_generic_tld(tld: &str) -> bool {
    tld.len() > 2 && !ORIGINAL_TLDS.contains(&tld) && !tld.starts_with("xn--")
}

/// Bare domain names, IPv4 and IPv6 literals all grow out of a dot or a colon: one pass
/// over those bytes serves them all.
pub(super) fn domains_and_addresses(text: &[u8], hits: &mut Vec<Hit>) {
    let (mut domain_from, mut v4_from, mut v6_from) = (0, 0, 0);
    for at in memchr::memchr2_iter(b'.', b':', text) {
        if text[at] == b'.' {
            if at >= domain_from {
                domain_from = bare_domain(text, at, hits);
            }
            if at >= v4_from {
                v4_from = ipv4_literal(text, at, hits);
            }
        } else if at >= v6_from {
            v6_from = ipv6_literal(text, at, hits);
        }
    }
}

/// An IPv6 literal standing alone around the colon at `colon` (`2001:db8::1`, `::1`,
/// `fe80::1%eth0`, `::ffff:10.0.0.1`). Returns where the candidate ends.
///
/// Code is full of colons (`a ? b : c`, `std::fmt`, `12:30:00`), so a candidate must
/// parse as an address, contain a digit, and be either compressed (`::`) or all eight
/// groups; the unspecified address `::` is not reported.
fn ipv6_literal(text: &[u8], colon: usize, hits: &mut Vec<Hit>) -> usize {
    let is_v6_byte = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    let mut start = colon;
    while start > 0 && colon - start < MAX_IPV6_LEN && is_v6_byte(text[start - 1]) {
        start -= 1;
    }
    let mut end = colon;
    while end < text.len() && end - start < MAX_IPV6_LEN && is_v6_byte(text[end]) {
        end += 1;
    }
    let next = end.max(colon + 1);
    // A trailing `.` or single `:` belongs to the sentence or the code.
    let mut stop = end;
    while stop > start && text[stop - 1] == b'.' {
        stop -= 1;
    }
    if stop >= 2 && text[stop - 1] == b':' && text[stop - 2] != b':' {
        stop -= 1;
    }
    // Where an address literal stands: in quotes, brackets, lists, after `=` or space,
    // before a zone (`%eth0`) or a path. Random bytes rarely frame `::` with these.
    let opens = |b: u8| b" \t\r\n\0\"'`[(,=@".contains(&b);
    let closes = |b: u8| b" \t\r\n\0\"'`]),;/%".contains(&b);
    if !start.checked_sub(1).is_none_or(|i| opens(text[i]))
        || !text.get(end).is_none_or(|b| closes(*b))
    {
        return next;
    }
    // A URL's host (`http://[::1]:8080`) is reported by the URL detector.
    if text[..start].ends_with(b"://[") {
        return next;
    }
    let candidate = &text[start..stop];
    let colons = memchr::memchr_iter(b':', candidate).count();
    let compressed = memchr::memmem::find(candidate, b"::").is_some();
    // Two groups at least (`fe80::1`), but for the loopback `::1`.
    let groups = candidate
        .split(|&b| b == b':')
        .filter(|g| !g.is_empty())
        .count();
    if !(compressed || colons == FULL_FORM_COLONS)
        || !candidate.iter().any(u8::is_ascii_digit)
        || (groups < MIN_IPV6_GROUPS && candidate != b"::1")
    {
        return next;
    }
    let Ok(address) = std::str::from_utf8(candidate)
        .unwrap_or_default()
        .parse::<std::net::Ipv6Addr>()
    else {
        return next;
    };
    if !address.is_unspecified() {
        hits.push(hit(
            ClaimCategory::Network,
            Kind::Ipv6,
            address.to_string(),
            start,
            stop,
        ));
    }
    next
}

/// A domain name outside a URL, around the dot at `dot`, as names stand in string
/// literals and lists (`"jd.com,cn-shanghai.fcapp.run"`). Returns where the candidate
/// ends: dots before that are part of it.
///
/// Outside a URL a dotted name is a host only if it stands as one:
///
/// - beside list boundaries (quotes, commas, line breaks, NUL, `@`), under a known
///   public suffix, lowercase, and not a two-label name under a suffix that is also a
///   code word (`this.name`, `e.style`);
/// - alone (framed by quotes, NUL, a line break, `@` or the buffer's edge), or in a
///   comma-separated list beside another such name: a name between commas whose
///   neighbours are not names is an argument list (`f(e,t.response.data,t.headers)`);
/// - under a newer generic top-level domain (`.help`, `.directory`, `.auto`, `.data`,
///   `.pid`; see [`ORIGINAL_TLDS`]), only in such a list, or when its public suffix is a
///   registered multi-label one (a hosting platform's: `workers.dev`, `vercel.app`).
///
/// So git's configuration keys (`safe.directory`, `interactive.help`, `gc.pid`,
/// `maintenance.commit-graph.auto`) and minified property chains (`t.response.data`)
/// are not hosts; a URL's host is reported whatever its suffix.
fn bare_domain(text: &[u8], dot: usize, hits: &mut Vec<Hit>) -> usize {
    // Grow the candidate both ways over domain bytes.
    let mut start = dot;
    while start > 0 && is_domain_byte(text[start - 1]) {
        start -= 1;
    }
    let mut end = dot + 1;
    while end < text.len() && is_domain_byte(text[end]) {
        end += 1;
    }
    let candidate = &text[start..end];
    let left_ok = start == 0 || is_list_boundary(text[start - 1]);
    let port = port_after(text, end);
    let right_ok = end == text.len() || is_list_boundary(text[end]) || port.is_some();
    if !left_ok
        || !right_ok
        || candidate.len() < MIN_BARE_DOMAIN_LEN
        || candidate.ends_with(b".")
        || candidate.starts_with(b".")
    {
        return end;
    }
    let Ok(host) = std::str::from_utf8(candidate) else {
        return end;
    };
    if !is_domain(host) {
        return end;
    }
    let labels = host.split('.').count();
    let tld = host.rsplit('.').next().unwrap_or_default();
    if labels == 2 && CODE_WORD_SUFFIXES.contains(&tld) {
        return end;
    }
    // Inside a URL the URL detector reports the host already.
    if text[..start].ends_with(b"://") {
        return end;
    }
    // Where the name and its port end.
    let stop = if port.is_some() {
        end + 1
            + text[end + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
    } else {
        end
    };
    let in_list = listed_name_before(text, start) || listed_name_after(text, stop);
    let framed = |b: Option<&u8>| b.is_none_or(|b| is_frame(*b));
    let alone = framed(start.checked_sub(1).map(|i| &text[i])) && framed(text.get(stop));
    if !in_list && !alone {
        return end;
    }
    if is_newer_generic_tld(tld)
        && !in_list
        && !psl::suffix(host.as_bytes()).is_some_and(|suffix| suffix.as_bytes().contains(&b'.'))
    {
        return end;
    }
    hits.push(hit(
        ClaimCategory::Network,
        Kind::Domain,
        host.to_owned(),
        start,
        end,
    ));
    if let Some(port) = port {
        hits.push(hit(ClaimCategory::Network, Kind::Port, port, start, end));
    }
    end
}

/// `:NNNN` at `at` (a port after a host), not followed by more of a name or number.
fn port_after(text: &[u8], at: usize) -> Option<String> {
    if text.get(at) != Some(&b':') {
        return None;
    }
    let digits = text[at + 1..]
        .iter()
        .take(MAX_PORT_DIGITS + 1)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let after = text.get(at + 1 + digits).copied();
    if digits == 0
        || digits > MAX_PORT_DIGITS
        || after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.')
    {
        return None;
    }
    let port = std::str::from_utf8(&text[at + 1..at + 1 + digits]).ok()?;
    let port: u16 = port.parse().ok()?;
    (port != 0).then(|| port.to_string())
}

/// What frames a name standing alone: string quotes, line breaks, NUL (C strings), `@`
/// (a mail address).
fn is_frame(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`' | b'\n' | b'\r' | b'@' | 0)
}

/// Whether a comma ends at `start` after a name (the previous item of a list of names).
fn listed_name_before(text: &[u8], start: usize) -> bool {
    let Some(comma) = start.checked_sub(1).filter(|&i| text[i] == b',') else {
        return false;
    };
    let len = text[..comma]
        .iter()
        .rev()
        .take(MAX_HOST_LEN + 1)
        .take_while(|b| is_domain_byte(**b))
        .count();
    std::str::from_utf8(&text[comma - len..comma]).is_ok_and(is_domain)
}

/// Whether a comma at `stop` starts a name (the next item of a list of names).
fn listed_name_after(text: &[u8], stop: usize) -> bool {
    if text.get(stop) != Some(&b',') {
        return false;
    }
    let item = &text[stop + 1..];
    let len = item
        .iter()
        .take(MAX_HOST_LEN + 1)
        .take_while(|b| is_domain_byte(**b))
        .count();
    std::str::from_utf8(&item[..len]).is_ok_and(is_domain)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
}

/// What may stand beside a bare domain: string quotes, list commas, line breaks, NUL
/// (C strings), `@` (mail addresses). Not spaces, parentheses or operators: those put
/// `return t.buffer.map(…)` (`.map` is a real top-level domain) next to code, where
/// member expressions, not domains, live.
fn is_list_boundary(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`' | b',' | b'\n' | b'\r' | b'@' | 0)
}

/// A dotted-quad IPv4 literal standing alone around the dot at `dot` (not a version
/// number: no `v` before, no further `.digit` after). Returns where the candidate ends.
fn ipv4_literal(text: &[u8], dot: usize, hits: &mut Vec<Hit>) -> usize {
    let mut start = dot;
    while start > 0 && (text[start - 1].is_ascii_digit() || text[start - 1] == b'.') {
        start -= 1;
    }
    let mut end = dot;
    while end < text.len() && (text[end].is_ascii_digit() || text[end] == b'.') {
        end += 1;
    }
    // A URL's host is reported by the URL detector.
    if text[..start].ends_with(b"://") {
        return end;
    }
    let before = start.checked_sub(1).map(|p| text[p]);
    let after = text.get(end).copied();
    if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        || after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return end;
    }
    let Ok(candidate) = std::str::from_utf8(&text[start..end]) else {
        return end;
    };
    if candidate.split('.').count() != 4
        || candidate
            .split('.')
            .any(|p| p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')))
    {
        return end;
    }
    if let Ok(ip) = candidate.parse::<std::net::Ipv4Addr>() {
        // Version strings like 1.2.3.4 are indistinguishable; skip the unspecified and
        // all-small forms that are far more often versions than hosts.
        if !ip.is_unspecified() && !ip.octets().iter().all(|o| *o < SMALL_OCTET) {
            hits.push(hit(
                ClaimCategory::Network,
                Kind::Ipv4,
                candidate.to_owned(),
                start,
                end,
            ));
            if let Some(port) = port_after(text, end) {
                hits.push(hit(ClaimCategory::Network, Kind::Port, port, start, end));
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::values;

    #[test]
    fn template_placeholders_are_not_hosts() {
        let text = r#"fetch(`http://${host}/api`);fetch("https://%s/v1");fetch("https://api.acme.example/v1");fetch("https://%65vil.example/")"#;
        assert_eq!(
            values(text, Kind::Url),
            ["https://api.acme.example/v1", "https://%65vil.example/"]
        );
    }

    #[test]
    fn urls_and_their_hosts() {
        let text = r#"fetch("https://API.Example.com:8443/v1/chat?x=1"),x="http://10.1.2.3/a";"#;
        assert_eq!(
            values(text, Kind::Url),
            [
                "https://api.example.com:8443/v1/chat?x=1",
                "http://10.1.2.3/a"
            ]
        );
        assert_eq!(values(text, Kind::Domain), ["api.example.com"]);
        assert_eq!(values(text, Kind::Ipv4), ["10.1.2.3"]);
    }

    #[test]
    fn bare_domains_are_public_suffix_checked() {
        let text = r#"d="jd.com,cn-shanghai.fcapp.run,example.invalidtld,this.name";e.style;"#;
        assert_eq!(
            values(text, Kind::Domain),
            ["jd.com", "cn-shanghai.fcapp.run"]
        );
    }

    /// Issue 17: git's configuration keys, NUL-terminated strings of its binary, were
    /// reported as domains (`.pid`, `.directory`, `.help` and `.auto` are top-level
    /// domains); its real hosts stay.
    #[test]
    fn configuration_keys_are_not_domains() {
        let text = "\0gc.pid\0safe.directory\0interactive.help\0core.editor\0\
                    maintenance.commit-graph.auto\0maintenance.incremental-repack.auto=-1\0\
                    www.apple.com\0schemas.microsoft.com\0you@example.com\0";
        assert_eq!(
            values(text, Kind::Domain),
            ["www.apple.com", "schemas.microsoft.com", "example.com"]
        );
    }

    /// Issue 17: a property chain of minified JavaScript in an argument list (axios
    /// 0.27.2's `dist/axios.min.js`) was reported as the domain `t.response.data`.
    #[test]
    fn property_chains_are_not_domains() {
        let text = "t&&t.response&&(t.response.data=o.call(e,t.response.data,\
                    t.response.headers,e.transformResponse)),f(n,e.config.url,r.data.id)";
        assert_eq!(values(text, Kind::Domain), [] as [&str; 0]);
    }

    /// A name under a newer generic top-level domain stands in a list of names or under a
    /// hosting platform's suffix; alone, it is a key or a property far more often.
    #[test]
    fn newer_generic_tlds_need_a_list_or_a_hosting_suffix() {
        let alone = r#"a="cn-shanghai.fcapp.run";b="x.y.help";c="app.data""#;
        assert_eq!(values(alone, Kind::Domain), [] as [&str; 0]);
        let listed =
            r#"a="jd.com,cn-shanghai.fcapp.run";b="evil.workers.dev";c="my-app.vercel.app""#;
        assert_eq!(
            values(listed, Kind::Domain),
            [
                "jd.com",
                "cn-shanghai.fcapp.run",
                "evil.workers.dev",
                "my-app.vercel.app"
            ]
        );
        // In a URL, any suffix.
        assert_eq!(
            values(r#""https://cn-shanghai.fcapp.run/x""#, Kind::Domain),
            ["cn-shanghai.fcapp.run"]
        );
    }

    #[test]
    fn url_hosts_need_no_public_suffix() {
        let text = r#""https://collector.evil.example/v1""#;
        assert_eq!(values(text, Kind::Domain), ["collector.evil.example"]);
    }

    #[test]
    fn version_numbers_are_not_addresses() {
        assert!(values("v1.2.3.4 \"1.2.3.4\" 1.2.3.4.5", Kind::Ipv4).is_empty());
        assert_eq!(values("\"192.168.10.20\"", Kind::Ipv4), ["192.168.10.20"]);
    }

    #[test]
    fn ipv6_literals_and_ports() {
        let text = r#"a="2001:db8::1";b='::1';c="fe80::1%eth0";u="http://[2001:db8::2]:8080/x";d="::ffff:10.0.0.1";"#;
        assert_eq!(
            values(text, Kind::Ipv6),
            [
                "2001:db8::1",
                "::1",
                "fe80::1",
                "2001:db8::2",
                "::ffff:10.0.0.1"
            ]
        );
        assert_eq!(values(text, Kind::Port), ["8080"]);
        let text = r#"x="127.0.0.1:9229";y="api.example.com:8443";z="https://h.example:443/";"#;
        assert_eq!(values(text, Kind::Port), ["9229", "8443", "443"]);
        assert_eq!(values(text, Kind::Domain), ["api.example.com", "h.example"]);
    }

    #[test]
    fn colons_in_code_are_not_addresses() {
        let text =
            r#"a?b:c; std::fmt; x = "12:30:00"; io::Error; add::dead; "::"; f(a::b); t="1:2:3""#;
        assert!(
            values(text, Kind::Ipv6).is_empty(),
            "{:?}",
            values(text, Kind::Ipv6)
        );
        assert!(values("v=\"1.2.3.4:80\"", Kind::Port).is_empty());
    }
}
