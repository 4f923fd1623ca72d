//! Conditions: what behaviour may depend on — time-zone names, locale and time-zone
//! APIs, and locale values compared with literals.

use std::collections::HashSet;

use candor_model::claims::ClaimCategory;

use super::{Hit, hit, quoted_after};
use crate::indicator::Kind;

/// Longest time-zone name looked up: IANA names are far shorter (the longest in
/// `data/timezones.txt` has 32 bytes); a longer run of name bytes is not one.
const MAX_ZONE_NAME_LEN: usize = 64;

/// Bytes after a locale API searched for the comparison it takes part in.
const COMPARISON_WINDOW: usize = 64;

/// Longest literal a locale value is taken to be compared with (`"zh-CN"`,
/// `"Asia/Shanghai"`); a longer string is something else.
const MAX_COMPARED_LITERAL: usize = 64;

/// Most bytes searched back for the opening quote of the previous item of a list of
/// literals (`["Asia/Shanghai", "Asia/Urumqi"]`).
const MAX_LIST_ITEM: usize = 130;

/// Bytes before a quoted literal (or the list holding it) searched for an operator or a
/// comparing call, within the statement.
const OPERATOR_WINDOW: usize = 48;

/// Bytes after a quoted literal searched for the end of its list and a comparing call
/// (`].includes(`): a list of zone names can be long.
const LIST_TAIL_WINDOW: usize = 512;

/// A time-zone name starting at `start` (where its area was found): the whole run of
/// name bytes must be one of `time_zones`, standing alone.
pub(super) fn time_zone_at(
    time_zones: &HashSet<Vec<u8>>,
    text: &[u8],
    start: usize,
    hits: &mut Vec<Hit>,
) {
    if start.checked_sub(1).is_some_and(|i| is_name_byte(text[i])) {
        return;
    }
    let len = text[start..]
        .iter()
        .take(MAX_ZONE_NAME_LEN)
        .take_while(|b| is_name_byte(**b))
        .count();
    let name = &text[start..start + len];
    if time_zones.contains(name) {
        hits.push(hit(
            ClaimCategory::Conditional,
            Kind::TimeZone,
            String::from_utf8_lossy(name).into_owned(),
            start,
            start + len,
        ));
    }
}

/// A locale, region or time-zone API (`Intl.DateTimeFormat`, `/etc/localtime`).
pub(super) fn locale_api(anchor_text: &str, start: usize, end: usize, hits: &mut Vec<Hit>) {
    hits.push(hit(
        ClaimCategory::Conditional,
        Kind::LocaleApi,
        anchor_text.to_owned(),
        start,
        end,
    ));
}

/// Infix comparison operators, longest first.
const INFIX: &[&str] = &["===", "!==", "==", "!="];

/// Calls that compare their receiver or arguments with a literal.
const COMPARING_CALLS: &[&str] = &[
    "includes(",
    "startsWith(",
    "endsWith(",
    "indexOf(",
    "startswith(",
    "endswith(",
    "starts_with(",
    "HasPrefix(",
    "EqualFold(",
    "has(",
    "strcmp(",
    "strncmp(",
    "strcasecmp(",
];

/// Locale and time-zone values compared with literals: after a locale API
/// (`navigator.language === "zh-CN"`, `…timeZone.startsWith("Asia/")`), and around a
/// quoted zone name (`tz == "Asia/Shanghai"`, `case "Asia/Urumqi":`,
/// `["Asia/Shanghai", …].includes(tz)`, `strcmp(tz, "Asia/Shanghai")`).
pub(super) fn comparisons(text: &[u8], hits: &mut Vec<Hit>) {
    let mut found = Vec::new();
    for h in hits.iter() {
        match h.kind {
            Kind::LocaleApi => {
                let Some((op, literal, end)) = compared_after(text, h.end) else {
                    continue;
                };
                // `Intl.DateTimeFormat().resolvedOptions().timeZone === …`: the comparison
                // is the innermost API's.
                let inner = hits.iter().any(|other| {
                    other.kind == Kind::LocaleApi && h.start < other.start && other.start < end
                });
                if !inner {
                    found.push(hit(
                        ClaimCategory::Conditional,
                        Kind::LocaleComparison,
                        format!("{} {op} \"{literal}\"", h.value),
                        h.start,
                        end,
                    ));
                }
            }
            Kind::TimeZone => {
                let quoted = h.start > 0
                    && matches!(text[h.start - 1], b'"' | b'\'' | b'`')
                    && text.get(h.end) == Some(&text[h.start - 1]);
                if !quoted
                    || found
                        .iter()
                        .any(|f: &Hit| f.start <= h.start && h.end <= f.end)
                {
                    continue;
                }
                if let Some(op) = operator_around(text, h.start - 1, h.end + 1) {
                    found.push(hit(
                        ClaimCategory::Conditional,
                        Kind::LocaleComparison,
                        format!("{op} \"{}\"", h.value),
                        h.start,
                        h.end,
                    ));
                }
            }
            _ => {}
        }
    }
    hits.extend(found);
}

