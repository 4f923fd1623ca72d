//! The scan of one buffer: detectors on the plain bytes, then on everything that decodes
//! out of them (base64, hex, escapes, char codes, single-byte XOR), recursively to a
//! fixed depth, each finding carrying the chain of decodings that revealed it.

use candor_model::claims::ClaimCategory;
use sha2::{Digest as _, Sha256};

use crate::decode::{self, Decoder};
use crate::detect::{Detectors, Hit};
use crate::indicator::Kind;
use crate::report::FileScan;
use crate::tally::{Place, Tally};
use crate::xor::{self, XorSearcher};

/// Tuning of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How many decodings deep to look (`base64 → xor → hex` is 3).
    pub max_depth: usize,
    /// Encoded runs shorter than this once decoded are ignored.
    pub min_decoded_len: usize,
    /// Encoded runs at least this long once decoded are reported as blobs even when
    /// nothing inside is recognised.
    pub blob_report_len: usize,
    /// XOR-recovered text shorter than this is taken for chance (random bytes produce
    /// short printable runs under some key).
    pub min_xor_len: usize,
}

/// Default [`ScanOptions::max_depth`]: three decodings (`base64 → xor → hex`); each level
/// deeper scans everything that decodes out of the level above again.
const DEFAULT_MAX_DEPTH: usize = 3;

/// Default [`ScanOptions::min_decoded_len`]: shorter decoded runs are mostly identifiers
/// and numbers that happen to fit an encoding's alphabet.
const DEFAULT_MIN_DECODED_LEN: usize = 8;

/// Default [`ScanOptions::blob_report_len`]: longer than the hashes, ids and keys (32
/// bytes and less) that code is full of.
const DEFAULT_BLOB_REPORT_LEN: usize = 48;

/// Default [`ScanOptions::min_xor_len`]: random bytes decode to shorter printable runs under
/// some key all the time.
const DEFAULT_MIN_XOR_LEN: usize = 12;

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            min_decoded_len: DEFAULT_MIN_DECODED_LEN,
            blob_report_len: DEFAULT_BLOB_REPORT_LEN,
            min_xor_len: DEFAULT_MIN_XOR_LEN,
        }
    }
}

/// Bytes per block of the plain-text passes: small enough that a block stays in a core's
/// L2 cache through all three passes, large enough to keep both cores busy.
const BLOCK: usize = 1 << 20;

/// Blocks scanned in parallel at a time. What a batch finds is added to the file's
/// tally while the next batch is scanned, so no more than two batches of findings are
/// held at once, however large the file. Output does not depend on it (findings are
/// added in block order), nor on the number of threads.
const BATCH: usize = 4;

/// Bytes the detectors see on each side of a block (see `Scanner::scan_blocks`).
const CONTEXT: usize = 16 << 10;

/// Bytes of text an excerpt shows on each side of a hit.
const EXCERPT_CONTEXT: usize = 48;

/// Bytes of a blob's decoded text its excerpt starts with.
const BLOB_EXCERPT_LEN: usize = 24;

/// Bytes of a blob's SHA-256 in its value (`base64 blob sha256:<12 hex digits>`): enough
/// to tell blobs apart in a report and across releases.
const BLOB_DIGEST_PREFIX: usize = 6;

/// A scanner: detectors and the XOR searcher, built once, used for many buffers.
#[derive(Debug)]
pub struct Scanner {
    detectors: Detectors,
    xor: XorSearcher,
    options: ScanOptions,
}

/// Where a decoded buffer came from in the file.
#[derive(Debug, Clone)]
struct Origin {
    offset: u64,
    length: u64,
    chain: Vec<String>,
}

impl Origin {
    fn place<'a>(&'a self, ctx: &Context<'a>) -> Place<'a> {
        Place {
            chain: &self.chain,
            offset: self.offset,
            length: self.length,
            section: ctx.section,
        }
    }
}

/// What the passes over one block found: plain hits (offsets in the whole buffer, in
/// order), the encoded runs starting in the block, and XOR hits (to be merged).
#[derive(Debug, Default)]
struct BlockFindings {
    plain: Vec<Hit>,
    decoded: Vec<decode::Decoded>,
    xor: Vec<xor::XorHit>,
}

