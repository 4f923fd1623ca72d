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
//! [`find_encoded`] returns. [`find_base64`], [`find_hex`], [`find_js_escapes`] and
//! [`find_char_codes`] run one decoder each (a fuzz target per decoder); together they
//! find exactly what [`find_encoded`] finds.
//!
//! One file per decoder: `base64`, `hex` (whose runs `runs` finds for both), `escapes`,
//! `char_codes`; `window` cuts the buffer and `classes` holds the byte-class table.

use memchr::memmem;
use serde::Serialize;

mod base64;
mod char_codes;
mod classes;
mod escapes;
mod hex;
mod runs;
mod window;

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
///   A `/`-delimited segment of at least 16 hex digits of one case is a hash in a path
///   (`…/commit/0a1b2c…` in a URL): it is cut out, and each side is a run of its own.
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
    find_with(buffer, &Finders::new(min_decoded_len, Selection::All))
}

/// [`find_encoded`] on rayon's thread pool, with an identical result.
pub fn find_encoded_parallel(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    use rayon::prelude::*;
    let finders = Finders::new(min_decoded_len, Selection::All);
    window::windows(buffer)
        .par_iter()
        .map(|&(from, to)| find_in_window(buffer, from, to, &finders))
        .collect::<Vec<_>>()
        .concat()
}

/// The base64 runs of [`find_encoded`] (decoders `Base64` and `Base64Url`), alone: what
/// [`find_encoded`] returns less the other decoders' results, in the same order.
pub fn find_base64(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    find_with(buffer, &Finders::new(min_decoded_len, Selection::Base64))
}

/// The hex runs of [`find_encoded`] (decoder `Hex`), alone, in the same order.
pub fn find_hex(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    find_with(buffer, &Finders::new(min_decoded_len, Selection::Hex))
}

/// The escaped string literals of [`find_encoded`] (decoder `JsEscapes`), alone, in the
/// same order.
pub fn find_js_escapes(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    find_with(buffer, &Finders::new(min_decoded_len, Selection::Escapes))
}

/// The `fromCharCode`/`fromCodePoint` lists of [`find_encoded`] (decoder
/// `FromCharCode`), alone, in the same order.
pub fn find_char_codes(buffer: &[u8], min_decoded_len: usize) -> Vec<Decoded> {
    find_with(buffer, &Finders::new(min_decoded_len, Selection::CharCodes))
}

/// What `finders` find in `buffer`, window by window.
fn find_with(buffer: &[u8], finders: &Finders) -> Vec<Decoded> {
    window::windows(buffer)
        .into_iter()
        .flat_map(|(from, to)| find_in_window(buffer, from, to, finders))
        .collect()
}

/// [`find_encoded`] one window at a time, for a caller that runs its own passes over the
/// same bytes while they are in the CPU cache (the scan engine does, block by block).
/// Concatenating [`WindowFinder::find`] over [`WindowFinder::windows`] in order gives
/// exactly what [`find_encoded`] returns.
pub(crate) struct WindowFinder {
    finders: Finders,
}

impl std::fmt::Debug for WindowFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowFinder").finish_non_exhaustive()
    }
}

impl WindowFinder {
    /// A finder for what [`find_encoded`] returns with `min_decoded_len`.
    pub(crate) fn new(min_decoded_len: usize) -> Self {
        Self {
            finders: Finders::new(min_decoded_len, Selection::All),
        }
    }

    /// The windows of `buffer`, in order: `(start, end)` ranges of about 256 KiB that
    /// cover it, each after the first starting at a control character or an unescaped
    /// quote (see the module docs).
    pub(crate) fn windows(buffer: &[u8]) -> Vec<(usize, usize)> {
        window::windows(buffer)
    }

    /// The encoded runs starting in `window` (one of [`WindowFinder::windows`]), ordered
    /// by offset.
    pub(crate) fn find(&self, buffer: &[u8], window: (usize, usize)) -> Vec<Decoded> {
        find_in_window(buffer, window.0, window.1, &self.finders)
    }
}

/// Which decoders a search runs: all of them, or one alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    All,
    Base64,
    Hex,
    Escapes,
    CharCodes,
}

impl Selection {
    /// Whether the search runs `decoder` (one of the single selections).
    fn runs(self, decoder: Selection) -> bool {
        self == Selection::All || self == decoder
    }
}

/// Where a `\xNN` escape may start.
const X_ESCAPE: &[u8] = b"\\x";
/// Where a `\uNNNN` or `\u{…}` escape may start.
const U_ESCAPE: &[u8] = b"\\u";
/// Where `fromCharCode` or `fromCodePoint` may start.
const FROM_C: &[u8] = b"fromC";

