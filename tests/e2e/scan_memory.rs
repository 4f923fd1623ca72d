//! `candor scan` of a large input dense with URLs, distinct and repeated, stays within
//! its memory bound (issue 15): peak resident memory under the input's size plus 256 MB,
//! as the kernel accounts it for the `candor` process when it exits. Before occurrences
//! were aggregated, 29 MB of such text took 1.1 GB with `--format json` here (4.8 GB on
//! the input).

// Linux only: the peak resident set is read from /proc.
#![cfg(target_os = "linux")]
// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use candor_test::Rng;

use crate::support::Workspace;

/// The bound: peak memory at most this far beyond the scanned file (its pages count in
/// the resident set once read).
const BEYOND_THE_FILE: u64 = 256 << 20;

/// Size of the input: the 29 MB.
const INPUT_BYTES: usize = 29 << 20;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn word(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
        .collect()
}

/// `size` bytes of calls with URL literals, as a minified bundle lists them: half of
/// them distinct (a random path on one of 20,000 hosts), half drawn from 2,000 URLs that
/// repeat all through. About 550,000 URLs and 300,000 distinct values in 29 MB: past
/// the cap on distinct indicators per file, and with values that repeat hundreds of
/// times.
fn dense_urls(size: usize) -> Vec<u8> {
    let mut rng = Rng::new(15);
    let hosts: Vec<String> = (0..20_000)
        .map(|i| format!("h{}.example{}.com", word(&mut rng, 6), i % 7))
        .collect();
    let pool: Vec<String> = (0..2_000)
        .map(|_| {
            let host = &hosts[rng.below(hosts.len())];
            format!("https://{host}/v1/{}", word(&mut rng, 8))
        })
        .collect();
    let mut out = Vec::with_capacity(size + 256);
    let mut calls = 0;
    while out.len() < size {
        if rng.below(2) == 0 {
            let host = &hosts[rng.below(hosts.len())];
            let path = word(&mut rng, 10);
            let query = rng.below(1_000_000);
            let _ = write!(out, "f(\"https://{host}/p/{path}?q={query}\");");
        } else {
            let _ = write!(out, "g(\"{}\");", pool[rng.below(pool.len())]);
        }
        calls += 1;
        if calls % 20 == 0 {
            out.push(b'\n');
        }
    }
    out.truncate(size);
    out
}

/// Run `candor args…` in `dir`, its stdout into `out`: its exit code and its peak
/// resident set in bytes.
///
/// The peak is the process's `VmHWM` in `/proc/<pid>/status`, read every few
/// milliseconds until it exits: the high-water mark of its own memory, which the scan
/// reaches before it writes its report (so a reading after the peak is always taken).
/// Not wait4(2)'s `ru_maxrss`: Linux carries the parent's resident set over `exec` into
/// it, and this test process, which holds the report of the run before, is larger than
/// the scan.
fn run_measured(dir: &Path, args: &[&str], out: &Path) -> (Option<i32>, u64) {
    let stdout = fs_err::File::create(out).unwrap().into_file();
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // Read before checking for the exit: the last reading is taken after the report
        // was written.
        if let Some(kib) = fs_err::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(high_water_kib)
        {
            peak = peak.max(kib * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `VmHWM` of a `/proc/<pid>/status`, in KiB.
fn high_water_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

/// The `capped` array of the report of `json`, `candor scan --format json`'s output for
/// one input (the last field of the report), parsed without parsing the whole document.
fn capped_of(json: &str) -> serde_json::Value {
    let key = "\"capped\": ";
    let at = json.rfind(key).unwrap_or_else(|| panic!("no capped field"));
    serde_json::Deserializer::from_str(&json[at + key.len()..])
        .into_iter::<serde_json::Value>()
        .next()
        .unwrap()
        .unwrap()
}

#[test]
fn a_scan_of_29_mb_dense_with_urls_stays_within_256_mb_beyond_the_file() {
    let ws = Workspace::new();
    ws.write("dense.js", dense_urls(INPUT_BYTES));
    let bound = INPUT_BYTES as u64 + BEYOND_THE_FILE;
    let mib = |bytes: u64| bytes >> 20;

    let (code, peak) = run_measured(
        ws.path(),
        &["scan", "dense.js", "--format", "json"],
        &ws.join("report.json"),
    );
    assert_eq!(code, Some(0));
    assert!(
        peak < bound,
        "--format json: peak RSS {} MiB, bound {} MiB (input {} MiB + {} MiB)",
        mib(peak),
        mib(bound),
        mib(INPUT_BYTES as u64),
        mib(BEYOND_THE_FILE)
    );
    let json = ws.read("report.json");
    let capped = capped_of(&json);
    assert_eq!(capped[0]["file"], "dense.js", "{capped:#}");
    assert!(capped[0]["kept"].as_u64().unwrap() <= 100_000, "{capped:#}");
    assert!(capped[0]["dropped"][0]["occurrences"].as_u64().unwrap() > 0);
    // The URLs of the pool: one indicator each, with its count and a sample.
    let most = json
        .split("\"occurrences\": ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(0u64);
    assert!(most > 100, "no value counted more than 100 times: {most}");
    assert!(json.contains("\"more_evidence\": ["));
    drop(json);

    let (code, peak) = run_measured(ws.path(), &["scan", "dense.js"], &ws.join("report.txt"));
    assert_eq!(code, Some(0));
    assert!(
        peak < bound,
        "human output: peak RSS {} MiB, bound {} MiB",
        mib(peak),
        mib(bound)
    );
    let text = ws.read("report.txt");
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(tail[1], "capped (1)", "{tail:?}");
    assert!(
        tail[0].starts_with("  dense.js: more distinct indicators than a file keeps; "),
        "{tail:?}"
    );
    assert!(text.lines().any(|line| line.contains("  ×")));
}