impl Scanner {
    /// A scanner with these detectors and options.
    pub fn new(detectors: Detectors, options: ScanOptions) -> Self {
        let needles: Vec<&[u8]> = xor::NEEDLES.iter().map(|n| n.as_bytes()).collect();
        Self {
            detectors,
            xor: XorSearcher::new(&needles),
            options,
        }
    }

    /// Every indicator in `bytes`, a file (or part of one) named `file` that starts at
    /// `base` in that file, aggregated per value; `section` names the executable section
    /// if known. Past [`crate::MAX_DISTINCT_PER_FILE`] distinct values the file is
    /// [`FileScan::capped`].
    pub fn scan(&self, file: &str, section: Option<&str>, base: u64, bytes: &[u8]) -> FileScan {
        let mut tally = Tally::new(file);
        self.scan_into(&mut tally, section, base, bytes);
        tally.finish()
    }

    /// [`Scanner::scan`], adding to a tally the caller goes on adding to.
    pub(crate) fn scan_into(
        &self,
        tally: &mut Tally<'_>,
        section: Option<&str>,
        base: u64,
        bytes: &[u8],
    ) {
        let ctx = Context { section };
        let xor_hits = self.scan_blocks(bytes, |block| {
            for hit in block.plain {
                let place = Place {
                    chain: &[],
                    offset: base + hit.start as u64,
                    length: (hit.end - hit.start) as u64,
                    section,
                };
                tally.add(hit.category, hit.kind, hit.value, &place, || {
                    excerpt(bytes, hit.start, hit.end)
                });
            }
            // What decodes out of the plain bytes, scanned again.
            for decoded in block.decoded {
                let origin = Origin {
                    offset: base + decoded.offset as u64,
                    length: decoded.length as u64,
                    chain: vec![decoder_name(decoded.decoder).to_owned()],
                };
                self.scan_decoded(tally, &ctx, &origin, decoded.decoder, &decoded.bytes, 1);
            }
        });
        for hit in xor_hits {
            if hit.length < self.options.min_xor_len {
                continue;
            }
            let origin = Origin {
                offset: base + hit.offset as u64,
                length: hit.length as u64,
                chain: vec![format!("xor(0x{:02x})", hit.key)],
            };
            self.scan_xor(tally, &ctx, &origin, &hit.plaintext, 1);
        }
    }

    /// The three passes over the plain bytes (detectors, encoded runs, XOR) block by
    /// block, each block on one of rayon's threads and read by all three passes while it
    /// is in that core's cache: three whole-buffer passes read a large input from memory
    /// three times. `on_block` gets the plain hits and encoded runs of each block, in
    /// block order ([`decode::find_encoded`]'s order), a [`BATCH`] of blocks at a time
    /// while the next batch is scanned; the XOR hits of the whole buffer come back, in
    /// [`XorSearcher::find`]'s order.
    fn scan_blocks<F>(&self, bytes: &[u8], mut on_block: F) -> Vec<xor::XorHit>
    where
        F: FnMut(BlockFindings) + Send,
    {
        use rayon::prelude::*;
        let finder = decode::WindowFinder::new(self.options.min_decoded_len);
        // Blocks are runs of whole decoder windows, about BLOCK bytes each.
        let mut blocks: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut size = usize::MAX;
        for window in decode::WindowFinder::windows(bytes) {
            if size >= BLOCK {
                blocks.push(Vec::new());
                size = 0;
            }
            size += window.1 - window.0;
            if let Some(block) = blocks.last_mut() {
                block.push(window);
            }
        }
        let scan_block = |windows: &Vec<(usize, usize)>| {
            let from = windows.first().map_or(0, |w| w.0);
            let to = windows.last().map_or(0, |w| w.1);
            // The detectors see some bytes either side, so a hit near the block's edge
            // has its context; a hit belongs to the block it starts in.
            let view_start = from.saturating_sub(CONTEXT);
            let view = &bytes[view_start..(to + CONTEXT).min(bytes.len())];
            let plain: Vec<Hit> = self
                .detectors
                .detect(view)
                .into_iter()
                .filter(|hit| (from..to).contains(&(view_start + hit.start)))
                .map(|hit| Hit {
                    start: view_start + hit.start,
                    end: view_start + hit.end,
                    ..hit
                })
                .collect();
            let decoded: Vec<decode::Decoded> = windows
                .iter()
                .flat_map(|&window| finder.find(bytes, window))
                .collect();
            // XOR ranges start at multiples of its CHUNK, as `find` restarts there: the
            // merged hits are then exactly `find`'s (matches do not overlap, so another
            // start could find a different set).
            let align = |at: usize| {
                if at == bytes.len() {
                    at
                } else {
                    at / xor::CHUNK * xor::CHUNK
                }
            };
            let xor = self.xor.find_between(bytes, align(from), align(to));
            BlockFindings {
                plain,
                decoded,
                xor,
            }
        };
        let mut all_xor = Vec::new();
        let mut take = |found: Vec<BlockFindings>, all_xor: &mut Vec<xor::XorHit>| {
            for mut block in found {
                all_xor.append(&mut block.xor);
                on_block(block);
            }
        };
        if blocks.len() <= 1 {
            take(blocks.iter().map(scan_block).collect(), &mut all_xor);
            return XorSearcher::merge(all_xor);
        }
        // Each batch is scanned while the one before is handed to `on_block`.
        let mut pending: Vec<BlockFindings> = Vec::new();
        for batch in blocks.chunks(BATCH) {
            let previous = std::mem::take(&mut pending);
            let (found, ()) = rayon::join(
                || batch.par_iter().map(scan_block).collect(),
                || take(previous, &mut all_xor),
            );
            pending = found;
        }
        take(pending, &mut all_xor);
        XorSearcher::merge(all_xor)
    }

