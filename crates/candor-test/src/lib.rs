//! Fixtures shared by candor's test suites; a dev-dependency only, never shipped.
//!
//! It depends on no candor crate (every candor crate's tests may use it without a
//! dependency cycle), so it holds text and tools, not typed documents:
//!
//! - [`AGENT_TOML`]: the sample declaration the suites build Statements from;
//! - [`Rng`]: a deterministic generator, so noise and mutations are the same on every
//!   run and a failure reproduces;
//! - [`snapshot_settings`] and [`regex_escape`]: insta settings that hide a temporary
//!   directory's path;
//! - [`http`]: real servers on 127.0.0.1 for network clients: HTTP/1.1 and the faults a
//!   client must survive, HTTPS with a CA made per test, static files with `ETag`s (an
//!   HTTPS feed) and git's smart-HTTP backend (a git feed).
//!
//! ```
//! let mut rng = candor_test::Rng::new(7);
//! let noise = rng.bytes(16);
//! assert_eq!(noise, candor_test::Rng::new(7).bytes(16));
//! assert!(candor_test::AGENT_TOML.contains("network.api"));
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bundle;
pub mod http;

use std::path::Path;

/// The sample declaration: the tool `agent` 1.4.0 by Acme, with a package URL, a tag,
/// `network` asserted exhaustive and one network claim (`network.api`).
pub const AGENT_TOML: &str = r#"[tool]
name = "agent"
version = "1.4.0"
purl = "pkg:npm/%40acme/agent@1.4.0"

[vendor]
name = "Acme"
contact = "security@acme.example"

[source]
repository = "https://github.com/acme/agent"
tag = "v1.4.0"

[completeness]
exhaustive = ["network"]

[[claims.network]]
id = "network.api"
endpoint = "https://api.acme.example/v1"
purpose = "Sends the user's prompt to the model service"
data_sent = ["prompt text"]
"#;

/// JavaScript calling `count` distinct hosts (`u("https://h0.pad.example/");` …): each a
/// url and a domain indicator, so `count` past half a scanner's per-file cap of plain
/// values fills it.
pub fn distinct_urls(count: usize) -> String {
    let mut text = String::with_capacity(count * 32);
    for i in 0..count {
        text.push_str("u(\"https://h");
        text.push_str(&i.to_string());
        text.push_str(".pad.example/\");");
    }
    text
}

/// A deterministic generator (xorshift64*): the same seed gives the same sequence on
/// every run and platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced: xorshift never leaves it).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// `len` bytes of noise.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// Escape regex metacharacters (what `regex::escape` does), for insta filters.
pub fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The current insta settings with `dir` (and its canonical form, which may contain it:
/// `/private/var` on macOS) shown as `[TMP]` in snapshots.
pub fn snapshot_settings(dir: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let mut paths = Vec::new();
    if let Ok(canonical) = dir.canonicalize() {
        paths.push(canonical.display().to_string());
    }
    paths.push(dir.display().to_string());
    for path in paths {
        settings.add_filter(&regex_escape(&path), "[TMP]");
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_the_xorshift_star_sequence() {
        // The first output for seed 1, computed by hand from the definition.
        let mut rng = Rng::new(1);
        let mut x: u64 = 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        assert_eq!(rng.next_u64(), x.wrapping_mul(0x2545_F491_4F6C_DD1D));
        assert_ne!(Rng::new(1).bytes(32), Rng::new(2).bytes(32));
        assert!((0..1000).all(|_| rng.below(7) < 7));
    }

    #[test]
    fn filters_hide_the_directory() {
        assert_eq!(regex_escape("a.b*c"), "a\\.b\\*c");
    }
}
