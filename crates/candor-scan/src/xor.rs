//! Single-byte XOR, all 255 keys in one pass.
//!
//! For a key `k`, `c[i] = p[i] ^ k`, so `c[i] ^ c[i+1] = p[i] ^ p[i+1]`: the delta of
//! the cipher text equals the delta of the plain text whatever the key. Searching the
//! delta-transformed buffer for the delta-transformed needles finds every key at once;
//! the key is then `c[i] ^ p[i]` at the hit.
//!
//! The delta is computed in blocks of [`CHUNK`] bytes (plus the longest needle less one
//! byte of overlap), so a search never copies the whole buffer; one Aho-Corasick
//! automaton with leftmost-first matching (which keeps its SIMD prefilter on) searches
//! each block. Its matches do not overlap and name one needle each, the first listed: of
//! needles with the same delta (one is the other XOR a byte), only the first gives a
//! key.
//!
//! A match is widened both ways while the bytes XOR the key to printable ASCII (and tab,
//! CR, LF) to recover the whole string around the needle. Two rules keep the widening
//! from running into the padding of an executable, where a zero byte decodes to the key
//! itself (printable for keys such as 0x5b): it stops before [`ZERO_RUN_STOP`]
//! consecutive zero bytes, and zero bytes at either end of a recovered run are trimmed
//! (up to the needle). A recovered run longer than [`MAX_HIT_LEN`] is reported in tiles
//! of that size (aligned to the run's start, so the result does not depend on which
//! needle found it): the tile in which each match starts.

use aho_corasick::{AhoCorasick, MatchKind};

/// Bytes of buffer whose delta is computed at a time.
pub const CHUNK: usize = 1 << 20;

/// Longest plain text returned in one hit: a longer run comes in tiles of this size.
pub const MAX_HIT_LEN: usize = 64 << 10;

/// Shortest needle accepted: the delta of a needle of `n` bytes has `n - 1` bytes, and a
/// 3-byte delta already matches random bytes once every 16 MiB per needle.
pub const MIN_NEEDLE_LEN: usize = 4;

/// Widening stops before this many consecutive zero bytes (executable padding).
pub const ZERO_RUN_STOP: usize = 8;

/// Parts per thread [`XorSearcher::find_parallel`] cuts a buffer into, so that threads
/// that finish early take more.
const PARTS_PER_THREAD: usize = 4;

/// Known plain texts that XOR-encoded behaviour tends to contain: the needles the scanner
/// searches for.
pub const NEEDLES: &[&str] = &[
    "https://",
    "http://",
    ".com,",
    ".com\"",
    ".cn,",
    ".net,",
    ".org,",
    ".run,",
    ".io,",
    "Asia/",
    "Europe/",
    "America/",
    "process.env",
    "child_process",
    "/etc/",
    "localhost",
    "api.",
    "www.",
];

/// Plain text recovered under one XOR key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XorHit {
    /// The key (never 0: that is plain text).
    pub key: u8,
    /// Byte offset of the recovered run (or of its tile, see [`MAX_HIT_LEN`]) in the
    /// buffer.
    pub offset: usize,
    /// Its length.
    pub length: usize,
    /// The recovered plain text.
    pub plaintext: Vec<u8>,
}

/// A needle [`XorSearcher::try_new`] cannot use, or an automaton it cannot build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XorError {
    /// Shorter than [`MIN_NEEDLE_LEN`].
    #[error("XOR needle {index} ({needle:?}) is shorter than {MIN_NEEDLE_LEN} bytes")]
    TooShort {
        /// Its position in the list.
        index: usize,
        /// The needle, lossily as text.
        needle: String,
    },
    /// One byte repeated: its delta is all zeros and would match every run of equal
    /// bytes (the zero padding of every executable) under every key.
    #[error("XOR needle {index} ({needle:?}) repeats one byte")]
    Constant {
        /// Its position in the list.
        index: usize,
        /// The needle, lossily as text.
        needle: String,
    },
    /// The automaton could not be built (aho-corasick's size limits).
    #[error("cannot build the XOR automaton: {0}")]
    Build(#[from] aho_corasick::BuildError),
}

/// Searches buffers for XOR-encoded occurrences of known plain texts.
#[derive(Debug)]
pub struct XorSearcher {
    needles: Vec<Vec<u8>>,
    /// Whether needle `i` is letters only: under key 0x20 it is the same word in the
    /// other case, which is not obfuscation.
    alphabetic: Vec<bool>,
    automaton: Option<AhoCorasick>,
    max_len: usize,
}

