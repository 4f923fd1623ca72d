//! The policy's rules applied to what was gathered: a pure function from a [`Case`] to
//! reasons, facts and the release to upgrade to. No I/O, so every combination can be
//! tested as a truth table.
//!
//! | rule | passes when | broken → |
//! |---|---|---|
//! | `resolution` | no link or shim on the way points outside its package | fail |
//! | `integrity` | no file changed while it was read | fail |
//! | `tool-trusted` | the tool trusted documents name is in the policy | fail |
//! | `manifest-required` | a manifest by the tool's trusted signers names the digest and is not superseded | fail (pass when `require_manifest = false`) |
//! | `equivocation` | one current manifest per release from the vendor; no other tool's trusted manifest names the digest | fail |
//! | `max-age` | the manifest's release date is within `max_age_days` (no date: fail) | fail |
//! | `min-audits` | audits from `min_audits` distinct organisations count | fail |
//! | `deny-categories` | no claim, and no undeclared or contradicted finding, in a denied category | fail |
//! | `allowed-endpoints` | every claimed endpoint, and every endpoint an auditor or this machine found undeclared, matches a pattern | fail |
//! | `undeclared` | no `undeclared` finding (trusted auditors, or `--scan` here) | `on_undeclared` |
//! | `contradicted` | no `contradicted` finding | `on_contradicted` |
//! | `downgrade` | coverage not weaker than the previous release's | `on_downgrade` |
//!
//! An audit **counts** toward `min_audits` when its auditor is trusted for the tool, it
//! is within `max_audit_age_days`, and it examined the manifest in force (ADVERSARIAL.md
//! B12; an audit of no manifest counts only where there is none). Its findings apply in
//! any case, as long as its auditor is trusted for the tool: the bytes they describe are
//! the installed bytes, and a vendor re-issuing its manifest does not make them untrue.
//! A vendor's `fixed` response names the release to upgrade to; it does not clear the
//! installed one.

mod facts;
mod versions;

pub use versions::compare_versions;

use facts::{claim_facts, describe, documents, finding_facts, is_behaviour, list};
use versions::{downgrade, upgrade};

use std::collections::BTreeSet;
use std::fmt::Write as _;

use candor_model::audit::FindingStatus;
use candor_model::claims::ClaimCategory;
use candor_model::evidence::StaticEvidence;
use candor_model::manifest::ManifestPredicate;
use candor_model::policy::{Action, EffectiveRules, ToolPolicy};
use time::OffsetDateTime;

use crate::gather::{Gathered, Trusted, TrustedAudit};
use crate::report::{Documents, Fact, Outcome, Reason, Rule, Source, Upgrade, UsedAudit};
use crate::resolve::Escape;

/// Behaviour this machine's scan found that the manifest does not declare.
#[derive(Debug, Clone)]
pub struct LocalFinding {
    /// The category a claim would need.
    pub category: ClaimCategory,
    /// One line.
    pub summary: String,
    /// The values.
    pub values: Vec<String>,
    /// Where (the first few places).
    pub evidence: Vec<StaticEvidence>,
}

/// Everything the rules look at for one target.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    /// The tool's entry in the policy (`None`: not in the policy, or no tool known).
    pub tool_policy: Option<&'a ToolPolicy>,
    /// The rules in force: the tool's, else the policy's defaults.
    pub rules: &'a EffectiveRules,
    /// Links and shims that point outside their package.
    pub escapes: &'a [Escape],
    /// Files that changed while they were read.
    pub changed: &'a [String],
    /// The documents found.
    pub gathered: &'a Gathered,
    /// The installed release's version where the documents do not name it (the
    /// package's), for downgrades.
    pub installed_version: Option<&'a str>,
    /// What `--scan` found here (`None`: no local scan).
    pub local: Option<&'a [LocalFinding]>,
    /// The time rules are judged at.
    pub now: OffsetDateTime,
}

/// What the rules decided.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Every rule's outcome, failures first.
    pub reasons: Vec<Reason>,
    /// What is known, labelled by source.
    pub facts: Vec<Fact>,
    /// The documents, as used.
    pub documents: Documents,
    /// The release to upgrade to.
    pub upgrade: Option<Upgrade>,
    /// sha256 of the manifest in force.
    pub manifest: Option<String>,
}

impl Evaluation {
    /// The worst outcome (pass when there are no reasons).
    pub fn outcome(&self) -> Outcome {
        self.reasons
            .iter()
            .map(|r| r.outcome)
            .max()
            .unwrap_or(Outcome::Pass)
    }
}

