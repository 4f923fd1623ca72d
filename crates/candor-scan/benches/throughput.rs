//! Full-scan throughput on a 256 MB synthetic binary, or on a real artifact, beside
//! ripgrep.
//!
//! ```sh
//! cargo bench -p candor-scan --bench throughput            # 256 MB
//! CANDOR_BENCH_MB=64 cargo bench -p candor-scan --bench throughput
//! CANDOR_BENCH_ARTIFACT=/tmp/bun/package/bin/bun cargo bench -p candor-scan --bench throughput
//! ```
//!
//! With `CANDOR_BENCH_ARTIFACT` (a file, directory or archive, never in the repository:
//! fetch a pinned release with `npm pack <package>@<version>`), the artifact is
//! scanned `CANDOR_BENCH_RUNS` times (default 3, after warming the page cache) as
//! `candor scan` scans it (`scan_path`: native sections, call sites, archives), and each
//! run prints its time, MB/s of scanned bytes (archive entries decompressed), indicators
//! and occurrences; then the best time beside ripgrep's, and the peak RSS.
//!
//! Builds random bytes with planted indicators (plain, base64, hex, XOR under several
//! keys, base64-then-XOR), checks the scan finds every one of them, and prints MB/s for
//! the full scan (every category and decoder, both cores) and for ripgrep searching 50
//! literal indicator patterns in the same file, its output piped (some tools stop at
//! the first match when writing to /dev/null), and the ratio. Peak RSS is read from
//! /proc/self/status. Target (issue 3): ratio ≥ 0.5.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::format_collect,
    clippy::too_many_lines // one linear script: build, scan, compare, report
)]

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Instant;

use base64::Engine as _;
use candor_scan::{Kind, ScanOptions, Scanner};

/// 50 literal patterns for ripgrep: what an auditor greps for first.
const PATTERNS: &[&str] = &[
    "https://",
    "http://",
    "process.env",
    "getenv",
    "child_process",
    "execSync",
    "spawn(",
    "Asia/Shanghai",
    "Asia/Urumqi",
    "resolvedOptions",
    "timeZone",
    "navigator.language",
    "/etc/machine-id",
    "IOPlatformUUID",
    "MachineGuid",
    "/etc/localtime",
    "api.segment.io",
    "api.mixpanel.com",
    "sentry.io",
    "posthog",
    "amplitude",
    "datadoghq",
    "google-analytics",
    "statsig",
    "launchdarkly",
    "ANTHROPIC_BASE_URL",
    "OPENAI_BASE_URL",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "jd.com",
    "taobao.com",
    "baidu.com",
    "qq.com",
    "aliyuncs.com",
    "fcapp.run",
    "String.fromCharCode",
    "atob(",
    "Buffer.from(",
    "\\u02BC",
    "\\u2019",
    "%APPDATA%",
    "~/.config",
    "/usr/bin",
    "/tmp/",
    "localhost",
    "127.0.0.1",
    "0.0.0.0",
    "Intl.DateTimeFormat",
    "LC_ALL",
];

