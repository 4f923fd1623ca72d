//! Finding and decoding encoded runs: base64 (standard and URL-safe), hex, JS escapes
//! (`\xNN`, `\uNNNN`, `\u{…}`), `String.fromCharCode(…)` and `fromCodePoint(…)` lists.
//!
//! The buffer may be a minified bundle or a native executable of hundreds of megabytes,
//! so nothing here looks at every byte through a regex or allocates per byte:
//!
//! - base64 and hex runs are at least [`MIN_RUN`] bytes long, so each covers a whole
//!   8-byte word of its window (counted from the window's start): a few 64-bit
//!   operations per word rule out nearly every word of binary data, and only words that
//!   pass are checked and extended with a byte-class table;
//! - escape literals are found with `memmem` on `\x` and `\u`, char-code lists on
//!   `fromC`;
//! - only runs that pass the cheap shape tests are decoded (one allocation per result;
//!   char-code lists also collect their numbers first);
//! - the buffer is cut into windows of about 256 KiB at control characters and unescaped
//!   quotes, which no encoded run spans but a char-code list broken over lines (read to
//!   its end by the window it starts in), and every scanner passes over a window while it
//!   is in the CPU cache, so memory is read once.
//!
//! [`find_encoded_parallel`] hands the same windows to rayon and returns exactly what
//! [`find_encoded`] returns.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine as _};
use memchr::memmem;
use serde::Serialize;

/// A decoding step, as it appears in an evidence chain (`base64 → xor(0x5b)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decoder {
    /// RFC 4648 §4 base64.
    Base64,
    /// RFC 4648 §5 URL-safe base64.
    Base64Url,
    /// Hexadecimal digits, two per byte.
    Hex,
    /// A JS/C string with `\xNN` / `\uNNNN` / `\u{…}` escapes.
    JsEscapes,
    /// `String.fromCharCode(104, 116, …)` or `String.fromCodePoint(…)`.
    FromCharCode,
}

/// One encoded run found in a buffer and what it decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// How it was encoded.
    pub decoder: Decoder,
    /// Byte offset of the encoded run in the buffer searched.
    pub offset: usize,
    /// Length of the encoded run in bytes.
    pub length: usize,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// Shortest base64 or hex run considered, in encoded bytes, whatever `min_decoded_len`
/// says: shorter runs of letters and digits are mostly identifiers and numbers.
pub const MIN_RUN: usize = 16;

/// Fewest `\x`/`\u` escapes that make a string literal worth decoding on their own
/// (`"\x1b[0m"` is a colour code, not obfuscation).
pub const MIN_ESCAPES: usize = 4;

/// Every encoded run in `buffer` that decodes to at least `min_decoded_len` bytes
/// (escapes and char codes also when shorter, see below), ordered by offset, then
/// length, then decoder.
///
/// - **base64** (`Base64`, or `Base64Url` when the run contains `-` or `_`): a maximal
///   run of alphabet bytes, at least [`MIN_RUN`] long, optionally followed by one or two
///   `=` of padding that complete a multiple of four (counted in `length`). A run must
///   hold at least two upper- and two lower-case letters and must not look like words:
///   runs whose lower-case letters mostly come in groups of three or more
///   (`getElementsByTagName`, `org/apache/commons/StringUtils`) or whose letters mostly
///   come in `Word` shapes (`LLVMBuildPtrToInt`) are identifiers or paths, as are
///   C++/Rust mangled symbols (`_ZN…`, `_RN…`); tables (`r0r1r2r3`) and runs of hex
///   digits only are rejected too. A run mixing `+`/`/` with `-`/`_` is split at the minority kind.
///   A trailing single character (length ≡ 1 mod 4) is ignored when decoding. The
///   decoded bytes are returned whatever they look like (the caller XOR-scans them).
/// - **hex** (`Hex`): an even number (at least `2 × min_decoded_len` and [`MIN_RUN`]) of
///   hex digits, all letters of one case, with at least one letter and one digit, not
///   glued to other letters, digits or `_` (a `0x`/`0X` prefix is allowed and left out of
///   `offset` and `length`).
/// - **JS escapes** (`JsEscapes`): the string literal around `\xNN`, `\uNNNN`, `\u{…}`
///   escapes — bounded by unescaped quotes (`"`, `'`, `` ` ``) or control characters
///   other than tab — decoded whole (other escapes such as `\n` and `\"` included), when
///   it holds at least [`MIN_ESCAPES`] such escapes and decodes to `min_decoded_len`
///   bytes, **or** when any `\u` escape is a non-ASCII character, whatever the length
///   (`"\u02BC"`: the look-alike detector needs it). `offset`/`length` cover the
///   literal's contents, quotes excluded. `\xNN` decodes to the byte `NN` (as in C, and
///   as `charCodeAt` gives it back in JS: XOR-encoded bytes stay bytes); `\uNNNN`
///   decodes to the UTF-8 of the code point, surrogate pairs joined, a lone surrogate as
///   U+FFFD.
/// - **char codes** (`FromCharCode`): `String.fromCharCode(104, 0x74, …)`, also
///   `.apply(x, [...])`, `(...[...])` and `String.fromCodePoint(…)`, on any receiver,
///   with decimal, hex, octal or binary literals only (a call with any other argument,
///   such as `c ^ 91`, is not decoded, nor an invalid code point). `offset` starts at
///   `String.` when present (else at `from…`) and `length` runs to the closing
///   parenthesis. When every code is at most 0xFF the result is those bytes; otherwise it
///   is the UTF-8 of the characters (`fromCharCode` codes taken modulo 2^16 as UTF-16, a
///   lone surrogate as U+FFFD). Returned when it decodes to `min_decoded_len` bytes or
///   has a code above 0xFF.
pub fn find_encoded(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    let finders = Finders::new(min_decoded_len);
    windows(buffer)
        .into_iter()
        .flat_map(|(from, to)| find_in_window(buffer, from, to, &finders))
        .collect()
}