pub(crate) fn action(action: Action) -> Outcome {
    match action {
        Action::Fail => Outcome::Fail,
        Action::Warn => Outcome::Warn,
    }
}

pub(crate) fn reason(rule: Rule, outcome: Outcome, message: impl Into<String>) -> Reason {
    Reason {
        rule,
        outcome,
        message: message.into(),
        source: None,
    }
}

/// Apply the rules (see the module documentation).
pub fn evaluate(case: &Case<'_>) -> Evaluation {
    let mut out = Evaluation::default();
    resolution(case, &mut out.reasons);
    let head = current_manifest(case, &mut out.reasons);
    if let Some(tool) = &case.gathered.tool
        && case.tool_policy.is_none()
    {
        out.reasons.push(reason(
            Rule::ToolTrusted,
            Outcome::Fail,
            format!("`{tool}` is not in the policy: no vendor signer is trusted for it"),
        ));
    }
    out.manifest = head.map(|m| m.sha256.clone());
    if let Some(head) = head {
        max_age(case, head, &mut out.reasons);
        claim_facts(head, &mut out.facts);
    }
    min_audits(case, head, &mut out);
    for audit in usable_audits(case) {
        finding_facts(case, audit, &mut out.facts);
    }
    if let Some(local) = case.local {
        for finding in local {
            out.facts.push(Fact {
                source: Source::ObservedHere {
                    method: "static scan".to_owned(),
                },
                category: finding.category,
                claim: None,
                finding: None,
                summary: finding.summary.clone(),
                values: finding.values.clone(),
                evidence: finding
                    .evidence
                    .iter()
                    .cloned()
                    .map(candor_model::audit::Evidence::Static)
                    .collect(),
                answers: Vec::new(),
            });
        }
    }
    deny_categories(case, &out.facts, &mut out.reasons);
    allowed_endpoints(case, &out.facts, &mut out.reasons);
    findings(case, &out.facts, &mut out.reasons);
    downgrade(case, head, &mut out.reasons);
    out.upgrade = upgrade(&out.facts);
    documents(case, &mut out.documents);
    out.reasons.sort_by_key(|r| std::cmp::Reverse(r.outcome));
    out
}

fn resolution(case: &Case<'_>, reasons: &mut Vec<Reason>) {
    for escape in case.escapes {
        reasons.push(reason(
            Rule::Resolution,
            Outcome::Fail,
            format!(
                "{} points outside its package {} (to {}): what runs is not the package's file",
                escape.at.display(),
                escape.package_root.display(),
                escape.points_to.display()
            ),
        ));
    }
    for file in case.changed {
        reasons.push(reason(
            Rule::Integrity,
            Outcome::Fail,
            format!("{file} changed while it was read; verify again once it is stable"),
        ));
    }
}

