//! `candor_verify::rules::evaluate` as a truth table.
//!
//! Every row names a situation, the policy's rules, the documents gathered (built in
//! memory: trusted manifests, audits and responses as `gather` hands them over, with no
//! store and no signatures), and what the verdict must be: PASS, WARN or FAIL, which rules
//! fail and which warn. Each `#[test]` below runs one group of rows and reports every row
//! that does not match at once, with the reasons the rules gave.
//!
//! Every row is also held to what is true of every verdict: the verdict is the worst
//! outcome, reasons come failures first, an auditor's facts carry the organisation *the
//! policy* names (never the one the audit declares for itself), and claims carry the
//! manifest in force.

use std::collections::BTreeSet;

use candor_model::audit::{
    AuditMethod, AuditPredicate, AuditorInfo, ExaminedManifest, Finding, FindingStatus, MethodKind,
    Severity,
};
use candor_model::claims::ClaimCategory::{
    self, Conditional, Env, Identifiers, Network, OutputMarking,
};
use candor_model::claims::Claims;
use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::ids::{ClaimId, Timestamp, ToolName};
use candor_model::manifest::{Declaration, ManifestPredicate};
use candor_model::policy::{Rules, ToolPolicy, TrustPolicy};
use candor_model::response::{AnsweredAudit, FindingResponse, ResponsePredicate, ResponseStatus};
use candor_model::{Statement, Subject};
use candor_verify::gather::{Gathered, Trusted, TrustedAudit};
use candor_verify::report::Rule::{
    AllowedEndpoints, Contradicted, DenyCategories, Downgrade, Equivocation, Integrity,
    ManifestRequired, MaxAge, MinAudits, Resolution, ToolTrusted, Undeclared,
};
use candor_verify::report::Verdict::{Fail, Pass, Warn};
use candor_verify::report::{Outcome, Rule, Source, UntrustedDocument, Verdict};
use candor_verify::resolve::Escape;
use candor_verify::rules::{
    Case, Evaluation, LocalFinding, compare_versions, endpoint_allowed, evaluate,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// ---------------------------------------------------------------------------------------
// Fixtures: documents by id. A document's id is its sha256 (one byte, repeated).

/// The installed artifact.
const ARTIFACT: u8 = 0xaa;
/// An artifact of another release (what other releases' manifests name).
const OTHER_ARTIFACT: u8 = 0xbb;
/// Trusted manifests of the installed release.
const M1: u8 = 0x11;
const M2: u8 = 0x12;
const M3: u8 = 0x13;
/// A manifest that is not among the trusted ones gathered.
const ELSEWHERE: u8 = 0x1f;
/// Trusted manifests of other releases.
const P1: u8 = 0x41;
const P2: u8 = 0x42;
/// Audits.
const A1: u8 = 0x21;
const A2: u8 = 0x22;
/// An audit that was not gathered.
const A_UNSEEN: u8 = 0x2f;
/// Vendor responses.
const R1: u8 = 0x31;
const R2: u8 = 0x32;

/// The time every row is judged at.
const NOW: &str = "2026-12-01T00:00:00Z";
/// The installed release's date: 30 days before [`NOW`].
const RELEASED: &str = "2026-11-01T00:00:00Z";
/// Every audit's date: 16 days before [`NOW`].
const AUDITED: &str = "2026-11-15T00:00:00Z";
const SEPTEMBER: &str = "2026-09-01T00:00:00Z";
const OCTOBER: &str = "2026-10-01T00:00:00Z";
/// After [`RELEASED`].
const LATE_NOVEMBER: &str = "2026-11-20T00:00:00Z";

/// The policy's auditors: id and organisation, as the policy names them. `seclab` and
/// `seclab-berlin` are one organisation.
const AUDITORS: [(&str, &str); 4] = [
    ("seclab", "Security Lab GmbH"),
    ("seclab-berlin", "Security Lab GmbH"),
    ("bytes", "Trail of Bytes Inc."),
    ("outsider", "Outsider Audits Ltd"),
];
/// What every audit says of its own organisation: a verdict never shows or counts it.
const SELF_DECLARED: &str = "Self-Declared Audits LLC";

/// Coverage: `network` asserted exhaustive (the sample declaration's), and more.
const WEAK: &[ClaimCategory] = &[Network];
const STRONG: &[ClaimCategory] = &[Network, Env];

/// Rules with every field set.
const EVERY_RULE: &str = r#"
require_manifest = true
min_audits = 1
deny_categories = ["output-marking"]
allowed_endpoints = ["https://*.acme.example/*"]
on_contradicted = "fail"
on_undeclared = "fail"
on_downgrade = "fail"
max_age_days = 30
max_audit_age_days = 30
"#;

const OUTPUT_MARKING_CLAIM: &str = r#"
[[claims.output-marking]]
id = "output-marking.apostrophe"
target = "request"
technique = "apostrophe replaced by U+2019"
purpose = "marks requests made by the tool"
"#;

const TELEMETRY_CLAIM: &str = r#"
[[claims.telemetry]]
id = "telemetry.usage"
endpoint = "https://metrics.tracker.example/collect"
purpose = "usage counts"
enabled_by_default = true
"#;

const UPDATE_CLAIM: &str = r#"
[[claims.update]]
id = "update.self"
mechanism = "auto-update"
endpoint = "https://updates.elsewhere.example/agent"
description = "replaces itself with the latest release"
"#;

const CONDITIONAL_CLAIM: &str = r#"
[[claims.conditional]]
id = "conditional.base-url"
triggers = ["proxy-host"]
condition = "the base URL's host is one of a list"
effect = "dates are written with slashes"
values = ["corp.elsewhere.example"]
"#;

fn sha(id: u8) -> String {
    format!("{id:02x}").repeat(32)
}

fn digest(id: u8) -> DigestSet {
    DigestSet::single(DigestAlgorithm::Sha256, &sha(id)).unwrap()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::parse(NOW, &Rfc3339).unwrap()
}

fn agent() -> ToolName {
    "agent".parse().unwrap()
}

fn organization(auditor: &str) -> &'static str {
    AUDITORS
        .iter()
        .find(|(id, _)| *id == auditor)
        .map(|(_, organization)| *organization)
        .unwrap()
}

fn subject(artifact: u8, version: &str) -> Subject {
    Subject {
        name: format!("pkg:npm/%40acme/agent@{version}"),
        digest: digest(artifact),
    }
}

fn trusted<P>(id: u8, statement: Statement<P>, kind: &str) -> Trusted<P> {
    Trusted {
        sha256: sha(id),
        statement,
        signers: vec!["ed25519:acme".to_owned()],
        feed: Some("acme".to_owned()),
        path: format!("agent/{kind}.{}.dsse.json", &sha(id)[..16]),
    }
}

/// The sample declaration (agent, `network` exhaustive, claim `network.api` to
/// `https://api.acme.example/v1`) as `version`, released [`RELEASED`], naming the
/// installed artifact, with `claims_toml` appended.
fn manifest_with(id: u8, version: &str, claims_toml: &str) -> Trusted<ManifestPredicate> {
    let text = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace("agent@1.4.0", &format!("agent@{version}"))
        .replace("tag = \"v1.4.0\"", &format!("tag = \"v{version}\""));
    let declaration = Declaration::from_toml(&format!("{text}{claims_toml}"), "candor.toml")
        .unwrap_or_else(|e| panic!("fixture declaration: {e}"));
    let mut statement = declaration.to_statement_with(vec![subject(ARTIFACT, version)]);
    statement.predicate.release_date = Some(ts(RELEASED));
    assert_eq!(statement.violations(), Vec::new(), "fixture manifest");
    trusted(id, statement, "manifest")
}

fn manifest(id: u8, version: &str) -> Trusted<ManifestPredicate> {
    manifest_with(id, version, "")
}

fn dated(mut m: Trusted<ManifestPredicate>, date: Option<&str>) -> Trusted<ManifestPredicate> {
    m.statement.predicate.release_date = date.map(ts);
    m
}

fn exhaustive(
    mut m: Trusted<ManifestPredicate>,
    categories: &[ClaimCategory],
) -> Trusted<ManifestPredicate> {
    m.statement.predicate.completeness.exhaustive = categories.to_vec();
    m
}

fn superseding(mut m: Trusted<ManifestPredicate>, old: u8) -> Trusted<ManifestPredicate> {
    m.statement.predicate.supersedes = Some(digest(old));
    m
}

/// The same manifest naming another artifact (not the installed one).
fn elsewhere(mut m: Trusted<ManifestPredicate>) -> Trusted<ManifestPredicate> {
    let version = m.statement.predicate.tool.version.to_string();
    m.statement.subject = vec![subject(OTHER_ARTIFACT, &version)];
    m
}

/// The installed release's manifest `M1`, as `version`, with `categories` exhaustive and `date`.
fn head(
    version: &str,
    date: Option<&str>,
    categories: &[ClaimCategory],
) -> Trusted<ManifestPredicate> {
    exhaustive(dated(manifest(M1, version), date), categories)
}