    /// What `bytes`, decoded from `origin`, hides: its indicators, or itself as a blob
    /// if it is long and hides nothing. Whether anything was added.
    fn scan_decoded(
        &self,
        tally: &mut Tally<'_>,
        ctx: &Context<'_>,
        origin: &Origin,
        decoder: Decoder,
        bytes: &[u8],
        depth: usize,
    ) -> bool {
        if self.scan_nested(tally, ctx, origin, bytes, depth) {
            return true;
        }
        if bytes.len() >= self.options.blob_report_len {
            add_blob(tally, ctx, origin, decoder_name(decoder), bytes);
            return true;
        }
        false
    }

    /// What XOR-recovered `bytes` hide, or the bytes themselves as a blob.
    fn scan_xor(
        &self,
        tally: &mut Tally<'_>,
        ctx: &Context<'_>,
        origin: &Origin,
        bytes: &[u8],
        depth: usize,
    ) {
        if !self.scan_nested(tally, ctx, origin, bytes, depth) {
            add_blob(tally, ctx, origin, "xor", bytes);
        }
    }

    /// Detectors on a decoded buffer, then its own decodings one level deeper. Whether
    /// anything was added.
    fn scan_nested(
        &self,
        tally: &mut Tally<'_>,
        ctx: &Context<'_>,
        origin: &Origin,
        bytes: &[u8],
        depth: usize,
    ) -> bool {
        let mut found = false;
        let place = origin.place(ctx);
        for hit in self.detectors.detect(bytes) {
            found = true;
            tally.add(hit.category, hit.kind, hit.value, &place, || {
                excerpt(bytes, hit.start, hit.end)
            });
        }
        if depth >= self.options.max_depth {
            return found;
        }
        for decoded in decode::find_encoded(bytes, self.options.min_decoded_len) {
            let mut chain = origin.chain.clone();
            chain.push(decoder_name(decoded.decoder).to_owned());
            let inner = Origin {
                chain,
                ..origin.clone()
            };
            found |= self.scan_decoded(
                tally,
                ctx,
                &inner,
                decoded.decoder,
                &decoded.bytes,
                depth + 1,
            );
        }
        for hit in self.xor.find(bytes) {
            if hit.length < self.options.min_xor_len {
                continue;
            }
            let mut chain = origin.chain.clone();
            chain.push(format!("xor(0x{:02x})", hit.key));
            let inner = Origin {
                chain,
                ..origin.clone()
            };
            self.scan_xor(tally, ctx, &inner, &hit.plaintext, depth + 1);
            found = true;
        }
        found
    }
}

