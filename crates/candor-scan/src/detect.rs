//! Detectors: plain-text behaviour indicators in one buffer (raw or decoded).
//!
//! Every detector is anchored on literals found with one Aho-Corasick pass per list
//! (leftmost matching, which keeps the SIMD prefilter on), then looks around the anchor:
//! a URL runs to its terminator, `process.env.` is followed by a name, a time-zone name
//! must stand alone. Nothing here runs a regex over every byte.

use std::collections::HashSet;

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
    literals: LiteralPass,
    time_zones: HashSet<Vec<u8>>,
    marks: Literals,
    literal_rules: Vec<LiteralRule>,
    regex_rules: Vec<RegexRule>,
}

/// What a literal of the literal pass stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `ANCHORS[i]`: look around it.
    Anchor(usize),
    /// A time-zone area (`Asia/`): the whole name is looked up.
    Area,
    /// `literal_rules[i]`.
    Rule(usize),
}

impl Target {
    /// Matches of one stream never overlap (leftmost-longest, as if the stream were
    /// searched alone); matches of different streams may.
    fn stream(self) -> usize {
        match self {
            Self::Anchor(_) => 0,
            Self::Area => 1,
            Self::Rule(_) => 2,
        }
    }
}

/// Longest key under which literals are grouped in the literal pass.
const KEY_LEN: usize = 4;

/// Literals shorter than this are searched apart: a two-byte pattern would shrink the
/// SIMD fingerprint of the whole set and flood it with candidates.
const SHORT_LITERAL: usize = 3;

/// Every literal of a scan — anchors, time-zone areas, telemetry and user literals — in
/// one SIMD pass.
///
/// Each literal is filed under a key, its first [`KEY_LEN`] bytes (shortened where one
/// key would be a prefix of another, so at most one key matches at any byte); the keys
/// are searched, and where one is found its literals are compared, longest first. ~100
/// keys stand for ~140 literals, under the 128 patterns the SIMD searcher takes, and one
/// pass costs what one of three separate passes did. Matching is leftmost-longest within
/// each [`Target::stream`], exactly as separate searches per stream would give.
#[derive(Debug)]
struct LiteralPass {
    keys: Literals,
    /// Per key: its literals and what they stand for, longest first.
    literals: Vec<Vec<(Vec<u8>, Target)>>,
    /// Literals shorter than [`SHORT_LITERAL`] (`~/`, short user literals), searched on
    /// their own.
    short: Option<(Literals, Vec<Target>)>,
}

impl LiteralPass {
    fn new(literals: Vec<(Vec<u8>, Target)>) -> Self {
        let (short, long): (Vec<_>, Vec<_>) = literals
            .into_iter()
            .filter(|(literal, _)| !literal.is_empty())
            .partition(|(literal, _)| literal.len() < SHORT_LITERAL);
        let mut keys: Vec<Vec<u8>> = long
            .iter()
            .map(|(literal, _)| literal[..literal.len().min(KEY_LEN)].to_vec())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        // A key that has a shorter key as a prefix is replaced by it.
        let shortest: Vec<Vec<u8>> = keys
            .iter()
            .map(|key| {
                keys.iter()
                    .filter(|other| key.starts_with(other))
                    .min_by_key(|other| other.len())
                    .unwrap_or(key)
                    .clone()
            })
            .collect();
        let mut keys = shortest;
        keys.sort_unstable();
        keys.dedup();
        let mut grouped: Vec<Vec<(Vec<u8>, Target)>> = vec![Vec::new(); keys.len()];
        for (literal, target) in long {
            let key = keys
                .iter()
                .position(|key| literal.starts_with(key))
                .unwrap_or_else(|| unreachable!("every literal's prefix is a key"));
            grouped[key].push((literal, target));
        }
        for group in &mut grouped {
            group.sort_by_key(|(literal, _)| std::cmp::Reverse(literal.len()));
        }
        let short = (!short.is_empty()).then(|| {
            let patterns: Vec<&[u8]> = short.iter().map(|(l, _)| l.as_slice()).collect();
            (
                Literals::new(&patterns),
                short.iter().map(|(_, t)| *t).collect(),
            )
        });
        Self {
            keys: Literals::new(&keys),
            literals: grouped,
            short,
        }
    }