impl XorSearcher {
    /// A searcher for `needles`. Needles shorter than [`MIN_NEEDLE_LEN`] bytes, or made
    /// of one repeated byte, are dropped (use [`XorSearcher::try_new`] to have them
    /// reported instead); so, in the theoretical case where aho-corasick cannot build the
    /// automaton, is every needle, and the searcher then finds nothing.
    pub fn new(needles: &[&[u8]]) -> Self {
        let usable: Vec<&[u8]> = needles
            .iter()
            .copied()
            .filter(|n| check(0, n).is_ok())
            .collect();
        Self::build(&usable).unwrap_or_else(|_| Self::empty())
    }

    /// A searcher for `needles`, or why the first unusable one cannot be used (or the
    /// automaton cannot be built).
    pub fn try_new(needles: &[&[u8]]) -> Result<Self, XorError> {
        for (index, needle) in needles.iter().enumerate() {
            check(index, needle)?;
        }
        Self::build(needles)
    }

    fn empty() -> Self {
        Self {
            needles: Vec::new(),
            alphabetic: Vec::new(),
            automaton: None,
            max_len: 0,
        }
    }

    fn build(needles: &[&[u8]]) -> Result<Self, XorError> {
        if needles.is_empty() {
            return Ok(Self::empty());
        }
        let deltas: Vec<Vec<u8>> = needles.iter().map(|n| delta(n)).collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&deltas)?;
        Ok(Self {
            needles: needles.iter().map(|n| n.to_vec()).collect(),
            alphabetic: needles
                .iter()
                .map(|n| n.iter().all(u8::is_ascii_alphabetic))
                .collect(),
            automaton: Some(automaton),
            max_len: needles.iter().map(|n| n.len()).max().unwrap_or(0),
        })
    }

    /// Every XOR-encoded run in `buffer` containing a needle, widened to the whole run of
    /// printable plain text under the same key; one hit per (key, run), or per (key,
    /// tile) of a run longer than [`MAX_HIT_LEN`], ordered by offset then key. Key 0
    /// (plain text) is never reported, nor key 0x20 on a needle of letters only (that is
    /// the same word in the other case), nor a match whose encoded bytes are more than
    /// half zero (a needle mostly made of its key: `www.` under 0x77). Nor is a run
    /// implausible as hidden text: more than a quarter of its bytes zero (tables of small
    /// integers), or fewer than half of them letters once decoded (plain text under a
    /// chance key).
    pub fn find(&self, buffer: &[u8]) -> Vec<XorHit> {
        let mut hits = Vec::new();
        self.find_range(buffer, 0, buffer.len(), &mut hits);
        finish(hits)
    }

    /// [`XorSearcher::find`] on rayon's thread pool: the buffer is split into parts (a
    /// multiple of [`CHUNK`] each but the last) searched in parallel; the result is
    /// identical.
    pub fn find_parallel(&self, buffer: &[u8]) -> Vec<XorHit> {
        use rayon::prelude::*;
        let parts = rayon::current_num_threads().max(1) * PARTS_PER_THREAD;
        let part = buffer.len().div_ceil(parts).div_ceil(CHUNK).max(1) * CHUNK;
        if buffer.len() <= part {
            return self.find(buffer);
        }
        let starts: Vec<usize> = (0..buffer.len()).step_by(part).collect();
        let hits: Vec<XorHit> = starts
            .par_iter()
            .flat_map_iter(|&from| {
                let mut hits = Vec::new();
                self.find_range(buffer, from, (from + part).min(buffer.len()), &mut hits);
                hits
            })
            .collect();
        finish(hits)
    }

    /// The hits for matches starting in `from..to`, unordered and possibly repeated (a
    /// run found from two ranges): pass the hits of all ranges to
    /// [`XorSearcher::merge`]. For a caller that runs its own passes over each range
    /// while it is in the CPU cache. Ranges starting at multiples of [`CHUNK`] merge to
    /// exactly [`XorSearcher::find`]'s hits; other starts move where the search restarts,
    /// so where matches overlap across one the hits can differ.
    pub(crate) fn find_between(&self, buffer: &[u8], from: usize, to: usize) -> Vec<XorHit> {
        let mut hits = Vec::new();
        self.find_range(buffer, from, to.min(buffer.len()), &mut hits);
        hits
    }

    /// Hits of [`XorSearcher::find_between`] over ranges that cover a buffer, in the order
    /// and with the uniqueness [`XorSearcher::find`] gives.
    pub(crate) fn merge(hits: Vec<XorHit>) -> Vec<XorHit> {
        finish(hits)
    }

    /// Hits for the matches starting in `from..to`.
    fn find_range(&self, buffer: &[u8], from: usize, to: usize, hits: &mut Vec<XorHit>) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let mut state = KeyState {
            run: [(0, 0, false); 256],
            last_tile: [usize::MAX; 256],
        };
        let mut deltas = Vec::with_capacity(CHUNK.min(to - from) + self.max_len);
        let mut start = from;
        while start < to {
            let end = (start + CHUNK).min(to);
            // A match starting before `end` may reach `end + max_len - 2`.
            let stop = (end + self.max_len - 1).min(buffer.len());
            let block = &buffer[start..stop];
            deltas.clear();
            deltas.extend(block.iter().zip(&block[1..]).map(|(a, b)| a ^ b));
            for m in automaton.find_iter(&deltas) {
                let at = start + m.start();
                if at >= end {
                    break;
                }
                self.on_match(buffer, at, m.pattern().as_usize(), &mut state, hits);
            }
            start = end;
        }
    }

    fn on_match(
        &self,
        buffer: &[u8],
        at: usize,
        pattern: usize,
        state: &mut KeyState,
        hits: &mut Vec<XorHit>,
    ) {
        let needle = &self.needles[pattern];
        let key = buffer[at] ^ needle[0];
        if key == 0 || (key == 0x20 && self.alphabetic[pattern]) {
            return;
        }
        let cipher = &buffer[at..at + needle.len()];
        if !cipher.iter().zip(needle).all(|(c, p)| c ^ key == *p) {
            return;
        }
        // Zero bytes decode to the key itself: a needle that is mostly its own key
        // ("www." under 'w') is matched by the zero padding of every executable.
        if memchr::memchr_iter(0, cipher).count() * 2 > cipher.len() {
            return;
        }
        let k = usize::from(key);
        let (run_start, run_end, mostly_key) = if state.run[k].0 <= at && at < state.run[k].1 {
            state.run[k]
        } else {
            let run = widen(buffer, at, at + needle.len(), key);
            state.run[k] = run;
            run
        };
        if mostly_key {
            return;
        }
        let tile_start = run_start + (at - run_start) / MAX_HIT_LEN * MAX_HIT_LEN;
        if state.last_tile[k] == tile_start {
            return;
        }
        state.last_tile[k] = tile_start;
        let tile_end = (tile_start + MAX_HIT_LEN).min(run_end);
        hits.push(XorHit {
            key,
            offset: tile_start,
            length: tile_end - tile_start,
            plaintext: buffer[tile_start..tile_end]
                .iter()
                .map(|c| c ^ key)
                .collect(),
        });
    }
}