struct Context<'a> {
    section: Option<&'a str>,
}

fn decoder_name(decoder: Decoder) -> &'static str {
    match decoder {
        Decoder::Base64 => "base64",
        Decoder::Base64Url => "base64url",
        Decoder::Hex => "hex",
        Decoder::JsEscapes => "js-escapes",
        Decoder::FromCharCode => "fromCharCode",
    }
}

/// An encoded blob nothing recognisable came out of: still worth a look.
fn add_blob(
    tally: &mut Tally<'_>,
    ctx: &Context<'_>,
    origin: &Origin,
    decoder: &str,
    bytes: &[u8],
) {
    let digest = Sha256::digest(bytes);
    let prefix = hex::encode(&digest[..BLOB_DIGEST_PREFIX]);
    tally.add(
        ClaimCategory::Obfuscation,
        Kind::EncodedBlob,
        format!("{decoder} blob sha256:{prefix}"),
        &origin.place(ctx),
        || {
            format!(
                "{} bytes decoded, entropy {:.2} bits/byte: {}",
                bytes.len(),
                entropy(bytes),
                excerpt(bytes, 0, bytes.len().min(BLOB_EXCERPT_LEN))
            )
        },
    );
}

/// Shannon entropy in bits per byte.
fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in bytes {
        counts[usize::from(*b)] += 1;
    }
    #[allow(clippy::cast_precision_loss)] // counts of at most a few GB
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / len;
            -p * p.log2()
        })
        .sum()
}

