//! Runs of base64-alphabet bytes (hex digits are a subset), found a word at a time and
//! handed to the base64 and hex decoders.

use super::classes::{RUN, class};
use super::{Decoded, Finders, Selection, base64, hex};

/// Bytes tested at a time: one 64-bit word.
const WORD: usize = 8;

/// The lowest byte of either base64 alphabet (or hex).
const LOWEST_RUN_BYTE: u8 = b'+';

/// The highest byte of either base64 alphabet (or hex).
const HIGHEST_RUN_BYTE: u8 = b'z';

/// The base64 and hex runs (as `finders` select) starting in `from..to`.
pub(super) fn scan_runs(
    buffer: &[u8],
    from: usize,
    to: usize,
    finders: &Finders,
    out: &mut Vec<Decoded>,
) {
    let limits = &finders.limits;
    // Every run of at least 15 bytes covers a whole word of the 8-byte grid starting at
    // `from`: test each word with a few 64-bit operations (on random bytes, one word in
    // 10,000 passes), then confirm it and extend it to its run with the class table.
    let min_run = limits.base64_run.min(limits.hex_run);
    let len = buffer.len();
    let mut done = from;
    let mut word = from;
    for chunk in buffer[from..to].chunks_exact(WORD) {
        let bits = u64::from_le_bytes(<[u8; WORD]>::try_from(chunk).unwrap_or_default());
        if word >= done && within_run_range(bits) && chunk.iter().all(|&b| class(b) & RUN != 0) {
            let mut start = word;
            while start > from && class(buffer[start - 1]) & RUN != 0 {
                start -= 1;
            }
            let mut end = word + WORD;
            while end < len && class(buffer[end]) & RUN != 0 {
                end += 1;
            }
            done = end;
            if end - start >= min_run {
                if finders.selection.runs(Selection::Base64) {
                    base64::run_base64(buffer, start, end, limits, out);
                }
                if finders.selection.runs(Selection::Hex) {
                    hex::run_hex(buffer, start, end, limits, out);
                }
            }
        }
        word += WORD;
    }
}

/// Whether all eight bytes of `word` lie in `+`..=`z` (0x2B..=0x7A), where every byte of
/// a run does: the SWAR "has less" and "has more" tests, exact for the word as a whole.
#[inline]
fn within_run_range(word: u64) -> bool {
    /// 1 in every byte.
    const ONES: u64 = 0x0101_0101_0101_0101;
    /// The high bit of every byte.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = word.wrapping_sub(ONES * u64::from(LOWEST_RUN_BYTE)) & !word & HIGH;
    let above = (word.wrapping_add(ONES * (0x7F - u64::from(HIGHEST_RUN_BYTE))) | word) & HIGH;
    below | above == 0
}