    /// Calls `f(target, start, end)` for every match, in order of `start` per stream.
    fn for_each(&self, text: &[u8], mut f: impl FnMut(Target, usize, usize)) {
        let mut free_from = [0usize; 3];
        let mut at = 0;
        while let Some((key, start)) = self.keys.find_from(text, at) {
            for (literal, target) in &self.literals[key] {
                let stream = target.stream();
                if start >= free_from[stream] && text[start..].starts_with(literal) {
                    free_from[stream] = start + literal.len();
                    f(*target, start, start + literal.len());
                }
            }
            // Another key may start inside this one.
            at = start + 1;
        }
        if let Some((short, targets)) = &self.short {
            short.for_each(text, |pattern, start, end| f(targets[pattern], start, end));
        }
    }
}

/// A set of patterns found in one pass, leftmost-longest.
///
/// aho-corasick only uses its SIMD (Teddy) prefilter for at most 64 patterns; past that it
/// runs the automaton over every byte, about 4x slower on binaries. Its packed searcher
/// itself takes up to 128 patterns when told to ignore that heuristic, and measured
/// faster that way on the literal pass (~1.9 GB/s against ~0.5 GB/s on random bytes).
/// Sets it cannot take (more than 128 patterns, patterns shorter than
/// [`SHORT_LITERAL`], no SIMD on this CPU) get the automaton.
#[derive(Debug)]
enum Literals {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Literals {
    fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Self {
        let packable =
            patterns.len() <= 128 && patterns.iter().all(|p| p.as_ref().len() >= SHORT_LITERAL);
        if packable {
            let packed = aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
                .heuristic_pattern_limits(false)
                .builder()
                .extend(patterns)
                .build();
            if let Some(packed) = packed {
                return Self::Packed(packed);
            }
        }
        Self::Automaton(
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns)
                .unwrap_or_else(|e| unreachable!("literal patterns are valid: {e}")),
        )
    }