/// Another release's manifest.
fn release(
    id: u8,
    version: &str,
    date: Option<&str>,
    categories: &[ClaimCategory],
) -> Trusted<ManifestPredicate> {
    elsewhere(exhaustive(dated(manifest(id, version), date), categories))
}

fn finding(
    id: &str,
    status: FindingStatus,
    category: ClaimCategory,
    claim: Option<&str>,
    values: &[&str],
) -> Finding {
    Finding {
        id: id.parse().unwrap(),
        status,
        severity: Severity::High,
        category,
        claim: claim.map(|c| c.parse().unwrap()),
        contradicts_completeness: false,
        summary: format!("{status:?} {category} behaviour"),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        evidence: Vec::new(),
    }
}

fn undeclared(id: &str, category: ClaimCategory, values: &[&str]) -> Finding {
    finding(id, FindingStatus::Undeclared, category, None, values)
}

fn category_of(claim: &str) -> ClaimCategory {
    claim.parse::<ClaimId>().unwrap().category()
}

fn contradicted(id: &str, claim: &str) -> Finding {
    let category = category_of(claim);
    finding(id, FindingStatus::Contradicted, category, Some(claim), &[])
}

fn confirmed(id: &str, claim: &str, values: &[&str]) -> Finding {
    let category = category_of(claim);
    finding(id, FindingStatus::Confirmed, category, Some(claim), values)
}

fn inconclusive(id: &str, category: ClaimCategory) -> Finding {
    finding(id, FindingStatus::Inconclusive, category, None, &[])
}

/// A contradicted finding against the completeness assertion (no claim).
fn incomplete(id: &str, category: ClaimCategory) -> Finding {
    let mut f = finding(id, FindingStatus::Contradicted, category, None, &[]);
    f.contradicts_completeness = true;
    f
}

/// An audit of agent 1.4.0 by `auditor` (a policy id), dated [`AUDITED`], that examined
/// the manifest `examined` (`None`: no manifest).
fn audit(id: u8, auditor: &str, examined: Option<u8>, findings: Vec<Finding>) -> TrustedAudit {
    let statement = Statement {
        subject: vec![subject(ARTIFACT, "1.4.0")],
        predicate: AuditPredicate {
            auditor: AuditorInfo {
                name: format!("{auditor} team"),
                organization: SELF_DECLARED.to_owned(),
                contact: None,
            },
            manifest: ExaminedManifest {
                envelope_digest: examined.map(digest),
                tool: agent(),
                version: "1.4.0".parse().unwrap(),
                signature_verified: true,
            },
            method: AuditMethod {
                kinds: vec![MethodKind::Static],
                tools: Vec::new(),
                description: None,
            },
            date: ts(AUDITED),
            scope: None,
            findings,
        },
    };
    assert_eq!(statement.violations(), Vec::new(), "fixture audit");
    TrustedAudit {
        audit: trusted(id, statement, "audit"),
        auditor: auditor.to_owned(),
        organization: organization(auditor).to_owned(),
    }
}

/// An audit of `M1` with no findings.
fn of_m1(id: u8, auditor: &str) -> TrustedAudit {
    audit(id, auditor, Some(M1), Vec::new())
}

fn self_declared(mut a: TrustedAudit, organization: &str) -> TrustedAudit {
    organization.clone_into(&mut a.audit.statement.predicate.auditor.organization);
    a
}

fn of_version(mut a: TrustedAudit, version: &str) -> TrustedAudit {
    a.audit.statement.predicate.manifest.version = version.parse().unwrap();
    a
}

/// A vendor response to audit `audit`: (finding, status, fixed in).
fn response(
    id: u8,
    audit: u8,
    answers: &[(&str, ResponseStatus, Option<&str>)],
) -> Trusted<ResponsePredicate> {
    let statement = Statement {
        subject: vec![subject(ARTIFACT, "1.4.0")],
        predicate: ResponsePredicate {
            vendor: "Acme".to_owned(),
            audit: AnsweredAudit {
                envelope_digest: digest(audit),
                tool: agent(),
                version: "1.4.0".parse().unwrap(),
            },
            date: ts(LATE_NOVEMBER),
            responses: answers
                .iter()
                .map(|(finding, status, fixed_in)| FindingResponse {
                    finding: finding.parse().unwrap(),
                    status: *status,
                    fixed_in: fixed_in.map(|v| v.parse().unwrap()),
                    statement: "The vendor's answer.".to_owned(),
                })
                .collect(),
        },
    };
    assert_eq!(statement.violations(), Vec::new(), "fixture response");
    trusted(id, statement, "response")
}