/// [`find_encoded`] on rayon's thread pool, with an identical result.
pub fn find_encoded_parallel(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    use rayon::prelude::*;
    let finders = Finders::new(min_decoded_len);
    windows(buffer)
        .par_iter()
        .map(|&(from, to)| find_in_window(buffer, from, to, &finders))
        .collect::<Vec<_>>()
        .concat()
}

/// [`find_encoded`] one window at a time, for a caller that runs its own passes over the
/// same bytes while they are in the CPU cache (the scan engine does, block by block).
/// Concatenating [`WindowFinder::find`] over [`WindowFinder::windows`] in order gives
/// exactly what [`find_encoded`] returns.
pub struct WindowFinder {
    finders: Finders,
}

impl std::fmt::Debug for WindowFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowFinder").finish_non_exhaustive()
    }
}

impl WindowFinder {
    /// A finder for what [`find_encoded`] returns with `min_decoded_len`.
    pub fn new(min_decoded_len: usize) -> Self {
        Self {
            finders: Finders::new(min_decoded_len),
        }
    }

    /// The windows of `buffer`, in order: `(start, end)` ranges of about 256 KiB that
    /// cover it, each after the first starting at a control character or an unescaped
    /// quote (see the module docs).
    pub fn windows(buffer: &[u8]) -> Vec<(usize, usize)> {
        windows(buffer)
    }

    /// The encoded runs starting in `window` (one of [`WindowFinder::windows`]), ordered
    /// by offset.
    pub fn find(&self, buffer: &[u8], window: (usize, usize)) -> Vec<Decoded> {
        find_in_window(buffer, window.0, window.1, &self.finders)
    }
}

