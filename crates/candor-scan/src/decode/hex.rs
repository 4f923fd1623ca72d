//! Hexadecimal runs: two digits per byte, one letter case, not glued to a word.

use super::classes::{DIGIT, HEX, UPPER, class};
use super::{Decoded, Decoder, Limits};

/// Hex pieces of a maximal run `start..end`: split at `+`, `/`, `-`.
pub(super) fn run_hex(
    buffer: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    out: &mut Vec<Decoded>,
) {
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
    if n < limits.hex_run || !n.is_multiple_of(2) {
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

/// Most hex digits a `u32` holds.
const MAX_U32_DIGITS: usize = 8;

/// The value of 1 to [`MAX_U32_DIGITS`] hex digits.
pub(super) fn hex_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > MAX_U32_DIGITS {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &b| {
        (class(b) & HEX != 0).then(|| (acc << 4) | u32::from(nibble(b)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::find_encoded;

    fn only(found: &[Decoded], decoder: Decoder) -> Vec<&Decoded> {
        found.iter().filter(|d| d.decoder == decoder).collect()
    }

    #[test]
    fn hex_runs() {
        let hex = ::hex::encode(b"https://evil.cn/x");
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
}
