//! `candor manifest generate` over three large artifacts: where the time goes (git,
//! digests, scan), and the digests beside `openssl dgst -sha256` on the same files in the
//! same run. Runs 1 and 2 digest sha256 (the default), run 3 adds sha512 (`--sha512`).
//!
//! ```sh
//! cargo bench -p candor-release --bench generate                   # 3 × 100 MB synthetic
//! CANDOR_BENCH_ARTIFACTS="a b c" cargo bench -p candor-release --bench generate   # real files
//! ```
//!
//! Synthetic artifacts are random bytes with minified JS in them (the scanner's worst
//! case is text, its best random bytes: both are there). With real artifacts (for
//! example the three `@oven/bun-*` executables from npm), the declaration covers nothing:
//! the gate's verdict does not matter here, its cost does. Target (issue 10): digesting
//! at least as fast as `openssl dgst -sha256` on the same files.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss // bytes to MB/s for a printout
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use candor_release::generate::{GenerateRequest, generate};
use candor_release::statement::ArtifactSpec;

const SYNTHETIC_MB: usize = 100;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=Bench", "-c", "user.email=bench@example"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A synthetic artifact: 1 MiB blocks alternating random bytes and minified JS.
fn synthetic(path: &Path, seed: u64) {
    let mut file = std::io::BufWriter::new(fs_err::File::create(path).unwrap());
    let mut rng = candor_test::Rng::new(seed);
    let js = candor_test::bundle::minified_js(1 << 20, seed);
    for block in 0..SYNTHETIC_MB {
        if block % 2 == 0 {
            file.write_all(&rng.bytes(1 << 20)).unwrap();
        } else {
            file.write_all(js.as_bytes()).unwrap();
        }
    }
    file.flush().unwrap();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let artifacts: Vec<PathBuf> = match std::env::var("CANDOR_BENCH_ARTIFACTS") {
        Ok(list) => list.split_whitespace().map(PathBuf::from).collect(),
        Err(_) => (0..3)
            .map(|i| {
                let path = dir.path().join(format!("agent-{i}.bin"));
                synthetic(&path, 7 + i);
                path
            })
            .collect(),
    };
    let bytes: u64 = artifacts
        .iter()
        .map(|p| fs_err::metadata(p).unwrap().len())
        .sum();
    // Into the page cache, as a release job's freshly built files are.
    for path in &artifacts {
        std::io::copy(&mut fs_err::File::open(path).unwrap(), &mut std::io::sink()).unwrap();
    }
    let repo = dir.path().join("repo");
    fs_err::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main", "."]);
    git(
        &repo,
        &["remote", "add", "origin", "https://github.com/acme/agent"],
    );
    fs_err::write(
        repo.join("candor.toml"),
        candor_test::AGENT_TOML.replace("tag = \"v1.4.0\"\n", ""),
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "release"]);
    git(&repo, &["tag", "-a", "v1.4.0", "-m", "release"]);

    println!(
        "{} artifact(s), {:.0} MB in all",
        artifacts.len(),
        bytes as f64 / 1e6
    );
    for (run, sha512) in [(1, false), (2, false), (3, true)] {
        let started = Instant::now();
        let generated = generate(&GenerateRequest {
            repo: repo.clone(),
            tag: "v1.4.0".to_owned(),
            artifacts: artifacts
                .iter()
                .map(|p| ArtifactSpec::parse(&p.display().to_string()).unwrap())
                .collect(),
            previous: None,
            previous_artifacts: Vec::new(),
            supersedes: None,
            sha512,
        })
        .unwrap();
        let total = started.elapsed().as_secs_f64();
        let t = generated.report.timings;
        let openssl_started = Instant::now();
        let status = Command::new("openssl")
            .arg("dgst")
            .arg("-sha256")
            .args(&artifacts)
            .stdout(std::process::Stdio::null())
            .status();
        let openssl = openssl_started.elapsed().as_secs_f64();
        let openssl_ok = status.is_ok_and(|s| s.success());
        println!(
            "run {run}: total {total:.2} s | git {:.3} s | digests ({}) {:.2} s ({:.0} MB/s) | scan {:.2} s ({:.0} MB/s) | {} indicators",
            t.git_seconds,
            if sha512 { "sha256+sha512" } else { "sha256" },
            t.digest_seconds,
            bytes as f64 / 1e6 / t.digest_seconds,
            t.scan_seconds,
            bytes as f64 / 1e6 / t.scan_seconds,
            generated.report.gate.indicators
        );
        if openssl_ok {
            println!(
                "       openssl dgst -sha256 (same files) {openssl:.2} s ({:.0} MB/s); digests / openssl = {:.2} (target <= 1.00)",
                bytes as f64 / 1e6 / openssl,
                t.digest_seconds / openssl
            );
        } else {
            println!("       openssl not found: no comparison");
        }
    }
}
