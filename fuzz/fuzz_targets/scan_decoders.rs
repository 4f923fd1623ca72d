//! Target: the scanner's decoders and XOR search, one buffer at a time:
//! `candor_scan::decode::{find_base64, find_hex, find_js_escapes, find_char_codes}` (and
//! `find_encoded`, `find_encoded_parallel`, which run them all), `XorSearcher::find` and
//! `find_parallel` with the scanner's needles, and `XorSearcher::try_new` with needles
//! of the input's own. Input: a first byte (its low six bits the minimum decoded length,
//! its top two the number of own needles, each a length byte and that many bytes), then
//! the buffer.
//!
//! Invariants: nothing panics, hangs or blows memory, and
//! - every encoded run lies within the buffer, is what its finder finds, and decodes to
//!   no more than its own length (the bound `candor_scan::decode` documents: 3/4 of the
//!   run for base64, exactly 1/2 for hex, at most the run for escapes and char codes);
//!   base64 and hex runs decode, by an independent decoder here, to exactly the bytes
//!   returned, and reach the minimum length; the four finders together find what
//!   `find_encoded` finds, in its order, and so does `find_encoded_parallel`;
//! - every XOR hit lies within the buffer, is at most `MAX_HIT_LEN` long, has a key
//!   other than 0 and its plain text is the buffer's bytes XOR that key (printable, for
//!   the scanner's needles); hits are in order, and those of one key do not overlap, so
//!   what a search returns is at most 255 times the buffer; `find_parallel` finds what
//!   `find` finds; `try_new` refuses exactly the needles the documentation says.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use std::sync::OnceLock;

use candor_scan::decode::{
    Decoded, Decoder, MIN_RUN, find_base64, find_char_codes, find_encoded, find_encoded_parallel,
    find_hex, find_js_escapes,
};
use candor_scan::xor::{MAX_HIT_LEN, MIN_NEEDLE_LEN, NEEDLES, XorError, XorHit, XorSearcher};
use libfuzzer_sys::fuzz_target;

/// The scanner's XOR searcher, made once.
fn searcher() -> &'static XorSearcher {
    static SEARCHER: OnceLock<XorSearcher> = OnceLock::new();
    SEARCHER.get_or_init(|| {
        let needles: Vec<&[u8]> = NEEDLES.iter().map(|n| n.as_bytes()).collect();
        XorSearcher::try_new(&needles).expect("the scanner's needles are usable")
    })
}

/// RFC 4648 base64 (standard or URL-safe alphabet) of `run` without padding, a trailing
/// single character ignored, trailing bits allowed: the reading the decoder documents.
fn decode_base64(run: &[u8], url: bool) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' if !url => 62,
            b'/' if !url => 63,
            b'-' if url => 62,
            b'_' if url => 63,
            _ => return None,
        } as u32)
    };
    let run = match run.iter().position(|&b| b == b'=') {
        Some(padding) => &run[..padding],
        None => run,
    };
    let usable = if run.len() % 4 == 1 {
        run.len() - 1
    } else {
        run.len()
    };
    let mut out = Vec::with_capacity(usable * 3 / 4);
    for chunk in run[..usable].chunks(4) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= value(b)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Hexadecimal digits, two per byte.
fn decode_hex(run: &[u8]) -> Option<Vec<u8>> {
    let nibble = |b: u8| char::from(b).to_digit(16);
    if run.len() % 2 != 0 {
        return None;
    }
    run.chunks(2)
        .map(|p| Some(u8::try_from(nibble(p[0])? << 4 | nibble(p[1])?).ok()?))
        .collect()
}

/// The checks of one finder's results (see the module documentation).
fn check_decoded(buffer: &[u8], found: &[Decoded], min_len: usize, decoders: &[Decoder]) {
    for d in found {
        assert!(
            decoders.contains(&d.decoder),
            "{:?} from the wrong finder",
            d.decoder
        );
        let end = d.offset.checked_add(d.length);
        assert!(
            end.is_some_and(|end| end <= buffer.len()) && d.length > 0,
            "run {}+{} outside the {} bytes",
            d.offset,
            d.length,
            buffer.len()
        );
        let run = &buffer[d.offset..d.offset + d.length];
        match d.decoder {
            Decoder::Base64 | Decoder::Base64Url => {
                assert!(d.bytes.len() <= d.length * 3 / 4, "base64 grew: {d:?}");
                assert!(d.length >= MIN_RUN && d.bytes.len() >= min_len.max(1));
                let expected = decode_base64(run, d.decoder == Decoder::Base64Url);
                assert_eq!(
                    expected.as_deref(),
                    Some(&d.bytes[..]),
                    "base64 decoded wrong: {:?}",
                    String::from_utf8_lossy(run)
                );
            }
            Decoder::Hex => {
                assert_eq!(d.bytes.len() * 2, d.length, "hex: {d:?}");
                assert!(d.length >= MIN_RUN && d.bytes.len() >= min_len);
                assert_eq!(decode_hex(run).as_deref(), Some(&d.bytes[..]));
            }
            Decoder::JsEscapes | Decoder::FromCharCode => {
                assert!(
                    d.bytes.len() <= d.length,
                    "{:?} decoded {} bytes out of {}: {:?}",
                    d.decoder,
                    d.bytes.len(),
                    d.length,
                    String::from_utf8_lossy(run)
                );
            }
        }
    }
    let order: Vec<_> = found
        .iter()
        .map(|d| (d.offset, d.length, d.decoder))
        .collect();
    assert!(order.is_sorted(), "results out of order: {order:?}");
}

