//! `candor verify` of one large installed binary against a store of 100,000 documents:
//! where the time goes (policy, resolution, digest, store lookup and signature checks,
//! rules), cold (no digest cache) beside `openssl dgst -sha256` on the same file in the
//! same run, and warm (the digest cached by path, device, inode, size, mtime and ctime).
//!
//! ```sh
//! cargo bench -p candor-verify --bench verify                         # 250 MB synthetic
//! CANDOR_BENCH_ARTIFACT=/path/to/real/binary cargo bench -p candor-verify --bench verify
//! CANDOR_BENCH_DOCS=20000 …                                           # a smaller store
//! CANDOR_BENCH_CLI=target/release/candor …                           # also time the binary
//! ```
//!
//! Targets (issue 12): warm under 50 ms; cold within 1.3× of `openssl dgst -sha256`.
//! The store is built once per run in a temporary directory: the installed release's
//! manifest, two audits and a response among 100,000 manifests of other releases,
//! every one really signed.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss // bytes to MB/s for a printout
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use candor_feed::document::FeedDocument;
use candor_feed::store::Store;
use candor_model::audit::{AuditMethod, AuditPredicate, AuditorInfo, ExaminedManifest, MethodKind};
use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::ids::Timestamp;
use candor_model::manifest::Declaration;
use candor_model::{AnyStatement, Statement, Subject};
use candor_sign::keys::PrivateKey;
use candor_sign::signing::{SignWith, sign_statement};
use candor_verify::digest::{Cache, digest_file};
use candor_verify::gather::{Trust, gather};
use candor_verify::resolve::{ResolveEnv, ResolveRequest, resolve};
use candor_verify::rules::{Case, evaluate};
use candor_verify::run::{VerifyRequest, verify};

const SYNTHETIC_MB: usize = 250;

fn synthetic(path: &Path) {
    let mut file = std::io::BufWriter::new(fs_err::File::create(path).unwrap());
    let mut rng = candor_test::Rng::new(11);
    let js = candor_test::bundle::minified_js(1 << 20, 11);
    for block in 0..SYNTHETIC_MB {
        if block % 2 == 0 {
            file.write_all(&rng.bytes(1 << 20)).unwrap();
        } else {
            file.write_all(js.as_bytes()).unwrap();
        }
    }
    file.flush().unwrap();
}

/// Sign with the bench key made from `seed`.
fn sign(statement: AnyStatement, seed: u8) -> Vec<u8> {
    let with = SignWith::Keys {
        keys: vec![PrivateKey::from_seed(&[seed; 32])],
        bundle: false,
    };
    sign_statement(statement, &with).unwrap().text.into_bytes()
}

fn manifest(tool: &str, version: &str, sha256: &str) -> AnyStatement {
    let text = candor_test::AGENT_TOML
        .replace("name = \"agent\"", &format!("name = \"{tool}\""))
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/{tool}@{version}"),
        );
    let declaration = Declaration::from_toml(&text, "bench.toml").unwrap();
    let subject = Subject {
        name: format!("pkg:generic/{tool}@{version}"),
        digest: DigestSet::single(DigestAlgorithm::Sha256, sha256).unwrap(),
    };
    AnyStatement::Manifest(declaration.to_statement_with(vec![subject]))
}

fn audit(sha256: &str, manifest: &str, organization: &str) -> AnyStatement {
    AnyStatement::Audit(Statement {
        subject: vec![Subject {
            name: "pkg:generic/agent@1.4.0".to_owned(),
            digest: DigestSet::single(DigestAlgorithm::Sha256, sha256).unwrap(),
        }],
        predicate: AuditPredicate {
            auditor: AuditorInfo {
                name: "Bench".to_owned(),
                organization: organization.to_owned(),
                contact: None,
            },
            manifest: ExaminedManifest {
                envelope_digest: Some(
                    DigestSet::single(DigestAlgorithm::Sha256, manifest).unwrap(),
                ),
                tool: "agent".parse().unwrap(),
                version: "1.4.0".parse().unwrap(),
                signature_verified: true,
            },
            method: AuditMethod {
                kinds: vec![MethodKind::Static],
                tools: Vec::new(),
                description: None,
            },
            date: Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc()),
            scope: None,
            findings: Vec::new(),
        },
    })
}

