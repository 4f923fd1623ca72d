//! Detectors: plain-text behaviour indicators in one buffer (raw or decoded).
//!
//! Every detector is anchored on literals found with one Aho-Corasick pass per list
//! (leftmost matching, which keeps the SIMD prefilter on), then looks around the anchor:
//! a URL runs to its terminator, `process.env.` is followed by a name, a time-zone name
//! must stand alone. Nothing here runs a regex over every byte.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use candor_model::claims::ClaimCategory;

use crate::indicator::Kind;

/// One finding in a buffer, before evidence is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Category.
    pub category: ClaimCategory,
    /// Kind.
    pub kind: Kind,
    /// Normalized value.
    pub value: String,
    /// Start offset in the buffer.
    pub start: usize,
    /// End offset in the buffer.
    pub end: usize,
}

/// What an anchor literal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Url,
    JsEnv,
    EnvCall,
    Process,
    LocaleApi,
    Path,
    MachineId,
    LocalTime,
}

const ANCHORS: &[(&str, Anchor)] = &[
    ("https://", Anchor::Url),
    ("http://", Anchor::Url),
    ("wss://", Anchor::Url),
    ("ws://", Anchor::Url),
    ("process.env", Anchor::JsEnv),
    ("os.environ.get(", Anchor::EnvCall),
    ("os.environ[", Anchor::EnvCall),
    ("os.getenv(", Anchor::EnvCall),
    ("os.Getenv(", Anchor::EnvCall),
    ("os.LookupEnv(", Anchor::EnvCall),
    ("env::var(", Anchor::EnvCall),
    ("env::var_os(", Anchor::EnvCall),
    ("getenv(", Anchor::EnvCall),
    ("System.getenv(", Anchor::EnvCall),
    ("GetEnvironmentVariable(", Anchor::EnvCall),
    ("Deno.env.get(", Anchor::EnvCall),
    ("child_process", Anchor::Process),
    ("execSync(", Anchor::Process),
    ("execFileSync(", Anchor::Process),
    ("spawnSync(", Anchor::Process),
    ("execFile(", Anchor::Process),
    ("spawn(", Anchor::Process),
    ("exec(", Anchor::Process),
    ("subprocess.run(", Anchor::Process),
    ("subprocess.Popen(", Anchor::Process),
    ("subprocess.call(", Anchor::Process),
    ("subprocess.check_output(", Anchor::Process),
    ("os.system(", Anchor::Process),
    ("Command::new(", Anchor::Process),
    ("exec.Command(", Anchor::Process),
    ("execve", Anchor::Process),
    ("execvp", Anchor::Process),
    ("posix_spawn", Anchor::Process),
    ("CreateProcessW", Anchor::Process),
    ("CreateProcessA", Anchor::Process),
    ("ShellExecuteW", Anchor::Process),
    ("ShellExecuteExW", Anchor::Process),
    ("resolvedOptions().timeZone", Anchor::LocaleApi),
    ("resolvedOptions().locale", Anchor::LocaleApi),
    ("Intl.DateTimeFormat", Anchor::LocaleApi),
    ("navigator.languages", Anchor::LocaleApi),
    ("navigator.language", Anchor::LocaleApi),
    ("getTimezoneOffset", Anchor::LocaleApi),
    ("GetTimeZoneInformation", Anchor::LocaleApi),
    ("GetDynamicTimeZoneInformation", Anchor::LocaleApi),
    ("GetUserDefaultLocaleName", Anchor::LocaleApi),
    ("GetUserDefaultLCID", Anchor::LocaleApi),
    ("CFTimeZoneCopySystem", Anchor::LocaleApi),
    ("CFLocaleCopyCurrent", Anchor::LocaleApi),
    ("NSTimeZone", Anchor::LocaleApi),
    ("time.tzname", Anchor::LocaleApi),
    ("locale.getlocale", Anchor::LocaleApi),
    ("/etc/localtime", Anchor::LocalTime),
    ("/etc/timezone", Anchor::LocalTime),
    ("/etc/machine-id", Anchor::MachineId),
    ("/var/lib/dbus/machine-id", Anchor::MachineId),
    ("/sys/class/dmi/id/product_uuid", Anchor::MachineId),
    ("IOPlatformUUID", Anchor::MachineId),
    ("IOPlatformSerialNumber", Anchor::MachineId),
    ("MachineGuid", Anchor::MachineId),
    ("networkInterfaces()", Anchor::MachineId),
    ("userInfo()", Anchor::MachineId),
    ("os.hostname()", Anchor::MachineId),
    ("gethostname", Anchor::MachineId),
    ("/etc/", Anchor::Path),
    ("/usr/", Anchor::Path),
    ("/var/", Anchor::Path),
    ("/proc/", Anchor::Path),
    ("/sys/", Anchor::Path),
    ("/dev/", Anchor::Path),
    ("/tmp/", Anchor::Path),
    ("/Library/", Anchor::Path),
    ("/Users/", Anchor::Path),
    ("/home/", Anchor::Path),
    ("~/", Anchor::Path),
    ("$HOME/", Anchor::Path),
    ("%APPDATA%", Anchor::Path),
    ("%LOCALAPPDATA%", Anchor::Path),
    ("%USERPROFILE%", Anchor::Path),
    ("%PROGRAMDATA%", Anchor::Path),
    ("%TEMP%", Anchor::Path),
];

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