/// The checks of one XOR search (see the module documentation).
fn check_xor(buffer: &[u8], hits: &[XorHit], printable: bool) {
    let mut last_end = [0usize; 256];
    for hit in hits {
        assert_ne!(hit.key, 0, "key 0 is plain text");
        let end = hit.offset.checked_add(hit.length);
        assert!(
            end.is_some_and(|end| end <= buffer.len()),
            "XOR hit {}+{} outside the {} bytes",
            hit.offset,
            hit.length,
            buffer.len()
        );
        assert!(hit.length <= MAX_HIT_LEN);
        assert_eq!(hit.plaintext.len(), hit.length);
        let cipher = &buffer[hit.offset..hit.offset + hit.length];
        assert!(
            cipher
                .iter()
                .zip(&hit.plaintext)
                .all(|(c, p)| c ^ hit.key == *p),
            "plain text that is not the buffer XOR the key"
        );
        if printable {
            assert!(
                hit.plaintext
                    .iter()
                    .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7f).contains(&b)),
                "unprintable plain text: {hit:?}"
            );
        }
        let key = usize::from(hit.key);
        assert!(
            hit.offset >= last_end[key],
            "hits of key {:#04x} overlap at {}",
            hit.key,
            hit.offset
        );
        last_end[key] = hit.offset + hit.length;
    }
    let order: Vec<_> = hits.iter().map(|h| (h.offset, h.key, h.length)).collect();
    assert!(order.is_sorted(), "XOR hits out of order");
}

fuzz_target!(|input: &[u8]| {
    let Some((&head, mut rest)) = input.split_first() else {
        return;
    };
    let min_len = usize::from(head & 0x3f);
    let mut needles: Vec<&[u8]> = Vec::new();
    for _ in 0..head >> 6 {
        let Some((&len, after)) = rest.split_first() else {
            return;
        };
        let len = usize::from(len % 32).min(after.len());
        needles.push(&after[..len]);
        rest = &after[len..];
    }
    let buffer = rest;

    let base64 = find_base64(buffer, min_len);
    check_decoded(
        buffer,
        &base64,
        min_len,
        &[Decoder::Base64, Decoder::Base64Url],
    );
    let hex = find_hex(buffer, min_len);
    check_decoded(buffer, &hex, min_len, &[Decoder::Hex]);
    let escapes = find_js_escapes(buffer, min_len);
    check_decoded(buffer, &escapes, min_len, &[Decoder::JsEscapes]);
    let char_codes = find_char_codes(buffer, min_len);
    check_decoded(buffer, &char_codes, min_len, &[Decoder::FromCharCode]);
    let all = find_encoded(buffer, min_len);
    let mut together = [base64, hex, escapes, char_codes].concat();
    together.sort_by_key(|d| (d.offset, d.length, d.decoder));
    assert_eq!(together, all, "the finders alone and find_encoded disagree");
    assert_eq!(find_encoded_parallel(buffer, min_len), all);

    let hits = searcher().find(buffer);
    check_xor(buffer, &hits, true);
    assert_eq!(searcher().find_parallel(buffer), hits);

    if !needles.is_empty() {
        let unusable = needles
            .iter()
            .any(|n| n.len() < MIN_NEEDLE_LEN || n.iter().all(|&b| b == n[0]));
        match XorSearcher::try_new(&needles) {
            Ok(own) => {
                assert!(
                    !unusable,
                    "try_new accepted an unusable needle: {needles:?}"
                );
                check_xor(buffer, &own.find(buffer), false);
            }
            Err(XorError::TooShort { .. } | XorError::Constant { .. }) => {
                assert!(unusable, "try_new refused usable needles: {needles:?}");
            }
            Err(e) => panic!("the automaton of {needles:?}: {e}"),
        }
    }
});
