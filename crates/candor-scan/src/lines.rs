//! Lines and columns of evidence in text files: what an editor, a code review or GitHub
//! code scanning (SARIF `startLine`) place a finding by. Byte offsets stay the reference;
//! a file is text when its first [`SNIFF_BYTES`] hold no NUL byte (git's rule), and only
//! text files get lines.

use candor_model::evidence::StaticEvidence;

use crate::indicator::Indicator;

/// How much of a file is looked at to tell text from binary.
pub const SNIFF_BYTES: usize = 8000;

/// Whether `bytes` are text: no NUL in the first [`SNIFF_BYTES`].
pub fn is_text(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(SNIFF_BYTES)]).is_none()
}

/// Set the line and column of every piece of evidence of `indicators`, found in the text
/// `bytes`, in one pass over the file (offsets past its end are left without).
pub(crate) fn locate(bytes: &[u8], indicators: &mut [Indicator]) {
    let mut evidence: Vec<&mut StaticEvidence> = indicators
        .iter_mut()
        .flat_map(|i| std::iter::once(&mut i.evidence).chain(&mut i.more_evidence))
        .collect();
    evidence.sort_by_key(|e| e.offset);
    // The line of `counted`, and its column (code points
    // from the line's start, plus one). Evidence is visited in offset order, so every byte
    // is counted once: a minified file is one line of megabytes.
    let mut line = 1u64;
    let mut counted = 0usize;
    let mut column = 1u64;
    for e in evidence {
        let Ok(offset) = usize::try_from(e.offset) else {
            continue;
        };
        if offset > bytes.len() {
            continue;
        }
        let span = &bytes[counted..offset];
        let from = match memchr::memrchr(b'\n', span) {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', span).count() as u64;
                column = 1;
                counted + last + 1
            }
            None => counted,
        };
        // Code points: every byte that does not continue a UTF-8 sequence.
        column += bytes[from..offset]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count() as u64;
        counted = offset;
        e.line = Some(line);
        e.column = Some(column);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Kind;
    use candor_model::claims::ClaimCategory;

    fn at(offset: u64) -> Indicator {
        Indicator {
            category: ClaimCategory::Network,
            kind: Kind::Domain,
            value: String::new(),
            evidence: StaticEvidence {
                file: "a.js".to_owned(),
                section: None,
                offset,
                length: 1,
                chain: Vec::new(),
                line: None,
                column: None,
                excerpt: String::new(),
            },
            occurrences: 1,
            last_offset: offset,
            more_evidence: Vec::new(),
        }
    }

    #[test]
    fn lines_and_columns_in_code_points() {
        let text = "first\n’quoted’ x\r\n\nlast";
        let x = text.find('x').unwrap() as u64;
        let last = text.find("last").unwrap() as u64;
        let mut indicators = vec![at(last), at(0), at(x), at(6)];
        indicators[0].more_evidence.push(at(2).evidence);
        locate(text.as_bytes(), &mut indicators);
        let place = |i: &Indicator| (i.evidence.line, i.evidence.column);
        assert_eq!(place(&indicators[1]), (Some(1), Some(1)));
        assert_eq!(place(&indicators[3]), (Some(2), Some(1)));
        // Two curly quotes of 3 bytes each, 6 letters and a space before the x.
        assert_eq!(place(&indicators[2]), (Some(2), Some(10)));
        assert_eq!(place(&indicators[0]), (Some(4), Some(1)));
        let more = &indicators[0].more_evidence[0];
        assert_eq!((more.line, more.column), (Some(1), Some(3)));
    }

    #[test]
    fn text_is_what_has_no_nul_up_front() {
        assert!(is_text(b"console.log(1)\n"));
        assert!(!is_text(b"\x7fELF\x02\x01\x01\x00"));
        let mut late = vec![b'a'; SNIFF_BYTES];
        late.push(0);
        assert!(is_text(&late));
    }
}