/// Look-alike and invisible characters (DESIGN.md's case: U+2019, U+02BC, U+02B9 …).
const MARKS: &[(char, Kind, &str)] = &[
    ('\u{2018}', Kind::LookAlike, "LEFT SINGLE QUOTATION MARK"),
    ('\u{2019}', Kind::LookAlike, "RIGHT SINGLE QUOTATION MARK"),
    ('\u{02BC}', Kind::LookAlike, "MODIFIER LETTER APOSTROPHE"),
    ('\u{02B9}', Kind::LookAlike, "MODIFIER LETTER PRIME"),
    ('\u{FF07}', Kind::LookAlike, "FULLWIDTH APOSTROPHE"),
    ('\u{200B}', Kind::Invisible, "ZERO WIDTH SPACE"),
    ('\u{200C}', Kind::Invisible, "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', Kind::Invisible, "ZERO WIDTH JOINER"),
    ('\u{2060}', Kind::Invisible, "WORD JOINER"),
    ('\u{FEFF}', Kind::Invisible, "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{202A}', Kind::Invisible, "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', Kind::Invisible, "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', Kind::Invisible, "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', Kind::Invisible, "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', Kind::Invisible, "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', Kind::Invisible, "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', Kind::Invisible, "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', Kind::Invisible, "FIRST STRONG ISOLATE"),
    ('\u{2069}', Kind::Invisible, "POP DIRECTIONAL ISOLATE"),
];

/// A user rule: a literal and its category.
#[derive(Debug, Clone)]
pub struct LiteralRule {
    /// What to report as the value.
    pub name: String,
    /// The bytes to find.
    pub literal: String,
    /// The category.
    pub category: ClaimCategory,
    /// The kind (telemetry SDK for the built-in list, rule for users').
    pub kind: Kind,
}

/// A user rule: a regular expression and its category.
#[derive(Debug, Clone)]
pub struct RegexRule {
    /// What to report as the value (the match itself if empty).
    pub name: String,
    /// The expression (over bytes).
    pub regex: regex::bytes::Regex,
    /// The category.
    pub category: ClaimCategory,
}

/// All detectors, built once per scan.
#[derive(Debug)]
pub struct Detectors {
    anchors: AhoCorasick,
    time_zones: AhoCorasick,
    time_zone_names: Vec<String>,
    marks: AhoCorasick,
    literals: Option<AhoCorasick>,
    literal_rules: Vec<LiteralRule>,
    regex_rules: Vec<RegexRule>,
}

fn leftmost(patterns: impl IntoIterator<Item = impl AsRef<[u8]>>) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns)
        .unwrap_or_else(|e| unreachable!("built-in patterns are valid: {e}"))
}

impl Detectors {
    /// Detectors for the built-in lists plus `literal_rules` and `regex_rules`.
    pub fn new(
        time_zones: Vec<String>,
        literal_rules: Vec<LiteralRule>,
        regex_rules: Vec<RegexRule>,
    ) -> Self {
        let marks = MARKS
            .iter()
            .map(|(c, _, _)| c.to_string())
            .collect::<Vec<_>>();
        Self {
            anchors: leftmost(ANCHORS.iter().map(|(a, _)| a.as_bytes())),
            time_zones: leftmost(&time_zones),
            time_zone_names: time_zones,
            marks: leftmost(&marks),
            literals: (!literal_rules.is_empty())
                .then(|| leftmost(literal_rules.iter().map(|r| r.literal.as_bytes()))),
            literal_rules,
            regex_rules,
        }
    }

