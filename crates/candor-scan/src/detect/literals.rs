//! The literal pass: every literal of a scan — anchors, time-zone areas, telemetry and
//! user literals — found in one SIMD pass over the buffer.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// What a literal of the literal pass stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `anchors::ANCHORS[i]`: look around it.
    Anchor(usize),
    /// A time-zone area (`Asia/`): the whole name is looked up.
    Area,
    /// `literal_rules[i]`.
    Rule(usize),
}

/// The streams of [`Target::stream`]: anchors, areas, rules.
const STREAMS: usize = 3;

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

/// Most patterns aho-corasick's packed (Teddy) searcher takes.
const PACKED_MAX_PATTERNS: usize = 128;

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
pub(super) struct LiteralPass {
    keys: Literals,
    /// Per key: its literals and what they stand for, longest first.
    literals: Vec<Vec<(Vec<u8>, Target)>>,
    /// Literals shorter than [`SHORT_LITERAL`] (`~/`, short user literals), searched on
    /// their own.
    short: Option<(Literals, Vec<Target>)>,
}

impl LiteralPass {
    /// The pass over `literals`, each with what it stands for.
    pub(super) fn new(literals: Vec<(Vec<u8>, Target)>) -> Self {
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
    pub(super) fn for_each(&self, text: &[u8], mut f: impl FnMut(Target, usize, usize)) {
        let mut free_from = [0usize; STREAMS];
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
pub(super) enum Literals {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Literals {
    /// A searcher for `patterns`, packed if it can be.
    pub(super) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Self {
        let packable = patterns.len() <= PACKED_MAX_PATTERNS
            && patterns.iter().all(|p| p.as_ref().len() >= SHORT_LITERAL);
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
    pub(super) fn for_each(&self, text: &[u8], mut f: impl FnMut(usize, usize, usize)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::{found, with_rules};
    use crate::indicator::Kind;

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
}