/// Per key: the last recovered run (and whether it is implausible as text, see
/// `widen`), and the start of the last tile reported.
struct KeyState {
    run: [(usize, usize, bool); 256],
    last_tile: [usize; 256],
}

fn check(index: usize, needle: &[u8]) -> Result<(), XorError> {
    let text = || String::from_utf8_lossy(needle).into_owned();
    if needle.len() < MIN_NEEDLE_LEN {
        return Err(XorError::TooShort {
            index,
            needle: text(),
        });
    }
    if needle.iter().all(|&b| b == needle[0]) {
        return Err(XorError::Constant {
            index,
            needle: text(),
        });
    }
    Ok(())
}

fn delta(bytes: &[u8]) -> Vec<u8> {
    bytes.windows(2).map(|w| w[0] ^ w[1]).collect()
}

const fn printable_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0x20;
    while i <= 0x7e {
        table[i] = true;
        i += 1;
    }
    table[b'\t' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table
}

static PRINTABLE: [bool; 256] = printable_table();

/// The printable run under `key` around `start..end` (the needle, kept whatever it is),
/// and whether it is implausible as hidden text: more than a quarter of its bytes zero
/// (the key itself once decoded: tables of small integers), or fewer than half of it
/// letters (plain text under a chance key: `"   y"` is `"www."` under 0x57).
fn widen(buffer: &[u8], start: usize, end: usize, key: u8) -> (usize, usize, bool) {
    let printable = |b: u8| PRINTABLE[usize::from(b ^ key)];
    let mut left = start;
    let mut zeros = 0;
    while left > 0 && printable(buffer[left - 1]) {
        left -= 1;
        zeros = if buffer[left] == 0 { zeros + 1 } else { 0 };
        if zeros == ZERO_RUN_STOP {
            left += ZERO_RUN_STOP;
            break;
        }
    }
    while left < start && buffer[left] == 0 {
        left += 1;
    }
    let mut right = end;
    zeros = 0;
    while right < buffer.len() && printable(buffer[right]) {
        right += 1;
        zeros = if buffer[right - 1] == 0 { zeros + 1 } else { 0 };
        if zeros == ZERO_RUN_STOP {
            right -= ZERO_RUN_STOP;
            break;
        }
    }
    while right > end && buffer[right - 1] == 0 {
        right -= 1;
    }
    let run = &buffer[left..right];
    let zero_bytes = memchr::memchr_iter(0, run).count();
    let letters = run
        .iter()
        .filter(|&&b| (b ^ key).is_ascii_alphabetic())
        .count();
    (
        left,
        right,
        zero_bytes * 4 > run.len() || letters * 2 < run.len(),
    )
}

