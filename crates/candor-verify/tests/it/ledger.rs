//! `candor_verify::ledger`: a real store in a temporary directory, documents signed with
//! real keys and recorded as a publisher's machine records them.

use candor_feed::document::FeedDocument;
use candor_feed::store::Store;
use candor_model::audit::{
    AuditMethod, AuditPredicate, AuditorInfo, ExaminedManifest, Finding, FindingStatus, MethodKind,
    Severity,
};
use candor_model::claims::ClaimCategory;
use candor_model::manifest::Declaration;
use candor_model::response::{AnsweredAudit, FindingResponse, ResponsePredicate, ResponseStatus};
use candor_model::{IN_TOTO_PAYLOAD_TYPE, Statement, Subject};
use candor_sign::artifact::{digest_bytes, sha256_of};
use candor_sign::dsse;
use candor_sign::keys::PrivateKey;
use candor_verify::error::VerificationError;
use candor_verify::ledger::{
    DocumentTrust, DowngradeKind, EquivocationSource, LedgerReport, LedgerRequest, ToolLedger,
    Verification, ledger,
};
use tempfile::TempDir;

const VENDOR: u8 = 1;
const AUDITOR: u8 = 2;
const MALLORY: u8 = 3;

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_seed(&[n; 32])
}

fn sign(payload: &[u8], signer: u8) -> Vec<u8> {
    dsse::sign(IN_TOTO_PAYLOAD_TYPE, payload, &[&key(signer)])
        .to_json()
        .into_bytes()
}

fn subject(version: &str) -> Subject {
    Subject {
        name: format!("pkg:generic/agent@{version}"),
        digest: digest_bytes(format!("agent {version}\n").as_bytes()),
    }
}

/// A manifest of `agent` `version` by `signer`, asserting `exhaustive`; `note` varies
/// the document without changing the release.
fn manifest(
    version: &str,
    signer: u8,
    exhaustive: &[&str],
    note: &str,
    supersedes: Option<&[u8]>,
) -> Vec<u8> {
    let list: Vec<String> = exhaustive.iter().map(|c| format!("\"{c}\"")).collect();
    let text = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/agent@{version}"),
        )
        .replace("tag = \"v1.4.0\"", &format!("tag = \"v{version}\""))
        .replace(
            "exhaustive = [\"network\"]",
            &format!("exhaustive = [{}]", list.join(", ")),
        )
        .replace("prompt text", &format!("prompt text{note}"));
    let declaration = Declaration::from_toml(&text, "candor.toml").unwrap();
    let mut statement = declaration.to_statement_with(vec![subject(version)]);
    statement.predicate.supersedes = supersedes.map(sha256_of);
    sign(&statement.to_canonical_json(), signer)
}

fn finding(id: &str, status: FindingStatus, severity: Severity, category: &str) -> Finding {
    let category: ClaimCategory = serde_json::from_value(category.into()).unwrap();
    let claim = (status == FindingStatus::Confirmed).then(|| "network.api".parse().unwrap());
    Finding {
        id: id.parse().unwrap(),
        status,
        severity,
        category,
        claim,
        contradicts_completeness: status == FindingStatus::Contradicted,
        summary: format!("{id}: {category} behaviour"),
        values: Vec::new(),
        evidence: Vec::new(),
    }
}

/// An audit of `manifest` (release `version`) on `date` by `signer`.
fn audit(
    manifest: Option<&[u8]>,
    version: &str,
    signer: u8,
    date: &str,
    findings: Vec<Finding>,
) -> Vec<u8> {
    let statement = Statement {
        subject: vec![subject(version)],
        predicate: AuditPredicate {
            auditor: AuditorInfo {
                name: "Mira Keller".to_owned(),
                organization: "Security Lab GmbH".to_owned(),
                contact: None,
            },
            manifest: ExaminedManifest {
                envelope_digest: manifest.map(sha256_of),
                tool: "agent".parse().unwrap(),
                version: version.parse().unwrap(),
                signature_verified: manifest.is_some(),
            },
            method: AuditMethod {
                kinds: vec![MethodKind::Static],
                tools: Vec::new(),
                description: None,
            },
            date: date.parse().unwrap(),
            scope: None,
            findings,
        },
    };
    sign(&statement.to_canonical_json(), signer)
}

