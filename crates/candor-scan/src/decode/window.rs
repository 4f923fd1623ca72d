//! Windows: the buffer cut where no encoded run can continue, so that every finder passes
//! over a window while it is in the CPU cache.

use super::classes::{STOP, backslashes_before, class, is_quote};

/// Bytes per window (see `windows`): small enough to stay in the CPU cache while every
/// finder passes over it.
const WINDOW: usize = 256 << 10;

/// How far past a window's nominal end a cut is looked for; if none is found this far,
/// the window grows by another [`WINDOW`].
const MAX_SEARCH: usize = 64 << 10;

/// The buffer cut into windows of about [`WINDOW`] bytes, each starting at a byte no
/// encoded run can span (a control character or an unescaped quote). Every scanner makes
/// its own pass over a window while it is still in the CPU cache: one pass over the whole
/// buffer each would read a large input from memory four times.
pub(super) fn windows(buffer: &[u8]) -> Vec<(usize, usize)> {
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

/// A byte no encoded run of any kind spans: a control character, or a quote not escaped
/// by a backslash.
fn is_hard_stop(buffer: &[u8], i: usize) -> bool {
    let b = buffer[i];
    class(b) & STOP != 0 && (!is_quote(b) || backslashes_before(buffer, i).is_multiple_of(2))
}