/// Thresholds and searchers, built once per call.
struct Finders {
    limits: Limits,
    selection: Selection,
    /// Finds [`X_ESCAPE`].
    x: memmem::Finder<'static>,
    /// Finds [`U_ESCAPE`].
    u: memmem::Finder<'static>,
    /// Finds [`FROM_C`].
    from_c: memmem::Finder<'static>,
}

impl Finders {
    fn new(min_decoded_len: usize, selection: Selection) -> Self {
        Self {
            limits: Limits::new(min_decoded_len),
            selection,
            x: memmem::Finder::new(X_ESCAPE),
            u: memmem::Finder::new(U_ESCAPE),
            from_c: memmem::Finder::new(FROM_C),
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
/// `from` is 0 or a hard stop (`window::is_hard_stop`), and so is `to` unless it is the
/// end.
fn find_in_window(buffer: &[u8], from: usize, to: usize, finders: &Finders) -> Vec<Decoded> {
    let mut out = Vec::new();
    let selection = finders.selection;
    if selection.runs(Selection::Base64) || selection.runs(Selection::Hex) {
        runs::scan_runs(buffer, from, to, finders, &mut out);
    }
    if selection.runs(Selection::Escapes) {
        escapes::scan_escapes(buffer, from, to, finders, &mut out);
    }
    if selection.runs(Selection::CharCodes) {
        char_codes::scan_char_codes(buffer, from, to, finders, &mut out);
    }
    out.sort_by_key(|d| (d.offset, d.length, d.decoder));
    out
}

#[cfg(test)]
mod tests {
    use ::base64::Engine as _;
    use ::base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn empty_and_tiny_buffers() {
        assert!(find_encoded(b"", 8).is_empty());
        assert!(find_encoded(b"\\", 0).is_empty());
        assert!(find_encoded(b"\\x4", 0).is_empty());
        assert!(find_encoded(b"fromC", 0).is_empty());
        assert!(find_encoded(b"String.fromCharCode(", 0).is_empty());
        assert!(find_encoded(b"aGVsbG8=", 1).is_empty());
    }

    /// About `size` bytes of JS-ish text and binary noise with every encoding scattered
    /// through it (the base64 one of `base64_text`), some straddling the nominal window
    /// boundaries.
    fn mixed(size: usize, base64_text: &str) -> Vec<u8> {
        let mut rng = candor_test::Rng::new(0x2545_F491_4F6C_DD1D);
        let mut next = move || rng.next_u64();
        let b64 = STANDARD.encode(base64_text);
        let pieces = [
            format!("a=\"{b64}\";"),
            "s=\"\\x68\\x74\\x74\\x70\\x73\\x3a\\x2f\\x2f\";".to_owned(),
            "String.fromCharCode(104,116,116,112,115,58,47,47);".to_owned(),
            "h=\"68747470733a2f2f6a642e636f6d\";".to_owned(),
            "t=\"\\u02BC\";".to_owned(),
            "function render(t){return t.value}".to_owned(),
        ];
        let mut buffer = Vec::with_capacity(size + (1 << 20));
        while buffer.len() < size {
            let r = next();
            if r % 3 == 0 {
                buffer.extend((0..64).map(|_| next().to_le_bytes()[3]));
            } else {
                // `r / 3`: `r % 6` is never 0 or 3 here, which left two pieces out.
                buffer.extend_from_slice(pieces[usize::try_from(r / 3 % 6).unwrap()].as_bytes());
            }
        }
        buffer
    }

    #[test]
    fn parallel_matches_sequential() {
        let buffer = mixed(20 << 20, "jd.com,taobao.com,baidu.com");
        let sequential = find_encoded(&buffer, 8);
        assert!(sequential.len() > 1000);
        assert_eq!(find_encoded_parallel(&buffer, 8), sequential);
    }

    #[test]
    fn each_decoder_alone_finds_its_share() {
        let buffer = mixed(1 << 20, "https://example.com,evil.cn");
        let all = find_encoded(&buffer, 8);
        let share = |decoders: &[Decoder]| -> Vec<Decoded> {
            all.iter()
                .filter(|d| decoders.contains(&d.decoder))
                .cloned()
                .collect()
        };
        let base64 = find_base64(&buffer, 8);
        assert!(!base64.is_empty());
        assert_eq!(base64, share(&[Decoder::Base64, Decoder::Base64Url]));
        let hex = find_hex(&buffer, 8);
        assert!(!hex.is_empty());
        assert_eq!(hex, share(&[Decoder::Hex]));
        let escapes = find_js_escapes(&buffer, 8);
        assert!(!escapes.is_empty());
        assert_eq!(escapes, share(&[Decoder::JsEscapes]));
        let char_codes = find_char_codes(&buffer, 8);
        assert!(!char_codes.is_empty());
        assert_eq!(char_codes, share(&[Decoder::FromCharCode]));
        assert_eq!(
            base64.len() + hex.len() + escapes.len() + char_codes.len(),
            all.len()
        );
    }
}