fn main() {
    if let Some(artifact) = std::env::var_os("CANDOR_BENCH_ARTIFACT") {
        real_artifact(std::path::Path::new(&artifact));
        return;
    }
    let mb: usize = std::env::var("CANDOR_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let size = mb << 20;
    println!("building {mb} MiB of random bytes with planted indicators …");
    let domains = "jd.com,taobao.com,cn-shanghai.fcapp.run,baidu.com";
    let b64 = base64::engine::general_purpose::STANDARD;
    let xor = |text: &str, key: u8| text.bytes().map(|b| b ^ key).collect::<Vec<u8>>();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let plants: Vec<(Vec<u8>, Kind, &str, &str)> = vec![
        (
            b"\0https://collector.evil.example/v1/ingest\0".to_vec(),
            Kind::Domain,
            "collector.evil.example",
            "plain",
        ),
        (
            b"\0process.env.ACME_SECRET_TOKEN\0".to_vec(),
            Kind::EnvVar,
            "ACME_SECRET_TOKEN",
            "plain",
        ),
        (
            b"\0Asia/Shanghai\0".to_vec(),
            Kind::TimeZone,
            "Asia/Shanghai",
            "plain",
        ),
        (
            format!("\"{}\"", b64.encode("https://b64.evil.example/x")).into_bytes(),
            Kind::Domain,
            "b64.evil.example",
            "base64",
        ),
        (
            format!("\"{}\"", hex(b"https://hex.evil.example/y")).into_bytes(),
            Kind::Domain,
            "hex.evil.example",
            "hex",
        ),
        (
            [b"\0".to_vec(), xor(domains, 0x01), b"\0".to_vec()].concat(),
            Kind::Domain,
            "taobao.com",
            "xor(0x01)",
        ),
        (
            [b"\0".to_vec(), xor(domains, 0x5b), b"\0".to_vec()].concat(),
            Kind::Domain,
            "cn-shanghai.fcapp.run",
            "xor(0x5b)",
        ),
        (
            [b"\0".to_vec(), xor(domains, 0xa7), b"\0".to_vec()].concat(),
            Kind::Domain,
            "baidu.com",
            "xor(0xa7)",
        ),
        (
            [b"\0".to_vec(), xor(domains, 0xff), b"\0".to_vec()].concat(),
            Kind::Domain,
            "jd.com",
            "xor(0xff)",
        ),
        (
            format!("\"{}\"", b64.encode(xor(domains, 0x5b))).into_bytes(),
            Kind::Domain,
            "jd.com",
            "base64 → xor(0x5b)",
        ),
    ];
    // Random bytes written in 1 MiB blocks (the bench must not hold the input in memory:
    // peak RSS is part of what it measures), plants written into their blocks.
    let mut offsets: Vec<usize> = (0..plants.len())
        .map(|i| size / (plants.len() + 1) * (i + 1))
        .collect();
    offsets.sort_unstable();
    let dir = tempdir();
    let path = dir.join("synthetic.bin");
    {
        let mut file = std::io::BufWriter::new(fs_err::File::create(&path).unwrap());
        let mut rng = candor_test::Rng::new(0x5EED);
        let mut block = vec![0u8; 1 << 20];
        for block_start in (0..size).step_by(block.len()) {
            for chunk in block.chunks_mut(8) {
                let v = rng.next_u64().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
            for (i, (bytes, ..)) in plants.iter().enumerate() {
                let at = offsets[i];
                if at >= block_start && at + bytes.len() <= block_start + block.len() {
                    block[at - block_start..at - block_start + bytes.len()].copy_from_slice(bytes);
                }
            }
            file.write_all(&block).unwrap();
        }
        file.flush().unwrap();
    }

    let scanner = Scanner::new(
        candor_scan::rules::detectors(&[]).unwrap(),
        ScanOptions::default(),
    );
    // Warm the page cache for both contenders alike, through a small buffer.
    {
        let mut file = fs_err::File::open(&path).unwrap();
        let mut buffer = vec![0u8; 1 << 20];
        while file.read(&mut buffer).unwrap() > 0 {}
    }
    let started = Instant::now();
    let report = candor_scan::scan_path(&scanner, &path).unwrap();
    let scan_secs = started.elapsed().as_secs_f64();
    let scan_mbs = mb as f64 / scan_secs;

    let mut missing = Vec::new();
    for (_, kind, value, chain) in &plants {
        let found = report
            .indicators
            .iter()
            .any(|i| i.kind == *kind && i.value == *value && i.chain_text() == *chain);
        if !found {
            missing.push(format!("{kind} {value} via {chain}"));
        }
    }

    let rg = rg_throughput(&path, mb);
    println!(
        "candor scan: {mb} MiB in {scan_secs:.2} s = {scan_mbs:.0} MiB/s, {} indicators, {} threads",
        report.indicators.len(),
        rayon::current_num_threads()
    );
    match rg {
        Some((secs, out_bytes)) => {
            let rg_mbs = mb as f64 / secs;
            println!(
                "ripgrep (50 literals, output piped, {out_bytes} bytes of output): {secs:.2} s = {rg_mbs:.0} MiB/s"
            );
            println!(
                "ratio candor/ripgrep: {:.2} (target >= 0.5)",
                scan_mbs / rg_mbs
            );
        }
        None => println!("ripgrep: not installed (apt-get install ripgrep); no ratio"),
    }
    println!(
        "peak RSS: {} (input file {mb} MiB, read into memory)",
        peak_rss()
    );
    if std::env::var_os("CANDOR_BENCH_PHASES").is_some() {
        phases(&path, mb);
    }
    if missing.is_empty() {
        println!("all {} planted indicators found", plants.len());
    } else {
        println!("MISSED {} planted indicator(s): {missing:?}", missing.len());
        std::process::exit(1);
    }
    let _ = fs_err::remove_dir_all(&dir);
}

/// Scan a real artifact `CANDOR_BENCH_RUNS` times (default 3) after warming the page
/// cache: each run's time, MB/s, what was found; the best time beside ripgrep's; the
/// peak RSS.
fn real_artifact(path: &std::path::Path) {
    let runs: usize = std::env::var("CANDOR_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let file_bytes = fs_err::metadata(path).unwrap().len();
    let mib = file_bytes as f64 / f64::from(1u32 << 20);
    let scanner = Scanner::new(
        candor_scan::rules::detectors(&[]).unwrap(),
        ScanOptions::default(),
    );
    if fs_err::metadata(path).unwrap().is_file() {
        let mut file = fs_err::File::open(path).unwrap();
        let mut buffer = vec![0u8; 1 << 20];
        while file.read(&mut buffer).unwrap() > 0 {}
    }
    let mut best = f64::INFINITY;
    for run in 1..=runs {
        let started = Instant::now();
        let report = candor_scan::scan_path(&scanner, path).unwrap();
        let secs = started.elapsed().as_secs_f64();
        best = best.min(secs);
        let bytes = report.bytes() as f64;
        let occurrences: u64 = report.indicators.iter().map(|i| i.occurrences).sum();
        println!(
            "run {run}: {} in {secs:.2} s: {} files, {:.1} MB scanned = {:.0} MB/s, {} indicators, {occurrences} occurrences, {} capped, {} threads",
            path.display(),
            report.files.len(),
            bytes / 1e6,
            bytes / 1e6 / secs,
            report.indicators.len(),
            report.capped.len(),
            rayon::current_num_threads()
        );
    }
    println!(
        "candor scan {}: {mib:.1} MiB, best of {runs} {best:.2} s = {:.0} MiB/s",
        path.display(),
        mib / best
    );
    if let Some((secs, _)) = rg_throughput(path, 0) {
        println!(
            "ripgrep (50 literals): {secs:.2} s = {:.0} MiB/s; ratio candor/ripgrep {:.2}",
            mib / secs,
            secs / best
        );
    }
    println!("peak RSS: {}", peak_rss());
}

/// Each pass of the scan alone over the same bytes (read into memory, after the RSS
/// reading above), single-threaded and parallel: where the time goes.
fn phases(path: &std::path::Path, mb: usize) {
    let bytes = fs_err::read(path).unwrap();
    let detectors = candor_scan::rules::detectors(&[]).unwrap();
    let needles: Vec<&[u8]> = candor_scan::xor::NEEDLES
        .iter()
        .map(|n| n.as_bytes())
        .collect();
    let xor = candor_scan::xor::XorSearcher::new(&needles);
    let slice = &bytes[..bytes.len().min(64 << 20)];
    let slice_mb = slice.len() as f64 / f64::from(1u32 << 20);
    let time = |name: &str, mbs: f64, f: &dyn Fn() -> usize| {
        let started = Instant::now();
        let n = f();
        let secs = started.elapsed().as_secs_f64();
        println!("  phase {name}: {:.0} MiB/s ({n} results)", mbs / secs);
    };
    println!("phases (first {slice_mb:.0} MiB single-threaded, whole file parallel):");
    time("detect, 1 thread", slice_mb, &|| {
        detectors.detect(slice).len()
    });
    time("decode, 1 thread", slice_mb, &|| {
        candor_scan::decode::find_encoded(slice, 8).len()
    });
    time("xor, 1 thread", slice_mb, &|| xor.find(slice).len());
    time("decode, parallel", mb as f64, &|| {
        candor_scan::decode::find_encoded_parallel(&bytes, 8).len()
    });
    time("xor, parallel", mb as f64, &|| {
        xor.find_parallel(&bytes).len()
    });
}

fn rg_throughput(path: &std::path::Path, _mb: usize) -> Option<(f64, usize)> {
    let mut command = Command::new("rg");
    command.args(["--no-config", "-a", "-F", "-c"]);
    for p in PATTERNS {
        command.arg("-e").arg(p);
    }
    command
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().ok()?;
    let mut out = Vec::new();
    child.stdout.take()?.read_to_end(&mut out).ok()?;
    child.wait().ok()?;
    let _ = std::io::stdout().flush();
    Some((started.elapsed().as_secs_f64(), out.len()))
}

fn peak_rss() -> String {
    fs_err::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("candor-bench-{}", std::process::id()));
    fs_err::create_dir_all(&dir).unwrap();
    dir
}
