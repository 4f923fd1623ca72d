//! base64, standard (RFC 4648 §4) and URL-safe (§5): which runs are base64 rather than
//! identifiers, paths or tables, and what they decode to.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine as _};

use super::classes::{DIGIT, HEX, LOWER, STD, UPPER, URL, class};
use super::{Decoded, Decoder, Limits};

/// Shortest `/`-delimited segment of a run made of hex digits alone that is taken for a
/// hash (a commit, a digest) in a path: in base64 of anything, 16 characters in a row
/// that are all hex digits of one case come about once in 10^9.
const MIN_HASH_SEGMENT: usize = 16;

/// A maximal run `start..end` of base64-alphabet bytes.
///
/// A path holding a hash, as URLs do (`com/DefinitelyTyped/DefinitelyTyped/commit/` and
/// 40 hex digits, after `https://github.`), is a run of the standard alphabet that
/// decodes to noise: the hashes (`/`-delimited segments of at least
/// [`MIN_HASH_SEGMENT`] hex digits of one case) are cut out, and what is left on each
/// side is a run of its own.
pub(super) fn run_base64(
    buffer: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    out: &mut Vec<Decoded>,
) {
    if end - start < limits.base64_run {
        return;
    }
    let mut piece = start;
    let mut segment = start;
    for k in start..=end {
        if k < end && buffer[k] != b'/' {
            continue;
        }
        if is_hash(&buffer[segment..k]) {
            // The piece before, less the `/` before the hash.
            if segment > piece {
                run_alphabets(buffer, piece, segment - 1, limits, out);
            }
            piece = (k + 1).min(end);
        }
        segment = k + 1;
    }
    if piece == start {
        run_alphabets(buffer, start, end, limits, out);
    } else if piece < end {
        run_alphabets(buffer, piece, end, limits, out);
    }
}

/// Whether a `/`-delimited segment is a hash: at least [`MIN_HASH_SEGMENT`] hex digits,
/// its letters of one case.
fn is_hash(segment: &[u8]) -> bool {
    segment.len() >= MIN_HASH_SEGMENT
        && (segment
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            || segment
                .iter()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)))
}

/// A run `start..end` of base64-alphabet bytes with no hash in it: one base64 string, or
/// two alphabets' strings side by side.
fn run_alphabets(buffer: &[u8], start: usize, end: usize, limits: &Limits, out: &mut Vec<Decoded>) {
    if end - start < limits.base64_run {
        return;
    }
    let run = &buffer[start..end];
    let std = run.iter().filter(|&&b| class(b) & STD != 0).count();
    let url = run.iter().filter(|&&b| class(b) & URL != 0).count();
    if std == 0 || url == 0 {
        base64_piece(buffer, start, end, end, limits, out);
        return;
    }
    // Both alphabets' own characters: not one base64 string. Split at the minority.
    let split = if std >= url { URL } else { STD };
    let mut piece = start;
    for k in start..=end {
        if k == end || class(buffer[k]) & split != 0 {
            if k - piece >= limits.base64_run {
                base64_piece(buffer, piece, k, end, limits, out);
            }
            piece = k + 1;
        }
    }
}

const BASE64_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const BASE64_STD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, BASE64_CONFIG);
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, BASE64_CONFIG);

/// One base64 candidate `start..end` (single alphabet); `run_end` is where its maximal
/// run ends (padding is only looked for there).
fn base64_piece(
    buffer: &[u8],
    start: usize,
    end: usize,
    run_end: usize,
    limits: &Limits,
    out: &mut Vec<Decoded>,
) {
    let piece = &buffer[start..end];
    let n = piece.len();
    let usable = if n % 4 == 1 { n - 1 } else { n };
    if usable * 3 / 4 < limits.min_decoded.max(1) || !plausible_base64(piece) {
        return;
    }
    let url = piece.iter().any(|&b| class(b) & URL != 0);
    let (decoder, engine) = if url {
        (Decoder::Base64Url, &BASE64_URL)
    } else {
        (Decoder::Base64, &BASE64_STD)
    };
    let Ok(bytes) = engine.decode(&piece[..usable]) else {
        return;
    };
    let mut length = n;
    if end == run_end {
        let padding = buffer[end..]
            .iter()
            .take(3)
            .take_while(|&&b| b == b'=')
            .count();
        if (1..=2).contains(&padding) && (n + padding).is_multiple_of(4) {
            length += padding;
        }
    }
    out.push(Decoded {
        decoder,
        offset: start,
        length,
        bytes,
    });
}