/// The vendor's answer to `audit` (of `version`) on `date`.
fn response(
    audit: &[u8],
    version: &str,
    date: &str,
    answers: &[(&str, ResponseStatus, Option<&str>)],
) -> Vec<u8> {
    let statement = Statement {
        subject: vec![subject(version)],
        predicate: ResponsePredicate {
            vendor: "Acme".to_owned(),
            audit: AnsweredAudit {
                envelope_digest: sha256_of(audit),
                tool: "agent".parse().unwrap(),
                version: version.parse().unwrap(),
            },
            date: date.parse().unwrap(),
            responses: answers
                .iter()
                .map(|(id, status, fixed_in)| FindingResponse {
                    finding: id.parse().unwrap(),
                    status: *status,
                    fixed_in: fixed_in.map(|v| v.parse().unwrap()),
                    statement: format!("{id}: our answer"),
                })
                .collect(),
        },
    };
    sign(&statement.to_canonical_json(), VENDOR)
}

/// A store in a temporary directory, and a policy trusting the vendor for `agent` and
/// the auditor.
struct Fixture {
    dir: TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let policy = format!(
            "version = 1\n\n\
             [[auditor]]\nid = \"seclab\"\norganization = \"Security Lab GmbH\"\n\
             signers = [{{ key = \"{}\" }}]\n\n\
             [[tool]]\nname = \"agent\"\nsigners = [{{ key = \"{}\" }}]\n",
            key(AUDITOR).public_key().to_ed25519_text(),
            key(VENDOR).public_key().to_ed25519_text(),
        );
        fs_err::write(dir.path().join("policy.toml"), policy).unwrap();
        Self { dir, store }
    }

    /// Record `bytes` as published from this machine.
    fn add(&mut self, bytes: &[u8]) {
        let document = FeedDocument::parse(bytes.to_vec(), "document.dsse.json").unwrap();
        self.store.record_published(&document, "feed").unwrap();
    }

    fn request(&self, policy: bool, vendor: Option<&str>) -> LedgerRequest {
        LedgerRequest {
            store: self.dir.path().join("store"),
            policy: policy.then(|| self.dir.path().join("policy.toml")),
            vendor: vendor.map(str::to_owned),
            trusted_root: None,
        }
    }

    fn ledger(&self, policy: bool) -> LedgerReport {
        ledger(&self.request(policy, None)).unwrap()
    }
}

/// The only tool of the only vendor.
fn agent(report: &LedgerReport) -> &ToolLedger {
    assert_eq!(report.vendors.len(), 1, "{report:#?}");
    assert_eq!(report.vendors[0].vendor, "Acme");
    assert_eq!(report.vendors[0].tools.len(), 1, "{report:#?}");
    &report.vendors[0].tools[0]
}

fn versions(tool: &ToolLedger) -> Vec<&str> {
    tool.versions.iter().map(|v| v.version.as_str()).collect()
}

/// DESIGN.md's story: 1.0.0 hides behaviour, the auditor finds it, the vendor answers
/// two weeks later that 1.0.1 fixes it, and 1.0.1's audit is clean; one finding is left
/// unanswered.
fn story() -> Fixture {
    let mut f = Fixture::new();
    let m100 = manifest("1.0.0", VENDOR, &["network", "conditional"], "", None);
    let m101 = manifest("1.0.1", VENDOR, &["network", "conditional"], "", None);
    let a100 = audit(
        Some(&m100),
        "1.0.0",
        AUDITOR,
        "2026-06-01T10:00:00Z",
        vec![
            finding("F-001", FindingStatus::Confirmed, Severity::Info, "network"),
            finding(
                "F-002",
                FindingStatus::Undeclared,
                Severity::High,
                "conditional",
            ),
            finding(
                "F-003",
                FindingStatus::Contradicted,
                Severity::Critical,
                "conditional",
            ),
        ],
    );
    let a101 = audit(
        Some(&m101),
        "1.0.1",
        AUDITOR,
        "2026-06-20T10:00:00Z",
        vec![finding(
            "F-001",
            FindingStatus::Confirmed,
            Severity::Info,
            "network",
        )],
    );
    let r100 = response(
        &a100,
        "1.0.0",
        "2026-06-15T18:00:00Z",
        &[("F-002", ResponseStatus::Fixed, Some("1.0.1"))],
    );
    for document in [&m101, &a101, &r100, &a100, &m100] {
        f.add(document);
    }
    f
}