    /// The first match starting at or after `at`: its pattern and start.
    fn find_from(&self, text: &[u8], at: usize) -> Option<(usize, usize)> {
        let span = aho_corasick::Span::from(at..text.len());
        match self {
            Self::Packed(searcher) => searcher
                .find_in(text, span)
                .map(|m| (m.pattern().as_usize(), m.start())),
            Self::Automaton(automaton) => automaton
                .find(aho_corasick::Input::new(text).span(span))
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }

    /// Calls `f(pattern, start, end)` for each match, left to right.
    fn for_each(&self, text: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        match self {
            Self::Packed(searcher) => {
                for m in searcher.find_iter(text) {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
            }
            Self::Automaton(automaton) => {
                for m in automaton.find_iter(text) {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
            }
        }
    }
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
        let mut literals: Vec<(Vec<u8>, Target)> = ANCHORS
            .iter()
            .enumerate()
            .map(|(i, (anchor, _))| (anchor.as_bytes().to_vec(), Target::Anchor(i)))
            .collect();
        // Every zone name starts with its area (`Asia/`): a handful of literals find all
        // 550 names, which are then looked up whole.
        let mut areas: Vec<&str> = time_zones
            .iter()
            .map(|name| name.find('/').map_or(name.as_str(), |i| &name[..=i]))
            .collect();
        areas.sort_unstable();
        areas.dedup();
        literals.extend(
            areas
                .iter()
                .map(|area| (area.as_bytes().to_vec(), Target::Area)),
        );
        literals.extend(
            literal_rules
                .iter()
                .enumerate()
                .map(|(i, rule)| (rule.literal.as_bytes().to_vec(), Target::Rule(i))),
        );
        Self {
            literals: LiteralPass::new(literals),
            time_zones: time_zones.into_iter().map(String::into_bytes).collect(),
            marks: Literals::new(&marks),
            literal_rules,
            regex_rules,
        }
    }

    /// Every indicator in `text`, in order of position.
    pub fn detect(&self, text: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.literals
            .for_each(text, |target, start, end| match target {
                Target::Anchor(anchor) => anchored(text, anchor, start, end, &mut hits),
                Target::Area => self.time_zone_at(text, start, &mut hits),
                Target::Rule(i) => {
                    let rule = &self.literal_rules[i];
                    hits.push(Hit {
                        category: rule.category,
                        kind: rule.kind,
                        value: rule.name.clone(),
                        start,
                        end,
                    });
                }
            });
        self.marks(text, &mut hits);
        domains_and_addresses(text, &mut hits);
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
        comparisons(text, &mut hits);
        // Each pass above reports in order; the result is in order of the text.
        hits.sort_by_key(|h| (h.start, h.end));
        hits
    }

    /// A time-zone name starting at `start` (where its area was found): the whole run of
    /// name bytes must be a known name, standing alone.
    fn time_zone_at(&self, text: &[u8], start: usize, hits: &mut Vec<Hit>) {
        if start.checked_sub(1).is_some_and(|i| is_name_byte(text[i])) {
            return;
        }
        let len = text[start..]
            .iter()
            .take(64)
            .take_while(|b| is_name_byte(**b))
            .count();
        let name = &text[start..start + len];
        if self.time_zones.contains(name) {
            hits.push(hit(
                ClaimCategory::Conditional,
                Kind::TimeZone,
                String::from_utf8_lossy(name).into_owned(),
                start,
                start + len,
            ));
        }
    }

    fn marks(&self, text: &[u8], hits: &mut Vec<Hit>) {
        self.marks.for_each(text, |pattern, start, end| {
            if !in_text_context(text, start, end) {
                return;
            }
            let (c, kind, name) = MARKS[pattern];
            hits.push(hit(
                ClaimCategory::OutputMarking,
                kind,
                format!("U+{:04X} {name}", u32::from(c)),
                start,
                end,
            ));
        });
    }
}

/// Infix comparison operators, longest first.
const INFIX: &[&str] = &["===", "!==", "==", "!="];

/// Calls that compare their receiver or arguments with a literal.
const COMPARING_CALLS: &[&str] = &[
    "includes(",
    "startsWith(",
    "endsWith(",
    "indexOf(",
    "startswith(",
    "endswith(",
    "starts_with(",
    "HasPrefix(",
    "EqualFold(",
    "has(",
    "strcmp(",
    "strncmp(",
    "strcasecmp(",
];

/// Locale and time-zone values compared with literals: after a locale API
/// (`navigator.language === "zh-CN"`, `…timeZone.startsWith("Asia/")`), and around a
/// quoted zone name (`tz == "Asia/Shanghai"`, `case "Asia/Urumqi":`,
/// `["Asia/Shanghai", …].includes(tz)`, `strcmp(tz, "Asia/Shanghai")`).
fn comparisons(text: &[u8], hits: &mut Vec<Hit>) {
    let mut found = Vec::new();
    for h in hits.iter() {
        match h.kind {
            Kind::LocaleApi => {
                let Some((op, literal, end)) = compared_after(text, h.end) else {
                    continue;
                };
                // `Intl.DateTimeFormat().resolvedOptions().timeZone === …`: the comparison
                // is the innermost API's.
                let inner = hits.iter().any(|other| {
                    other.kind == Kind::LocaleApi && h.start < other.start && other.start < end
                });
                if !inner {
                    found.push(hit(
                        ClaimCategory::Conditional,
                        Kind::LocaleComparison,
                        format!("{} {op} \"{literal}\"", h.value),
                        h.start,
                        end,
                    ));
                }
            }
            Kind::TimeZone => {
                let quoted = h.start > 0
                    && matches!(text[h.start - 1], b'"' | b'\'' | b'`')
                    && text.get(h.end) == Some(&text[h.start - 1]);
                if !quoted
                    || found
                        .iter()
                        .any(|f: &Hit| f.start <= h.start && h.end <= f.end)
                {
                    continue;
                }
                if let Some(op) = operator_around(text, h.start - 1, h.end + 1) {
                    found.push(hit(
                        ClaimCategory::Conditional,
                        Kind::LocaleComparison,
                        format!("{op} \"{}\"", h.value),
                        h.start,
                        h.end,
                    ));
                }
            }
            _ => {}
        }
    }
    hits.extend(found);
}

/// After a locale API ending at `at`: a comparison with a string literal before the
/// statement or expression ends (a method chain such as `.toLowerCase()` may come
/// between). The operator, the literal and where the literal ends.
fn compared_after(text: &[u8], at: usize) -> Option<(String, String, usize)> {
    let window = &text[at..text.len().min(at + 64)];
    let stop = window
        .iter()
        .position(|b| matches!(b, b';' | b'{' | b'}' | b'\n' | b',' | b'?' | b'&' | b'|'))
        .unwrap_or(window.len());
    let window = &window[..stop];
    let (op_at, op) = (0..window.len()).find_map(|i| {
        INFIX
            .iter()
            .find(|op| window[i..].starts_with(op.as_bytes()))
            .map(|op| (i, (*op).to_owned()))
            .or_else(|| {
                (window[i] == b'.')
                    .then(|| {
                        COMPARING_CALLS
                            .iter()
                            .find(|c| window[i + 1..].starts_with(c.as_bytes()))
                            .map(|c| (i, format!(".{}", c.trim_end_matches('('))))
                    })
                    .flatten()
            })
    })?;
    let op_len = if op.starts_with('.') {
        op.len() + 1
    } else {
        op.len()
    };
    let (literal, end) = quoted_after(text, at + op_at + op_len)?;
    (!literal.is_empty() && literal.len() <= 64).then_some((op, literal, end))
}

/// The comparison a quoted literal spanning `open..close` (its quotes included) takes
/// part in, if any: an operator or comparing call just before it, an operator just after
/// it, or a list of literals it belongs to that is then searched (`].includes(`).
fn operator_around(text: &[u8], open: usize, close: usize) -> Option<String> {
    // Before: `=== "…"`, `case "…"`, `in ("…"`, `includes("…"`, `strcmp(tz, "…"`; for
    // a literal inside a list (`["a", "…"]`), what stands before the list.
    let mut head_end = open;
    loop {
        let trimmed = trim_end(&text[..head_end], b" \t").len();
        if trimmed == 0 || text[trimmed - 1] != b',' {
            break;
        }
        let item_end = trim_end(&text[..trimmed - 1], b" \t").len();
        let Some(&quote) = item_end.checked_sub(1).and_then(|i| text.get(i)) else {
            break;
        };
        if !matches!(quote, b'"' | b'\'' | b'`') {
            break;
        }
        let from = item_end.saturating_sub(130);
        match memchr::memrchr(quote, &text[from..item_end - 1]) {
            Some(i) => head_end = from + i,
            None => break,
        }
    }
    let window_start = head_end.saturating_sub(48);
    let line_start = text[window_start..head_end]
        .iter()
        .rposition(|b| matches!(b, b'\n' | b';' | b'{' | b'}'))
        .map_or(window_start, |i| window_start + i + 1);
    let before = &text[line_start..head_end];
    let trimmed = trim_end(before, b" \t([");
    if let Some(op) = INFIX.iter().find(|op| trimmed.ends_with(op.as_bytes())) {
        return Some((*op).to_owned());
    }
    if trimmed.ends_with(b"case") {
        return Some("case".to_owned());
    }
    if trimmed.ends_with(b" in") {
        return Some("in".to_owned());
    }
    for call in COMPARING_CALLS {
        let name = call.as_bytes();
        let Some(i) = memchr::memmem::rfind(before, name) else {
            continue;
        };
        let c_style = call.contains("cmp");
        // `x.includes(`, or a C function `strcmp(`: not the tail of a longer name.
        let preceded_ok = match i.checked_sub(1).map(|j| before[j]) {
            Some(b'.') => !c_style,
            Some(b) => c_style && !(b.is_ascii_alphanumeric() || b == b'_'),
            None => c_style,
        };
        let args = &before[i + name.len()..];
        // The literal is the call's first argument, or a later one of a C compare.
        let first = args.iter().all(u8::is_ascii_whitespace);
        let later = c_style
            && args
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b','));
        if preceded_ok && (first || later) {
            return Some(call.trim_end_matches('(').to_owned());
        }
    }
    // After: `"…" === tz`, or `["…", "…"].includes(tz)`.
    let after = &text[close..text.len().min(close + 512)];
    let after = trim_start(after, b" \t");
    if let Some(op) = INFIX.iter().find(|op| after.starts_with(op.as_bytes())) {
        return Some((*op).to_owned());
    }
    let list_end = after
        .iter()
        .position(|b| !(is_name_byte(*b) || b" \t,\"'`".contains(b)))?;
    let rest = &after[list_end..];
    if !matches!(rest.first(), Some(b']' | b')')) {
        return None;
    }
    let rest = trim_start(&rest[1..], b")");
    let call = rest.strip_prefix(b".")?;
    COMPARING_CALLS
        .iter()
        .find(|c| call.starts_with(c.as_bytes()))
        .map(|c| c.trim_end_matches('(').to_owned())
}

