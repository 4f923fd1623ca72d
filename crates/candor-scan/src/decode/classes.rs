//! Byte classes: one table lookup tells which alphabets and roles a byte belongs to.

/// In a base64 run (either alphabet).
pub(super) const RUN: u8 = 1;
/// An upper-case ASCII letter.
pub(super) const UPPER: u8 = 2;
/// A lower-case ASCII letter.
pub(super) const LOWER: u8 = 4;
/// An ASCII digit.
pub(super) const DIGIT: u8 = 8;
/// `+` or `/`: standard alphabet only.
pub(super) const STD: u8 = 16;
/// `-` or `_`: URL-safe alphabet only.
pub(super) const URL: u8 = 32;
/// A hex digit.
pub(super) const HEX: u8 = 64;
/// Ends a string literal: an (unescaped) quote, or a control character other than tab.
pub(super) const STOP: u8 = 128;

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

/// The class bits of every byte.
static CLASS: [u8; 256] = byte_classes();

/// The class bits of `b`.
#[inline]
pub(super) fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// A string quote: `"`, `'` or `` ` ``.
pub(super) fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// Number of backslashes immediately before `i`.
pub(super) fn backslashes_before(buffer: &[u8], i: usize) -> usize {
    buffer[..i]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
}
