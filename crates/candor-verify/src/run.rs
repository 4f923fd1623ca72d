//! `candor verify`: installed targets against the trust policy and the documents in the
//! local store.
//!
//! ```text
//! policy.toml ──load (located errors)──► policy ──store: version ≥ highest seen?──► trust
//! TARGET ──resolve (PATH, links, shims)──► artifact file(s)
//!        ──one open file: fstat, cache by stamp, else sha256, fstat again──► digests
//! digests ──store: documents by subject──► each verified against the policy's signers
//!         (manifests: the tool's vendor; audits: each trusted auditor; responses: the
//!         vendor) ──► untrusted ones listed, never used
//! trusted documents (+ --scan here) ──rules──► PASS / WARN / FAIL with every reason
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use candor_feed::store::{PolicyCheck, Store};
use candor_model::ids::{Timestamp, ToolName};
use candor_model::manifest::{GateException, UNSCANNED};
use candor_model::policy::EffectiveRules;
use candor_scan::coverage;
use candor_scan::{ScanOptions, Scanner, Skipped};
use time::OffsetDateTime;

use crate::digest::{self, Cache};
use crate::error::VerificationError;
use crate::gather::{self, Gathered, Trust};
use crate::policy::{self, LoadedPolicy};
use crate::report::{
    ArtifactRead, Outcome, PolicySeenState, PolicyUsed, TargetVerdict, Verdict, VerifyReport,
};
use crate::resolve::{self, ArtifactKind, ResolveEnv, ResolveRequest, Resolved};
use crate::rules::{self, Case, LocalFinding};

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// Files, directories or command names.
    pub targets: Vec<String>,
    /// Also every tool the store knows that is installed (found on PATH).
    pub all: bool,
    /// The trust policy.
    pub policy: PathBuf,
    /// The store.
    pub store: PathBuf,
    /// Feeds (directories, git repositories, HTTPS sites) to add to the store if it lacks
    /// them, and to sync, before verifying.
    pub feeds: Vec<String>,
    /// The tool the targets are, when no trusted document names it.
    pub tool: Option<ToolName>,
    /// Scan the artifacts here too (facts "observed here").
    pub scan: bool,
    /// Use and fill the digest cache.
    pub cache: bool,
    /// The Sigstore trusted root for identities in the policy (default: the embedded
    /// production root).
    pub trusted_root: Option<PathBuf>,
    /// PATH for command targets (`None`: the process's).
    pub path_var: Option<OsString>,
    /// The directory relative targets are relative to.
    pub cwd: PathBuf,
    /// The home directory (cargo and pip user installs).
    pub home: Option<PathBuf>,
    /// The time rules are judged at (`None`: now).
    pub now: Option<OffsetDateTime>,
}

/// Progress of a verification.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A file is being digested: bytes read so far of its size.
    Digesting {
        /// The file.
        path: &'a Path,
        /// Bytes read.
        read: u64,
        /// Its size.
        size: u64,
    },
}

/// RFC 3339 for Unix seconds.
pub fn rfc3339(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(Timestamp::from_offset_date_time)
        .map_or_else(|_| seconds.to_string(), |t| t.as_str().to_owned())
}

