//! Sync throughput, store size and lookup latency for a feed of 100,000 signed documents
//! (issue 9, "benchmark").
//!
//! ```sh
//! cargo bench -p candor-feed --bench sync                           # 100,000 documents
//! CANDOR_BENCH_DOCS=10000 cargo bench -p candor-feed --bench sync   # another size
//! ```
//!
//! What it does, in order:
//!
//! 1. checks that writing documents directly gives byte for byte the feed that
//!    `candor_feed::publish::publish` gives (index and documents, on a few documents);
//! 2. generates the feed in a temporary directory: N manifests of the tool `agent`, each
//!    its own release (`1.<i/1000>.<i%1000>`) with one subject of distinct sha256 and
//!    sha512 digests, DSSE envelopes signed with ed25519 by one of four keys, named by
//!    `FeedDocument::parse` as `publish` names them, and the feed's `index.json`
//!    (generated on every core, written directly: not 100,000 `publish` calls);
//! 3. syncs it into a fresh store from the directory, then into another fresh store over
//!    HTTPS from 127.0.0.1 (`candor_test::http::serve_tls` serving the same directory
//!    with `static_files`, the feed added with the test CA): documents per second, wall
//!    time, peak RSS, and the store's size on disk after it (`store.db` and its WAL);
//! 4. in each store, times `Store::documents_for_subject` for every document's subject
//!    digest (a random 100,000 if N is larger), by sha256 and by sha512, each checked to
//!    find exactly its document: p50/p90/p99/max in µs (target at 100,000 documents:
//!    p50 and p99 under 1 ms);
//! 5. syncs each unchanged feed again (directory: walked and read again; HTTPS: the
//!    index's `ETag`, answered `304 Not Modified`).
//!
//! Every phase runs in a child process of its own (this binary again, with
//! `CANDOR_BENCH_CHILD` and `CANDOR_BENCH_PHASE` set), as each `candor` command does:
//! its peak RSS (`VmHWM` from /proc/self/status) is that phase's alone, without the
//! generator or the HTTPS server, which stay in the parent. The bench exits non-zero if
//! a sync fails or skips a document, or a store does not hold exactly N documents, or a
//! lookup does not find its document. `CANDOR_BENCH_KEEP=1` keeps the temporary
//! directory (its path is printed). To profile one phase, name it and the command to run
//! it under:
//!
//! ```sh
//! CANDOR_BENCH_WRAP_PHASE=https-sync CANDOR_BENCH_WRAP="perf record -g -o https.data" \
//!   cargo bench -p candor-feed --bench sync
//! ```

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::too_many_lines // one linear script: generate, sync, look up, report
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use candor_feed::document::FeedDocument;
use candor_feed::location::{FeedLocation, TransportKind};
use candor_feed::publish::{PublishOptions, publish};
use candor_feed::store::{FeedOptions, Store};
use candor_feed::sync::{SyncOptions, sync};
use candor_model::IN_TOTO_PAYLOAD_TYPE;
use candor_model::Subject;
use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::feed::{FeedIndex, INDEX_FILE, IndexEntry};
use candor_model::manifest::Declaration;
use candor_sign::dsse;
use candor_sign::keys::PrivateKey;
use candor_test::http::{TlsIdentity, serve_tls, static_files};
use serde_json::{Value, json};

/// Signers the documents are spread over.
const SIGNERS: u8 = 4;

/// Lookups timed at most, per digest algorithm.
const MAX_LOOKUPS: usize = 100_000;

/// The target for lookups by subject digest (issue 9).
const LOOKUP_TARGET: Duration = Duration::from_millis(1);

/// The feed's name in each store.
const FEED: &str = "bench";