/// The store: the installed release's manifest and two audits among `count` others.
fn build_store(dir: &Path, sha256: &str, count: usize) -> Store {
    let mut store = Store::open(dir).unwrap();
    let mut rng = candor_test::Rng::new(5);
    let started = Instant::now();
    let manifest_bytes = sign(manifest("agent", "1.4.0", sha256), 1);
    let manifest_doc = FeedDocument::parse(manifest_bytes, "m").unwrap();
    store.record_published(&manifest_doc, "bench").unwrap();
    for (seed, organization) in [(2u8, "Security Lab GmbH"), (3, "Open Audit Collective")] {
        let bytes = sign(audit(sha256, &manifest_doc.sha256, organization), seed);
        store
            .record_published(&FeedDocument::parse(bytes, "a").unwrap(), "bench")
            .unwrap();
    }
    for i in 0..count.saturating_sub(3) {
        let digest = hex::encode(rng.bytes(32));
        let bytes = sign(
            manifest(
                &format!("tool{}", i % 5000),
                &format!("1.{}.0", i / 5000),
                &digest,
            ),
            1,
        );
        store
            .record_published(&FeedDocument::parse(bytes, "d").unwrap(), "bench")
            .unwrap();
    }
    println!(
        "store: {} documents, built in {:.1} s",
        store.document_count().unwrap(),
        started.elapsed().as_secs_f64()
    );
    store
}

fn policy(path: &Path) {
    let key = |seed: u8| {
        PrivateKey::from_seed(&[seed; 32])
            .public_key()
            .to_ed25519_text()
    };
    fs_err::write(
        path,
        format!(
            "version = 1\n\n[rules]\nmin_audits = 2\n\n\
             [[auditor]]\nid = \"seclab\"\norganization = \"Security Lab GmbH\"\nsigners = [{{ key = \"{}\" }}]\n\n\
             [[auditor]]\nid = \"open\"\norganization = \"Open Audit Collective\"\nsigners = [{{ key = \"{}\" }}]\n\n\
             [[tool]]\nname = \"agent\"\nsigners = [{{ key = \"{}\" }}]\n",
            key(2),
            key(3),
            key(1)
        ),
    )
    .unwrap();
}

fn openssl(path: &Path) -> Option<f64> {
    let started = Instant::now();
    let status = Command::new("openssl")
        .args(["dgst", "-sha256"])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| started.elapsed().as_secs_f64())
}

fn request(artifact: &Path, store: &Path, policy: &Path, cache: bool) -> VerifyRequest {
    VerifyRequest {
        targets: vec![artifact.display().to_string()],
        all: false,
        policy: policy.to_owned(),
        store: store.to_owned(),
        feeds: Vec::new(),
        tool: None,
        scan: false,
        cache,
        trusted_root: None,
        path_var: None,
        cwd: PathBuf::from("/"),
        home: None,
        now: None,
    }
}