#[test]
fn a_finding_fixed_in_the_next_release_after_fourteen_days() {
    let f = story();
    let report = f.ledger(true);
    assert!(matches!(
        report.verification,
        Verification::Policy { version: 1, .. }
    ));
    assert_eq!(report.documents, 5);
    let tool = agent(&report);
    assert_eq!(tool.tool, "agent");
    assert_eq!(versions(tool), ["1.0.0", "1.0.1"]);
    let first = &tool.versions[0];
    assert_eq!(
        first.in_force.as_deref(),
        Some(first.manifests[0].sha256.as_str())
    );
    assert_eq!(first.manifests[0].trust, DocumentTrust::Trusted);
    let audit = &first.audits[0];
    assert_eq!(audit.organization, "Security Lab GmbH");
    assert_eq!(audit.auditor_id.as_deref(), Some("seclab"));
    assert_eq!(audit.date.as_str(), "2026-06-01T10:00:00Z");
    assert_eq!(
        audit.manifest.as_deref(),
        Some(first.manifests[0].sha256.as_str())
    );

    let fixed = &audit.findings[1];
    assert_eq!(fixed.id, "F-002");
    assert!(fixed.against);
    assert_eq!(fixed.date.as_str(), "2026-06-01T10:00:00Z");
    assert_eq!(fixed.answers.len(), 1);
    assert_eq!(fixed.answers[0].status, ResponseStatus::Fixed);
    assert_eq!(fixed.answers[0].days, 14);
    assert_eq!(fixed.answers[0].trust, DocumentTrust::Trusted);
    let fix = fixed.fixed_in.as_ref().unwrap();
    assert_eq!(fix.version, "1.0.1");
    assert!(fix.manifest && fix.audited);
    let open = &audit.findings[2];
    assert!(open.answers.is_empty() && open.fixed_in.is_none());

    let totals = &tool.totals;
    assert_eq!((totals.manifests, totals.audits), (2, 2));
    assert_eq!(totals.findings, 2);
    assert_eq!(
        (totals.by_severity.critical, totals.by_severity.high),
        (1, 1)
    );
    assert_eq!(totals.confirmed, 2);
    assert_eq!((totals.answered, totals.open, totals.fixed), (1, 1, 1));
    assert_eq!(totals.median_response_days, Some(14.0));
    assert_eq!(totals.max_response_days, Some(14));
    assert_eq!(
        (totals.equivocations, totals.downgrades, totals.untrusted),
        (0, 0, 0)
    );
    assert!(tool.equivocations.is_empty() && tool.downgrades.is_empty());
    assert_eq!(report.vendors[0].totals.findings, 2);
}

/// The vendor by name, in any case; JSON as `--format json` prints it.
#[test]
fn the_vendor_is_named_in_any_case() {
    let f = story();
    let named = ledger(&f.request(true, Some("ACME"))).unwrap();
    assert_eq!(agent(&named).totals.findings, 2);
    let json = serde_json::to_value(&named).unwrap();
    assert_eq!(
        json["vendors"][0]["tools"][0]["versions"][0]["audits"][0]["findings"][1]["answers"][0]["days"],
        14
    );
}

