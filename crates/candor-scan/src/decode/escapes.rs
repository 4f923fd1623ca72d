//! JS and C string escapes (`\xNN`, `\uNNNN`, `\u{…}`): the string literal around them,
//! decoded whole.

use memchr::memmem;

use super::classes::{STOP, backslashes_before, class, is_quote};
use super::hex::hex_value;
use super::{Decoded, Decoder, Finders, MIN_ESCAPES};

pub(super) fn scan_escapes(
    buffer: &[u8],
    from: usize,
    to: usize,
    finders: &Finders,
    out: &mut Vec<Decoded>,
) {
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

/// Bytes of a `\xNN` escape.
const X_ESCAPE_LEN: usize = 4;
/// Bytes of a `\uNNNN` escape.
const U_ESCAPE_LEN: usize = 6;
/// What opens a braced escape, `\u{…}`.
const BRACED_OPEN: &[u8] = b"\\u{";
/// Most hex digits between the braces of `\u{…}`: U+10FFFF has six.
const MAX_BRACED_DIGITS: usize = 6;
/// UTF-16 high (leading) surrogates.
const HIGH_SURROGATES: std::ops::Range<u32> = 0xD800..0xDC00;
/// UTF-16 low (trailing) surrogates.
const LOW_SURROGATES: std::ops::Range<u32> = 0xDC00..0xE000;

/// A code escape at `p` (which holds `\`): its code point and length in bytes.
fn code_escape(buffer: &[u8], p: usize) -> Option<(u32, usize)> {
    match buffer.get(p + 1)? {
        b'x' => Some((
            hex_value(buffer.get(p + 2..p + X_ESCAPE_LEN)?)?,
            X_ESCAPE_LEN,
        )),
        b'u' if buffer.get(p + 2) == Some(&b'{') => {
            // The digits, then the closing brace.
            let digits = p + BRACED_OPEN.len();
            let rest = buffer.get(digits..buffer.len().min(digits + MAX_BRACED_DIGITS + 1))?;
            let close = memchr::memchr(b'}', rest)?;
            let cp = hex_value(&rest[..close])?;
            (cp <= u32::from(char::MAX)).then_some((cp, BRACED_OPEN.len() + close + 1))
        }
        b'u' => Some((
            hex_value(buffer.get(p + 2..p + U_ESCAPE_LEN)?)?,
            U_ESCAPE_LEN,
        )),
        _ => None,
    }
}

/// Where the literal holding the escape at `p` starts: just after the nearest stop byte
/// (an unescaped quote or a control character) before it.
fn literal_start(buffer: &[u8], p: usize) -> usize {
    let mut i = p;
    while i > 0 {
        let b = buffer[i - 1];
        if class(b) & STOP != 0
            && (!is_quote(b) || backslashes_before(buffer, i - 1).is_multiple_of(2))
        {
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
            if HIGH_SURROGATES.contains(&cp)
                && len == U_ESCAPE_LEN
                && buffer.get(i) == Some(&b'\\')
                && let Some((low, U_ESCAPE_LEN)) =
                    code_escape(buffer, i).filter(|_| buffer[i + 1] == b'u')
                && LOW_SURROGATES.contains(&low)
            {
                // A surrogate pair, decoded as UTF-16 does.
                cp = 0x1_0000 + ((cp - HIGH_SURROGATES.start) << 10) + (low - LOW_SURROGATES.start);
                lit.escapes += 1;
                i += U_ESCAPE_LEN;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::find_encoded;

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
}