/// One cold verification, phase by phase, through the same library calls `verify` makes.
fn phases(artifact: &Path, store: &mut Store, policy_path: &Path) -> String {
    let t0 = Instant::now();
    let loaded = candor_verify::policy::load(policy_path).unwrap();
    let trust = Trust::new(&loaded.policy, &loaded.file, None).unwrap();
    let t1 = Instant::now();
    let resolved = resolve(&ResolveRequest {
        target: artifact.display().to_string(),
        env: ResolveEnv {
            path_var: None,
            cwd: PathBuf::from("/"),
            home: None,
        },
    })
    .unwrap();
    let t2 = Instant::now();
    let digested = digest_file(&resolved.artifact, &mut Cache::Off, &mut |_| {}).unwrap();
    let t3 = Instant::now();
    let gathered = gather(store, &trust, &[digested.sha256.as_str()], None).unwrap();
    let t4 = Instant::now();
    let tool = gathered.tool.as_ref().and_then(|t| loaded.policy.tool(t));
    let rules = tool.map_or_else(
        || loaded.policy.rules.effective(),
        |t| loaded.policy.rules_for(t),
    );
    let evaluation = evaluate(&Case {
        tool_policy: tool,
        rules: &rules,
        escapes: &[],
        changed: &[],
        gathered: &gathered,
        installed_version: None,
        local: None,
        now: time::OffsetDateTime::now_utc(),
    });
    let t5 = Instant::now();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    format!(
        "policy {:.1} ms | resolve {:.2} ms | digest {:.0} ms | store + signatures {:.1} ms ({} manifest(s), {} audit(s)) | rules {:.2} ms | {:?}",
        ms(t0, t1),
        ms(t1, t2),
        ms(t2, t3),
        ms(t3, t4),
        gathered.manifests.len(),
        gathered.audits.len(),
        ms(t4, t5),
        evaluation.outcome()
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = if let Some(path) = std::env::var_os("CANDOR_BENCH_ARTIFACT") {
        PathBuf::from(path)
    } else {
        let path = dir.path().join("agent.bin");
        synthetic(&path);
        path
    };
    let count: usize = std::env::var("CANDOR_BENCH_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let bytes = fs_err::metadata(&artifact).unwrap().len();
    std::io::copy(
        &mut fs_err::File::open(&artifact).unwrap(),
        &mut std::io::sink(),
    )
    .unwrap();
    let sha256 = digest_file(&artifact, &mut Cache::Off, &mut |_| {})
        .unwrap()
        .sha256;
    let store_dir = dir.path().join("store");
    let mut store = build_store(&store_dir, &sha256, count);
    let policy_path = dir.path().join("policy.toml");
    policy(&policy_path);
    println!(
        "artifact {} ({:.0} MB)",
        artifact.display(),
        bytes as f64 / 1e6
    );
    for run in 1..=3 {
        println!(
            "run {run} phases: {}",
            phases(&artifact, &mut store, &policy_path)
        );
        let started = Instant::now();
        let report = verify(
            &request(&artifact, &store_dir, &policy_path, false),
            &mut |_| {},
        )
        .unwrap();
        let cold = started.elapsed().as_secs_f64();
        let openssl = openssl(&artifact);
        // First warm-up fills the cache; the second is the warm path.
        verify(
            &request(&artifact, &store_dir, &policy_path, true),
            &mut |_| {},
        )
        .unwrap();
        let started = Instant::now();
        let warm_report = verify(
            &request(&artifact, &store_dir, &policy_path, true),
            &mut |_| {},
        )
        .unwrap();
        let warm = started.elapsed().as_secs_f64();
        assert!(warm_report.targets[0].artifacts[0].cached);
        print!(
            "run {run}: cold {:.3} s ({:.0} MB/s, {:?}) | warm {:.1} ms (target < 50 ms)",
            cold,
            bytes as f64 / 1e6 / cold,
            report.verdict,
            warm * 1000.0
        );
        match openssl {
            Some(o) => println!(
                " | openssl dgst -sha256 {o:.3} s ({:.0} MB/s); cold / openssl = {:.2} (target <= 1.30)",
                bytes as f64 / 1e6 / o,
                cold / o
            ),
            None => println!(" | openssl not found: no comparison"),
        }
        if let Some(cli) = std::env::var_os("CANDOR_BENCH_CLI") {
            let started = Instant::now();
            let status = Command::new(&cli)
                .arg("verify")
                .arg(&artifact)
                .arg("--policy")
                .arg(&policy_path)
                .arg("--store")
                .arg(&store_dir)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            println!(
                "       candor verify (the binary, warm) {:.1} ms, exit {:?}",
                started.elapsed().as_secs_f64() * 1000.0,
                status.code()
            );
        }
    }
}