fn local(category: ClaimCategory, values: &[&str]) -> LocalFinding {
    LocalFinding {
        category,
        summary: format!("{category} behaviour no claim declares"),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        evidence: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Inputs: what `gather` (and resolution, digesting, `--scan`) hand to the rules.

#[derive(Debug, Default)]
struct Input {
    gathered: Gathered,
    escapes: Vec<Escape>,
    changed: Vec<String>,
    installed_version: Option<&'static str>,
    local: Option<Vec<LocalFinding>>,
}

/// No trusted document; the tool as `--tool` (or nothing) names it.
fn nothing(tool: Option<&str>) -> Input {
    let mut input = Input::default();
    input.gathered.tool = tool.map(|t| t.parse().unwrap());
    input
}

/// Trusted manifests naming the artifact, and other manifests of its release.
fn manifests(
    naming: Vec<Trusted<ManifestPredicate>>,
    release: Vec<Trusted<ManifestPredicate>>,
) -> Input {
    let mut input = nothing(Some("agent"));
    input.gathered.known.insert(sha(ARTIFACT));
    input.gathered.manifests = naming;
    input.gathered.release_manifests = release;
    input
}

fn one_manifest() -> Input {
    manifests(vec![manifest(M1, "1.4.0")], Vec::new())
}

fn with_claims(claims_toml: &str) -> Input {
    manifests(vec![manifest_with(M1, "1.4.0", claims_toml)], Vec::new())
}

/// The installed release's manifest and the tool's other releases.
fn after(head: Trusted<ManifestPredicate>, others: Vec<Trusted<ManifestPredicate>>) -> Input {
    let mut input = manifests(vec![head], Vec::new());
    input.gathered.other_releases = others;
    input
}

/// No manifest for the installed release (`version` per its package, if known).
fn unmanifested(version: Option<&'static str>, others: Vec<Trusted<ManifestPredicate>>) -> Input {
    let mut input = nothing(Some("agent"));
    input.installed_version = version;
    input.gathered.other_releases = others;
    input
}

fn audited(audits: Vec<TrustedAudit>) -> Input {
    let mut input = one_manifest();
    input.gathered.audits = audits;
    input
}

/// `M1` and one audit of it by `seclab` with `findings`.
fn found(findings: Vec<Finding>) -> Input {
    audited(vec![audit(A1, "seclab", Some(M1), findings)])
}

fn answered(findings: Vec<Finding>, responses: Vec<Trusted<ResponsePredicate>>) -> Input {
    let mut input = found(findings);
    input.gathered.responses = responses;
    input
}

fn audits_without_manifest(audits: Vec<TrustedAudit>) -> Input {
    let mut input = nothing(Some("agent"));
    input.gathered.audits = audits;
    input
}

fn scanned(mut input: Input, found: Vec<LocalFinding>) -> Input {
    input.local = Some(found);
    input
}

fn escaping(mut input: Input) -> Input {
    input.escapes.push(Escape {
        at: "/usr/local/bin/agent".into(),
        points_to: "/tmp/elsewhere/agent.js".into(),
        package_root: "/usr/local/lib/node_modules/@acme/agent".into(),
        detail: "the npm bin link leads out of its package".to_owned(),
    });
    input
}

fn changing(mut input: Input) -> Input {
    input
        .changed
        .push("/usr/local/lib/node_modules/@acme/agent/dist/cli.js".to_owned());
    input
}

fn untrusted_only() -> Input {
    let mut input = nothing(Some("agent"));
    input.gathered.untrusted.push(UntrustedDocument {
        sha256: sha(ELSEWHERE),
        kind: "manifest".to_owned(),
        tool: "agent".to_owned(),
        version: "1.4.0".to_owned(),
        claimed_signer: "ed25519:mallory".to_owned(),
        reason: "not by the signers trusted for `agent`".to_owned(),
    });
    input
}

// ---------------------------------------------------------------------------------------
// The policy of a row, and running the rules.

#[derive(Debug, Clone)]
struct Policy {
    /// Whether the tool `agent` has an entry (`tool_policy` is `Some`).
    listed: bool,
    /// The entry's `auditors` list.
    auditors: Option<Vec<&'static str>>,
    /// The rules in force, as written in `[rules]`.
    rules: Rules,
}

/// A policy with an entry for `agent` and `rules` (TOML, as in `[rules]`).
fn p(rules: &str) -> Policy {
    Policy {
        listed: true,
        auditors: None,
        rules: toml::from_str(rules).unwrap_or_else(|e| panic!("rules {rules:?}: {e}")),
    }
}

impl Policy {
    /// No entry for the tool.
    fn unlisted(mut self) -> Self {
        self.listed = false;
        self
    }

    /// Only these auditors for the tool.
    fn auditors(mut self, ids: &[&'static str]) -> Self {
        self.auditors = Some(ids.to_vec());
        self
    }
}

fn run(policy: &Policy, input: &Input) -> Evaluation {
    let tool = ToolPolicy {
        name: agent(),
        signers: Vec::new(),
        threshold: 1,
        auditors: policy
            .auditors
            .as_ref()
            .map(|ids| ids.iter().map(|id| id.parse().unwrap()).collect()),
        rules: Rules::default(),
    };
    let rules = policy.rules.effective();
    evaluate(&Case {
        tool_policy: policy.listed.then_some(&tool),
        rules: &rules,
        escapes: &input.escapes,
        changed: &input.changed,
        gathered: &input.gathered,
        installed_version: input.installed_version,
        local: input.local.as_deref(),
        now: now(),
    })
}

// ---------------------------------------------------------------------------------------
// Rows and the checks a row can add.

type Check = Box<dyn Fn(&Evaluation) -> Result<(), String>>;

struct Row {
    name: &'static str,
    policy: Policy,
    input: Input,
    verdict: Verdict,
    fails: &'static [Rule],
    warns: &'static [Rule],
    checks: Vec<Check>,
}

fn row(
    name: &'static str,
    policy: Policy,
    input: Input,
    verdict: Verdict,
    fails: &'static [Rule],
    warns: &'static [Rule],
) -> Row {
    Row {
        name,
        policy,
        input,
        verdict,
        fails,
        warns,
        checks: Vec::new(),
    }
}

impl Row {
    fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }
}

fn source_kind(source: &Source) -> &'static str {
    match source {
        Source::Claimed { .. } => "claimed",
        Source::ObservedByAuditor { .. } => "observed-by-auditor",
        Source::ObservedHere { .. } => "observed-here",
    }
}

fn broken(evaluation: &Evaluation, rule: Rule) -> Vec<&candor_verify::report::Reason> {
    evaluation
        .reasons
        .iter()
        .filter(|r| r.rule == rule && r.outcome != Outcome::Pass)
        .collect()
}

/// The manifest in force (`None`: none).
fn in_force(id: Option<u8>) -> Check {
    Box::new(move |e| {
        let expected = id.map(sha);
        if e.manifest == expected {
            Ok(())
        } else {
            Err(format!(
                "manifest in force {:?}, expected {expected:?}",
                e.manifest
            ))
        }
    })
}

/// The rule gives a pass reason.
fn passes(rule: Rule) -> Check {
    Box::new(move |e| {
        if e.reasons
            .iter()
            .any(|r| r.rule == rule && r.outcome == Outcome::Pass)
        {
            Ok(())
        } else {
            Err(format!("no pass reason for {}", rule.as_str()))
        }
    })
}

/// The rule gives no reason at all.
fn silent(rule: Rule) -> Check {
    Box::new(move |e| {
        if e.reasons.iter().any(|r| r.rule == rule) {
            Err(format!("a reason for {}, expected none", rule.as_str()))
        } else {
            Ok(())
        }
    })
}

/// The rule is broken `n` times (one reason each).
fn times(rule: Rule, n: usize) -> Check {
    Box::new(move |e| {
        let have = broken(e, rule).len();
        if have == n {
            Ok(())
        } else {
            Err(format!(
                "{} broken {have} times, expected {n}",
                rule.as_str()
            ))
        }
    })
}

/// Every reason the rule is broken for rests on a fact of this source.
fn sourced(rule: Rule, kind: &'static str) -> Check {
    Box::new(move |e| {
        let reasons = broken(e, rule);
        let wrong: Vec<String> = reasons
            .iter()
            .map(|r| r.source.as_ref().map_or("none", source_kind).to_owned())
            .filter(|k| k != kind)
            .collect();
        if reasons.is_empty() || !wrong.is_empty() {
            Err(format!(
                "{} reasons' sources {wrong:?} (of {}), expected all {kind}",
                rule.as_str(),
                reasons.len()
            ))
        } else {
            Ok(())
        }
    })
}

/// Some reason of the rule says `text`.
fn says(rule: Rule, text: &'static str) -> Check {
    Box::new(move |e| {
        if e.reasons
            .iter()
            .any(|r| r.rule == rule && r.message.contains(text))
        {
            Ok(())
        } else {
            Err(format!("no {} reason says {text:?}", rule.as_str()))
        }
    })
}

/// No reason of the rule says `text`.
fn never_says(rule: Rule, text: &'static str) -> Check {
    Box::new(move |e| {
        match e
            .reasons
            .iter()
            .find(|r| r.rule == rule && r.message.contains(text))
        {
            Some(r) => Err(format!("{} says {:?}", rule.as_str(), r.message)),
            None => Ok(()),
        }
    })
}

/// The release to upgrade to and the findings it fixes.
fn upgrade(version: Option<&'static str>, fixes: &'static [&'static str]) -> Check {
    Box::new(move |e| {
        let have = e.upgrade.as_ref().map(|u| {
            (
                u.version.as_str(),
                u.fixes.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        });
        let expected = version.map(|v| (v, fixes.to_vec()));
        if have == expected {
            Ok(())
        } else {
            Err(format!("upgrade {have:?}, expected {expected:?}"))
        }
    })
}

/// Which audits count toward `min_audits`, in the order gathered.
fn counted(flags: &'static [bool]) -> Check {
    Box::new(move |e| {
        let have: Vec<bool> = e.documents.audits.iter().map(|a| a.counted).collect();
        if have == flags {
            Ok(())
        } else {
            Err(format!("audits counted {have:?}, expected {flags:?}"))
        }
    })
}

/// No fact comes from an auditor.
fn unheard() -> Check {
    Box::new(|e| {
        if e.facts.iter().any(|f| f.finding.is_some()) {
            Err("an auditor's finding is among the facts".to_owned())
        } else {
            Ok(())
        }
    })
}

fn rules_with(evaluation: &Evaluation, outcome: Outcome) -> BTreeSet<Rule> {
    evaluation
        .reasons
        .iter()
        .filter(|r| r.outcome == outcome)
        .map(|r| r.rule)
        .collect()
}

/// What holds of every verdict, whatever the row.
fn invariants(input: &Input, evaluation: &Evaluation) -> Vec<String> {
    let mut out = Vec::new();
    let outcomes: BTreeSet<Outcome> = evaluation.reasons.iter().map(|r| r.outcome).collect();
    let worst = outcomes
        .iter()
        .next_back()
        .copied()
        .unwrap_or(Outcome::Pass);
    if evaluation.outcome() != worst {
        out.push(format!(
            "outcome {:?} but the worst reason is {worst:?}",
            evaluation.outcome()
        ));
    }
    if !evaluation
        .reasons
        .windows(2)
        .all(|w| w[0].outcome >= w[1].outcome)
    {
        out.push("reasons are not failures first, then warnings, then passes".to_owned());
    }
    let auditor_source = |source: &Source, out: &mut Vec<String>| {
        let Source::ObservedByAuditor {
            auditor,
            organization: org,
            audit,
        } = source
        else {
            return;
        };
        let Some(document) = input
            .gathered
            .audits
            .iter()
            .find(|a| a.audit.sha256 == *audit)
        else {
            out.push(format!(
                "a fact names audit {audit}, which was not gathered"
            ));
            return;
        };
        let declared = &document.audit.statement.predicate.auditor.organization;
        if document.auditor != *auditor || org != organization(auditor) || org == declared {
            out.push(format!(
                "audit fact by {auditor} of {org:?}: expected the policy's organisation {:?}",
                organization(&document.auditor)
            ));
        }
    };
    for fact in &evaluation.facts {
        match (&fact.source, &fact.finding) {
            (source @ Source::ObservedByAuditor { .. }, Some(_)) => {
                auditor_source(source, &mut out);
            }
            (Source::Claimed { manifest }, None)
                if evaluation.manifest.as_ref() == Some(manifest) => {}
            (Source::ObservedHere { .. }, None) if input.local.is_some() => {}
            (source, finding) => out.push(format!(
                "fact {:?} from {} (finding: {})",
                fact.summary,
                source_kind(source),
                finding.is_some()
            )),
        }
    }
    for reason in &evaluation.reasons {
        if let Some(source) = &reason.source {
            auditor_source(source, &mut out);
        }
    }
    out
}

fn render(evaluation: &Evaluation) -> String {
    evaluation
        .reasons
        .iter()
        .map(|r| format!("      {:?} {}: {}", r.outcome, r.rule.as_str(), r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run `rows`; fail once, naming every row that does not match.
fn run_table(rows: Vec<Row>) {
    let total = rows.len();
    let mut mismatches = Vec::new();
    for row in rows {
        let evaluation = run(&row.policy, &row.input);
        let mut problems = Vec::new();
        let verdict = evaluation.outcome().verdict();
        if verdict != row.verdict {
            problems.push(format!("verdict {verdict:?}, expected {:?}", row.verdict));
        }
        for (outcome, expected) in [(Outcome::Fail, row.fails), (Outcome::Warn, row.warns)] {
            let have = rules_with(&evaluation, outcome);
            let expected: BTreeSet<Rule> = expected.iter().copied().collect();
            if have != expected {
                problems.push(format!("{outcome:?}: {have:?}, expected {expected:?}"));
            }
        }
        problems.extend(invariants(&row.input, &evaluation));
        problems.extend(
            row.checks
                .iter()
                .filter_map(|check| check(&evaluation).err()),
        );
        if !problems.is_empty() {
            mismatches.push(format!(
                "  {}:\n    {}\n    reasons:\n{}",
                row.name,
                problems.join("\n    "),
                render(&evaluation)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {total} rows do not match:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The table, by group: a row is a name; the policy; the input; the verdict, the rules that
// fail and the rules that warn; then any further checks. Laid out by hand, as a table.

#[rustfmt::skip]
fn nothing_found_rows() -> Vec<Row> {
    vec![
        row("nothing found, --tool agent, require_manifest = true",
            p(""), nothing(Some("agent")),
            Fail, &[ManifestRequired], &[])
            .check(silent(ToolTrusted)).check(in_force(None)).check(says(ManifestRequired, "no manifest names")),
        row("nothing found, --tool agent, require_manifest = false",
            p("require_manifest = false"), nothing(Some("agent")),
            Pass, &[], &[])
            .check(passes(ManifestRequired)),
        row("tool unknown, require_manifest = true: no tool-trusted reason",
            p("").unlisted(), nothing(None),
            Fail, &[ManifestRequired], &[])
            .check(silent(ToolTrusted)),
        row("tool unknown, require_manifest = false",
            p("require_manifest = false").unlisted(), nothing(None),
            Pass, &[], &[]),
        row("tool not in the policy",
            p("").unlisted(), nothing(Some("stranger")),
            Fail, &[ToolTrusted, ManifestRequired], &[]),
        row("tool not in the policy, require_manifest = false: tool-trusted still fails",
            p("require_manifest = false").unlisted(), nothing(Some("stranger")),
            Fail, &[ToolTrusted], &[]),
        row("nothing found but untrusted manifests",
            p(""), untrusted_only(),
            Fail, &[ManifestRequired], &[])
            .check(says(ManifestRequired, "untrusted")),
        row("nothing found, every rule set",
            p(EVERY_RULE), nothing(Some("agent")),
            Fail, &[ManifestRequired, MinAudits], &[])
            .check(silent(MaxAge)).check(silent(Downgrade))
            .check(passes(DenyCategories)).check(passes(AllowedEndpoints))
            .check(passes(Undeclared)).check(passes(Contradicted)),
        row("nothing found, empty deny_categories and allowed_endpoints",
            p("require_manifest = false\ndeny_categories = []\nallowed_endpoints = []"), nothing(Some("agent")),
            Pass, &[], &[])
            .check(silent(DenyCategories)).check(passes(AllowedEndpoints)),
    ]
}

#[rustfmt::skip]
fn min_audits_rows() -> Vec<Row> {
    vec![
        row("one manifest, default rules",
            p(""), one_manifest(),
            Pass, &[], &[])
            .check(in_force(Some(M1)))
            .check(passes(ManifestRequired)).check(passes(Equivocation))
            .check(passes(Undeclared)).check(passes(Contradicted))
            .check(silent(MinAudits)).check(silent(MaxAge)).check(silent(Downgrade))
            .check(silent(DenyCategories)).check(silent(AllowedEndpoints)),
        row("min_audits = 1, no audit",
            p("min_audits = 1"), one_manifest(),
            Fail, &[MinAudits], &[]),
        row("min_audits = 1, one audit of the manifest in force",
            p("min_audits = 1"), audited(vec![of_m1(A1, "seclab")]),
            Pass, &[], &[])
            .check(counted(&[true])).check(passes(MinAudits)),
        row("min_audits = 2, two audits of one organisation count once (self-declared two)",
            p("min_audits = 2"),
            audited(vec![of_m1(A1, "seclab"), self_declared(of_m1(A2, "seclab-berlin"), "Berlin Audits")]),
            Fail, &[MinAudits], &[])
            .check(counted(&[true, true])).check(says(MinAudits, "count once")),
        row("min_audits = 2, two organisations as the policy names them (self-declared one)",
            p("min_audits = 2"), audited(vec![of_m1(A1, "seclab"), of_m1(A2, "bytes")]),
            Pass, &[], &[])
            .check(says(MinAudits, "Trail of Bytes Inc.")),
        row("min_audits = 1, an audit of another manifest digest does not count (B12)",
            p("min_audits = 1"), audited(vec![audit(A1, "seclab", Some(ELSEWHERE), vec![])]),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
        row("B12: the findings of an audit of another manifest still apply",
            p(""), audited(vec![audit(A1, "seclab", Some(ELSEWHERE), vec![evil("F-1")])]),
            Fail, &[Undeclared], &[]),
        row("min_audits = 1, an audit of the manifest in force naming another release",
            p("min_audits = 1"), audited(vec![of_version(of_m1(A1, "seclab"), "1.3.0")]),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
        row("min_audits = 1, an audit of no manifest while one is in force",
            p("min_audits = 1"), audited(vec![audit(A1, "seclab", None, vec![])]),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
        row("min_audits = 1, no manifest: an audit of no manifest counts",
            p("require_manifest = false\nmin_audits = 1"), audits_without_manifest(vec![audit(A1, "seclab", None, vec![])]),
            Pass, &[], &[])
            .check(counted(&[true])),
        row("min_audits = 1, no trusted manifest: an audit of one does not count",
            p("require_manifest = false\nmin_audits = 1"), audits_without_manifest(vec![of_m1(A1, "seclab")]),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
        row("min_audits = 2, one audit counts and one does not",
            p("min_audits = 2"), audited(vec![of_m1(A1, "seclab"), audit(A2, "bytes", Some(ELSEWHERE), vec![])]),
            Fail, &[MinAudits], &[])
            .check(counted(&[true, false])).check(says(MinAudits, "1 audit(s) found do not count")),
    ]
}

#[rustfmt::skip]
fn auditor_rows() -> Vec<Row> {
    let outsider = || audited(vec![audit(A1, "outsider", Some(M1), vec![evil("F-1")])]);
    vec![
        row("min_audits = 1, an audit older than max_audit_age_days",
            p("min_audits = 1\nmax_audit_age_days = 15"), audited(vec![of_m1(A1, "seclab")]),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
        row("min_audits = 1, an audit exactly max_audit_age_days old counts",
            p("min_audits = 1\nmax_audit_age_days = 16"), audited(vec![of_m1(A1, "seclab")]),
            Pass, &[], &[])
            .check(counted(&[true])),
        row("an audit too old to count still reports its findings",
            p("max_audit_age_days = 15"), found(vec![evil("F-1")]),
            Fail, &[Undeclared], &[]),
        row("min_audits = 1, auditor not among the tool's auditors",
            p("min_audits = 1").auditors(&["seclab"]), outsider(),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])).check(passes(Undeclared)).check(unheard()),
        row("auditor not among the tool's auditors: its findings are ignored",
            p("").auditors(&["seclab"]), outsider(),
            Pass, &[], &[])
            .check(unheard()),
        row("auditor among the tool's auditors: its findings apply",
            p("").auditors(&["outsider"]), outsider(),
            Fail, &[Undeclared], &[]),
        row("no auditors list: every trusted auditor is heard",
            p(""), outsider(),
            Fail, &[Undeclared], &[]),
        row("empty auditors list: no auditor counts or is heard",
            p("min_audits = 1").auditors(&[]), outsider(),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])).check(unheard()),
    ]
}

#[rustfmt::skip]
fn finding_rows() -> Vec<Row> {
    let region = || undeclared("F-2", Env, &["ACME_REGION"]);
    vec![
        row("undeclared finding, on_undeclared = fail",
            p(""), found(vec![evil("F-1")]),
            Fail, &[Undeclared], &[])
            .check(sourced(Undeclared, "observed-by-auditor")),
        row("undeclared finding, on_undeclared = warn",
            p("on_undeclared = \"warn\""), found(vec![evil("F-1")]),
            Warn, &[], &[Undeclared])
            .check(sourced(Undeclared, "observed-by-auditor")),
        row("contradicted finding, on_contradicted = fail",
            p(""), found(vec![contradicted("F-1", "network.api")]),
            Fail, &[Contradicted], &[])
            .check(passes(Undeclared)).check(sourced(Contradicted, "observed-by-auditor")),
        row("contradicted finding, on_contradicted = warn",
            p("on_contradicted = \"warn\""), found(vec![contradicted("F-1", "network.api")]),
            Warn, &[], &[Contradicted]),
        row("contradicted fails while undeclared warns",
            p("on_undeclared = \"warn\""), found(vec![contradicted("F-1", "network.api"), region()]),
            Fail, &[Contradicted], &[Undeclared]),
        row("confirmed finding: no effect",
            p(""), found(vec![confirmed("F-1", "network.api", &[])]),
            Pass, &[], &[])
            .check(passes(Undeclared)).check(passes(Contradicted)),
        row("inconclusive finding: no effect",
            p(""), found(vec![inconclusive("F-1", Conditional)]),
            Pass, &[], &[])
            .check(passes(Undeclared)).check(passes(Contradicted)),
        row("two undeclared findings: a reason each",
            p(""), found(vec![evil("F-1"), region()]),
            Fail, &[Undeclared], &[])
            .check(times(Undeclared, 2)),
        row("undeclared findings from two audits: a reason each",
            p(""), audited(vec![audit(A1, "seclab", Some(M1), vec![evil("F-1")]), audit(A2, "bytes", Some(M1), vec![evil("F-1")])]),
            Fail, &[Undeclared], &[])
            .check(times(Undeclared, 2)),
    ]
}

#[rustfmt::skip]
fn response_rows() -> Vec<Row> {
    use ResponseStatus::{Acknowledged, Disputed, Fixed, WontFix};
    vec![
        row("a vendor's fixed response does not clear the finding",
            p(""), answered(vec![evil("F-1")], vec![response(R1, A1, &[("F-1", Fixed, Some("1.4.2"))])]),
            Fail, &[Undeclared], &[])
            .check(upgrade(Some("1.4.2"), &["F-1"])).check(says(Undeclared, "[vendor: fixed in 1.4.2]")),
        row("fixed in several releases: upgrade names the highest (1.10.0 > 1.9.0)",
            p(""),
            answered(vec![evil("F-1"), evil("F-2"), evil("F-3")], vec![response(R1, A1, &[
                ("F-1", Fixed, Some("1.9.0")), ("F-2", Fixed, Some("1.10.0")), ("F-3", Fixed, Some("1.4.2")),
            ])]),
            Fail, &[Undeclared], &[])
            .check(upgrade(Some("1.10.0"), &["F-2"])),
        row("fixed in pre-releases: upgrade names the highest (rc.10 > rc.2)",
            p(""),
            answered(vec![evil("F-1"), evil("F-2")], vec![response(R1, A1, &[
                ("F-1", Fixed, Some("1.5.0-rc.2")), ("F-2", Fixed, Some("1.5.0-rc.10")),
            ])]),
            Fail, &[Undeclared], &[])
            .check(upgrade(Some("1.5.0-rc.10"), &["F-2"])),
        row("fixed in one release by two responses to two audits: finding ids merge",
            p(""), fixed_twice_in("1.5.0"),
            Fail, &[Undeclared], &[])
            .check(upgrade(Some("1.5.0"), &["F-1", "F-7"])),
        row("acknowledged, disputed, wont-fix: no upgrade, the findings stand",
            p(""),
            answered(vec![evil("F-1"), evil("F-2"), evil("F-3")], vec![response(R1, A1, &[
                ("F-1", Acknowledged, None), ("F-2", Disputed, None), ("F-3", WontFix, None),
            ])]),
            Fail, &[Undeclared], &[])
            .check(upgrade(None, &[])).check(times(Undeclared, 3)),
        row("a fix answering a confirmed finding names no upgrade",
            p(""), answered(vec![confirmed("F-1", "network.api", &["api.acme.example"])],
                vec![response(R1, A1, &[("F-1", Fixed, Some("1.4.2"))])]),
            Pass, &[], &[])
            .check(upgrade(None, &[])),
        row("a response to another audit is not attached, though its finding ids match",
            p(""), answered(vec![evil("F-1")], vec![response(R1, A_UNSEEN, &[("F-1", Fixed, Some("1.4.2"))])]),
            Fail, &[Undeclared], &[])
            .check(upgrade(None, &[])).check(never_says(Undeclared, "vendor")),
        row("a warned finding with a fix: WARN, and the upgrade",
            p("on_undeclared = \"warn\""), answered(vec![evil("F-1")], vec![response(R1, A1, &[("F-1", Fixed, Some("1.4.2"))])]),
            Warn, &[], &[Undeclared])
            .check(upgrade(Some("1.4.2"), &["F-1"])),
    ]
}

#[rustfmt::skip]
fn deny_rows() -> Vec<Row> {
    let deny_marking = || p("deny_categories = [\"output-marking\"]");
    let deny_conditional = || p("deny_categories = [\"conditional\"]");
    let time_zones = || undeclared("F-1", Conditional, &["Asia/Shanghai", "Asia/Urumqi"]);
    vec![
        row("deny: a claim in a denied category",
            deny_marking(), with_claims(OUTPUT_MARKING_CLAIM),
            Fail, &[DenyCategories], &[])
            .check(sourced(DenyCategories, "claimed")).check(times(DenyCategories, 1)),
        row("deny: nothing claimed or found in the denied categories",
            p("deny_categories = [\"identifiers\", \"output-marking\"]"), one_manifest(),
            Pass, &[], &[])
            .check(passes(DenyCategories)),
        row("deny: an undeclared finding in a denied category",
            deny_conditional(), found(vec![time_zones()]),
            Fail, &[DenyCategories, Undeclared], &[])
            .check(sourced(DenyCategories, "observed-by-auditor")),
        row("deny: an undeclared finding in a denied category, on_undeclared = warn",
            p("deny_categories = [\"conditional\"]\non_undeclared = \"warn\""), found(vec![time_zones()]),
            Fail, &[DenyCategories], &[Undeclared])
            .check(sourced(DenyCategories, "observed-by-auditor")),
        row("deny: a contradicted (completeness) finding in a denied category",
            p("deny_categories = [\"identifiers\"]"), found(vec![incomplete("F-1", Identifiers)]),
            Fail, &[DenyCategories, Contradicted], &[])
            .check(sourced(DenyCategories, "observed-by-auditor")),
        row("deny: a confirmed finding adds nothing to the claim's reason",
            deny_marking(), marking_confirmed(),
            Fail, &[DenyCategories], &[])
            .check(times(DenyCategories, 1)).check(sourced(DenyCategories, "claimed")),
        row("deny: an inconclusive finding in a denied category",
            deny_conditional(), found(vec![inconclusive("F-1", Conditional)]),
            Pass, &[], &[])
            .check(passes(DenyCategories)),
        row("deny: an ignored auditor's finding in a denied category",
            deny_conditional().auditors(&["seclab"]), audited(vec![audit(A1, "outsider", Some(M1), vec![time_zones()])]),
            Pass, &[], &[])
            .check(passes(DenyCategories)),
        row("deny: this machine's finding in a denied category",
            deny_conditional(), scanned(one_manifest(), vec![local(Conditional, &["Asia/Shanghai"])]),
            Fail, &[DenyCategories, Undeclared], &[])
            .check(sourced(DenyCategories, "observed-here")).check(sourced(Undeclared, "observed-here")),
    ]
}

#[rustfmt::skip]
fn endpoint_rows() -> Vec<Row> {
    let acme = |more: &str| p(&format!("allowed_endpoints = [\"https://*.acme.example/*\"]\n{more}"));
    let warn = "on_undeclared = \"warn\"";
    let network = |value| undeclared("F-1", Network, &[value]);
    vec![
        row("endpoints: the claimed endpoint inside",
            p("allowed_endpoints = [\"https://api.acme.example/*\"]"), one_manifest(),
            Pass, &[], &[])
            .check(passes(AllowedEndpoints)),
        row("endpoints: the claimed endpoint outside",
            p("allowed_endpoints = [\"https://*.other.example/*\"]"), one_manifest(),
            Fail, &[AllowedEndpoints], &[])
            .check(sourced(AllowedEndpoints, "claimed")),
        row("endpoints: an empty list allows nothing",
            p("allowed_endpoints = []"), one_manifest(),
            Fail, &[AllowedEndpoints], &[]),
        row("endpoints: an empty list, nothing claimed",
            p("allowed_endpoints = []"), no_claims(),
            Pass, &[], &[])
            .check(passes(AllowedEndpoints)),
        row("endpoints: an undeclared bare host inside, as https://HOST/",
            acme(warn), found(vec![network("telemetry.acme.example")]),
            Warn, &[], &[Undeclared])
            .check(passes(AllowedEndpoints)),
        row("endpoints: an undeclared bare host outside",
            acme(warn), found(vec![network("collector.evil.example")]),
            Fail, &[AllowedEndpoints], &[Undeclared])
            .check(sourced(AllowedEndpoints, "observed-by-auditor"))
            .check(says(AllowedEndpoints, "collector.evil.example")),
        row("endpoints: comparison values in a network finding are not endpoints",
            acme(warn), found(vec![network("includes \"evil\"")]),
            Warn, &[], &[Undeclared])
            .check(passes(AllowedEndpoints)),
        row("endpoints: a confirmed finding's values are not checked",
            acme(""), found(vec![confirmed("F-1", "network.api", &["https://api.elsewhere.example/v1"])]),
            Pass, &[], &[]),
        row("endpoints: a telemetry claim outside",
            acme(""), with_claims(TELEMETRY_CLAIM),
            Fail, &[AllowedEndpoints], &[])
            .check(says(AllowedEndpoints, "metrics.tracker.example")),
        row("endpoints: an update claim's endpoint outside",
            acme(""), with_claims(UPDATE_CLAIM),
            Fail, &[AllowedEndpoints], &[])
            .check(says(AllowedEndpoints, "updates.elsewhere.example")),
        row("endpoints: a conditional claim's values are not endpoints",
            acme(""), with_claims(CONDITIONAL_CLAIM),
            Pass, &[], &[]),
        row("endpoints: an undeclared conditional finding's values are not endpoints",
            acme(warn), found(vec![undeclared("F-1", Conditional, &["corp.elsewhere.example"])]),
            Warn, &[], &[Undeclared])
            .check(passes(AllowedEndpoints)),
        row("endpoints: this machine's finding outside",
            acme(warn), scanned(one_manifest(), vec![local(Network, &["collector.evil.example"])]),
            Fail, &[AllowedEndpoints], &[Undeclared])
            .check(sourced(AllowedEndpoints, "observed-here")),
    ]
}

#[rustfmt::skip]
fn equivocation_rows() -> Vec<Row> {
    let m = |id| manifest(id, "1.4.0");
    vec![
        row("equivocation: two current manifests for one release, both naming the artifact",
            p(""), manifests(vec![m(M1), m(M2)], vec![]),
            Fail, &[Equivocation], &[])
            .check(says(Equivocation, "2 different manifests")),
        row("equivocation: two current manifests for one release, one for another artifact",
            p(""), manifests(vec![m(M1)], vec![elsewhere(m(M2))]),
            Fail, &[Equivocation], &[]),
        row("equivocation: the newer supersedes the older (older listed first)",
            p(""), manifests(vec![m(M1), superseding(m(M2), M1)], vec![]),
            Pass, &[], &[])
            .check(in_force(Some(M2))).check(passes(Equivocation)),
        row("equivocation: the newer supersedes the older (newer listed first)",
            p(""), manifests(vec![superseding(m(M2), M1), m(M1)], vec![]),
            Pass, &[], &[])
            .check(in_force(Some(M2))),
        row("equivocation: a chain of three",
            p(""), manifests(vec![m(M1), superseding(m(M3), M2), superseding(m(M2), M1)], vec![]),
            Pass, &[], &[])
            .check(in_force(Some(M3))),
        row("equivocation: superseding a manifest not found changes nothing",
            p(""), manifests(vec![superseding(m(M1), ELSEWHERE)], vec![]),
            Pass, &[], &[])
            .check(in_force(Some(M1))),
        row("equivocation: a superseding cycle",
            p(""), manifests(vec![superseding(m(M1), M2), superseding(m(M2), M1)], vec![]),
            Fail, &[Equivocation, ManifestRequired], &[])
            .check(in_force(None)).check(says(Equivocation, "cycle"))
            .check(never_says(ManifestRequired, "does not name it")),
        row("equivocation: current manifests of two releases name one artifact",
            p(""), manifests(vec![manifest(M1, "1.4.0"), manifest(M2, "1.5.0")], Vec::new()),
            Fail, &[Equivocation], &[])
            .check(says(Equivocation, "2 releases name this artifact: 1.4.0, 1.5.0")),
        row("equivocation: another tool's trusted manifest names the artifact",
            p(""), claimed_by_another_tool(),
            Fail, &[Equivocation], &[])
            .check(says(Equivocation, "stranger")),
        row("equivocation: the manifest naming the artifact superseded by one that does not",
            p(""), manifests(vec![m(M1)], vec![elsewhere(superseding(m(M2), M1))]),
            Fail, &[ManifestRequired], &[])
            .check(in_force(None)).check(says(ManifestRequired, "does not name it")),
        row("equivocation: ... and require_manifest = false",
            p("require_manifest = false"), manifests(vec![m(M1)], vec![elsewhere(superseding(m(M2), M1))]),
            Pass, &[], &[])
            .check(in_force(None)),
        row("equivocation: a manifest naming the artifact supersedes one that did not",
            p(""), manifests(vec![superseding(m(M2), M1)], vec![elsewhere(m(M1))]),
            Pass, &[], &[])
            .check(in_force(Some(M2))),
        row("equivocation: an audit of the superseded manifest does not count",
            p("min_audits = 1"), superseded_audited(),
            Fail, &[MinAudits], &[])
            .check(counted(&[false])),
    ]
}

#[rustfmt::skip]
fn max_age_rows() -> Vec<Row> {
    let undated = || manifests(vec![dated(manifest(M1, "1.4.0"), None)], vec![]);
    vec![
        row("max-age: released within max_age_days",
            p("max_age_days = 365"), one_manifest(),
            Pass, &[], &[])
            .check(passes(MaxAge)),
        row("max-age: released exactly max_age_days ago",
            p("max_age_days = 30"), one_manifest(),
            Pass, &[], &[])
            .check(passes(MaxAge)),
        row("max-age: released beyond max_age_days",
            p("max_age_days = 29"), one_manifest(),
            Fail, &[MaxAge], &[]),
        row("max-age: no release date",
            p("max_age_days = 365"), undated(),
            Fail, &[MaxAge], &[])
            .check(says(MaxAge, "no release date")),
        row("max-age: no release date, no limit",
            p(""), undated(),
            Pass, &[], &[])
            .check(silent(MaxAge)),
        row("max-age: no manifest, no reason",
            p("require_manifest = false\nmax_age_days = 1"), nothing(Some("agent")),
            Pass, &[], &[])
            .check(silent(MaxAge)),
        row("max-age: the superseding manifest's date decides",
            p("max_age_days = 60"),
            manifests(vec![dated(manifest(M1, "1.4.0"), Some(SEPTEMBER)), superseding(manifest(M2, "1.4.0"), M1)], vec![]),
            Pass, &[], &[])
            .check(in_force(Some(M2))),
    ]
}

#[rustfmt::skip]
fn downgrade_rows() -> Vec<Row> {
    let weak_now = || head("1.4.0", Some(RELEASED), WEAK);
    let previous = |categories| vec![release(P1, "1.3.0", Some(OCTOBER), categories)];
    vec![
        row("downgrade: the previous release asserted more exhaustive, on_downgrade = fail",
            p(""), after(weak_now(), previous(STRONG)),
            Fail, &[Downgrade], &[])
            .check(says(Downgrade, "env no longer")),
        row("downgrade: the previous release asserted more exhaustive, on_downgrade = warn",
            p("on_downgrade = \"warn\""), after(weak_now(), previous(STRONG)),
            Warn, &[], &[Downgrade]),
        row("downgrade: the previous release asserted the same",
            p(""), after(weak_now(), previous(WEAK)),
            Pass, &[], &[])
            .check(passes(Downgrade)),
        row("downgrade: coverage grew",
            p(""), after(weak_now(), previous(&[])),
            Pass, &[], &[])
            .check(passes(Downgrade)),
        row("downgrade: no other release",
            p(""), one_manifest(),
            Pass, &[], &[])
            .check(silent(Downgrade)),
        row("downgrade: only a later release",
            p(""), after(weak_now(), vec![release(P1, "1.5.0", Some(LATE_NOVEMBER), STRONG)]),
            Pass, &[], &[])
            .check(silent(Downgrade)),
        row("downgrade: no manifest now, the previous release had one",
            p("require_manifest = false"), unmanifested(Some("1.4.0"), previous(WEAK)),
            Fail, &[Downgrade], &[])
            .check(says(Downgrade, "no manifest")),
        row("downgrade: no manifest now, the previous release had one, on_downgrade = warn",
            p("require_manifest = false\non_downgrade = \"warn\""), unmanifested(Some("1.4.0"), previous(WEAK)),
            Warn, &[], &[Downgrade]),
        row("downgrade: no manifest now, the previous release had one, require_manifest = true",
            p(""), unmanifested(Some("1.4.0"), previous(WEAK)),
            Fail, &[ManifestRequired, Downgrade], &[]),
        row("downgrade: no manifest now, only a later release had one",
            p("require_manifest = false"), unmanifested(Some("1.4.0"), vec![release(P1, "1.5.0", Some(OCTOBER), WEAK)]),
            Pass, &[], &[])
            .check(silent(Downgrade)),
        row("downgrade: no manifest, installed version unknown: any release with one counts (fail closed)",
            p("require_manifest = false"), unmanifested(None, vec![release(P1, "1.5.0", Some(OCTOBER), WEAK)]),
            Fail, &[Downgrade], &[]),
    ]
}

#[rustfmt::skip]
fn predecessor_rows() -> Vec<Row> {
    let weak_now = || head("1.4.0", Some(RELEASED), WEAK);
    vec![
        row("predecessor: the latest earlier release, not the first listed",
            p(""), after(weak_now(), vec![release(P1, "1.3.0", Some(OCTOBER), STRONG), release(P2, "1.2.0", Some(SEPTEMBER), WEAK)]),
            Fail, &[Downgrade], &[])
            .check(says(Downgrade, "1.3.0")),
        row("predecessor: 1.10.0 comes after 1.9.0",
            p(""), after(head("1.11.0", None, WEAK), vec![release(P2, "1.9.0", None, WEAK), release(P1, "1.10.0", None, STRONG)]),
            Fail, &[Downgrade], &[])
            .check(says(Downgrade, "1.10.0")),
        row("predecessor: a pre-release comes before its release",
            p(""), after(head("1.0.0", None, WEAK), vec![release(P1, "1.0.0-rc.1", None, STRONG)]),
            Fail, &[Downgrade], &[]),
        row("predecessor: v-prefixed versions compare by number",
            p(""), after(head("1.4.0", None, WEAK), vec![release(P1, "v1.3.0", None, STRONG), release(P2, "v1.10.0", None, STRONG)]),
            Fail, &[Downgrade], &[])
            .check(says(Downgrade, "v1.3.0")),
        row("predecessor: by release date where both have one (2.0.0 released before)",
            p(""), after(weak_now(), vec![release(P1, "2.0.0", Some(OCTOBER), STRONG)]),
            Fail, &[Downgrade], &[]),
        row("predecessor: a backport released later is not one",
            p(""), after(weak_now(), vec![release(P1, "1.3.9", Some(LATE_NOVEMBER), STRONG)]),
            Pass, &[], &[])
            .check(silent(Downgrade)),
        row("predecessor: undated, compared by version",
            p(""), after(weak_now(), vec![release(P1, "1.3.0", None, STRONG)]),
            Fail, &[Downgrade], &[]),
        row("predecessor: its superseded manifest is not compared (current listed first)",
            p(""),
            after(weak_now(), vec![superseding(release(P2, "1.3.0", Some(OCTOBER), STRONG), P1), release(P1, "1.3.0", Some(OCTOBER), WEAK)]),
            Fail, &[Downgrade], &[]),
        row("predecessor: its superseded manifest is not compared (superseded listed first)",
            p(""),
            after(weak_now(), vec![release(P1, "1.3.0", Some(OCTOBER), WEAK), superseding(release(P2, "1.3.0", Some(OCTOBER), STRONG), P1)]),
            Fail, &[Downgrade], &[]),
        row("predecessor: reissued with weaker coverage, the reissue is what counts",
            p(""),
            after(weak_now(), vec![superseding(release(P2, "1.3.0", Some(OCTOBER), WEAK), P1), release(P1, "1.3.0", Some(OCTOBER), STRONG)]),
            Pass, &[], &[])
            .check(passes(Downgrade)),
    ]
}

#[rustfmt::skip]
fn resolution_and_local_rows() -> Vec<Row> {
    let found_here = || vec![local(Network, &["collector.evil.example"])];
    vec![
        row("resolution: a link points outside its package",
            p(""), escaping(one_manifest()),
            Fail, &[Resolution], &[]),
        row("integrity: a file changed while it was read",
            p(""), changing(one_manifest()),
            Fail, &[Integrity], &[]),
        row("resolution and integrity: one reason each",
            p(""), changing(escaping(one_manifest())),
            Fail, &[Resolution, Integrity], &[])
            .check(times(Resolution, 1)).check(times(Integrity, 1)),
        row("resolution: fails even where nothing is required",
            p("require_manifest = false").unlisted(), escaping(nothing(None)),
            Fail, &[Resolution], &[]),
        row("local: the scan found nothing",
            p(""), scanned(one_manifest(), vec![]),
            Pass, &[], &[])
            .check(says(Undeclared, "this machine's scan")),
        row("local: undeclared behaviour found here, on_undeclared = fail",
            p(""), scanned(one_manifest(), found_here()),
            Fail, &[Undeclared], &[])
            .check(sourced(Undeclared, "observed-here")),
        row("local: undeclared behaviour found here, on_undeclared = warn",
            p("on_undeclared = \"warn\""), scanned(one_manifest(), found_here()),
            Warn, &[], &[Undeclared])
            .check(sourced(Undeclared, "observed-here")),
        row("local: found here with no manifest, require_manifest = false",
            p("require_manifest = false"), scanned(nothing(Some("agent")), found_here()),
            Fail, &[Undeclared], &[]),
    ]
}

#[rustfmt::skip]
fn combined_rows() -> Vec<Row> {
    let warn_all = "on_undeclared = \"warn\"\non_contradicted = \"warn\"\non_downgrade = \"warn\"";
    vec![
        row("combined: only warnings, WARN",
            p(warn_all), warnings_everywhere(),
            Warn, &[], &[Undeclared, Contradicted, Downgrade]),
        row("combined: one failure among warnings, FAIL",
            p(&format!("{warn_all}\nmax_age_days = 10")), warnings_everywhere(),
            Fail, &[MaxAge], &[Undeclared, Contradicted, Downgrade]),
        // Every rule but manifest-required, which cannot fail while a manifest is in force.
        row("combined: every rule broken that can be at once",
            p(EVERY_RULE).unlisted(), changing(escaping(broken_everywhere())),
            Fail, &[Resolution, Integrity, ToolTrusted, Equivocation, MaxAge, MinAudits, DenyCategories,
                    AllowedEndpoints, Undeclared, Contradicted, Downgrade], &[]),
    ]
}

// ---------------------------------------------------------------------------------------
// Inputs the table names.

fn evil(id: &str) -> Finding {
    undeclared(id, Network, &["collector.evil.example"])
}

/// Two audits by two organisations, each with a finding the vendor fixed in `version`.
fn fixed_twice_in(version: &str) -> Input {
    let mut input = audited(vec![
        audit(A1, "seclab", Some(M1), vec![evil("F-1")]),
        audit(A2, "bytes", Some(M1), vec![evil("F-7")]),
    ]);
    input.gathered.responses = vec![
        response(R1, A1, &[("F-1", ResponseStatus::Fixed, Some(version))]),
        response(R2, A2, &[("F-7", ResponseStatus::Fixed, Some(version))]),
    ];
    input
}

/// A manifest claiming output marking, and an audit confirming the claim.
fn marking_confirmed() -> Input {
    let mut input = with_claims(OUTPUT_MARKING_CLAIM);
    input.gathered.audits = vec![audit(
        A1,
        "seclab",
        Some(M1),
        vec![confirmed("F-1", "output-marking.apostrophe", &[])],
    )];
    input
}

/// A manifest with no claims.
fn no_claims() -> Input {
    let mut m = manifest(M1, "1.4.0");
    m.statement.predicate.claims = Claims::default();
    manifests(vec![m], Vec::new())
}

fn claimed_by_another_tool() -> Input {
    let mut input = one_manifest();
    input.gathered.other_tools = vec!["stranger".parse().unwrap()];
    input
}

/// `M2` supersedes `M1`; the one audit examined `M1`.
fn superseded_audited() -> Input {
    let mut input = manifests(
        vec![
            manifest(M1, "1.4.0"),
            superseding(manifest(M2, "1.4.0"), M1),
        ],
        Vec::new(),
    );
    input.gathered.audits = vec![of_m1(A1, "seclab")];
    input
}

/// A downgrade, an undeclared and a contradicted finding.
fn warnings_everywhere() -> Input {
    let mut input = after(
        head("1.4.0", Some(RELEASED), WEAK),
        vec![release(P1, "1.3.0", Some(OCTOBER), STRONG)],
    );
    input.gathered.audits = vec![audit(
        A1,
        "seclab",
        Some(M1),
        vec![
            undeclared("F-1", Env, &["ACME_REGION"]),
            contradicted("F-2", "network.api"),
        ],
    )];
    input
}

/// A manifest 61 days old, weaker than its predecessor's, that another tool's manifest
/// also claims; an audit of another manifest with undeclared, contradicted, denied and
/// outside-the-endpoints findings.
fn broken_everywhere() -> Input {
    let mut input = after(
        head("1.4.0", Some(OCTOBER), WEAK),
        vec![release(P1, "1.3.0", Some(SEPTEMBER), STRONG)],
    );
    input.gathered.other_tools = vec!["stranger".parse().unwrap()];
    input.gathered.audits = vec![audit(
        A1,
        "seclab",
        Some(ELSEWHERE),
        vec![
            contradicted("F-1", "network.api"),
            undeclared("F-2", OutputMarking, &[]),
            undeclared("F-3", Network, &["https://collector.evil.example/"]),
        ],
    )];
    input
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn nothing_found_and_tool() {
    run_table(nothing_found_rows());
}

#[test]
fn min_audits() {
    run_table(min_audits_rows());
}

#[test]
fn auditors_and_audit_age() {
    run_table(auditor_rows());
}

#[test]
fn undeclared_and_contradicted() {
    run_table(finding_rows());
}

#[test]
fn vendor_responses_and_upgrade() {
    run_table(response_rows());
}

#[test]
fn deny_categories() {
    run_table(deny_rows());
}

#[test]
fn allowed_endpoints() {
    run_table(endpoint_rows());
}

#[test]
fn equivocation_and_superseding() {
    run_table(equivocation_rows());
}

#[test]
fn max_age() {
    run_table(max_age_rows());
}

#[test]
fn downgrade() {
    run_table(downgrade_rows());
}

#[test]
fn predecessor() {
    run_table(predecessor_rows());
}

#[test]
fn resolution_integrity_and_local_scan() {
    run_table(resolution_and_local_rows());
}

#[test]
fn combined() {
    run_table(combined_rows());
}

#[test]
fn row_names_are_unique() {
    let groups = [
        nothing_found_rows(),
        min_audits_rows(),
        auditor_rows(),
        finding_rows(),
        response_rows(),
        deny_rows(),
        endpoint_rows(),
        equivocation_rows(),
        max_age_rows(),
        downgrade_rows(),
        predecessor_rows(),
        resolution_and_local_rows(),
        combined_rows(),
    ];
    let mut seen = BTreeSet::new();
    let repeated: Vec<&str> = groups
        .iter()
        .flatten()
        .map(|r| r.name)
        .filter(|name| !seen.insert(*name))
        .collect();
    assert!(repeated.is_empty(), "rows named twice: {repeated:?}");
}

#[test]
fn endpoint_allowed_rows() {
    let rows: &[(&str, &[&str], bool)] = &[
        (
            "https://api.acme.example/v1",
            &["https://api.acme.example/*"],
            true,
        ),
        (
            "https://api.acme.example/v1",
            &["https://*.acme.example/*"],
            true,
        ),
        (
            "https://api.acme.example/v1",
            &["https://*.other.example/*", "https://api.acme.example/*"],
            true,
        ),
        (
            "https://api.acme.example/v1",
            &["https://*.other.example/*"],
            false,
        ),
        // A host pattern matches a URL's host, never its path.
        ("https://api.acme.example/v1", &["*.acme.example"], true),
        (
            "https://evil.example/api.acme.example",
            &["*.acme.example"],
            false,
        ),
        // A `*` in a URL pattern's host does not reach into the path.
        (
            "https://evil.example/.acme.example/",
            &["https://*.acme.example/*"],
            false,
        ),
        ("api.acme.example", &["*.acme.example"], true),
        // A bare host is tried as https://HOST/ and http://HOST/.
        ("api.acme.example", &["https://*.acme.example/*"], true),
        ("api.acme.example", &["https://api.acme.example/"], true),
        ("api.acme.example", &["http://api.acme.example/"], true),
        ("api.acme.example", &["ftp://api.acme.example/"], false),
        ("10.0.0.1", &["https://10.0.0.1/"], true),
        (
            "collector.evil.example",
            &["https://*.acme.example/*"],
            false,
        ),
        // A path without a scheme is not a bare host.
        (
            "api.acme.example/v1",
            &["https://api.acme.example/*"],
            false,
        ),
        // Empty: nothing is allowed.
        ("api.acme.example", &[], false),
        ("https://api.acme.example/v1", &[], false),
        ("", &[], false),
    ];
    let mut wrong = Vec::new();
    for (value, patterns, expected) in rows {
        let patterns: Vec<_> = patterns.iter().map(|p| p.parse().unwrap()).collect();
        if endpoint_allowed(value, &patterns) != *expected {
            wrong.push(format!(
                "{value:?} against {patterns:?}: expected {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "endpoint_allowed:\n{}", wrong.join("\n"));
}

#[test]
fn compare_versions_rows() {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let rows = [
        ("1.10.0", "1.9.0", Greater),
        ("1.4.0", "1.4.0", Equal),
        ("1.4.1", "1.4.0", Greater),
        ("2.0.0", "1.99.99", Greater),
        ("1.0.0-rc.1", "1.0.0", Less),
        ("1.0.0-alpha", "1.0.0-beta", Less),
        ("1.0.0-rc.2", "1.0.0-rc.10", Less),
        ("1.0.0-rc.1", "1.0.0-rc.1.1", Less),
        ("1.0.0-rc.9", "0.9.9", Greater),
        ("v1.2.0", "1.2.0", Equal),
        ("v1.10.0", "1.9.0", Greater),
        ("v1.3.0", "1.4.0", Less),
        ("1.0", "1.0.0", Equal),
        ("1.0.1", "1.0", Greater),
        // Build metadata has no precedence (semver 10).
        ("1.0.0+build.7", "1.0.0", Equal),
        ("1.0.0-rc.1+build.7", "1.0.0-rc.1", Equal),
        ("1.0.0+build.7", "1.0.1", Less),
        ("2026.11", "2026.2", Greater),
    ];
    let mut wrong = Vec::new();
    for (left, right, expected) in rows {
        for (l, r, e) in [(left, right, expected), (right, left, expected.reverse())] {
            let have = compare_versions(l, r);
            if have != e {
                wrong.push(format!("{l} vs {r}: {have:?}, expected {e:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "compare_versions:\n{}", wrong.join("\n"));
}

#[test]
fn verdict_is_the_worst_outcome_and_failures_come_first() {
    let evaluation = run(
        &p("on_undeclared = \"warn\"\nmax_age_days = 10"),
        &found(vec![undeclared("F-1", Env, &["ACME_REGION"])]),
    );
    let outcomes: Vec<Outcome> = evaluation.reasons.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Fail,
            Outcome::Warn,
            Outcome::Pass,
            Outcome::Pass,
            Outcome::Pass
        ],
        "{}",
        render(&evaluation)
    );
    assert_eq!(evaluation.reasons[0].rule, MaxAge);
    assert_eq!(evaluation.reasons[1].rule, Undeclared);
    assert_eq!(evaluation.outcome(), Outcome::Fail);
    assert_eq!(evaluation.outcome().verdict(), Fail);
    // With no reason at all, the verdict is PASS.
    assert_eq!(Evaluation::default().outcome().verdict(), Pass);
}

#[test]
fn audit_facts_carry_the_policys_organisation() {
    let a = self_declared(
        audit(
            A1,
            "bytes",
            Some(M1),
            vec![undeclared("F-1", Env, &["ACME_REGION"])],
        ),
        "Security Lab GmbH",
    );
    let evaluation = run(&p("min_audits = 1"), &audited(vec![a]));
    let expected = Source::ObservedByAuditor {
        auditor: "bytes".to_owned(),
        organization: "Trail of Bytes Inc.".to_owned(),
        audit: sha(A1),
    };
    let from_audits: Vec<&Source> = evaluation
        .facts
        .iter()
        .filter(|f| f.finding.is_some())
        .map(|f| &f.source)
        .collect();
    assert_eq!(from_audits, [&expected]);
    let undeclared = broken(&evaluation, Undeclared);
    assert_eq!(undeclared.len(), 1);
    assert_eq!(undeclared[0].source.as_ref(), Some(&expected));
    assert!(
        undeclared[0]
            .message
            .starts_with("observed by Trail of Bytes Inc. (bytes)")
    );
    assert_eq!(
        evaluation.documents.audits[0].organization,
        "Trail of Bytes Inc."
    );
    assert!(evaluation.reasons.iter().any(|r| r.rule == MinAudits
        && r.outcome == Outcome::Pass
        && r.message.contains("(Trail of Bytes Inc.)")));
}

/// The rules as `candor verify` takes them: a policy file, the tool's overrides over the
/// defaults (`rules_for`), its `auditors` list.
#[test]
fn a_policy_file_s_rules_for_the_tool() {
    let text = r#"
version = 1

[rules]
min_audits = 1
on_undeclared = "warn"

[[auditor]]
id = "seclab"
organization = "Security Lab GmbH"
signers = [{ key = "ed25519:KaEI7j/XS6IX1c8NzNxsj+bRrtaRmCBKGnFjuBt+CdI=" }]

[[auditor]]
id = "bytes"
organization = "Trail of Bytes Inc."
signers = [{ key = "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k=" }]

[[tool]]
name = "agent"
signers = [{ key = "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k=" }]
auditors = ["seclab", "bytes"]
rules = { min_audits = 2, on_undeclared = "fail" }
"#;
    let policy = TrustPolicy::from_toml(text, "policy.toml").unwrap();
    let tool = policy.tool(&agent()).unwrap();
    let rules = policy.rules_for(tool);
    let input = audited(vec![audit(
        A1,
        "seclab",
        Some(M1),
        vec![undeclared("F-1", Env, &["ACME_REGION"])],
    )]);
    let evaluation = evaluate(&Case {
        tool_policy: Some(tool),
        rules: &rules,
        escapes: &[],
        changed: &[],
        gathered: &input.gathered,
        installed_version: None,
        local: None,
        now: now(),
    });
    let failing = rules_with(&evaluation, Outcome::Fail);
    assert_eq!(
        failing,
        BTreeSet::from([MinAudits, Undeclared]),
        "{}",
        render(&evaluation)
    );
    // The defaults alone (a tool without overrides) only warn, and one audit is enough.
    let defaults = policy.rules.effective();
    let evaluation = evaluate(&Case {
        tool_policy: Some(tool),
        rules: &defaults,
        escapes: &[],
        changed: &[],
        gathered: &input.gathered,
        installed_version: None,
        local: None,
        now: now(),
    });
    assert_eq!(
        evaluation.outcome().verdict(),
        Warn,
        "{}",
        render(&evaluation)
    );
}
