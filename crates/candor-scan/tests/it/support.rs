//! Fixture builders.

use candor_scan::{ScanOptions, Scanner};

pub use candor_test::Rng;

pub use candor_test::bundle::minified_js;

/// The default scanner with the built-in lists.
pub fn scanner() -> Scanner {
    Scanner::new(
        candor_scan::rules::detectors(&[]).expect("built-in rules load"),
        ScanOptions::default(),
    )
}