/// After a locale API ending at `at`: a comparison with a string literal before the
/// statement or expression ends (a method chain such as `.toLowerCase()` may come
/// between). The operator, the literal and where the literal ends.
fn compared_after(text: &[u8], at: usize) -> Option<(String, String, usize)> {
    let window = &text[at..text.len().min(at + COMPARISON_WINDOW)];
    let stop = window
        .iter()
        .position(|b| matches!(b, b';' | b'{' | b'}' | b'\n' | b',' | b'?' | b'&' | b'|'))
        .unwrap_or(window.len());
    let window = &window[..stop];
    let (op_at, op) = (0..window.len()).find_map(|i| {
        INFIX
            .iter()
            .find(|op| window[i..].starts_with(op.as_bytes()))
            .map(|op| (i, (*op).to_owned()))
            .or_else(|| {
                (window[i] == b'.')
                    .then(|| {
                        COMPARING_CALLS
                            .iter()
                            .find(|c| window[i + 1..].starts_with(c.as_bytes()))
                            .map(|c| (i, format!(".{}", c.trim_end_matches('('))))
                    })
                    .flatten()
            })
    })?;
    let op_len = if op.starts_with('.') {
        op.len() + 1
    } else {
        op.len()
    };
    let (literal, end) = quoted_after(text, at + op_at + op_len)?;
    (!literal.is_empty() && literal.len() <= MAX_COMPARED_LITERAL).then_some((op, literal, end))
}

/// The comparison a quoted literal spanning `open..close` (its quotes included) takes
/// part in, if any: an operator or comparing call just before it, an operator just after
/// it, or a list of literals it belongs to that is then searched (`].includes(`).
fn operator_around(text: &[u8], open: usize, close: usize) -> Option<String> {
    // Before: `=== "…"`, `case "…"`, `in ("…"`, `includes("…"`, `strcmp(tz, "…"`; for
    // a literal inside a list (`["a", "…"]`), what stands before the list.
    let mut head_end = open;
    loop {
        let trimmed = trim_end(&text[..head_end], b" \t").len();
        if trimmed == 0 || text[trimmed - 1] != b',' {
            break;
        }
        let item_end = trim_end(&text[..trimmed - 1], b" \t").len();
        let Some(&quote) = item_end.checked_sub(1).and_then(|i| text.get(i)) else {
            break;
        };
        if !matches!(quote, b'"' | b'\'' | b'`') {
            break;
        }
        let from = item_end.saturating_sub(MAX_LIST_ITEM);
        match memchr::memrchr(quote, &text[from..item_end - 1]) {
            Some(i) => head_end = from + i,
            None => break,
        }
    }
    let window_start = head_end.saturating_sub(OPERATOR_WINDOW);
    let line_start = text[window_start..head_end]
        .iter()
        .rposition(|b| matches!(b, b'\n' | b';' | b'{' | b'}'))
        .map_or(window_start, |i| window_start + i + 1);
    let before = &text[line_start..head_end];
    let trimmed = trim_end(before, b" \t([");
    if let Some(op) = INFIX.iter().find(|op| trimmed.ends_with(op.as_bytes())) {
        return Some((*op).to_owned());
    }
    if trimmed.ends_with(b"case") {
        return Some("case".to_owned());
    }
    if trimmed.ends_with(b" in") {
        return Some("in".to_owned());
    }
    for call in COMPARING_CALLS {
        let name = call.as_bytes();
        let Some(i) = memchr::memmem::rfind(before, name) else {
            continue;
        };
        let c_style = call.contains("cmp");
        // `x.includes(`, or a C function `strcmp(`: not the tail of a longer name.
        let preceded_ok = match i.checked_sub(1).map(|j| before[j]) {
            Some(b'.') => !c_style,
            Some(b) => c_style && !(b.is_ascii_alphanumeric() || b == b'_'),
            None => c_style,
        };
        let args = &before[i + name.len()..];
        // The literal is the call's first argument, or a later one of a C compare.
        let first = args.iter().all(u8::is_ascii_whitespace);
        let later = c_style
            && args
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b','));
        if preceded_ok && (first || later) {
            return Some(call.trim_end_matches('(').to_owned());
        }
    }
    // After: `"…" === tz`, or `["…", "…"].includes(tz)`.
    let after = &text[close..text.len().min(close + LIST_TAIL_WINDOW)];
    let after = trim_start(after, b" \t");
    if let Some(op) = INFIX.iter().find(|op| after.starts_with(op.as_bytes())) {
        return Some((*op).to_owned());
    }
    let list_end = after
        .iter()
        .position(|b| !(is_name_byte(*b) || b" \t,\"'`".contains(b)))?;
    let rest = &after[list_end..];
    if !matches!(rest.first(), Some(b']' | b')')) {
        return None;
    }
    let rest = trim_start(&rest[1..], b")");
    let call = rest.strip_prefix(b".")?;
    COMPARING_CALLS
        .iter()
        .find(|c| call.starts_with(c.as_bytes()))
        .map(|c| c.trim_end_matches('(').to_owned())
}