/// Verify every target (see the module documentation).
pub fn verify(
    request: &VerifyRequest,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<VerifyReport, VerificationError> {
    let now = request.now.unwrap_or_else(OffsetDateTime::now_utc);
    let loaded = policy::load(&request.policy)?;
    let mut store = if request.feeds.is_empty() {
        Store::open_existing(&request.store)?.ok_or_else(|| VerificationError::NoStore {
            dir: request.store.clone(),
        })?
    } else {
        Store::open(&request.store)?
    };
    let synced = sync_given_feeds(&mut store, &request.feeds)?;
    let check = policy::check_against_store(&mut store, &loaded)?;
    let trust = Trust::for_policy(&loaded, request.trusted_root.as_deref())?;
    let env = ResolveEnv {
        path_var: request.path_var.clone(),
        cwd: request.cwd.clone(),
        home: request.home.clone(),
    };
    let mut targets = Vec::with_capacity(request.targets.len());
    for target in &request.targets {
        targets.push(resolve::resolve(&ResolveRequest {
            target: target.clone(),
            env: env.clone(),
        })?);
    }
    if request.all {
        let searched = store.releases()?.len();
        let found = installed_tools(&store, &env)?;
        if found.is_empty() && targets.is_empty() {
            return Err(VerificationError::NothingInstalled { searched });
        }
        for resolved in found {
            if !targets.iter().any(|t| t.artifact == resolved.artifact) {
                targets.push(resolved);
            }
        }
    }
    let mut verdicts = Vec::with_capacity(targets.len());
    for resolved in targets {
        verdicts.push(verify_target(
            resolved, request, &loaded, &trust, &mut store, now, progress,
        )?);
    }
    let verdict = verdicts
        .iter()
        .map(|t| t.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    Ok(VerifyReport {
        verdict,
        time: Timestamp::from_offset_date_time(now),
        policy: PolicyUsed {
            file: loaded.file.clone(),
            sha256: loaded.sha256.clone(),
            version: loaded.policy.version,
            seen: match check {
                PolicyCheck::New { .. } => PolicySeenState::New,
                _ => PolicySeenState::Known,
            },
            previous_version: match check {
                PolicyCheck::New { previous } => previous.map(|p| p.version),
                _ => None,
            },
        },
        store: request.store.clone(),
        synced,
        targets: verdicts,
        attestations: Vec::new(),
    })
}

/// Add each feed the store lacks (named after its last path segment) and sync each.
fn sync_given_feeds(
    store: &mut Store,
    feeds: &[String],
) -> Result<Vec<candor_feed::sync::SyncReport>, VerificationError> {
    let mut reports = Vec::with_capacity(feeds.len());
    for location in feeds {
        let wanted = candor_feed::location::FeedLocation::detect(location, None)?.to_string();
        let existing = store
            .feeds()?
            .into_iter()
            .find(|f| f.location.to_string() == wanted)
            .map(|f| f.name);
        let name = if let Some(name) = existing {
            name
        } else {
            let taken: Vec<String> = store.feeds()?.into_iter().map(|f| f.name).collect();
            let base: String = location
                .trim_end_matches('/')
                .rsplit(['/', ':'])
                .next()
                .unwrap_or("feed")
                .trim_end_matches(".git")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .take(48)
                .collect();
            let base = if base.is_empty() {
                "feed".to_owned()
            } else {
                base
            };
            let name = (1..=taken.len() + 1)
                .map(|i| {
                    if i == 1 {
                        base.clone()
                    } else {
                        format!("{base}-{i}")
                    }
                })
                .find(|n| !taken.contains(n))
                .unwrap_or(base);
            candor_feed::feeds::add(
                store,
                &candor_feed::feeds::AddRequest {
                    name: name.clone(),
                    location: location.clone(),
                    transport: None,
                    ca_certificates: Vec::new(),
                    allow_http: false,
                    timeout_seconds: None,
                },
            )?;
            name
        };
        reports.push(candor_feed::sync::sync(
            store,
            &name,
            candor_feed::sync::SyncOptions::default(),
        )?);
    }
    Ok(reports)
}

/// Every installation of a tool the store has a manifest of: the tool's command on
/// PATH, and what its package URL's ecosystem knows (npm global packages, `cargo
/// install`, Python distributions). The package URL is read from the store's newest
/// manifest of the tool, unverified: it only says where to look.
fn installed_tools(store: &Store, env: &ResolveEnv) -> Result<Vec<Resolved>, VerificationError> {
    let mut tools: Vec<String> = store
        .releases()?
        .into_iter()
        .map(|(tool, _)| tool)
        .collect();
    tools.dedup();
    let mut found = Vec::new();
    for tool in tools {
        let Ok(name) = tool.parse::<ToolName>() else {
            continue;
        };
        let purl = store
            .documents_for_release(&tool, None)?
            .iter()
            .rev()
            .filter(|d| d.kind == "manifest")
            .find_map(|d| {
                let inspected = candor_sign::verify::inspect_attestation(&d.bytes, "store").ok()?;
                match inspected.statement {
                    candor_model::AnyStatement::Manifest(m) => m.predicate.tool.purl,
                    _ => None,
                }
            });
        found.extend(resolve::find_installed(&name, purl.as_ref(), env).found);
    }
    Ok(found)
}

#[allow(clippy::too_many_arguments)] // the run's context, passed down once
fn verify_target(
    resolved: Resolved,
    request: &VerifyRequest,
    loaded: &LoadedPolicy,
    trust: &Trust,
    store: &mut Store,
    now: OffsetDateTime,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<TargetVerdict, VerificationError> {
    let artifacts = digest_artifacts(&resolved, request.cache, store, progress)?;
    let digests: Vec<&str> = artifacts.iter().map(|a| a.sha256.as_str()).collect();
    let gathered = gather::gather(store, trust, &digests, request.tool.as_ref())?;
    let policy = &loaded.policy;
    let tool_policy = gathered.tool.as_ref().and_then(|t| policy.tool(t));
    let rules: EffectiveRules =
        tool_policy.map_or_else(|| policy.rules.effective(), |t| policy.rules_for(t));
    let local = if request.scan {
        Some(local_findings(&artifacts, &gathered)?)
    } else {
        None
    };
    let changed: Vec<String> = artifacts
        .iter()
        .filter(|a| a.changed_while_read)
        .map(|a| a.path.display().to_string())
        .collect();
    let evaluation = rules::evaluate(&Case {
        tool_policy,
        rules: &rules,
        escapes: &resolved.escapes,
        changed: &changed,
        gathered: &gathered,
        installed_version: resolved.package.as_ref().and_then(|p| p.version.as_deref()),
        local: local.as_deref(),
        now,
    });
    let head = rules::manifest_in_force(&gathered);
    let known = &gathered.known;
    Ok(TargetVerdict {
        target: resolved.target.clone(),
        verdict: evaluation.outcome().verdict(),
        artifacts: artifacts
            .into_iter()
            .map(|mut a| {
                a.known = known.contains(&a.sha256);
                a.subject = head.and_then(|h| {
                    h.statement
                        .subject
                        .iter()
                        .find(|s| s.digest.sha256() == Some(a.sha256.as_str()))
                        .map(|s| s.name.clone())
                });
                a
            })
            .collect(),
        tool: gathered.tool.as_ref().map(ToString::to_string),
        version: head
            .map(|h| h.statement.predicate.tool.version.to_string())
            .or_else(|| {
                gathered
                    .audits
                    .first()
                    .map(|a| a.audit.statement.predicate.manifest.version.to_string())
            }),
        vendor: head.map(|h| h.statement.predicate.vendor.name.clone()),
        resolved,
        reasons: evaluation.reasons,
        facts: evaluation.facts,
        documents: evaluation.documents,
        upgrade: evaluation.upgrade,
    })
}

/// Digest the resolved artifact: the file, or every file of the directory.
fn digest_artifacts(
    resolved: &Resolved,
    use_cache: bool,
    store: &mut Store,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Vec<ArtifactRead>, VerificationError> {
    let files = match resolved.artifact_kind {
        ArtifactKind::File => vec![resolved.artifact.clone()],
        ArtifactKind::Directory => digest::files_under(&resolved.artifact)?,
    };
    let mut cache = if use_cache {
        Cache::Store(store)
    } else {
        Cache::Off
    };
    let mut out = Vec::with_capacity(files.len());
    for path in &files {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        let digested = digest::digest_file(path, &mut cache, &mut |read| {
            progress(Progress::Digesting { path, read, size });
        })?;
        out.push(ArtifactRead {
            path: digested.path,
            sha256: digested.sha256,
            size: digested.size,
            cached: digested.cached,
            changed_while_read: digested.changed_while_read,
            known: false,
            subject: None,
        });
    }
    Ok(out)
}

/// Scan the artifacts and match what is found with the claims of the manifest in force
/// (none: every gating indicator is undeclared).
fn local_findings(
    artifacts: &[ArtifactRead],
    gathered: &Gathered,
) -> Result<Vec<LocalFinding>, VerificationError> {
    let scanner = Scanner::new(
        candor_scan::rules::detectors(&[]).map_err(|e| VerificationError::Scan {
            path: PathBuf::from("(built-in rules)"),
            source: candor_scan::ScanError::Io(std::io::Error::other(e.to_string())),
        })?,
        ScanOptions::default(),
    );
    let mut indicators = Vec::new();
    let mut capped = Vec::new();
    let mut skipped = Vec::new();
    for artifact in artifacts {
        let report = candor_scan::scan_path(&scanner, &artifact.path).map_err(|source| {
            VerificationError::Scan {
                path: artifact.path.clone(),
                source,
            }
        })?;
        indicators.extend(report.indicators);
        capped.extend(report.capped);
        skipped.extend(report.skipped);
    }
    let empty = candor_model::claims::Claims::default();
    let (claims, exceptions) = match rules::manifest_in_force(gathered) {
        Some(head) => (
            &head.statement.predicate.claims,
            head.statement.predicate.exceptions.as_slice(),
        ),
        None => (&empty, &[][..]),
    };
    let covered = coverage::cover(&indicators, claims, exceptions);
    let mut findings: Vec<LocalFinding> = covered
        .uncovered
        .iter()
        .map(|group| LocalFinding {
            category: group.category,
            summary: group.summary(),
            values: group.values.clone(),
            evidence: coverage::places(&indicators, &group.members)
                .into_iter()
                .take(3)
                .cloned()
                .collect(),
        })
        .collect();
    // A file padded past the scanner's cap hides what comes after it from this scan: a
    // finding no manifest can declare away.
    findings.extend(capped.iter().map(|c| LocalFinding {
        category: candor_model::claims::ClaimCategory::Obfuscation,
        summary: format!("scan incomplete: {}", c.summary()),
        values: Vec::new(),
        evidence: Vec::new(),
    }));
    findings.extend(unread_findings(&skipped, exceptions));
    Ok(findings)
}

/// Content the scan did not read says nothing of what it does: a finding each, unless the
/// manifest in force names it in an `unscanned` exception (as its release gate let it
/// through).
fn unread_findings(skipped: &[Skipped], exceptions: &[GateException]) -> Vec<LocalFinding> {
    skipped
        .iter()
        .filter(|s| {
            !exceptions
                .iter()
                .any(|e| e.kind == UNSCANNED && e.value.matches(&s.path))
        })
        .map(|s| LocalFinding {
            category: candor_model::claims::ClaimCategory::Obfuscation,
            summary: format!("not scanned: {}: {}", s.path, s.reason),
            values: vec![s.path.clone()],
            evidence: Vec::new(),
        })
        .collect()
}

/// The outcome a target's reasons add up to.
pub fn outcome_of(target: &TargetVerdict) -> Outcome {
    target
        .reasons
        .iter()
        .map(|r| r.outcome)
        .max()
        .unwrap_or(Outcome::Pass)
}

#[cfg(test)]
mod tests {

    use super::*;

    /// A release file padded with more distinct values than a scan keeps: `--scan` reports
    /// that it could not see past the cap, whatever the manifest declares.
    #[test]
    fn a_file_padded_past_the_cap_is_a_local_finding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli.js");
        let text = candor_test::distinct_urls(candor_scan::MAX_PLAIN_PER_FILE / 2 + 10);
        fs_err::write(&path, text).unwrap();
        let artifacts = [ArtifactRead {
            path,
            sha256: String::new(),
            size: 0,
            cached: false,
            changed_while_read: false,
            known: false,
            subject: None,
        }];
        let findings = local_findings(&artifacts, &Gathered::default()).unwrap();
        let incomplete = findings
            .iter()
            .find(|f| f.summary.starts_with("scan incomplete: cli.js: "))
            .unwrap_or_else(|| panic!("{findings:#?}"));
        assert_eq!(
            incomplete.category,
            candor_model::claims::ClaimCategory::Obfuscation
        );
        // The values kept are findings as ever.
        assert!(
            findings
                .iter()
                .any(|f| f.values.iter().any(|v| v == "h0.pad.example"))
        );
    }

    /// A release tarball holding a symbolic link: `--scan` says the link was not read,
    /// unless the manifest's `unscanned` exception names it.
    #[test]
    fn content_the_scan_did_not_read_is_a_local_finding_unless_excepted() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("package");
        fs_err::create_dir_all(&tree).unwrap();
        fs_err::write(tree.join("cli.js"), "console.log(1)\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", tree.join("link.js")).unwrap();
        let tarball = dir.path().join("agent.tar");
        let status = std::process::Command::new("tar")
            .arg("cf")
            .arg(&tarball)
            .arg("-C")
            .arg(dir.path())
            .arg("package")
            .status()
            .unwrap();
        assert!(status.success());
        let artifacts = [ArtifactRead {
            path: tarball.clone(),
            sha256: String::new(),
            size: 0,
            cached: false,
            changed_while_read: false,
            known: false,
            subject: None,
        }];
        let findings = local_findings(&artifacts, &Gathered::default()).unwrap();
        let [finding] = findings.as_slice() else {
            panic!("{findings:#?}")
        };
        assert!(
            finding
                .summary
                .starts_with("not scanned: agent.tar!package/link.js: "),
            "{finding:?}"
        );
        assert_eq!(finding.values, ["agent.tar!package/link.js"]);

        let report = candor_scan::scan_path(
            &Scanner::new(
                candor_scan::rules::detectors(&[]).unwrap(),
                ScanOptions::default(),
            ),
            &tarball,
        )
        .unwrap();
        let exception = |kind: &str, value: &str| GateException {
            kind: kind.to_owned(),
            value: value.parse().unwrap(),
            reason: "a link the installer never creates".to_owned(),
        };
        assert!(
            unread_findings(
                &report.skipped,
                &[exception("unscanned", "*!package/link.js")]
            )
            .is_empty()
        );
        // Another kind, or another path, does not excuse it.
        assert_eq!(
            unread_findings(&report.skipped, &[exception("url", "*!package/link.js")]).len(),
            1
        );
        assert_eq!(
            unread_findings(
                &report.skipped,
                &[exception("unscanned", "*!package/other.js")]
            )
            .len(),
            1
        );
    }
}
