//! Text from scanned bytes, made safe to print: what a report carries that came out of a
//! file (values, excerpts, entry and section names) never holds a character a terminal
//! acts on or hides.
//!
//! A scanned file is untrusted, and so is what decodes out of it: an encoded blob's
//! preview, a command in a string literal, an archive entry's name can hold ESC
//! sequences that recolour, move or rewrite what a terminal shows, or bidirectional
//! overrides that reorder it (the "Trojan Source" attack). [`printable`] writes every
//! such character as an escape:
//!
//! - C0 controls and DEL as `\x1b`, `\x07`, `\x7f` (tab, line breaks and NUL too);
//! - C1 controls as `\u{9b}`;
//! - bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069),
//!   invisible and zero-width characters (U+00AD, U+200B–U+200D, U+2060–U+2064,
//!   U+FEFF, Hangul fillers, tag characters …) and the line and paragraph separators as
//!   `\u{202e}`.
//!
//! Everything else, including other non-ASCII text, is kept as it is. A backslash in the
//! text stays a backslash: `\x1b` in a report is either the escape of an ESC byte or
//! those four characters in the file, and the excerpt around it tells which.
//! [`excerpt_text`] is the same for excerpts, except that tabs, line breaks and NUL bytes
//! (the separators of text and C strings) print as `.`, keeping an excerpt one line.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is written as an escape (see the module documentation).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// `text` with every character [`needs_escape`] escaped; borrowed when there is none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(needs_escape) {
        Cow::Owned(escaped(text, false))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`printable`] for an excerpt: tabs, line breaks and NUL bytes as `.`.
pub(crate) fn excerpt_text(text: &str) -> String {
    escaped(text, true)
}

fn escaped(text: &str, dots: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if dots && matches!(c, '\t' | '\n' | '\r' | '\0') {
            out.push('.');
        } else if !needs_escape(c) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(printable("plain ʼ text"), Cow::Borrowed("plain ʼ text"));
        assert_eq!(
            printable("\u{1b}[2J\u{7}a\u{7f}\u{9b}b\u{202e}c\u{200b}\u{e0041}\n"),
            "\\x1b[2J\\x07a\\x7f\\u{9b}b\\u{202e}c\\u{200b}\\u{e0041}\\x0a"
        );
        assert_eq!(
            excerpt_text("a\tb\nc\0d\u{1b}]0;title\u{7}"),
            "a.b.c.d\\x1b]0;title\\x07"
        );
    }
}