/// Two manifests of one release by the vendor, neither superseding the other: the
/// store's event and the manifests say the same, once. A manifest that supersedes its
/// predecessor properly is no equivocation.
#[test]
fn two_manifests_of_one_release_are_an_equivocation() {
    let mut f = Fixture::new();
    let one = manifest("2.0.0", VENDOR, &["network"], "", None);
    let two = manifest("2.0.0", VENDOR, &["network"], " and files", None);
    let old = manifest("2.0.1", VENDOR, &["network"], "", None);
    let new = manifest("2.0.1", VENDOR, &["network"], " v2", Some(&old));
    for document in [&one, &two, &old, &new] {
        f.add(document);
    }
    let report = f.ledger(true);
    let tool = agent(&report);
    assert_eq!(tool.equivocations.len(), 1, "{:#?}", tool.equivocations);
    let e = &tool.equivocations[0];
    assert_eq!(e.version, "2.0.0");
    assert_eq!(e.manifests.len(), 2);
    assert!(e.manifests.contains(&sha256_hex(&one)) && e.manifests.contains(&sha256_hex(&two)));
    assert_eq!(
        e.found_by,
        [
            EquivocationSource::Manifests,
            EquivocationSource::StoreEvent
        ]
    );
    assert!(e.recorded.is_some());
    assert_eq!(e.trust, DocumentTrust::Trusted);
    assert_eq!(tool.totals.equivocations, 1);
    assert!(tool.versions[0].in_force.is_none());

    let superseding = &tool.versions[1];
    assert_eq!(superseding.in_force, Some(sha256_hex(&new)));
    let replaced = superseding
        .manifests
        .iter()
        .find(|m| m.sha256 == sha256_hex(&old))
        .unwrap();
    assert_eq!(replaced.superseded_by, Some(sha256_hex(&new)));
}

/// 1.1.0 asserts fewer categories exhaustive than 1.0.0; 1.2.0 has an audit and no
/// manifest; 1.3.0 has a manifest again, as strong as 1.1.0's.
#[test]
fn weaker_coverage_and_a_missing_manifest_are_downgrades() {
    let mut f = Fixture::new();
    f.add(&manifest(
        "1.0.0",
        VENDOR,
        &["network", "conditional", "env"],
        "",
        None,
    ));
    // Out of release order on purpose: versions are ordered by compare_versions.
    f.add(&manifest("1.10.0", VENDOR, &["network"], "", None));
    f.add(&manifest("1.1.0", VENDOR, &["network", "env"], "", None));
    f.add(&audit(
        None,
        "1.2.0",
        AUDITOR,
        "2026-07-01T00:00:00Z",
        vec![finding(
            "F-001",
            FindingStatus::Undeclared,
            Severity::Medium,
            "env",
        )],
    ));
    let report = f.ledger(true);
    let tool = agent(&report);
    assert_eq!(versions(tool), ["1.0.0", "1.1.0", "1.2.0", "1.10.0"]);
    let found: Vec<(&str, &str, DowngradeKind, Vec<&str>)> = tool
        .downgrades
        .iter()
        .map(|d| {
            (
                d.from.as_str(),
                d.to.as_str(),
                d.kind,
                d.dropped.iter().map(|c| c.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "1.0.0",
                "1.1.0",
                DowngradeKind::FewerExhaustive,
                vec!["conditional"]
            ),
            ("1.1.0", "1.2.0", DowngradeKind::NoManifest, vec![]),
            (
                "1.1.0",
                "1.10.0",
                DowngradeKind::FewerExhaustive,
                vec!["env"]
            ),
        ]
    );
    assert_eq!(tool.totals.downgrades, 3);
    assert_eq!(tool.totals.open, 1);
}

/// With the policy, documents by other keys are listed with the reason and never
/// counted; without it, everything is counted, labelled unverified, and the report says
/// that nothing was checked.
#[test]
fn untrusted_documents_are_listed_not_counted() {
    let mut f = Fixture::new();
    let genuine = manifest("1.0.0", VENDOR, &["network"], "", None);
    let forged = manifest("1.0.1", MALLORY, &["network"], "", None);
    let forged_audit = audit(
        Some(&genuine),
        "1.0.0",
        MALLORY,
        "2026-06-01T00:00:00Z",
        vec![finding(
            "F-001",
            FindingStatus::Undeclared,
            Severity::Critical,
            "env",
        )],
    );
    for document in [&genuine, &forged, &forged_audit] {
        f.add(document);
    }

    let report = f.ledger(true);
    let tool = agent(&report);
    assert_eq!(versions(tool), ["1.0.0"]);
    assert!(tool.versions[0].audits.is_empty());
    assert_eq!(tool.totals.findings, 0);
    assert_eq!(tool.totals.untrusted, 2);
    let mut kinds: Vec<(&str, &str)> = tool
        .untrusted
        .iter()
        .map(|u| (u.kind.as_str(), u.version.as_str()))
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, [("audit", "1.0.0"), ("manifest", "1.0.1")]);
    let manifest_reason = &tool
        .untrusted
        .iter()
        .find(|u| u.kind == "manifest")
        .unwrap()
        .reason;
    assert!(
        manifest_reason.contains("not by the signers trusted for `agent`"),
        "{manifest_reason}"
    );
    // No version row for what only an untrusted document claims: no "no manifest"
    // downgrade either.
    assert!(tool.downgrades.is_empty());

    let report = f.ledger(false);
    let Verification::Unverified { notice } = &report.verification else {
        panic!("{:?}", report.verification)
    };
    assert!(notice.contains("no signature was checked"), "{notice}");
    let tool = agent(&report);
    assert_eq!(versions(tool), ["1.0.0", "1.0.1"]);
    assert_eq!(
        tool.versions[1].manifests[0].trust,
        DocumentTrust::Unverified
    );
    assert_eq!(tool.versions[0].audits[0].trust, DocumentTrust::Unverified);
    assert_eq!(tool.versions[0].audits[0].auditor_id, None);
    assert_eq!(tool.totals.findings, 1);
    assert_eq!(tool.totals.untrusted, 0);
}