/// Fewest upper-case and fewest lower-case letters in a base64 run: base64 mixes cases.
const MIN_LETTERS_OF_EACH_CASE: usize = 2;
/// Lower-case letters in a row from which they count as a group, as in words.
const GROUP_LEN: usize = 3;
/// Lower-case letters in a row that make a `word` (or, after a capital, `Word`) shape.
const WORD_SHAPE_LEN: usize = 2;
/// A run whose lower-case letters are at least this many percent in groups is words.
const GROUPED_PERCENT: usize = 85;
/// … or at least this many percent, when at most [`FEW_INNER`] digits before letters and
/// `+` appear in it (base64 is full of them, identifiers are not).
const GROUPED_PERCENT_FEW_INNER: usize = 70;
/// See [`GROUPED_PERCENT_FEW_INNER`].
const FEW_INNER: usize = 1;
/// A run without `+`, `/` or digits before letters whose letters are at least this many
/// percent in word shapes is words.
const WORDED_PERCENT: usize = 60;
/// Bytes at the start of a run the table test (`periodic`) reads.
const PERIODIC_PREFIX: usize = 4096;
/// Distances at which tables repeat (4 and 8 left out: see `periodic`).
const PERIODS: [usize; 6] = [1, 2, 3, 5, 6, 7];
/// A run in which at least this many percent of positions repeat at one of [`PERIODS`]
/// is a table.
const PERIODIC_PERCENT: usize = 30;

/// Whether a run of base64-alphabet bytes looks like base64 rather than words.
///
/// - Base64 mixes cases: at least two upper- and two lower-case letters.
/// - In base64 of anything (random bytes, text, text under XOR) lower-case letters come
///   mostly alone or in pairs: fewer than half of them sit in groups of three or more. In
///   identifiers and paths nearly all do. Digits before letters and `+` are rare in
///   identifiers and common in base64, so they lower the bar (85% of the lower-case
///   letters in groups, else 70%).
/// - A run without `+`, `/` or digits before letters (`LLVMBuildPtrToInt2`,
///   `CSKYInlineAsmReg`) is words when 60% of its letters are in `Word` or `word` shapes
///   (two lower-case letters or more, after at most one capital).
/// - Neither a mangled symbol, nor a table (see `periodic`), nor hex digits.
///
/// Measured in Python on random base64, this rejects about 8% of 16-character runs, 0.9%
/// of 32-character runs and none from 64 up; on base64 of URLs, domain lists and code
/// under each of the 256 XOR keys, 0.7% (short runs of a few keys); and every camel-case
/// DOM, Node, LLVM or rustc name tried.
fn plausible_base64(run: &[u8]) -> bool {
    if mangled_symbol(run) || periodic(run) {
        return false;
    }
    let hex = run.strip_prefix(b"0x").unwrap_or(run);
    if hex.iter().all(|&b| class(b) & HEX != 0) {
        return false; // hex, perhaps of mixed case: not base64 of anything
    }
    let mut upper = 0usize;
    let mut lower = 0usize;
    let mut slash = false;
    // Lower-case letters in groups of three or more; letters in `Word`/`word` shapes.
    let mut in_groups = 0usize;
    let mut in_words = 0usize;
    let mut group = 0usize;
    let mut capital = false;
    // Digits followed by a letter, and `+`.
    let mut inner = 0usize;
    for (k, &b) in run.iter().enumerate() {
        let c = class(b);
        if c & LOWER != 0 {
            lower += 1;
            group += 1;
            continue;
        }
        if group >= GROUP_LEN {
            in_groups += group;
        }
        if group >= WORD_SHAPE_LEN {
            in_words += group + usize::from(capital);
        }
        group = 0;
        capital = c & UPPER != 0;
        if c & UPPER != 0 {
            upper += 1;
        } else if c & DIGIT != 0 {
            if run
                .get(k + 1)
                .is_some_and(|&next| class(next) & (UPPER | LOWER) != 0)
            {
                inner += 1;
            }
        } else if b == b'+' {
            inner += 1;
        } else if b == b'/' {
            slash = true;
        }
    }
    if group >= GROUP_LEN {
        in_groups += group;
    }
    if group >= WORD_SHAPE_LEN {
        in_words += group + usize::from(capital);
    }
    if upper < MIN_LETTERS_OF_EACH_CASE || lower < MIN_LETTERS_OF_EACH_CASE {
        return false;
    }
    let grouped = in_groups * 100 >= lower * GROUPED_PERCENT
        || (in_groups * 100 >= lower * GROUPED_PERCENT_FEW_INNER && inner <= FEW_INNER);
    let worded = inner == 0 && !slash && in_words * 100 >= (upper + lower) * WORDED_PERCENT;
    !grouped && !worded
}