/// The buffer cut into windows of about [`WINDOW`] bytes, each starting at a byte no
/// encoded run can span (a control character or an unescaped quote). Every scanner makes
/// its own pass over a window while it is still in the CPU cache: one pass over the whole
/// buffer each would read a large input from memory four times.
fn windows(buffer: &[u8]) -> Vec<(usize, usize)> {
    // If no cut can be found this far after a window's nominal end, the window grows.
    const MAX_SEARCH: usize = 64 << 10;
    let mut cuts = vec![0];
    let mut nominal = WINDOW;
    while nominal < buffer.len() {
        let search_end = (nominal + MAX_SEARCH).min(buffer.len());
        if let Some(cut) = (nominal..search_end).find(|&i| is_hard_stop(buffer, i)) {
            cuts.push(cut);
            nominal = cut + WINDOW;
        } else {
            nominal = search_end + WINDOW;
        }
    }
    cuts.push(buffer.len());
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Bytes per window (see `windows`).
const WINDOW: usize = 256 << 10;

/// Thresholds and searchers, built once per call.
struct Finders {
    limits: Limits,
    x: memmem::Finder<'static>,
    u: memmem::Finder<'static>,
    from_c: memmem::Finder<'static>,
}

impl Finders {
    fn new(min_decoded_len: usize) -> Self {
        Self {
            limits: Limits::new(min_decoded_len),
            x: memmem::Finder::new(b"\\x"),
            u: memmem::Finder::new(b"\\u"),
            from_c: memmem::Finder::new(b"fromC"),
        }
    }
}

/// Thresholds derived from `min_decoded_len`.
struct Limits {
    min_decoded: usize,
    base64_run: usize,
    hex_run: usize,
}

impl Limits {
    fn new(min_decoded: usize) -> Self {
        // `n` base64 characters decode to `floor(3n / 4)` bytes.
        let base64_run = MIN_RUN.max(min_decoded.saturating_mul(4).div_ceil(3));
        let hex_run = MIN_RUN.max(min_decoded.saturating_mul(2));
        Self {
            min_decoded,
            base64_run,
            hex_run,
        }
    }
}

/// Results whose encoded run starts in `from..to` (reading past `to` when a run does).
/// `from` is 0 or a hard stop ([`is_hard_stop`]), and so is `to` unless it is the end.
fn find_in_window(buffer: &[u8], from: usize, to: usize, finders: &Finders) -> Vec<Decoded> {
    let mut out = Vec::new();
    scan_runs(buffer, from, to, &finders.limits, &mut out);
    scan_escapes(buffer, from, to, finders, &mut out);
    scan_char_codes(buffer, from, to, finders, &mut out);
    out.sort_by_key(|d| (d.offset, d.length, d.decoder));
    out
}

// ---------------------------------------------------------------------------------------
// Byte classes.

/// In a base64 run (either alphabet).
const RUN: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;
const DIGIT: u8 = 8;
/// `+` or `/`: standard alphabet only.
const STD: u8 = 16;
/// `-` or `_`: URL-safe alphabet only.
const URL: u8 = 32;
/// A hex digit.
const HEX: u8 = 64;
/// Ends a string literal: an (unescaped) quote, or a control character other than tab.
const STOP: u8 = 128;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)] // i < 256
        let b = i as u8;
        let mut class = 0;
        if b.is_ascii_uppercase() {
            class |= RUN | UPPER;
        }
        if b.is_ascii_lowercase() {
            class |= RUN | LOWER;
        }
        if b.is_ascii_digit() {
            class |= RUN | DIGIT;
        }
        if b.is_ascii_hexdigit() {
            class |= HEX;
        }
        if b == b'+' || b == b'/' {
            class |= RUN | STD;
        }
        if b == b'-' || b == b'_' {
            class |= RUN | URL;
        }
        if b == b'"' || b == b'\'' || b == b'`' || (b < 0x20 && b != b'\t') || b == 0x7f {
            class |= STOP;
        }
        table[i] = class;
        i += 1;
    }
    table
}

static CLASS: [u8; 256] = byte_classes();

#[inline]
fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// Number of backslashes immediately before `i`.
fn backslashes_before(buffer: &[u8], i: usize) -> usize {
    buffer[..i]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
}

/// A byte no encoded run of any kind spans: a control character, or a quote not escaped
/// by a backslash.
fn is_hard_stop(buffer: &[u8], i: usize) -> bool {
    let b = buffer[i];
    class(b) & STOP != 0 && (!is_quote(b) || backslashes_before(buffer, i) % 2 == 0)
}

// ---------------------------------------------------------------------------------------
// base64 and hex runs.

fn scan_runs(buffer: &[u8], from: usize, to: usize, limits: &Limits, out: &mut Vec<Decoded>) {
    // Every run of at least 15 bytes covers a whole word of the 8-byte grid starting at
    // `from`: test each word with a few 64-bit operations (on random bytes, one word in
    // 10,000 passes), then confirm it and extend it to its run with the class table.
    let min_run = limits.base64_run.min(limits.hex_run);
    let len = buffer.len();
    let mut done = from;
    let mut word = from;
    for chunk in buffer[from..to].chunks_exact(8) {
        let bits = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        if word >= done && within_run_range(bits) && chunk.iter().all(|&b| class(b) & RUN != 0) {
            let mut start = word;
            while start > from && class(buffer[start - 1]) & RUN != 0 {
                start -= 1;
            }
            let mut end = word + 8;
            while end < len && class(buffer[end]) & RUN != 0 {
                end += 1;
            }
            done = end;
            if end - start >= min_run {
                run_base64(buffer, start, end, limits, out);
                run_hex(buffer, start, end, limits, out);
            }
        }
        word += 8;
    }
}

