//! Target: `candor_model::json::from_slice_strict::<serde_json::Value>`, the strict JSON
//! reader under every signed document (size cap, UTF-8 without a byte-order mark, no
//! duplicate keys at any depth, the cap on the number of values), on arbitrary bytes.
//!
//! Invariants: it never panics; it accepts only what plain `serde_json` reads, as the same
//! value (strict is a subset, never a different reading); and the compact re-encoding of
//! an accepted value is accepted again as an equal value.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use candor_model::json::from_slice_strict;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|bytes: &[u8]| {
    let Ok(value) = from_slice_strict::<Value>(bytes, "fuzz") else {
        return;
    };
    let plain: Value = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("strict reader accepted what serde_json refuses: {e}"));
    assert_eq!(plain, value, "strict and plain readings differ");
    let encoded = serde_json::to_vec(&value).unwrap_or_else(|e| panic!("re-encoding: {e}"));
    let again = from_slice_strict::<Value>(&encoded, "fuzz (re-encoded)").unwrap_or_else(|e| {
        panic!(
            "the re-encoding of an accepted value is refused: {e}\n---\n{}",
            String::from_utf8_lossy(&encoded)
        )
    });
    assert_eq!(again, value, "the re-encoding changed the value");
});