fn trim_end<'a>(bytes: &'a [u8], set: &[u8]) -> &'a [u8] {
    let keep = bytes
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(0, |i| i + 1);
    &bytes[..keep]
}

fn trim_start<'a>(bytes: &'a [u8], set: &[u8]) -> &'a [u8] {
    let skip = bytes
        .iter()
        .position(|b| !set.contains(b))
        .unwrap_or(bytes.len());
    &bytes[skip..]
}

/// What follows an anchor found at `start..end`.
fn anchored(text: &[u8], anchor: usize, start: usize, end: usize, hits: &mut Vec<Hit>) {
    let (anchor_text, anchor) = ANCHORS[anchor];
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
    let is_port = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
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

/// Bare domain names, IPv4 and IPv6 literals all grow out of a dot or a colon: one pass
/// over those bytes serves them all.
fn domains_and_addresses(text: &[u8], hits: &mut Vec<Hit>) {
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
    while start > 0 && colon - start < 45 && is_v6_byte(text[start - 1]) {
        start -= 1;
    }
    let mut end = colon;
    while end < text.len() && end - start < 45 && is_v6_byte(text[end]) {
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
    if start >= 4 && &text[start - 4..start] == b"://[" {
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
    if !(compressed || colons == 7)
        || !candidate.iter().any(u8::is_ascii_digit)
        || (groups < 2 && candidate != b"::1")
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
        || candidate.len() < 5
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
    let suffix = host.rsplit('.').next().unwrap_or_default();
    if labels == 2 && CODE_WORD_SUFFIXES.contains(&suffix) {
        return end;
    }
    // Inside a URL the URL detector reports the host already.
    if start >= 3 && &text[start - 3..start] == b"://" {
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
        .take(6)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let after = text.get(at + 1 + digits).copied();
    if digits == 0 || digits > 5 || after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.') {
        return None;
    }
    let port = std::str::from_utf8(&text[at + 1..at + 1 + digits]).ok()?;
    let port: u16 = port.parse().ok()?;
    (port != 0).then(|| port.to_string())
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
    if start >= 3 && &text[start - 3..start] == b"://" {
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
        if !ip.is_unspecified() && !ip.octets().iter().all(|o| *o < 10) {
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

    fn with_rules(literals: &[&str]) -> Detectors {
        Detectors::new(
            vec!["Asia/Shanghai".to_owned(), "US/Pacific".to_owned()],
            literals
                .iter()
                .map(|l| LiteralRule {
                    name: (*l).to_owned(),
                    literal: (*l).to_owned(),
                    category: ClaimCategory::Network,
                    kind: Kind::Rule,
                })
                .collect(),
            Vec::new(),
        )
    }

    fn found(detectors: &Detectors, text: &str) -> Vec<(Kind, String, usize)> {
        detectors
            .detect(text.as_bytes())
            .into_iter()
            .map(|h| (h.kind, h.value, h.start))
            .collect()
    }

    #[test]
    fn literal_streams_overlap_as_separate_searches_would() {
        // A user literal holding an anchor and a zone: all three are reported, as three
        // separate searches would report them.
        let d = with_rules(&["x/etc/hosts US/Pacific"]);
        let hits = found(&d, "\"x/etc/hosts US/Pacific\"");
        assert!(hits.contains(&(Kind::Rule, "x/etc/hosts US/Pacific".to_owned(), 1)));
        assert!(hits.contains(&(Kind::TimeZone, "US/Pacific".to_owned(), 13)));
        // (No path: `/etc/` after `x` does not start one.)
        assert!(!hits.iter().any(|(k, ..)| *k == Kind::Path));
        let hits = found(&d, "\"/etc/hosts\"");
        assert_eq!(hits, [(Kind::Path, "/etc/hosts".to_owned(), 1)]);
    }

    #[test]
    fn literals_sharing_a_key_are_each_found_longest_first() {
        // `US/` (an area) is a prefix of `US/Pac` (a rule's key): one key, both streams.
        let d = with_rules(&["US/Pac", "https://tele.example", "ab"]);
        let hits = found(&d, "\"US/Pacific\" https://tele.example/x ab");
        assert!(hits.contains(&(Kind::TimeZone, "US/Pacific".to_owned(), 1)));
        assert!(hits.contains(&(Kind::Rule, "US/Pac".to_owned(), 1)));
        // The URL anchor and the longer rule under the same key `http`.
        assert!(hits.contains(&(Kind::Url, "https://tele.example/x".to_owned(), 13)));
        assert!(hits.contains(&(Kind::Rule, "https://tele.example".to_owned(), 13)));
        // A two-byte literal is searched apart.
        assert!(hits.contains(&(Kind::Rule, "ab".to_owned(), 36)));
    }

    #[test]
    fn more_literals_than_the_simd_searcher_takes_are_still_found() {
        // 300 distinct keys: past the packed searcher's 128, the automaton runs.
        let rules: Vec<String> = (0..300).map(|i| format!("{i:03}-marker")).collect();
        let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
        let d = with_rules(&refs);
        assert!(matches!(d.literals.keys, Literals::Automaton(_)));
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("ssse3") {
            // The built-in set fits the SIMD searcher (that is its speed).
            assert!(matches!(with_rules(&[]).literals.keys, Literals::Packed(_)));
        }
        let text = "\"000-marker\" \"299-marker\" \"Asia/Shanghai\"";
        let hits = found(&d, text);
        assert_eq!(
            hits,
            [
                (Kind::Rule, "000-marker".to_owned(), 1),
                (Kind::Rule, "299-marker".to_owned(), 14),
                (Kind::TimeZone, "Asia/Shanghai".to_owned(), 27),
            ]
        );
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

    #[test]
    fn locale_comparisons() {
        let text = concat!(
            r#"if(Intl.DateTimeFormat().resolvedOptions().timeZone==="Asia/Shanghai"){x()}"#,
            r#"if(navigator.language.toLowerCase().startsWith("zh")){y()}"#,
            r#"const z=["Asia/Shanghai", "Asia/Urumqi"].includes(tz);"#,
            r#"switch(t){case "Europe/Berlin":break}"#,
            r#"if tz in ("Asia/Urumqi", "Europe/Berlin"): pass;"#,
            r#"if(strcmp(tz, "Asia/Shanghai")==0){}"#,
            r#"log("Asia/Shanghai");alphas("Asia/Urumqi");"#,
        );
        assert_eq!(
            values(text, Kind::LocaleComparison),
            [
                r#"resolvedOptions().timeZone === "Asia/Shanghai""#,
                r#"navigator.language .startsWith "zh""#,
                r#"includes "Asia/Shanghai""#,
                r#"includes "Asia/Urumqi""#,
                r#"case "Europe/Berlin""#,
                r#"in "Asia/Urumqi""#,
                r#"in "Europe/Berlin""#,
                r#"strcmp "Asia/Shanghai""#,
            ]
        );
    }
}
