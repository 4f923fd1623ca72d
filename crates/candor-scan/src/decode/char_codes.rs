//! `String.fromCharCode(…)` and `String.fromCodePoint(…)` with literal arguments.

use super::classes::{DIGIT, LOWER, UPPER, class};
use super::{Decoded, Decoder, FROM_C, Finders};

/// Takes UTF-16 code units.
const FROM_CHAR_CODE: &[u8] = b"fromCharCode";
/// Takes code points.
const FROM_CODE_POINT: &[u8] = b"fromCodePoint";
/// The receiver the offset of a char-code list includes when present.
const STRING_DOT: &[u8] = b"String.";
/// `fromCharCode.apply(this, [...])`.
const APPLY: &[u8] = b".apply(";
/// `fromCharCode(...[...])`.
const SPREAD: &[u8] = b"...[";
/// Most bytes between `.apply(` and the array it passes: room for a short `this`
/// argument (`null`, `this`, `void 0`), not for another expression.
const MAX_APPLY_THIS: usize = 64;
/// Code units and code points at most this are bytes; a larger one makes the list text.
const MAX_BYTE: u32 = 0xFF;

/// The char-code lists whose call starts in `from..to`.
pub(super) fn scan_char_codes(
    buffer: &[u8],
    from: usize,
    to: usize,
    finders: &Finders,
    out: &mut Vec<Decoded>,
) {
    let limits = &finders.limits;
    // Far enough past `to` to find a `fromC` that starts before it.
    let hay_end = (to + FROM_C.len() - 1).min(buffer.len());
    for found in finders.from_c.find_iter(&buffer[from..hay_end]) {
        let q = from + found;
        if q >= to {
            break;
        }
        let rest = &buffer[q..];
        let (code_points, name_len) = if rest.starts_with(FROM_CHAR_CODE) {
            (false, FROM_CHAR_CODE.len())
        } else if rest.starts_with(FROM_CODE_POINT) {
            (true, FROM_CODE_POINT.len())
        } else {
            continue;
        };
        let Some((values, end)) = char_code_list(buffer, q + name_len) else {
            continue;
        };
        let Some(bytes) = char_codes_to_bytes(&values, code_points) else {
            continue;
        };
        let wide = values.iter().any(|&v| v > MAX_BYTE);
        if !wide && bytes.len() < limits.min_decoded {
            continue;
        }
        let offset = if buffer[..q].ends_with(STRING_DOT) {
            q - STRING_DOT.len()
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
    let bracketed = if buffer[i..].starts_with(APPLY) {
        // `.apply(this, [...])`: the array follows a short `this` argument.
        i += APPLY.len();
        let window = &buffer[i..buffer.len().min(i + MAX_APPLY_THIS)];
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
        if buffer[i..].starts_with(SPREAD) {
            i += SPREAD.len();
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
    if values.iter().all(|&v| v <= MAX_BYTE) {
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
    use super::*;
    use crate::decode::find_encoded;

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
}