/// Whether all eight bytes of `word` lie in `+`..=`z` (0x2B..=0x7A), where every byte of
/// a run does: the SWAR "has less" and "has more" tests, exact for the word as a whole.
#[inline]
fn within_run_range(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = word.wrapping_sub(ONES * 0x2B) & !word & HIGH;
    let above = (word.wrapping_add(ONES * (0x7F - 0x7A)) | word) & HIGH;
    below | above == 0
}

/// A maximal run `start..end` of base64-alphabet bytes.
fn run_base64(buffer: &[u8], start: usize, end: usize, limits: &Limits, out: &mut Vec<Decoded>) {
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
        if (1..=2).contains(&padding) && (n + padding) % 4 == 0 {
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
        if group >= 3 {
            in_groups += group;
        }
        if group >= 2 {
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
    if group >= 3 {
        in_groups += group;
    }
    if group >= 2 {
        in_words += group + usize::from(capital);
    }
    if upper < 2 || lower < 2 {
        return false;
    }
    let grouped = in_groups * 100 >= lower * 85 || (in_groups * 10 >= lower * 7 && inner <= 1);
    let worded = inner == 0 && !slash && in_words * 10 >= (upper + lower) * 6;
    !grouped && !worded
}

/// A table rather than an encoding: in at least 30% of positions (of the first 4 KiB) the
/// byte equals the one 1, 2, 3, 5, 6 or 7 places on (`PGPCPLPZPIPe`, `en-150en-AGen-AI`,
/// `r0r1r2r3`). Random base64 does so in 1.6%, base64 of text barely more, except at
/// distances 4 and 8, where repetitive plain text shows through (left out).
fn periodic(run: &[u8]) -> bool {
    let run = &run[..run.len().min(4096)];
    [1, 2, 3, 5, 6, 7].iter().any(|&p| {
        let same = run
            .iter()
            .zip(&run[p.min(run.len())..])
            .filter(|(a, b)| a == b)
            .count();
        same * 10 >= run.len().saturating_sub(p) * 3
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

/// Hex pieces of a maximal run `start..end`: split at `+`, `/`, `-`.
fn run_hex(buffer: &[u8], start: usize, end: usize, limits: &Limits, out: &mut Vec<Decoded>) {
    let mut piece = start;
    for k in start..=end {
        if k == end || matches!(buffer[k], b'+' | b'/' | b'-') {
            if k - piece >= limits.hex_run {
                hex_piece(buffer, piece, k, limits, out);
            }
            piece = k + 1;
        }
    }
}

fn hex_piece(buffer: &[u8], start: usize, end: usize, limits: &Limits, out: &mut Vec<Decoded>) {
    let mut digits = &buffer[start..end];
    let mut offset = start;
    if digits.len() > 2 && digits[0] == b'0' && (digits[1] | 0x20) == b'x' {
        digits = &digits[2..];
        offset += 2;
    }
    let n = digits.len();
    if n < limits.hex_run || n % 2 != 0 {
        return;
    }
    let (mut numerals, mut upper, mut lower) = (0usize, 0usize, 0usize);
    for &b in digits {
        let c = class(b);
        if c & HEX == 0 {
            return;
        }
        if c & DIGIT != 0 {
            numerals += 1;
        } else if c & UPPER != 0 {
            upper += 1;
        } else {
            lower += 1;
        }
    }
    if numerals == 0 || upper + lower == 0 || (upper > 0 && lower > 0) {
        return;
    }
    let bytes = digits
        .chunks_exact(2)
        .map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1]))
        .collect();
    out.push(Decoded {
        decoder: Decoder::Hex,
        offset,
        length: n,
        bytes,
    });
}

fn nibble(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &b| {
        (class(b) & HEX != 0).then(|| (acc << 4) | u32::from(nibble(b)))
    })
}

// ---------------------------------------------------------------------------------------
// JS escapes.

fn scan_escapes(buffer: &[u8], from: usize, to: usize, finders: &Finders, out: &mut Vec<Decoded>) {
    let limits = &finders.limits;
    // Only `\x` and `\u` start a literal worth decoding: two-byte needles that memmem
    // skips to much faster than a `memchr` on every backslash. One of them may be the
    // second half of `\\x`: the literal is then parsed from its start, which tells.
    let hay = &buffer[..to];
    let next =
        |finder: &memmem::Finder<'_>, pos: usize| finder.find(&hay[pos..]).map_or(to, |k| pos + k);
    let (x, u) = (&finders.x, &finders.u);
    let (mut next_x, mut next_u) = (next(x, from), next(u, from));
    loop {
        let p = next_x.min(next_u);
        if p >= to {
            break;
        }
        let mut pos = p + 1;
        if code_escape(buffer, p).is_some() {
            let start = literal_start(buffer, p);
            let span = parse_literal(buffer, start, &mut Sink::Measure);
            let wanted = span.non_ascii
                || (span.escapes >= MIN_ESCAPES && span.decoded_len >= limits.min_decoded);
            if wanted {
                let mut bytes = Vec::with_capacity(span.decoded_len);
                parse_literal(buffer, start, &mut Sink::Collect(&mut bytes));
                out.push(Decoded {
                    decoder: Decoder::JsEscapes,
                    offset: start,
                    length: span.end - start,
                    bytes,
                });
            }
            pos = pos.max(span.end).min(to);
        }
        if next_x < pos {
            next_x = next(x, pos);
        }
        if next_u < pos {
            next_u = next(u, pos);
        }
    }
}

/// A code escape at `p` (which holds `\`): its code point and length in bytes.
fn code_escape(buffer: &[u8], p: usize) -> Option<(u32, usize)> {
    match buffer.get(p + 1)? {
        b'x' => Some((hex_value(buffer.get(p + 2..p + 4)?)?, 4)),
        b'u' if buffer.get(p + 2) == Some(&b'{') => {
            let rest = buffer.get(p + 3..buffer.len().min(p + 10))?;
            let close = memchr::memchr(b'}', rest)?;
            let cp = hex_value(&rest[..close])?;
            (cp <= 0x10_FFFF).then_some((cp, close + 4))
        }
        b'u' => Some((hex_value(buffer.get(p + 2..p + 6)?)?, 6)),
        _ => None,
    }
}

/// Where the literal holding the escape at `p` starts: just after the nearest stop byte
/// (an unescaped quote or a control character) before it.
fn literal_start(buffer: &[u8], p: usize) -> usize {
    let mut i = p;
    while i > 0 {
        let b = buffer[i - 1];
        if class(b) & STOP != 0 && (!is_quote(b) || backslashes_before(buffer, i - 1) % 2 == 0) {
            return i;
        }
        i -= 1;
    }
    0
}

enum Sink<'a> {
    Measure,
    Collect(&'a mut Vec<u8>),
}

impl Sink<'_> {
    fn byte(&mut self, b: u8) {
        if let Sink::Collect(v) = self {
            v.push(b);
        }
    }

    fn char(&mut self, c: char) {
        if let Sink::Collect(v) = self {
            let mut utf8 = [0; 4];
            v.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }
}

struct Literal {
    end: usize,
    escapes: usize,
    non_ascii: bool,
    decoded_len: usize,
}

/// Decode the literal starting at `start` up to the next unescaped quote or control
/// character (or a backslash before one).
fn parse_literal(buffer: &[u8], start: usize, sink: &mut Sink<'_>) -> Literal {
    let mut lit = Literal {
        end: start,
        escapes: 0,
        non_ascii: false,
        decoded_len: 0,
    };
    let mut i = start;
    while i < buffer.len() {
        let b = buffer[i];
        if b != b'\\' {
            if class(b) & STOP != 0 {
                break;
            }
            sink.byte(b);
            lit.decoded_len += 1;
            i += 1;
            continue;
        }
        let Some(&next) = buffer.get(i + 1) else {
            break;
        };
        if class(next) & STOP != 0 && !is_quote(next) {
            break; // a line continuation: the literal is not on one line
        }
        if let Some((cp, len)) = code_escape(buffer, i) {
            lit.escapes += 1;
            if next == b'x' {
                #[allow(clippy::cast_possible_truncation)] // two hex digits
                sink.byte(cp as u8);
                lit.decoded_len += 1;
                i += len;
                continue;
            }
            let mut cp = cp;
            i += len;
            if (0xD800..0xDC00).contains(&cp) && len == 6 && buffer.get(i) == Some(&b'\\') {
                if let Some((low, 6)) = code_escape(buffer, i).filter(|_| buffer[i + 1] == b'u') {
                    if (0xDC00..0xE000).contains(&low) {
                        cp = 0x1_0000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        lit.escapes += 1;
                        i += 6;
                    }
                }
            }
            let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
            lit.non_ascii |= !c.is_ascii();
            sink.char(c);
            lit.decoded_len += c.len_utf8();
            continue;
        }
        let decoded = match next {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'0' if !buffer.get(i + 2).is_some_and(u8::is_ascii_digit) => 0,
            other => other,
        };
        sink.byte(decoded);
        lit.decoded_len += 1;
        i += 2;
    }
    lit.end = i;
    lit
}

// ---------------------------------------------------------------------------------------
// String.fromCharCode / String.fromCodePoint.

fn scan_char_codes(
    buffer: &[u8],
    from: usize,
    to: usize,
    finders: &Finders,
    out: &mut Vec<Decoded>,
) {
    let limits = &finders.limits;
    let hay_end = (to + 4).min(buffer.len());
    for found in finders.from_c.find_iter(&buffer[from..hay_end]) {
        let q = from + found;
        if q >= to {
            break;
        }
        let rest = &buffer[q..];
        let (code_points, name_len) = if rest.starts_with(b"fromCharCode") {
            (false, 12)
        } else if rest.starts_with(b"fromCodePoint") {
            (true, 13)
        } else {
            continue;
        };
        let Some((values, end)) = char_code_list(buffer, q + name_len) else {
            continue;
        };
        let Some(bytes) = char_codes_to_bytes(&values, code_points) else {
            continue;
        };
        let wide = values.iter().any(|&v| v > 0xFF);
        if !wide && bytes.len() < limits.min_decoded {
            continue;
        }
        let offset = if buffer[..q].ends_with(b"String.") {
            q - 7
        } else {
            q
        };
        out.push(Decoded {
            decoder: Decoder::FromCharCode,
            offset,
            length: end - offset,
            bytes,
        });
    }
}

fn skip_space(buffer: &[u8], mut i: usize) -> usize {
    while i < buffer.len() && matches!(buffer[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The literal numbers of the call whose name ends at `i`, and where the call ends.
fn char_code_list(buffer: &[u8], i: usize) -> Option<(Vec<u32>, usize)> {
    let mut i = skip_space(buffer, i);
    let bracketed = if buffer[i..].starts_with(b".apply(") {
        // `.apply(this, [...])`: the array follows a short `this` argument.
        i += 7;
        let window = &buffer[i..buffer.len().min(i + 64)];
        let open = memchr::memchr(b'[', window)?;
        if window[..open]
            .iter()
            .any(|&b| matches!(b, b')' | b';' | b'(' | b'[' | b'"' | b'\''))
        {
            return None;
        }
        i += open + 1;
        true
    } else {
        if buffer.get(i) != Some(&b'(') {
            return None;
        }
        i = skip_space(buffer, i + 1);
        if buffer[i..].starts_with(b"...[") {
            i += 4;
            true
        } else {
            false
        }
    };
    let close = if bracketed { b']' } else { b')' };
    let mut values = Vec::new();
    loop {
        i = skip_space(buffer, i);
        if buffer.get(i) == Some(&close) && !values.is_empty() {
            i += 1;
            break;
        }
        let (value, after) = number(buffer, i)?;
        values.push(value);
        i = skip_space(buffer, after);
        match buffer.get(i) {
            Some(b',') => i += 1,
            Some(&b) if b == close => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    if bracketed {
        i = skip_space(buffer, i);
        if buffer.get(i) != Some(&b')') {
            return None;
        }
        i += 1;
    }
    Some((values, i))
}

/// A numeric literal at `i` (decimal, `0x`, `0o`, `0b`), and where it ends.
fn number(buffer: &[u8], i: usize) -> Option<(u32, usize)> {
    let radix = match (buffer.get(i), buffer.get(i + 1).map(|b| b | 0x20)) {
        (Some(b'0'), Some(b'x')) => 16,
        (Some(b'0'), Some(b'o')) => 8,
        (Some(b'0'), Some(b'b')) => 2,
        _ => 10,
    };
    let start = if radix == 10 { i } else { i + 2 };
    let mut end = start;
    let mut value: u32 = 0;
    while let Some(&b) = buffer.get(end) {
        let Some(d) = char::from(b).to_digit(radix) else {
            break;
        };
        value = value.checked_mul(radix)?.checked_add(d)?;
        end += 1;
    }
    if end == start
        || buffer
            .get(end)
            .is_some_and(|&b| class(b) & (UPPER | LOWER | DIGIT) != 0 || b == b'.')
    {
        return None;
    }
    Some((value, end))
}

/// `fromCharCode` takes UTF-16 code units (modulo 2^16); `fromCodePoint` code points.
/// Bytes when every value fits one, UTF-8 otherwise.
fn char_codes_to_bytes(values: &[u32], code_points: bool) -> Option<Vec<u8>> {
    if values.iter().all(|&v| v <= 0xFF) {
        #[allow(clippy::cast_possible_truncation)] // checked just above
        return Some(values.iter().map(|&v| v as u8).collect());
    }
    let mut text = String::with_capacity(values.len() * 2);
    if code_points {
        for &v in values {
            text.push(char::from_u32(v)?);
        }
    } else {
        #[allow(clippy::cast_possible_truncation)] // ToUint16, as the JS function does
        let units = values.iter().map(|&v| v as u16);
        text.extend(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)));
    }
    Some(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::*;

    fn only(found: &[Decoded], decoder: Decoder) -> Vec<&Decoded> {
        found.iter().filter(|d| d.decoder == decoder).collect()
    }

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

    #[test]
    fn hex_runs() {
        let hex: String = b"https://evil.cn/x".iter().fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        });
        let buffer = format!("k=\"{hex}\",K=0x{};", hex.to_uppercase());
        let found = find_encoded(buffer.as_bytes(), 8);
        let hexes = only(&found, Decoder::Hex);
        assert_eq!(hexes.len(), 2, "{found:?}");
        assert_eq!((hexes[0].offset, hexes[0].length), (3, hex.len()));
        assert_eq!(hexes[0].bytes, b"https://evil.cn/x");
        assert_eq!(hexes[1].offset, buffer.find(&hex.to_uppercase()).unwrap());
        assert_eq!(hexes[1].bytes, b"https://evil.cn/x");
        // Mixed case, odd length, all digits, glued to a word: none.
        for bad in [
            "68747470733a2F2F6576696c2e636e",
            "68747470733a2f2f6576696c2e636e2",
            "12345678901234567890",
            "g68747470733a2f2f6576696c2e636e",
            "68747470733a2f2f6576696c2e636e_x",
        ] {
            let buffer = format!("a=\"{bad}\"");
            assert!(
                only(&find_encoded(buffer.as_bytes(), 8), Decoder::Hex).is_empty(),
                "{bad}"
            );
        }
        // Too short for the minimum.
        assert!(find_encoded(b"a=\"68747470733a2f2f\"", 16).is_empty());
    }

    #[test]
    fn x_escapes() {
        let buffer = br#"var u="\x68\x74\x74\x70\x73://x.io";"#;
        let found = find_encoded(buffer, 8);
        assert_eq!(
            found,
            [Decoded {
                decoder: Decoder::JsEscapes,
                offset: 7,
                length: 27,
                bytes: b"https://x.io".to_vec(),
            }]
        );
        // Raw bytes, as C and charCodeAt see them.
        let found = find_encoded(br"k='\x8f\x00\xff\x10\x41\x42\x43\x44'", 8);
        assert_eq!(
            found[0].bytes,
            [0x8f, 0, 0xff, 0x10, b'A', b'B', b'C', b'D']
        );
        // Fewer than four escapes and nothing non-ASCII: ordinary.
        assert!(find_encoded(br#"s="\x1b[31merror\x1b[0m occurred";"#, 4).is_empty());
    }

    #[test]
    fn look_alike_escape_is_decoded_even_alone() {
        let buffer = br#"t=t.replace(/'/g,"\u02BC").replace(/(\d{4})-(\d{2})/,"$1/$2")"#;
        let found = find_encoded(buffer, 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].decoder, Decoder::JsEscapes);
        assert_eq!(found[0].bytes, "\u{02BC}".as_bytes());
        assert_eq!(
            &buffer[found[0].offset..found[0].offset + found[0].length],
            br"\u02BC"
        );
        // Surrogate pairs, braces, other escapes, escaped quotes.
        let found = find_encoded(br#"x="it\'s \"\uD83D\uDE00\u{2019}\n""#, 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].bytes, "it's \"\u{1F600}\u{2019}\n".as_bytes());
        assert_eq!((found[0].offset, found[0].length), (3, 30));
    }

    #[test]
    fn escapes_literal_boundaries() {
        // `\\x41` is a backslash and "x41", not an escape.
        assert!(find_encoded(br#"p="C:\\x41\\x42\\x43\\x44\\x45""#, 4).is_empty());
        // Two literals: each decoded on its own.
        let buffer =
            br#"a="\x61\x62\x63\x64\x65\x66\x67\x68",b='\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70'"#;
        let found = find_encoded(buffer, 8);
        let bytes: Vec<&[u8]> = found.iter().map(|d| d.bytes.as_slice()).collect();
        assert_eq!(bytes, [&b"abcdefgh"[..], b"ijklmnop"]);
    }

    #[test]
    fn from_char_code_lists() {
        let buffer = b"var s=String.fromCharCode(104,116, 0x74,112,115,58,47,47,0x78,46,105,111);";
        let found = find_encoded(buffer, 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].decoder, Decoder::FromCharCode);
        assert_eq!(found[0].bytes, b"https://x.io");
        assert_eq!(found[0].offset, 6);
        assert_eq!(found[0].length, buffer.len() - 7);
        // apply / spread / fromCodePoint / a look-alike alone.
        let found = find_encoded(
            b"String.fromCharCode.apply(null,[104,116,116,112,115,58,47,47])",
            8,
        );
        assert_eq!(found[0].bytes, b"https://");
        let found = find_encoded(b"String.fromCharCode(...[104,116,116,112,115,58,47,47])", 8);
        assert_eq!(found[0].bytes, b"https://");
        let found = find_encoded(b"x=String.fromCodePoint(128512, 0x2019)", 8);
        assert_eq!(found[0].bytes, "\u{1F600}\u{2019}".as_bytes());
        let found = find_encoded(b"q=String.fromCharCode(700)", 8);
        assert_eq!(found[0].bytes, "\u{02BC}".as_bytes());
        // Expressions and short lists: nothing.
        assert!(find_encoded(b"String.fromCharCode(c.charCodeAt(0)^91)", 8).is_empty());
        assert!(find_encoded(b"String.fromCharCode(65,66)", 8).is_empty());
        assert!(find_encoded(b"String.fromCharCode(1,2,3,4,5,6,7,8", 8).is_empty());
    }

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

    #[test]
    fn empty_and_tiny_buffers() {
        assert!(find_encoded(b"", 8).is_empty());
        assert!(find_encoded(b"\\", 0).is_empty());
        assert!(find_encoded(b"\\x4", 0).is_empty());
        assert!(find_encoded(b"fromC", 0).is_empty());
        assert!(find_encoded(b"String.fromCharCode(", 0).is_empty());
        assert!(find_encoded(b"aGVsbG8=", 1).is_empty());
    }

    #[test]
    fn parallel_matches_sequential() {
        // 20 MiB of JS-ish text and binary noise with encodings scattered through it,
        // some straddling the nominal window boundaries.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let b64 = STANDARD.encode("jd.com,taobao.com,baidu.com");
        let pieces = [
            format!("a=\"{b64}\";"),
            "s=\"\\x68\\x74\\x74\\x70\\x73\\x3a\\x2f\\x2f\";".to_owned(),
            "String.fromCharCode(104,116,116,112,115,58,47,47);".to_owned(),
            "h=\"68747470733a2f2f6a642e636f6d\";".to_owned(),
            "t=\"\\u02BC\";".to_owned(),
            "function render(t){return t.value}".to_owned(),
        ];
        let mut buffer = Vec::with_capacity(21 << 20);
        while buffer.len() < 20 << 20 {
            let r = next();
            if r % 3 == 0 {
                buffer.extend((0..64).map(|_| next().to_le_bytes()[3]));
            } else {
                buffer.extend_from_slice(pieces[usize::try_from(r % 6).unwrap()].as_bytes());
            }
        }
        let sequential = find_encoded(&buffer, 8);
        assert!(sequential.len() > 1000);
        assert_eq!(find_encoded_parallel(&buffer, 8), sequential);
    }
}