/// The text around `start..end`, at most [`EXCERPT_CONTEXT`] bytes each side, tabs, line
/// breaks and NUL as `.`, other controls and invisible or bidirectional characters
/// escaped ([`crate::printable`]): a terminal shows an excerpt as it is.
pub(crate) fn excerpt(bytes: &[u8], start: usize, end: usize) -> String {
    let from = start.saturating_sub(EXCERPT_CONTEXT);
    let to = (end + EXCERPT_CONTEXT).min(bytes.len());
    let mut from = from;
    // Do not start in the middle of a UTF-8 sequence.
    while from < start && (bytes[from] & 0xC0) == 0x80 {
        from += 1;
    }
    crate::printable::excerpt_text(&String::from_utf8_lossy(&bytes[from..to]))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;
    use crate::xor::tests::noise;

    fn scanner() -> Scanner {
        Scanner::new(
            crate::rules::detectors(&[]).unwrap(),
            ScanOptions::default(),
        )
    }

    /// Issue 17: an encoded blob's preview is its decoded bytes, which a file chooses:
    /// escape sequences and C1 controls print escaped, never raw.
    #[test]
    fn blob_previews_escape_terminal_controls() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let hostile: Vec<u8> = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{7f}"
            .bytes()
            .chain((0u8..48).map(|i| i.wrapping_mul(37) ^ 0x1b))
            .collect();
        let text = format!("const p = \"{}\";", b64.encode(&hostile));
        let scan = scanner().scan("f", None, 0, text.as_bytes());
        let blob = scan
            .indicators
            .iter()
            .find(|i| i.kind == Kind::EncodedBlob)
            .expect("a blob");
        let preview = &blob.evidence.excerpt;
        assert!(
            preview.contains("\\x1b]0;owned\\x07\\x1b[2J\\u{9b}31m\\x7f"),
            "{preview}"
        );
        assert!(
            !preview.chars().any(crate::printable::needs_escape),
            "{preview}"
        );
    }

    /// Plants straddling block, window and XOR-chunk edges: the block-wise passes find
    /// what whole-buffer passes find, each once.
    #[test]
    fn blocks_find_what_whole_buffer_passes_find() {
        let mut bytes = noise(5 << 20, 7);
        let list = b"jd.com,taobao.com,cn-shanghai.fcapp.run,baidu.com";
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut put = |at: usize, plant: &[u8]| bytes[at..at + plant.len()].copy_from_slice(plant);
        let edges = [1usize << 20, 2 << 20, 3 << 20, (3 << 20) + 300_000];
        for (i, (edge, key)) in edges
            .into_iter()
            .zip([0x11u8, 0x22, 0x33, 0x44])
            .enumerate()
        {
            let xored: Vec<u8> = list.iter().map(|b| b ^ key).collect();
            put(edge - 20, &[&[0u8][..], &xored, &[0]].concat());
            let url = format!("\0\"https://edge{i}.evil.example/x\"\0");
            put(edge - 600 - url.len() / 2, url.as_bytes());
            let blob = format!(
                "\"{}\"",
                b64.encode(format!("https://b64-{i}.evil.example/"))
            );
            put(edge + 4000 - blob.len() / 2, blob.as_bytes());
        }
        let scanner = scanner();
        let mut plain = Vec::new();
        let mut decoded = Vec::new();
        let xor_hits = scanner.scan_blocks(&bytes, |block| {
            plain.extend(block.plain);
            decoded.extend(block.decoded);
        });
        assert_eq!(decoded, decode::find_encoded(&bytes, 8));
        assert_eq!(xor_hits, scanner.xor.find(&bytes));
        let whole: Vec<(usize, Kind, String)> = scanner
            .detectors
            .detect(&bytes)
            .into_iter()
            .map(|h| (h.start, h.kind, h.value))
            .collect();
        // Block by block, in order: the hits of one pass over the whole buffer.
        let blocks: Vec<(usize, Kind, String)> = plain
            .into_iter()
            .map(|h| (h.start, h.kind, h.value))
            .collect();
        assert_eq!(blocks, whole);
        for i in 0..4 {
            let host = format!("edge{i}.evil.example");
            assert_eq!(
                whole
                    .iter()
                    .filter(|h| h.1 == Kind::Domain && h.2 == host)
                    .count(),
                1,
                "{host}"
            );
        }
        let report = scanner.scan("f", None, 0, &bytes).indicators;
        for (i, key) in [0x11u8, 0x22, 0x33, 0x44].into_iter().enumerate() {
            let chain = format!("xor(0x{key:02x})");
            assert!(
                report
                    .iter()
                    .any(|r| r.value == "cn-shanghai.fcapp.run" && r.chain_text() == chain),
                "{chain}"
            );
            let host = format!("b64-{i}.evil.example");
            assert!(
                report
                    .iter()
                    .any(|r| r.value == host && r.chain_text() == "base64"),
                "{host}"
            );
        }
    }

    /// A value repeated across blocks and batches, plainly and in base64: one indicator
    /// per chain, every occurrence counted, the first ones sampled, the last offset kept.
    #[test]
    fn repeated_values_are_counted_across_blocks() {
        let mut bytes = noise(9 << 20, 3);
        let b64 = base64::engine::general_purpose::STANDARD;
        let url = b"\0\"https://again.evil.example/x\"\0";
        let blob = format!("\"{}\"", b64.encode("https://again.evil.example/y"));
        let mut plain_at = Vec::new();
        let mut blob_at = Vec::new();
        for i in 0..40usize {
            let at = i * 230_001 + 17;
            bytes[at..at + url.len()].copy_from_slice(url);
            plain_at.push(at as u64 + 2);
            let at = at + 100_000;
            bytes[at..at + blob.len()].copy_from_slice(blob.as_bytes());
            blob_at.push(at as u64 + 1);
        }
        let scan = scanner().scan("f", None, 1000, &bytes);
        assert_eq!(scan.capped, None);
        let found = |chain: &str| {
            scan.indicators
                .iter()
                .find(|i| i.value == "again.evil.example" && i.chain_text() == chain)
                .unwrap_or_else(|| panic!("no {chain} indicator"))
        };
        for (indicator, offsets) in [(found("plain"), &plain_at), (found("base64"), &blob_at)] {
            assert_eq!(indicator.occurrences, 40);
            let sampled: Vec<u64> = indicator.samples().map(|e| e.offset - 1000).collect();
            assert_eq!(sampled, offsets[..crate::indicator::MAX_SAMPLE]);
            assert_eq!(indicator.last_offset - 1000, offsets[39]);
            assert!(indicator.evidence.excerpt.contains("again.evil.example"));
        }
    }
}