/// Ordered by offset, then key, then length; one hit per (key, range).
fn finish(mut hits: Vec<XorHit>) -> Vec<XorHit> {
    hits.sort_unstable_by_key(|h| (h.offset, h.key, h.length));
    hits.dedup_by(|a, b| (a.offset, a.key, a.length) == (b.offset, b.key, b.length));
    hits
}

#[cfg(test)]
pub(crate) mod tests {
    use base64::Engine as _;

    use super::*;
    use crate::decode::{Decoder, find_encoded};

    const LIST: &[u8] = b"jd.com,taobao.com,cn-shanghai.fcapp.run,baidu.com,qq.com,aliyuncs.com";

    fn searcher() -> XorSearcher {
        let needles: Vec<&[u8]> = NEEDLES.iter().map(|n| n.as_bytes()).collect();
        XorSearcher::try_new(&needles).unwrap()
    }

    /// Deterministic noise.
    pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
        candor_test::Rng::new(seed).bytes(len)
    }

    fn xored(text: &[u8], key: u8) -> Vec<u8> {
        text.iter().map(|b| b ^ key).collect()
    }

    /// Plant `text` encoded with `key` at `at`, framed by bytes that decode to NUL so the
    /// recovered run is exactly the text.
    fn plant(buffer: &mut [u8], at: usize, text: &[u8], key: u8) {
        buffer[at - 1] = key;
        buffer[at..at + text.len()].copy_from_slice(&xored(text, key));
        buffer[at + text.len()] = key;
    }

    #[test]
    fn planted_lists_are_recovered_with_key_and_offset() {
        let mut buffer = noise(2 << 20, 0x0123_4567_89AB_CDEF);
        // The third plant straddles the first chunk boundary, with ".com," across it.
        let plants = [
            (1000, 0x5b),
            (300_000, 0x01),
            (CHUNK - 4, 0xff),
            (CHUNK + 500_000, 0x5b),
        ];
        for &(at, key) in &plants {
            plant(&mut buffer, at, LIST, key);
        }
        let searcher = searcher();
        let hits = searcher.find(&buffer);
        for &(at, key) in &plants {
            assert!(
                hits.iter()
                    .any(|h| h.key == key && h.offset == at && h.plaintext == LIST),
                "{key:#04x} at {at} missing: {:#?}",
                hits.iter().filter(|h| h.length >= 12).collect::<Vec<_>>()
            );
        }
        // Everything else is chance: short runs of random bytes that happen to decode.
        let long: Vec<_> = hits
            .iter()
            .filter(|h| h.length >= 12 && h.plaintext != LIST)
            .collect();
        assert!(long.is_empty(), "{long:#?}");
        assert_eq!(searcher.find_parallel(&buffer), hits);
    }

    #[test]
    fn one_hit_per_key_and_run() {
        // Many needle matches in one run: one hit. The same run under two keys: two.
        let mut buffer = noise(10_000, 7);
        let text = b"https://a.com,https://b.com,https://c.com,www.d.com,api.e.com,";
        plant(&mut buffer, 100, text, 0x21);
        plant(&mut buffer, 5000, text, 0x7f);
        let hits: Vec<_> = searcher()
            .find(&buffer)
            .into_iter()
            .filter(|h| h.length >= 12)
            .collect();
        assert_eq!(hits.len(), 2, "{hits:#?}");
        assert_eq!(
            (hits[0].key, hits[0].offset, hits[0].length),
            (0x21, 100, text.len())
        );
        assert_eq!(
            (hits[1].key, hits[1].offset, hits[1].plaintext.as_slice()),
            (0x7f, 5000, &text[..])
        );
    }

    #[test]
    fn base64_then_xor() {
        let blob = base64::engine::general_purpose::STANDARD.encode(xored(LIST, 0x5b));
        let js = format!("const L=atob(\"{blob}\").split(\"\");");
        let decoded = find_encoded(js.as_bytes(), 8);
        assert_eq!(decoded.len(), 1, "{decoded:?}");
        assert_eq!(decoded[0].decoder, Decoder::Base64);
        let hits = searcher().find(&decoded[0].bytes);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].key, hits[0].offset, hits[0].plaintext.as_slice()),
            (0x5b, 0, LIST)
        );
    }

    #[test]
    fn plain_text_and_case_flips_are_not_reported() {
        let text = b"fetch(\"https://api.example.com/v1\");LOCALHOST=1;x=\"jd.com,qq.com,\"";
        assert!(
            searcher().find(text).is_empty(),
            "{:?}",
            searcher().find(text)
        );
    }

    #[test]
    fn zero_padding_stops_the_widening() {
        // Key 0x5b turns zero bytes into '[': the widening must not run through padding.
        let mut buffer = vec![0u8; 4096];
        buffer[100..100 + LIST.len()].copy_from_slice(&xored(LIST, 0x5b));
        buffer[50] = b'X' ^ 0x5b;
        let hits = searcher().find(&buffer);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].offset, hits[0].plaintext.as_slice()), (100, LIST));
    }

    #[test]
    fn long_runs_come_in_tiles() {
        let mut text = Vec::new();
        while text.len() < 3 * MAX_HIT_LEN {
            text.extend_from_slice(b"https://host.example.com/path,");
        }
        // A needle in the last tile too (a tile is reported when a needle starts in it).
        text.extend_from_slice(b"https://end.example.com,");
        let mut buffer = noise(text.len() + 200, 11);
        plant(&mut buffer, 100, &text, 0x33);
        let hits = searcher().find(&buffer);
        let tiles: Vec<(usize, usize)> = hits
            .iter()
            .filter(|h| h.key == 0x33)
            .map(|h| (h.offset, h.length))
            .collect();
        assert_eq!(
            tiles,
            [
                (100, MAX_HIT_LEN),
                (100 + MAX_HIT_LEN, MAX_HIT_LEN),
                (100 + 2 * MAX_HIT_LEN, MAX_HIT_LEN),
                (100 + 3 * MAX_HIT_LEN, text.len() - 3 * MAX_HIT_LEN)
            ]
        );
        assert_eq!(searcher().find_parallel(&buffer), hits);
    }

    #[test]
    fn edge_cases() {
        let searcher = searcher();
        assert!(searcher.find(b"").is_empty());
        assert!(searcher.find_parallel(b"").is_empty());
        assert!(searcher.find(b"abc").is_empty());
        assert!(
            searcher.find(&xored(b"https:/", 9)).is_empty(),
            "shorter than the needle"
        );
        let exact = xored(b"https://", 9);
        let hits = searcher.find(&exact);
        assert_eq!(
            (hits.len(), hits[0].key, hits[0].plaintext.as_slice()),
            (1, 9, &b"https://"[..])
        );
        // Needles that cannot work.
        assert!(matches!(
            XorSearcher::try_new(&[&b"abc"[..]]),
            Err(XorError::TooShort { index: 0, .. })
        ));
        assert!(matches!(
            XorSearcher::try_new(&[&b"abcd"[..], b"    "]),
            Err(XorError::Constant { index: 1, .. })
        ));
        let lenient = XorSearcher::new(&[&b"abc"[..], b"    ", b"www."]);
        assert_eq!(lenient.find(&xored(b"www.x.com", 3)).len(), 1);
        assert!(XorSearcher::new(&[]).find(&exact).is_empty());
    }
}