/// The manifest in force for the digests, with the manifest-required and equivocation
/// reasons.
fn current_manifest<'g>(
    case: &Case<'g>,
    reasons: &mut Vec<Reason>,
) -> Option<&'g Trusted<ManifestPredicate>> {
    let gathered = case.gathered;
    for tool in &gathered.other_tools {
        reasons.push(reason(
            Rule::Equivocation,
            Outcome::Fail,
            format!(
                "a trusted manifest of another tool, `{tool}`, also names this artifact; a digest belongs to one tool"
            ),
        ));
    }
    let all: Vec<&Trusted<ManifestPredicate>> = gathered
        .manifests
        .iter()
        .chain(&gathered.release_manifests)
        .collect();
    let superseded: BTreeSet<&str> = all
        .iter()
        .filter_map(|m| m.statement.predicate.supersedes.as_ref()?.sha256())
        .collect();
    // Current manifests per release: none superseded by another trusted one.
    let heads: Vec<&Trusted<ManifestPredicate>> = all
        .iter()
        .copied()
        .filter(|m| !superseded.contains(m.sha256.as_str()))
        .collect();
    let mut releases: BTreeSet<(String, String)> = BTreeSet::new();
    for m in &all {
        let tool = &m.statement.predicate.tool;
        releases.insert((tool.name.to_string(), tool.version.to_string()));
    }
    let mut equivocating = false;
    for (tool, version) in &releases {
        let of_release: Vec<&str> = heads
            .iter()
            .filter(|m| {
                m.statement.predicate.tool.name.as_str() == tool
                    && m.statement.predicate.tool.version.as_str() == version
            })
            .map(|m| m.sha256.as_str())
            .collect();
        if of_release.len() != 1 {
            equivocating = true;
            reasons.push(reason(
                Rule::Equivocation,
                Outcome::Fail,
                if of_release.is_empty() {
                    format!("the vendor's manifests for {tool} {version} supersede each other in a cycle; none is in force")
                } else {
                    format!(
                        "the vendor signed {} different manifests for {tool} {version}, none superseding the others: {}",
                        of_release.len(),
                        of_release.iter().map(|s| short(s)).collect::<Vec<_>>().join(", ")
                    )
                },
            ));
        }
    }
    // One artifact, one release: current manifests of two releases naming the same
    // digest are the vendor saying two things about the same bytes.
    let mut named: BTreeSet<String> = BTreeSet::new();
    for m in gathered
        .manifests
        .iter()
        .filter(|m| !superseded.contains(m.sha256.as_str()))
    {
        named.insert(m.statement.predicate.tool.version.to_string());
    }
    if named.len() > 1 {
        equivocating = true;
        reasons.push(reason(
            Rule::Equivocation,
            Outcome::Fail,
            format!(
                "the vendor's current manifests of {} releases name this artifact: {}",
                named.len(),
                named.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let head = manifest_in_force(gathered);
    manifest_required(case, head, &all, &superseded, reasons);
    if !equivocating && head.is_some() && gathered.other_tools.is_empty() {
        reasons.push(reason(
            Rule::Equivocation,
            Outcome::Pass,
            "one manifest in force for the release",
        ));
    }
    head
}

/// The trusted manifest naming the digests that no other trusted manifest supersedes.
pub fn manifest_in_force(gathered: &Gathered) -> Option<&Trusted<ManifestPredicate>> {
    let superseded: BTreeSet<&str> = gathered
        .manifests
        .iter()
        .chain(&gathered.release_manifests)
        .filter_map(|m| m.statement.predicate.supersedes.as_ref()?.sha256())
        .collect();
    gathered
        .manifests
        .iter()
        .find(|m| !superseded.contains(m.sha256.as_str()))
}

fn manifest_required(
    case: &Case<'_>,
    head: Option<&Trusted<ManifestPredicate>>,
    all: &[&Trusted<ManifestPredicate>],
    superseded: &BTreeSet<&str>,
    reasons: &mut Vec<Reason>,
) {
    let gathered = case.gathered;
    if let Some(head) = head {
        let tool = &head.statement.predicate.tool;
        reasons.push(Reason {
            rule: Rule::ManifestRequired,
            outcome: Outcome::Pass,
            message: format!(
                "manifest for {} {} by {} ({}), signed by {}",
                tool.name,
                tool.version,
                head.statement.predicate.vendor.name,
                short(&head.sha256),
                head.signers.join(", ")
            ),
            source: Some(Source::Claimed {
                manifest: head.sha256.clone(),
            }),
        });
        return;
    }
    let why = if let Some(old) = gathered
        .manifests
        .iter()
        .find(|m| superseded.contains(m.sha256.as_str()))
    {
        let by = all.iter().find(|m| {
            m.statement
                .predicate
                .supersedes
                .as_ref()
                .and_then(|d| d.sha256())
                == Some(old.sha256.as_str())
        });
        // A superseding manifest that names the artifact too is not in force only because
        // it is superseded in turn (a cycle, reported under equivocation).
        let by_names_it =
            by.is_some_and(|by| gathered.manifests.iter().any(|m| m.sha256 == by.sha256));
        let by = by.map_or_else(String::new, |m| short(&m.sha256));
        if by_names_it {
            format!(
                "the manifest naming this artifact ({}) is superseded by {by}, itself superseded; none naming it is in force",
                short(&old.sha256)
            )
        } else {
            format!(
                "the manifest naming this artifact ({}) is superseded by {by}, which does not name it",
                short(&old.sha256)
            )
        }
    } else if gathered.untrusted.iter().any(|d| d.kind == "manifest") {
        "no manifest by the tool's trusted signers names this artifact (manifests by others are listed as untrusted)".to_owned()
    } else {
        "no manifest names this artifact's digest".to_owned()
    };
    let outcome = if case.rules.require_manifest {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    let message = if case.rules.require_manifest {
        why
    } else {
        format!("{why}; the policy does not require one")
    };
    reasons.push(reason(Rule::ManifestRequired, outcome, message));
}

fn max_age(case: &Case<'_>, head: &Trusted<ManifestPredicate>, reasons: &mut Vec<Reason>) {
    let Some(max) = case.rules.max_age_days else {
        return;
    };
    let Some(date) = &head.statement.predicate.release_date else {
        reasons.push(reason(
            Rule::MaxAge,
            Outcome::Fail,
            format!("the manifest has no release date; max_age_days = {max} cannot be checked"),
        ));
        return;
    };
    let days = (case.now - date.to_offset_date_time()).whole_days();
    if days > i64::from(max) {
        reasons.push(reason(
            Rule::MaxAge,
            Outcome::Fail,
            format!(
                "the manifest is {days} days old (released {}); max_age_days = {max}",
                date.as_str()
            ),
        ));
    } else {
        reasons.push(reason(
            Rule::MaxAge,
            Outcome::Pass,
            format!(
                "released {} ({days} days ago; at most {max})",
                date.as_str()
            ),
        ));
    }
}

/// Audits whose auditor the tool's entry trusts (all trusted auditors when it lists
/// none).
fn usable_audits<'g>(case: &Case<'g>) -> Vec<&'g TrustedAudit> {
    case.gathered
        .audits
        .iter()
        .filter(|a| auditor_allowed(case, a))
        .collect()
}

fn auditor_allowed(case: &Case<'_>, audit: &TrustedAudit) -> bool {
    case.tool_policy
        .and_then(|t| t.auditors.as_ref())
        .is_none_or(|ids| ids.iter().any(|id| id.as_str() == audit.auditor))
}

/// Why an audit does not count toward `min_audits`, if it does not.
fn not_counted(
    case: &Case<'_>,
    head: Option<&Trusted<ManifestPredicate>>,
    audit: &TrustedAudit,
) -> Option<String> {
    if !auditor_allowed(case, audit) {
        return Some(format!(
            "auditor `{}` is not among the auditors the policy trusts for this tool",
            audit.auditor
        ));
    }
    let predicate = &audit.audit.statement.predicate;
    if let Some(max) = case.rules.max_audit_age_days {
        let days = (case.now - predicate.date.to_offset_date_time()).whole_days();
        if days > i64::from(max) {
            return Some(format!("{days} days old; max_audit_age_days = {max}"));
        }
    }
    let examined = predicate
        .manifest
        .envelope_digest
        .as_ref()
        .and_then(|d| d.sha256());
    match (head, examined) {
        (Some(head), Some(examined)) if examined != head.sha256 => Some(format!(
            "it examined manifest {}, not the one in force ({})",
            short(examined),
            short(&head.sha256)
        )),
        (Some(head), None) => Some(format!(
            "it examined no manifest; the one in force is {}",
            short(&head.sha256)
        )),
        (None, Some(examined)) => Some(format!(
            "it examined manifest {}, which is not a trusted manifest of this artifact",
            short(examined)
        )),
        (Some(head), Some(_))
            if predicate.manifest.tool != head.statement.predicate.tool.name
                || predicate.manifest.version != head.statement.predicate.tool.version =>
        {
            Some(format!(
                "it audits {} {}, not {} {}",
                predicate.manifest.tool,
                predicate.manifest.version,
                head.statement.predicate.tool.name,
                head.statement.predicate.tool.version
            ))
        }
        _ => None,
    }
}

fn min_audits(case: &Case<'_>, head: Option<&Trusted<ManifestPredicate>>, out: &mut Evaluation) {
    let mut organizations: Vec<&str> = Vec::new();
    for audit in &case.gathered.audits {
        let why = not_counted(case, head, audit);
        if why.is_none() && !organizations.contains(&audit.organization.as_str()) {
            organizations.push(&audit.organization);
        }
        out.documents.audits.push(UsedAudit {
            sha256: audit.audit.sha256.clone(),
            auditor: audit.auditor.clone(),
            organization: audit.organization.clone(),
            date: audit.audit.statement.predicate.date.clone(),
            counted: why.is_none(),
            not_counted: why,
            signers: audit.audit.signers.clone(),
            path: audit.audit.path.clone(),
        });
    }
    let min = case.rules.min_audits;
    if min == 0 {
        return;
    }
    let counted = out.documents.audits.iter().filter(|a| a.counted).count();
    let have = organizations.len();
    let names = if organizations.is_empty() {
        String::new()
    } else {
        format!(" ({})", organizations.join(", "))
    };
    if u64::try_from(have).unwrap_or(u64::MAX) >= u64::from(min) {
        out.reasons.push(reason(
            Rule::MinAudits,
            Outcome::Pass,
            format!("audits from {have} distinct organisation(s){names}; {min} required"),
        ));
    } else {
        let mut message =
            format!("audits from {have} distinct organisation(s){names}; {min} required");
        if counted > have {
            let _ = write!(
                message,
                " ({counted} audits count, but audits of one organisation count once)"
            );
        }
        let uncounted = out.documents.audits.len() - counted;
        if uncounted > 0 {
            let _ = write!(message, "; {uncounted} audit(s) found do not count");
        }
        out.reasons
            .push(reason(Rule::MinAudits, Outcome::Fail, message));
    }
}

fn deny_categories(case: &Case<'_>, facts: &[Fact], reasons: &mut Vec<Reason>) {
    if case.rules.deny_categories.is_empty() {
        return;
    }
    let mut broken = false;
    for fact in facts.iter().filter(|f| is_behaviour(f)) {
        if case.rules.deny_categories.contains(&fact.category) {
            broken = true;
            reasons.push(Reason {
                rule: Rule::DenyCategories,
                outcome: Outcome::Fail,
                message: format!(
                    "{} `{}` behaviour is denied: {}",
                    fact.source.label(),
                    fact.category,
                    describe(fact)
                ),
                source: Some(fact.source.clone()),
            });
        }
    }
    if !broken {
        reasons.push(reason(
            Rule::DenyCategories,
            Outcome::Pass,
            format!(
                "nothing claimed or observed in the denied categories ({})",
                case.rules
                    .deny_categories
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
}

pub use crate::endpoint::endpoint_allowed;

pub(crate) fn is_endpoint_category(category: ClaimCategory) -> bool {
    matches!(
        category,
        ClaimCategory::Network | ClaimCategory::Telemetry | ClaimCategory::Update
    )
}

fn allowed_endpoints(case: &Case<'_>, facts: &[Fact], reasons: &mut Vec<Reason>) {
    let Some(patterns) = &case.rules.allowed_endpoints else {
        return;
    };
    let mut broken = false;
    for fact in facts
        .iter()
        .filter(|f| is_behaviour(f) && is_endpoint_category(f.category))
    {
        let outside: Vec<&str> = fact
            .values
            .iter()
            .map(String::as_str)
            .filter(|v| looks_like_endpoint(v) && !endpoint_allowed(v, patterns))
            .collect();
        if outside.is_empty() {
            continue;
        }
        broken = true;
        reasons.push(Reason {
            rule: Rule::AllowedEndpoints,
            outcome: Outcome::Fail,
            message: format!(
                "{}: {} outside allowed_endpoints ({})",
                fact.source.label(),
                list(&outside, 5),
                describe(fact)
            ),
            source: Some(fact.source.clone()),
        });
    }
    if !broken {
        reasons.push(reason(
            Rule::AllowedEndpoints,
            Outcome::Pass,
            "every endpoint claimed or observed is inside allowed_endpoints",
        ));
    }
}

/// Values of network findings that are endpoints (hosts, URLs, addresses), not the
/// `includes "…"` comparisons a finding may list beside them.
fn looks_like_endpoint(value: &str) -> bool {
    !value.is_empty() && !value.contains(char::is_whitespace)
}

fn findings(case: &Case<'_>, facts: &[Fact], reasons: &mut Vec<Reason>) {
    for (rule, status, on) in [
        (
            Rule::Undeclared,
            FindingStatus::Undeclared,
            case.rules.on_undeclared,
        ),
        (
            Rule::Contradicted,
            FindingStatus::Contradicted,
            case.rules.on_contradicted,
        ),
    ] {
        let mut broken = false;
        for fact in facts {
            let applies = match &fact.finding {
                Some(f) => f.status == status,
                // This machine's scan reports undeclared behaviour only.
                None => {
                    status == FindingStatus::Undeclared
                        && matches!(fact.source, Source::ObservedHere { .. })
                }
            };
            if !applies {
                continue;
            }
            broken = true;
            reasons.push(Reason {
                rule,
                outcome: action(on),
                message: format!("{}: {}", fact.source.label(), describe(fact)),
                source: Some(fact.source.clone()),
            });
        }
        if !broken {
            let what = if status == FindingStatus::Undeclared {
                "undeclared"
            } else {
                "contradicted"
            };
            reasons.push(reason(
                rule,
                Outcome::Pass,
                format!(
                    "no {what} finding by a trusted auditor{}",
                    if case.local.is_some() && status == FindingStatus::Undeclared {
                        " or by this machine's scan"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
}

/// The first 16 hex digits of a sha256.
pub fn short(sha256: &str) -> String {
    sha256.chars().take(16).collect()
}