#[test]
fn an_unknown_vendor_is_an_error_naming_the_known_ones() {
    let mut f = Fixture::new();
    f.add(&manifest("1.0.0", VENDOR, &["network"], "", None));
    let error = ledger(&f.request(true, Some("Initech"))).unwrap_err();
    assert_eq!(error.kind(), "unknown-vendor");
    let VerificationError::UnknownVendor { vendor, known } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(vendor, "Initech");
    assert_eq!(known, &["Acme"]);
    assert!(error.to_string().contains("Acme"), "{error}");
    assert!(error.hint().is_some());
}

#[test]
fn an_empty_store_is_an_empty_ledger_and_a_missing_one_an_error() {
    let f = Fixture::new();
    let report = f.ledger(true);
    assert_eq!(report.documents, 0);
    assert!(report.vendors.is_empty() && report.unattributed.is_empty());
    let error = ledger(&f.request(false, Some("Acme"))).unwrap_err();
    let VerificationError::UnknownVendor { known, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(known.is_empty());

    let missing = LedgerRequest {
        store: f.dir.path().join("nowhere"),
        ..f.request(false, None)
    };
    assert_eq!(ledger(&missing).unwrap_err().kind(), "no-store");
    assert!(!f.dir.path().join("nowhere").exists());
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha256_of(bytes).sha256().unwrap().to_owned()
}

/// The ledger only reads: a policy older than one the store has seen is refused, and a
/// newer one is not remembered.
#[test]
fn an_older_policy_is_refused_and_a_newer_one_not_recorded() {
    let mut f = Fixture::new();
    f.add(&manifest("1.0.0", VENDOR, &["network"], "", None));
    f.store
        .check_policy(5, "other content", "seen.toml")
        .unwrap();
    let error = ledger(&f.request(true, None)).unwrap_err();
    assert_eq!(error.kind(), "policy-rollback", "{error}");

    let f = Fixture::new();
    f.ledger(true);
    assert!(f.store.highest_policy().unwrap().is_none());
}