    /// Every indicator in `text`.
    pub fn detect(&self, text: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.anchored(text, &mut hits);
        self.time_zone_names(text, &mut hits);
        self.marks(text, &mut hits);
        bare_domains(text, &mut hits);
        ipv4_literals(text, &mut hits);
        if let Some(literals) = &self.literals {
            for m in literals.find_iter(text) {
                let rule = &self.literal_rules[m.pattern().as_usize()];
                hits.push(Hit {
                    category: rule.category,
                    kind: rule.kind,
                    value: rule.name.clone(),
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        for rule in &self.regex_rules {
            for m in rule.regex.find_iter(text) {
                hits.push(Hit {
                    category: rule.category,
                    kind: Kind::Rule,
                    value: if rule.name.is_empty() {
                        String::from_utf8_lossy(m.as_bytes()).into_owned()
                    } else {
                        rule.name.clone()
                    },
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        hits
    }

    fn anchored(&self, text: &[u8], hits: &mut Vec<Hit>) {
        for m in self.anchors.find_iter(text) {
            let (anchor_text, anchor) = ANCHORS[m.pattern().as_usize()];
            let (start, end) = (m.start(), m.end());
            match anchor {
                Anchor::Url => url(text, start, hits),
                Anchor::JsEnv => js_env(text, start, end, hits),
                Anchor::EnvCall => {
                    if let Some((name, stop)) = quoted_after(text, end) {
                        if is_env_name(&name) {
                            env_hit(name, start, stop, hits);
                        }
                    }
                }
                Anchor::Process => {
                    // Only a call shows its command: `execSync("git status")`.
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
                Anchor::LocaleApi | Anchor::LocalTime => hits.push(hit(
                    ClaimCategory::Conditional,
                    Kind::LocaleApi,
                    anchor_text.to_owned(),
                    start,
                    end,
                )),
                Anchor::MachineId => hits.push(hit(
                    ClaimCategory::Identifiers,
                    Kind::MachineId,
                    anchor_text.to_owned(),
                    start,
                    end,
                )),
                Anchor::Path => path(text, start, hits),
            }
        }
    }

    fn time_zone_names(&self, text: &[u8], hits: &mut Vec<Hit>) {
        for m in self.time_zones.find_iter(text) {
            let before = m.start().checked_sub(1).map(|i| text[i]);
            let after = text.get(m.end()).copied();
            let standalone = !before.is_some_and(is_name_byte) && !after.is_some_and(is_name_byte);
            if standalone {
                hits.push(hit(
                    ClaimCategory::Conditional,
                    Kind::TimeZone,
                    self.time_zone_names[m.pattern().as_usize()].clone(),
                    m.start(),
                    m.end(),
                ));
            }
        }
    }

    fn marks(&self, text: &[u8], hits: &mut Vec<Hit>) {
        for m in self.marks.find_iter(text) {
            if !in_text_context(text, m.start(), m.end()) {
                continue;
            }
            let (c, kind, name) = MARKS[m.pattern().as_usize()];
            hits.push(hit(
                ClaimCategory::OutputMarking,
                kind,
                format!("U+{:04X} {name}", u32::from(c)),
                m.start(),
                m.end(),
            ));
        }
    }
}

/// Whether the bytes around `start..end` read as text: up to 4 bytes on each side (fewer
/// at the buffer's edges) form valid UTF-8 without control characters. Random or
/// compressed bytes contain the 2-byte encoding of U+02BC once every 64 KiB; text does
/// not surround it with garbage.
fn in_text_context(text: &[u8], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(4);
    let to = (end + 4).min(text.len());
    // Widen to character boundaries so a neighbour's multi-byte character is whole.
    let from = (from..=start)
        .find(|&i| std::str::from_utf8(&text[i..start]).is_ok())
        .unwrap_or(start);
    let to = (end..=to)
        .rev()
        .find(|&i| std::str::from_utf8(&text[end..i]).is_ok())
        .unwrap_or(end);
    let before = &text[from..start];
    let after = &text[end..to];
    let readable = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'))
    };
    // Each side: at the buffer's edge, or at least 3 readable bytes.
    let side_ok = |bytes: &[u8], at_edge: bool| readable(bytes) && (at_edge || bytes.len() >= 3);
    side_ok(before, start < 4 || from == 0)
        && side_ok(after, end + 4 > text.len() || to == text.len())
}

fn hit(category: ClaimCategory, kind: Kind, value: String, start: usize, end: usize) -> Hit {
    Hit {
        category,
        kind,
        value,
        start,
        end,
    }
}

/// Bytes that continue an identifier, path or zone name.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'-' | b'+')
}

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

fn url(text: &[u8], start: usize, hits: &mut Vec<Hit>) {
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
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => (v6.split(']').next().unwrap_or_default(), None),
        None => match host_port.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                (host, Some(port))
            }
            _ => (host_port, None),
        },
    };
    if host.is_empty() {
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
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        hits.push(hit(ClaimCategory::Network, Kind::Ipv4, host, start, end));
    } else if is_host_name(&host) && host.contains('.') {
        // A URL's host is a host whatever its suffix (`.example`, `.internal`, `.local`);
        // the public-suffix check is for bare names outside URLs.
        hits.push(hit(ClaimCategory::Network, Kind::Domain, host, start, end));
    }
}

/// `process.env.NAME`, `process.env["NAME"]`, `process.env['NAME']`.
fn js_env(text: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
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
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The string literal starting at or just after `at` (skipping spaces and one `(`/`[`),
/// and where it ends.
fn quoted_after(text: &[u8], at: usize) -> Option<(String, usize)> {
    let mut i = at;
    while i < text.len() && matches!(text[i], b' ' | b'(' | b'[') && i < at + 4 {
        i += 1;
    }
    let quote = *text.get(i)?;
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let body_start = i + 1;
    let len = text[body_start..]
        .iter()
        .take(256)
        .position(|b| *b == quote || *b == b'\n')?;
    if text[body_start + len] != quote {
        return None;
    }
    Some((
        String::from_utf8_lossy(&text[body_start..body_start + len]).into_owned(),
        body_start + len + 1,
    ))
}

fn path(text: &[u8], start: usize, hits: &mut Vec<Hit>) {
    // A path starts a string: after a quote, NUL, space, `(`, `=` or `,` — not in the
    // middle of a URL, a longer path, or random bytes.
    if let Some(prev) = start.checked_sub(1).map(|i| text[i]) {
        if !matches!(
            prev,
            b'"' | b'\'' | b'`' | 0 | b' ' | b'\t' | b'\n' | b'(' | b'=' | b','
        ) {
            return;
        }
    }
    let len = text[start..]
        .iter()
        .take(512)
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
    if value.len() < 4 {
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

/// Whether `host` is a syntactically valid host name (dot-separated LDH labels).
fn is_host_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Whether `host` is a plausible domain under a known public suffix.
pub fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return false;
    }
    let labels_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= 63
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

/// Domain names outside URLs, as they stand in string literals and lists
/// (`"jd.com,cn-shanghai.fcapp.run"`).
fn bare_domains(text: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while let Some(dot) = memchr::memchr(b'.', &text[i..]).map(|d| d + i) {
        // Grow the candidate both ways over domain bytes.
        let mut start = dot;
        while start > 0 && is_domain_byte(text[start - 1]) {
            start -= 1;
        }
        let mut end = dot + 1;
        while end < text.len() && is_domain_byte(text[end]) {
            end += 1;
        }
        i = end.max(dot + 1);
        let candidate = &text[start..end];
        let left_ok = start == 0 || is_list_boundary(text[start - 1]);
        let right_ok = end == text.len() || is_list_boundary(text[end]);
        if !left_ok
            || !right_ok
            || candidate.len() < 5
            || candidate.ends_with(b".")
            || candidate.starts_with(b".")
        {
            continue;
        }
        let Ok(host) = std::str::from_utf8(candidate) else {
            continue;
        };
        if !is_domain(host) {
            continue;
        }
        let labels = host.split('.').count();
        let suffix = host.rsplit('.').next().unwrap_or_default();
        if labels == 2 && CODE_WORD_SUFFIXES.contains(&suffix) {
            continue;
        }
        // Inside a URL the URL detector reports the host already.
        if start >= 3 && &text[start - 3..start] == b"://" {
            continue;
        }
        hits.push(hit(
            ClaimCategory::Network,
            Kind::Domain,
            host.to_owned(),
            start,
            end,
        ));
    }
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

/// Dotted-quad IPv4 literals standing alone (not version numbers: no `v` before, no
/// further `.digit` after).
fn ipv4_literals(text: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while let Some(dot) = memchr::memchr(b'.', &text[i..]).map(|d| d + i) {
        let mut start = dot;
        while start > 0 && (text[start - 1].is_ascii_digit() || text[start - 1] == b'.') {
            start -= 1;
        }
        let mut end = dot;
        while end < text.len() && (text[end].is_ascii_digit() || text[end] == b'.') {
            end += 1;
        }
        i = end.max(dot + 1);
        // A URL's host is reported by the URL detector.
        if start >= 3 && &text[start - 3..start] == b"://" {
            continue;
        }
        let before = start.checked_sub(1).map(|p| text[p]);
        let after = text.get(end).copied();
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            || after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            continue;
        }
        let Ok(candidate) = std::str::from_utf8(&text[start..end]) else {
            continue;
        };
        if candidate.split('.').count() != 4
            || candidate
                .split('.')
                .any(|p| p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')))
        {
            continue;
        }
        if let Ok(ip) = candidate.parse::<std::net::Ipv4Addr>() {
            // Version strings like 1.2.3.4 are indistinguishable; skip the unspecified and
            // all-small forms that are far more often versions than hosts.
            if ip.is_unspecified() || ip.octets().iter().all(|o| *o < 10) {
                continue;
            }
            hits.push(hit(
                ClaimCategory::Network,
                Kind::Ipv4,
                candidate.to_owned(),
                start,
                end,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detectors() -> Detectors {
        Detectors::new(
            vec![
                "Asia/Shanghai".to_owned(),
                "Asia/Urumqi".to_owned(),
                "Europe/Berlin".to_owned(),
            ],
            Vec::new(),
            Vec::new(),
        )
    }

    fn values(text: &str, kind: Kind) -> Vec<String> {
        detectors()
            .detect(text.as_bytes())
            .into_iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.value)
            .collect()
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

    #[test]
    fn time_zones_must_stand_alone() {
        let text = r#"tz==="Asia/Shanghai"||["Asia/Urumqi"].includes(tz);x="Asia/Shanghai2""#;
        assert_eq!(
            values(text, Kind::TimeZone),
            ["Asia/Shanghai", "Asia/Urumqi"]
        );
        let text = "Intl.DateTimeFormat().resolvedOptions().timeZone";
        assert_eq!(
            values(text, Kind::LocaleApi),
            ["Intl.DateTimeFormat", "resolvedOptions().timeZone"]
        );
    }

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

    #[test]
    fn paths_and_machine_ids() {
        let text = r#"read("/etc/machine-id");open("~/.config/acme/config.json");"%APPDATA%\\Acme";"https://x.example/etc/passwd""#;
        assert_eq!(values(text, Kind::MachineId), ["/etc/machine-id"]);
        assert_eq!(
            values(text, Kind::Path),
            ["~/.config/acme/config.json", "%APPDATA%\\\\Acme"]
        );
    }

    #[test]
    fn look_alike_and_invisible_characters() {
        let text = "s.replace(\"'\", \"\u{2019}\")+\"\u{200B}\"+\"\u{02BC}\"";
        assert_eq!(
            values(text, Kind::LookAlike),
            [
                "U+2019 RIGHT SINGLE QUOTATION MARK",
                "U+02BC MODIFIER LETTER APOSTROPHE"
            ]
        );
        assert_eq!(values(text, Kind::Invisible), ["U+200B ZERO WIDTH SPACE"]);
    }

    #[test]
    fn marks_need_text_around_them() {
        // In text (or alone in a decoded buffer): reported.
        assert_eq!(values("\u{02BC}", Kind::LookAlike).len(), 1);
        assert_eq!(values("it\u{2019}s", Kind::LookAlike).len(), 1);
        // Between binary garbage: the same two bytes are chance.
        let mut bytes = vec![0x01, 0xFF, 0x9C, 0x07];
        bytes.extend_from_slice("\u{02BC}".as_bytes());
        bytes.extend_from_slice(&[0x02, 0xFE, 0x80, 0x00]);
        assert!(detectors().detect(&bytes).is_empty());
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
}