fn main() {
    if let Ok(transport) = std::env::var("CANDOR_BENCH_CHILD") {
        child(&transport);
        return;
    }
    let count: usize = std::env::var("CANDOR_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let scratch = tempfile::Builder::new()
        .prefix("candor-bench-sync-")
        .tempdir()
        .unwrap();
    let root = scratch.path().to_owned();
    println!(
        "candor feed sync bench: {count} documents, {SIGNERS} signers, {threads} cores, in {}",
        root.display()
    );

    let generator = Generator::new();
    check_same_as_publish(&generator, &root.join("check"));
    println!("generated documents are byte for byte what `publish` writes (checked on 20)");

    let feed = root.join("feed");
    let (started, cpu) = (Instant::now(), cpu_secs());
    let feed_bytes = generator.write_feed(&feed, count, threads);
    let generate = started.elapsed();
    let generate_cpu = cpu_secs() - cpu;
    println!(
        "generated {count} documents in {:.1} s ({:.0} docs/s), {:.0} MiB of documents and index",
        generate.as_secs_f64(),
        count as f64 / generate.as_secs_f64(),
        mib(feed_bytes)
    );

    let mut results: Vec<(&str, [Option<Value>; 3])> = Vec::new();
    let location = [("CANDOR_BENCH_LOCATION", feed.display().to_string())];
    results.push((
        "directory",
        PHASES.map(|phase| run_child("directory", phase, &root, count, &location)),
    ));
    let identity = TlsIdentity::new();
    let ca = root.join("ca.pem");
    identity.write_ca(&ca).unwrap();
    let server = serve_tls(&identity, static_files(feed.clone()));
    let server_cpu = cpu_secs();
    let env = [
        ("CANDOR_BENCH_LOCATION", format!("{}/", server.url())),
        ("CANDOR_BENCH_CA", ca.display().to_string()),
    ];
    results.push((
        "https",
        PHASES.map(|phase| run_child("https", phase, &root, count, &env)),
    ));
    let server_cpu = cpu_secs() - server_cpu;
    let requests = server.requests();
    let connections: std::collections::BTreeSet<usize> =
        requests.iter().map(|r| r.connection).collect();
    drop(server);

    println!();
    println!(
        "{count} documents ({:.0} MiB of envelopes and index); HTTPS server: {} requests on \
         {} connection(s), {server_cpu:.1} s of CPU",
        mib(feed_bytes),
        requests.len(),
        connections.len()
    );
    println!(
        "{:<28} {:>9} {:>10} {:>9} {:>9} {:>20}",
        "phase", "wall", "docs/s", "CPU", "peak RSS", "store.db + WAL"
    );
    println!(
        "{:<28} {:>9} {:>10.0} {:>9} {:>9} {:>20}",
        format!("generate ({threads} threads)"),
        secs(generate),
        count as f64 / generate.as_secs_f64(),
        format!("{generate_cpu:.2} s"),
        "-",
        "-"
    );
    let mut failed = Vec::new();
    for (transport, [synced, _, resynced]) in &results {
        for (result, label) in [
            (synced, format!("sync {transport}")),
            (
                resynced,
                format!(
                    "re-sync {transport} ({})",
                    if *transport == "https" { "304" } else { "walk" }
                ),
            ),
        ] {
            let Some(result) = result else {
                println!("{label:<28} FAILED");
                failed.push(label);
                continue;
            };
            let wall = Duration::from_secs_f64(result["secs"].as_f64().unwrap());
            println!(
                "{:<28} {:>9} {:>10.0} {:>9} {:>9} {:>20}",
                label,
                secs(wall),
                count as f64 / wall.as_secs_f64(),
                format!("{:.2} s", result["cpu_secs"].as_f64().unwrap()),
                kib(result["peak_kib"].as_u64()),
                format!(
                    "{:.1} + {:.1} MiB",
                    mib(result["db_bytes"].as_u64().unwrap()),
                    mib(result["wal_bytes"].as_u64().unwrap())
                ),
            );
        }
    }
    println!();
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "lookup (µs, each checked)", "p50", "p90", "p99", "max", "peak RSS"
    );
    let target = LOOKUP_TARGET.as_secs_f64() * 1e6;
    for (transport, [_, lookups, _]) in &results {
        let Some(lookups) = lookups else {
            println!("lookups in the {transport} store: FAILED");
            failed.push(format!("lookups in the {transport} store"));
            continue;
        };
        for algorithm in ["sha256", "sha512"] {
            let l = &lookups[algorithm];
            let [p50, p90, p99, max] = ["p50", "p90", "p99", "max"].map(|p| l[p].as_f64().unwrap());
            println!(
                "{:<30} {p50:>9.1} {p90:>9.1} {p99:>9.1} {max:>9.1} {:>9}",
                format!("{algorithm}, {transport} store ×{}", lookups["count"]),
                kib(lookups["peak_kib"].as_u64())
            );
            if p50 >= target || p99 >= target {
                println!("  over the 1 ms target (p50 and p99)");
            }
        }
    }
    for (transport, phases) in &results {
        for (phase, result) in PHASES.iter().zip(phases) {
            if let Some(result) = result {
                failed.extend(
                    result["failures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| format!("{transport} {phase}: {}", f.as_str().unwrap())),
                );
            }
        }
    }
    if std::env::var_os("CANDOR_BENCH_KEEP").is_some() {
        println!("kept {}", scratch.keep().display());
    }
    if !failed.is_empty() {
        println!();
        for failure in &failed {
            println!("FAILED: {failure}");
        }
        std::process::exit(1);
    }
}

// ---- the feed ----

/// Makes the bench's documents: document `i` is a manifest of `agent` at its own
/// release, about one artifact of its own, signed by key `i % SIGNERS`.
struct Generator {
    declaration: Declaration,
    keys: Vec<PrivateKey>,
}

impl Generator {
    fn new() -> Self {
        Self {
            declaration: Declaration::from_toml(candor_test::AGENT_TOML, "candor.toml").unwrap(),
            keys: (1..=SIGNERS)
                .map(|n| PrivateKey::from_seed(&[n; 32]))
                .collect(),
        }
    }

    /// The signed envelope of document `i`.
    fn envelope(&self, i: usize) -> Vec<u8> {
        let version = version(i);
        let mut statement = self.declaration.to_statement_with(vec![Subject {
            name: format!("pkg:generic/agent@{version}"),
            digest: artifact_digest(i),
        }]);
        statement.predicate.tool.version = version.parse().unwrap();
        statement.predicate.tool.purl = None;
        let key = &self.keys[i % self.keys.len()];
        dsse::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_canonical_json(), &[key])
            .to_json()
            .into_bytes()
    }

    /// Write document `i` where `publish` would; its index entry.
    fn write_document(&self, feed: &Path, i: usize) -> IndexEntry {
        let document = FeedDocument::parse(self.envelope(i), "generated").unwrap();
        let path = document.path.to_string();
        let file = feed.join(&path);
        fs_err::create_dir_all(file.parent().unwrap()).unwrap();
        fs_err::write(&file, &document.bytes).unwrap();
        IndexEntry {
            path,
            sha256: document.sha256,
            size: document.bytes.len() as u64,
        }
    }

    /// Documents `0..count` and the index, written into `feed` on `threads` threads;
    /// the bytes written.
    fn write_feed(&self, feed: &Path, count: usize, threads: usize) -> u64 {
        let mut index = FeedIndex::new();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        (t..count)
                            .step_by(threads)
                            .map(|i| self.write_document(feed, i))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for worker in workers {
                index.files.extend(worker.join().unwrap());
            }
        });
        let json = index.to_json();
        fs_err::write(feed.join(INDEX_FILE), &json).unwrap();
        index.files.iter().map(|e| e.size).sum::<u64>() + json.len() as u64
    }
}