fn trim_end<'a>(bytes: &'a [u8], set: &[u8]) -> &'a [u8] {
    let keep = bytes
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(0, |i| i + 1);
    &bytes[..keep]
}

fn trim_start<'a>(bytes: &'a [u8], set: &[u8]) -> &'a [u8] {
    let skip = bytes
        .iter()
        .position(|b| !set.contains(b))
        .unwrap_or(bytes.len());
    &bytes[skip..]
}

/// Bytes that continue an identifier, path or zone name.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'-' | b'+')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::values;

    #[test]
    fn time_zones_must_stand_alone() {
        let text = r#"tz==="Asia/Shanghai"||["Asia/Urumqi"].includes(tz);x="Asia/Shanghai2""#;
        assert_eq!(
            values(text, Kind::TimeZone),
            ["Asia/Shanghai", "Asia/Urumqi"]
        );
        let text = "Intl.DateTimeFormat().resolvedOptions().timeZone";
        assert_eq!(
            values(text, Kind::LocaleApi),
            ["Intl.DateTimeFormat", "resolvedOptions().timeZone"]
        );
    }

    #[test]
    fn locale_comparisons() {
        let text = concat!(
            r#"if(Intl.DateTimeFormat().resolvedOptions().timeZone==="Asia/Shanghai"){x()}"#,
            r#"if(navigator.language.toLowerCase().startsWith("zh")){y()}"#,
            r#"const z=["Asia/Shanghai", "Asia/Urumqi"].includes(tz);"#,
            r#"switch(t){case "Europe/Berlin":break}"#,
            r#"if tz in ("Asia/Urumqi", "Europe/Berlin"): pass;"#,
            r#"if(strcmp(tz, "Asia/Shanghai")==0){}"#,
            r#"log("Asia/Shanghai");alphas("Asia/Urumqi");"#,
        );
        assert_eq!(
            values(text, Kind::LocaleComparison),
            [
                r#"resolvedOptions().timeZone === "Asia/Shanghai""#,
                r#"navigator.language .startsWith "zh""#,
                r#"includes "Asia/Shanghai""#,
                r#"includes "Asia/Urumqi""#,
                r#"case "Europe/Berlin""#,
                r#"in "Asia/Urumqi""#,
                r#"in "Europe/Berlin""#,
                r#"strcmp "Asia/Shanghai""#,
            ]
        );
    }
}