/// A table rather than an encoding: in at least 30% of positions (of the first 4 KiB) the
/// byte equals the one 1, 2, 3, 5, 6 or 7 places on (`PGPCPLPZPIPe`, `en-150en-AGen-AI`,
/// `r0r1r2r3`). Random base64 does so in 1.6%, base64 of text barely more, except at
/// distances 4 and 8, where repetitive plain text shows through (left out).
fn periodic(run: &[u8]) -> bool {
    let run = &run[..run.len().min(PERIODIC_PREFIX)];
    PERIODS.iter().any(|&p| {
        let same = run
            .iter()
            .zip(&run[p.min(run.len())..])
            .filter(|(a, b)| a == b)
            .count();
        same * 100 >= run.len().saturating_sub(p) * PERIODIC_PERCENT
    })
}

/// An Itanium C++ (`_ZN…`) or Rust v0 (`_RNv…`, `_RINv…`) mangled symbol, with the extra
/// leading underscore of Mach-O: native symbol tables hold tens of thousands of them,
/// and their hashes and length prefixes look like base64.
fn mangled_symbol(run: &[u8]) -> bool {
    let Some(run) = run.strip_prefix(b"_") else {
        return false;
    };
    let run = run.strip_prefix(b"_").unwrap_or(run);
    match run {
        [b'Z', next, ..] => next.is_ascii_uppercase() || next.is_ascii_digit(),
        [b'R', next, ..] => next.is_ascii_uppercase(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::*;
    use crate::decode::{find_base64, find_encoded};

    const PROSE: &str = "The quick brown fox jumps over the lazy dog. Internationalization and \
        localization matter; accessibility, documentation, configuration and authentication \
        are ordinary words. Unexpected token in JSON at position 12. Cannot read properties \
        of undefined (reading 'length'). deadline faced decade accede";

    const IDENTIFIERS: &[&str] = &[
        "getElementsByTagName",
        "addEventListener",
        "removeEventListener",
        "querySelectorAll",
        "XMLHttpRequest",
        "encodeURIComponent",
        "decodeURIComponent",
        "ReactDOMServerRenderer",
        "WebGL2RenderingContext",
        "HTMLIFrameElement",
        "getOwnPropertyDescriptors",
        "__importDefault",
        "createElementNS",
        "componentDidUpdate",
        "UNSAFE_componentWillMount",
        "SharedArrayBuffer",
        "BigUint64Array",
        "toLocaleDateString",
        "getTimezoneOffset",
        "Float32ArrayPrototype",
        "sha256HmacDigestValue",
        "resolvedOptions",
        "DateTimeFormat",
        "node_modules/react-dom/cjs/react-dom",
        "org/apache/commons/lang3/StringUtils",
        "/Users/runner/work/Project/Source/FooBar",
        "github.com/spf13/cobra/Command",
        "_ZN4core3ptr85drop_in_place",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "MAX_SAFE_INTEGER",
        "ANTHROPIC_BASE_URL",
        "application/x-www-form-urlencoded",
        "text/html;charset=utf-8",
        "2026-06-30T12:00:00Z",
        "1234567890123456789012",
        "LLVMBuildPtrToInt",
        "CSKYInlineAsmRegClass",
        "_RINvNvMs2_NtCslNYArtu3iFV_5alloc7raw_vecINtB8_11RawVecInnerpE7reserve21do_reserve",
        "__ZN4core3fmt9Formatter3pad17h3c8e7a0e3b1f5f1aE",
        "r0r1r2r3r4r5r7r8r9r10r11r12r14s0s1s2s3s4s5s6s7s8s9s10s11",
        "en-150en-AGen-AIen-ATen-AUen-BBen-BEen-BMen-BSen-BWen-BZ",
        "PGPCPLPZPIPePvPNPUPuPtPwPOP",
    ];

    #[test]
    fn base64_in_a_js_string() {
        let b64 = STANDARD.encode("https://example.com,evil.cn");
        let buffer = format!("var a=\"{b64}\";");
        let found = find_encoded(buffer.as_bytes(), 8);
        assert_eq!(
            found,
            [Decoded {
                decoder: Decoder::Base64,
                offset: 7,
                length: b64.len(),
                bytes: b"https://example.com,evil.cn".to_vec(),
            }]
        );
    }

    #[test]
    fn url_safe_base64() {
        // Bytes chosen so that the encoding has `-` and `_`.
        let data: Vec<u8> = (0u8..48).map(|i| i.wrapping_mul(37) ^ 0xfb).collect();
        let b64 = URL_SAFE_NO_PAD.encode(&data);
        assert!(b64.contains('-') || b64.contains('_'), "{b64}");
        let buffer = format!("fetch(u+'?t={b64}')");
        let found = find_encoded(buffer.as_bytes(), 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].decoder, Decoder::Base64Url);
        assert_eq!(found[0].offset, buffer.find(&b64).unwrap());
        assert_eq!(found[0].length, b64.len());
        assert_eq!(found[0].bytes, data);
    }

    #[test]
    fn base64_length_remainder_and_padding() {
        // 17 characters: the last one cannot encode anything and is ignored.
        let b64 = STANDARD.encode("0123456789ab"); // 16 chars, no padding
        let buffer = format!("x=\"{b64}Q\"");
        let found = find_encoded(buffer.as_bytes(), 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].offset, found[0].length), (3, 17));
        assert_eq!(found[0].bytes, b"0123456789ab");
        // One `=` of padding counts; `===` is an operator, not padding.
        let b64 = STANDARD.encode("0123456789abcd");
        assert_eq!(b64.len() - b64.trim_end_matches('=').len(), 1);
        let found = find_encoded(format!("x=\"{b64}\"").as_bytes(), 8);
        assert_eq!(
            (found[0].length, found[0].bytes.as_slice()),
            (b64.len(), &b"0123456789abcd"[..])
        );
        let buffer = format!("if({}===x)", b64.trim_end_matches('='));
        let found = find_encoded(buffer.as_bytes(), 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].length, found[0].bytes.as_slice()),
            (b64.len() - 1, &b"0123456789abcd"[..])
        );
    }

    /// Issue 17: a commit URL whose path mixes cases (`DefinitelyTyped`) made a 62-byte
    /// "base64 blob" of `com/DefinitelyTyped/DefinitelyTyped/commit/<40 hex digits>`.
    #[test]
    fn commit_hashes_in_urls_are_not_base64() {
        let hash = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
        let text = format!(
            "- fix ([#1](https://github.com/DefinitelyTyped/DefinitelyTyped/commit/{hash}))\n\
             - https://gitlab.com/GitLabOrg/GitLabRunner/-/commit/{}\n\
             - https://github.com/NodeJS/Node/blob/{hash}/lib/internal/Url.js\n",
            hash.to_uppercase()
        );
        let found = find_base64(text.as_bytes(), 8);
        for d in &found {
            let encoded = &text[d.offset..d.offset + d.length];
            assert!(
                !encoded.contains(hash) && !encoded.contains(&hash.to_uppercase()),
                "{encoded}"
            );
        }
        // What is left beside a hash is a run of its own, base64 if it is any.
        let b64 = STANDARD.encode("https://telemetry.evil.example/collect?id=");
        let text = format!("x/{hash}/{b64}");
        let found = find_base64(text.as_bytes(), 8);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].bytes,
            b"https://telemetry.evil.example/collect?id=".to_vec()
        );
    }

    #[test]
    fn words_and_identifiers_are_not_encoded() {
        let mut buffer = String::from(PROSE);
        for (i, id) in IDENTIFIERS.iter().enumerate() {
            write!(
                buffer,
                ";var {id}{}=this.{id}||function(e){{return\"{id}\"+e}};",
                i % 3
            )
            .unwrap();
            write!(buffer, "exports.{id}=\"{id}\";").unwrap();
        }
        let found = find_encoded(buffer.as_bytes(), 8);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn random_base64_is_mostly_accepted() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut accepted = 0;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..48)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            let buffer = format!("\"{}\"", STANDARD.encode(&bytes));
            accepted += usize::from(
                find_encoded(buffer.as_bytes(), 8)
                    .iter()
                    .any(|d| d.bytes == bytes),
            );
        }
        assert!(accepted >= 198, "{accepted}");
    }
}
