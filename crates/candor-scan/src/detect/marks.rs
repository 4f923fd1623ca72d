//! Marks: look-alike characters (curly apostrophes, modifier letters, fullwidth forms)
//! and invisible or bidirectional-control characters, where they stand in text.

use candor_model::claims::ClaimCategory;

use super::{Hit, Literals, hit};
use crate::indicator::Kind;

/// Look-alike and invisible characters (DESIGN.md's case: U+2019, U+02BC, U+02B9 …).
pub(super) const MARKS: &[(char, Kind, &str)] = &[
    ('\u{2018}', Kind::LookAlike, "LEFT SINGLE QUOTATION MARK"),
    ('\u{2019}', Kind::LookAlike, "RIGHT SINGLE QUOTATION MARK"),
    ('\u{02BC}', Kind::LookAlike, "MODIFIER LETTER APOSTROPHE"),
    ('\u{02B9}', Kind::LookAlike, "MODIFIER LETTER PRIME"),
    ('\u{FF07}', Kind::LookAlike, "FULLWIDTH APOSTROPHE"),
    ('\u{200B}', Kind::Invisible, "ZERO WIDTH SPACE"),
    ('\u{200C}', Kind::Invisible, "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', Kind::Invisible, "ZERO WIDTH JOINER"),
    ('\u{2060}', Kind::Invisible, "WORD JOINER"),
    ('\u{FEFF}', Kind::Invisible, "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{202A}', Kind::Invisible, "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', Kind::Invisible, "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', Kind::Invisible, "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', Kind::Invisible, "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', Kind::Invisible, "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', Kind::Invisible, "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', Kind::Invisible, "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', Kind::Invisible, "FIRST STRONG ISOLATE"),
    ('\u{2069}', Kind::Invisible, "POP DIRECTIONAL ISOLATE"),
];

/// Every mark in `text` that stands in text, found with `marks` (a searcher for
/// [`MARKS`], in that order).
pub(super) fn marks(marks: &Literals, text: &[u8], hits: &mut Vec<Hit>) {
    marks.for_each(text, |pattern, start, end| {
        if !in_text_context(text, start, end) {
            return;
        }
        let (c, kind, name) = MARKS[pattern];
        hits.push(hit(
            ClaimCategory::OutputMarking,
            kind,
            format!("U+{:04X} {name}", u32::from(c)),
            start,
            end,
        ));
    });
}

/// Bytes on each side of a mark that must read as text (fewer at the buffer's edges).
const MARK_CONTEXT: usize = 4;

/// Fewest readable bytes a side needs away from the buffer's edge (the context less a
/// partial character).
const MIN_READABLE_CONTEXT: usize = 3;

/// Whether the bytes around `start..end` read as text: up to 4 bytes on each side (fewer
/// at the buffer's edges) form valid UTF-8 without control characters. Random or
/// compressed bytes contain the 2-byte encoding of U+02BC once every 64 KiB; text does
/// not surround it with garbage.
fn in_text_context(text: &[u8], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(MARK_CONTEXT);
    let to = (end + MARK_CONTEXT).min(text.len());
    // Widen to character boundaries so a neighbour's multi-byte character is whole.
    let from = (from..=start)
        .find(|&i| std::str::from_utf8(&text[i..start]).is_ok())
        .unwrap_or(start);
    let to = (end..=to)
        .rev()
        .find(|&i| std::str::from_utf8(&text[end..i]).is_ok())
        .unwrap_or(end);
    let before = &text[from..start];
    let after = &text[end..to];
    let readable = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'))
    };
    // Each side: at the buffer's edge, or enough readable bytes.
    let side_ok = |bytes: &[u8], at_edge: bool| {
        readable(bytes) && (at_edge || bytes.len() >= MIN_READABLE_CONTEXT)
    };
    side_ok(before, start < MARK_CONTEXT || from == 0)
        && side_ok(after, end + MARK_CONTEXT > text.len() || to == text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::{detectors, values};

    #[test]
    fn look_alike_and_invisible_characters() {
        let text = "s.replace(\"'\", \"\u{2019}\")+\"\u{200B}\"+\"\u{02BC}\"";
        assert_eq!(
            values(text, Kind::LookAlike),
            [
                "U+2019 RIGHT SINGLE QUOTATION MARK",
                "U+02BC MODIFIER LETTER APOSTROPHE"
            ]
        );
        assert_eq!(values(text, Kind::Invisible), ["U+200B ZERO WIDTH SPACE"]);
    }

    #[test]
    fn marks_need_text_around_them() {
        // In text (or alone in a decoded buffer): reported.
        assert_eq!(values("\u{02BC}", Kind::LookAlike).len(), 1);
        assert_eq!(values("it\u{2019}s", Kind::LookAlike).len(), 1);
        // Between binary garbage: the same two bytes are chance.
        let mut bytes = vec![0x01, 0xFF, 0x9C, 0x07];
        bytes.extend_from_slice("\u{02BC}".as_bytes());
        bytes.extend_from_slice(&[0x02, 0xFE, 0x80, 0x00]);
        assert!(detectors().detect(&bytes).is_empty());
    }
}