fn version(i: usize) -> String {
    format!("1.{}.{}", i / 1000, i % 1000)
}

/// The digests of document `i`'s artifact: distinct for every `i`.
fn artifact_digest(i: usize) -> DigestSet {
    candor_sign::artifact::digest_bytes(format!("agent artifact {i}\n").as_bytes())
}

/// The first 20 documents written directly and published with `publish` give the same
/// index and the same files.
fn check_same_as_publish(generator: &Generator, dir: &Path) {
    const DOCUMENTS: usize = 20;
    let direct = dir.join("direct");
    generator.write_feed(&direct, DOCUMENTS, 1);
    let files: Vec<PathBuf> = (0..DOCUMENTS)
        .map(|i| {
            let file = dir.join("envelopes").join(format!("{i}.dsse.json"));
            fs_err::create_dir_all(file.parent().unwrap()).unwrap();
            fs_err::write(&file, generator.envelope(i)).unwrap();
            file
        })
        .collect();
    let published = dir.join("published");
    let location = FeedLocation::new(TransportKind::Directory, published.display().to_string());
    publish(&files, &location, &PublishOptions::default(), None).unwrap();
    let tree = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut pending = vec![root.to_owned()];
        while let Some(dir) = pending.pop() {
            for entry in fs_err::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.strip_prefix(root).unwrap().display().to_string();
                if path.is_dir() {
                    pending.push(path);
                } else if name != ".candor-feed.lock" {
                    files.push((name, fs_err::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    };
    let (direct, published) = (tree(&direct), tree(&published));
    assert_eq!(direct.len(), DOCUMENTS + 1, "the documents and index.json");
    assert!(
        direct == published,
        "writing documents directly must give the feed `publish` gives"
    );
    fs_err::remove_dir_all(dir).unwrap();
}

// ---- the phases (in a child process each) ----

/// The phases run for each transport, each in a process of its own.
const PHASES: [&str; 3] = ["sync", "lookups", "resync"];

/// Run `phase` for `transport` in a child process (this binary again); its results, or
/// `None` if it failed.
fn run_child(
    transport: &str,
    phase: &str,
    root: &Path,
    count: usize,
    env: &[(&str, String)],
) -> Option<Value> {
    let results = root.join(format!("{transport}-{phase}.json"));
    let exe = std::env::current_exe().unwrap();
    // A profiler to run this phase under, e.g. `perf record -g -o sync.data`.
    let wrap = std::env::var("CANDOR_BENCH_WRAP").ok().filter(|_| {
        std::env::var("CANDOR_BENCH_WRAP_PHASE").ok() == Some(format!("{transport}-{phase}"))
    });
    let mut command = match wrap {
        Some(wrap) => {
            let mut words = wrap.split_whitespace();
            let mut command = Command::new(words.next().unwrap());
            command.args(words).arg(exe);
            command
        }
        None => Command::new(exe),
    };
    let status = command
        .env("CANDOR_BENCH_CHILD", transport)
        .env("CANDOR_BENCH_PHASE", phase)
        .env("CANDOR_BENCH_DOCS", count.to_string())
        .env(
            "CANDOR_BENCH_STORE",
            root.join(format!("store-{transport}")),
        )
        .env("CANDOR_BENCH_RESULTS", &results)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .unwrap();
    let results = fs_err::read(&results)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if !status.success() {
        eprintln!("  {transport} {phase} failed: {status}");
    }
    results
}

/// The child: one phase for one transport, its results as JSON in
/// `CANDOR_BENCH_RESULTS`; exits 1 after writing them if a check failed.
///
/// - `sync`: add the feed to a fresh store and sync it;
/// - `lookups`: look every document up by its subject's sha256, then sha512;
/// - `resync`: sync the unchanged feed again.
fn child(transport: &str) {
    let var = |name: &str| std::env::var(name).unwrap();
    let phase = var("CANDOR_BENCH_PHASE");
    let count: usize = var("CANDOR_BENCH_DOCS").parse().unwrap();
    let store_dir = PathBuf::from(var("CANDOR_BENCH_STORE"));
    let mut failures: Vec<String> = Vec::new();
    let mut store = Store::open(&store_dir).unwrap();
    if phase == "sync" {
        let options = FeedOptions {
            ca_certificates: std::env::var("CANDOR_BENCH_CA")
                .ok()
                .map(|ca| vec![fs_err::read_to_string(ca).unwrap()])
                .unwrap_or_default(),
            ..FeedOptions::default()
        };
        let location = FeedLocation::detect(&var("CANDOR_BENCH_LOCATION"), None).unwrap();
        assert_eq!(location.transport.as_str(), transport);
        store.add_feed(FEED, &location, &options).unwrap();
    }
    let mut results = if phase == "lookups" {
        lookups(&store, count, &mut failures)
    } else {
        let resync = phase == "resync";
        let (started, cpu) = (Instant::now(), cpu_secs());
        let report = sync(&mut store, FEED, SyncOptions::default());
        let elapsed = started.elapsed();
        let cpu = cpu_secs() - cpu;
        let peak = peak_kib();
        match &report {
            Ok(report) => {
                println!(
                    "  {transport} {phase}: {:.2} s, {} listed, {} new, {} skipped{}",
                    elapsed.as_secs_f64(),
                    report.listed,
                    report.new_documents,
                    report.skipped.len(),
                    if report.unchanged { ", unchanged" } else { "" }
                );
                let expected_new = if resync { 0 } else { count };
                if report.new_documents != expected_new || report.listed != count {
                    failures.push(format!(
                        "{phase}: {} documents listed and {} new; expected {count} and \
                         {expected_new}",
                        report.listed, report.new_documents
                    ));
                }
                if let Some(first) = report.skipped.first() {
                    failures.push(format!(
                        "{phase}: {} file(s) skipped, first {}: {}",
                        report.skipped.len(),
                        first.path,
                        first.reason
                    ));
                }
                if resync && transport == "https" && !report.unchanged {
                    failures.push("the HTTPS re-sync was not answered 304 Not Modified".to_owned());
                }
            }
            Err(error) => failures.push(format!("{phase} failed: {error}")),
        }
        let size = |name: &str| fs_err::metadata(store_dir.join(name)).map_or(0, |m| m.len());
        json!({
            "secs": elapsed.as_secs_f64(),
            "cpu_secs": cpu,
            "peak_kib": peak,
            "db_bytes": size("store.db"),
            "wal_bytes": size("store.db-wal"),
        })
    };
    let stored = store.document_count().unwrap();
    if stored != count {
        failures.push(format!(
            "after {phase} the store holds {stored} documents; expected {count}"
        ));
    }
    for failure in &failures {
        eprintln!("  FAILED: {transport} {failure}");
    }
    results["failures"] = json!(failures);
    fs_err::write(var("CANDOR_BENCH_RESULTS"), results.to_string()).unwrap();
    if !failures.is_empty() {
        std::process::exit(1);
    }
}

/// Time `documents_for_subject` for every document's sha256, then sha512, in a random
/// order (at most [`MAX_LOOKUPS`] documents, drawn at random); each must find exactly its
/// document.
fn lookups(store: &Store, count: usize, failures: &mut Vec<String>) -> Value {
    let mut order: Vec<usize> = (0..count).collect();
    let mut rng = candor_test::Rng::new(0x5EED);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order.truncate(MAX_LOOKUPS);
    let mut results = json!({ "count": order.len() });
    let started = Instant::now();
    for (name, algorithm) in [
        ("sha256", DigestAlgorithm::Sha256),
        ("sha512", DigestAlgorithm::Sha512),
    ] {
        let mut times = Vec::with_capacity(order.len());
        let mut wrong = 0usize;
        for &i in &order {
            // Made as needed, not all beforehand: the phase's peak RSS is the store's.
            let digest = artifact_digest(i);
            let hex = digest.get(algorithm).unwrap();
            let started = Instant::now();
            let found = store.documents_for_subject(hex).unwrap();
            times.push(started.elapsed());
            if found.len() != 1 || found[0].version != version(i) {
                wrong += 1;
            }
        }
        if wrong > 0 {
            failures.push(format!(
                "{wrong} lookups by {name} did not find exactly their document"
            ));
        }
        times.sort_unstable();
        let at = |p: usize| times[(times.len() - 1) * p / 100].as_secs_f64() * 1e6;
        results[name] = json!({
            "p50": at(50),
            "p90": at(90),
            "p99": at(99),
            "max": at(100),
        });
    }
    results["secs"] = json!(started.elapsed().as_secs_f64());
    results["peak_kib"] = json!(peak_kib());
    results
}

// ---- measuring ----

/// `VmHWM` in KiB.
fn peak_kib() -> Option<u64> {
    fs_err::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// User and system CPU time of this process so far, all threads (from /proc/self/stat,
/// in the kernel's 100 Hz ticks): the measure that other load on the machine does not
/// inflate.
fn cpu_secs() -> f64 {
    fs_err::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which is in parentheses and may hold spaces):
            // state is field 3, utime 14, stime 15.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
            Some((ticks(14)? + ticks(15)?) as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

fn kib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unknown".to_owned(),
        |k| format!("{:.0} MiB", k as f64 / 1024.0),
    )
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 20)
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}
