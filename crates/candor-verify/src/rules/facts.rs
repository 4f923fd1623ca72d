//! The facts a verdict shows, each labelled by its source: the claims of the manifest in
//! force, the findings of trusted audits with the vendor's answers; how a fact reads in a
//! reason; the documents as the verdict used them.

use std::fmt::Write as _;

use candor_model::audit::{Finding, FindingStatus};
use candor_model::claims::ClaimCategory;
use candor_model::manifest::ManifestPredicate;

use super::Case;
use crate::gather::{Trusted, TrustedAudit};
use crate::report::{Answer, Documents, Fact, FindingRef, Source, UsedDocument};

pub(super) fn claim_facts(head: &Trusted<ManifestPredicate>, facts: &mut Vec<Fact>) {
    let claims = &head.statement.predicate.claims;
    let source = Source::Claimed {
        manifest: head.sha256.clone(),
    };
    let mut push = |category, id: &candor_model::ids::ClaimId, summary: String, values| {
        facts.push(Fact {
            source: source.clone(),
            category,
            claim: Some(id.to_string()),
            finding: None,
            summary,
            values,
            evidence: Vec::new(),
            answers: Vec::new(),
        });
    };
    for c in &claims.network {
        push(
            ClaimCategory::Network,
            &c.id,
            c.purpose.clone(),
            vec![c.endpoint.clone()],
        );
    }
    for c in &claims.telemetry {
        push(
            ClaimCategory::Telemetry,
            &c.id,
            c.purpose.clone(),
            vec![c.endpoint.clone()],
        );
    }
    for c in &claims.env {
        push(
            ClaimCategory::Env,
            &c.id,
            c.purpose.clone(),
            vec![c.variable.to_string()],
        );
    }
    for c in &claims.filesystem {
        push(
            ClaimCategory::Filesystem,
            &c.id,
            c.purpose.clone(),
            vec![c.path.clone()],
        );
    }
    for c in &claims.process {
        push(
            ClaimCategory::Process,
            &c.id,
            c.purpose.clone(),
            vec![c.command.clone()],
        );
    }
    for c in &claims.conditional {
        push(
            ClaimCategory::Conditional,
            &c.id,
            format!("{}: {}", c.condition, c.effect),
            c.values.clone(),
        );
    }
    for c in &claims.identifiers {
        push(
            ClaimCategory::Identifiers,
            &c.id,
            c.purpose.clone(),
            vec![c.identifier.clone()],
        );
    }
    for c in &claims.output_marking {
        push(
            ClaimCategory::OutputMarking,
            &c.id,
            format!("{}: {}", c.technique, c.purpose),
            Vec::new(),
        );
    }
    for c in &claims.obfuscation {
        push(
            ClaimCategory::Obfuscation,
            &c.id,
            format!("{} ({}): {}", c.content, c.encoding, c.reason),
            Vec::new(),
        );
    }
    for c in &claims.update {
        push(
            ClaimCategory::Update,
            &c.id,
            c.description.clone(),
            c.endpoint.iter().cloned().collect(),
        );
    }
}

pub(super) fn finding_facts(case: &Case<'_>, audit: &TrustedAudit, facts: &mut Vec<Fact>) {
    let source = Source::ObservedByAuditor {
        auditor: audit.auditor.clone(),
        organization: audit.organization.clone(),
        audit: audit.audit.sha256.clone(),
    };
    for finding in &audit.audit.statement.predicate.findings {
        facts.push(Fact {
            source: source.clone(),
            category: finding.category,
            claim: finding.claim.as_ref().map(ToString::to_string),
            finding: Some(FindingRef {
                id: finding.id.to_string(),
                status: finding.status,
                severity: finding.severity,
            }),
            summary: finding.summary.clone(),
            values: finding.values.clone(),
            evidence: finding.evidence.clone(),
            answers: answers(case, audit, finding),
        });
    }
}

pub(super) fn answers(case: &Case<'_>, audit: &TrustedAudit, finding: &Finding) -> Vec<Answer> {
    let mut out = Vec::new();
    for response in &case.gathered.responses {
        let predicate = &response.statement.predicate;
        if predicate.audit.envelope_digest.sha256() != Some(audit.audit.sha256.as_str()) {
            continue;
        }
        for answer in predicate
            .responses
            .iter()
            .filter(|r| r.finding == finding.id)
        {
            out.push(Answer {
                status: answer.status,
                fixed_in: answer.fixed_in.as_ref().map(ToString::to_string),
                statement: answer.statement.clone(),
                response: response.sha256.clone(),
                date: predicate.date.clone(),
            });
        }
    }
    out
}

/// Whether a fact reports behaviour (a claim, an undeclared or contradicted finding,
/// something found here), as opposed to a confirmation or an open question.
pub(super) fn is_behaviour(fact: &Fact) -> bool {
    match &fact.finding {
        Some(f) => matches!(
            f.status,
            FindingStatus::Undeclared | FindingStatus::Contradicted
        ),
        None => true,
    }
}

/// One line for a fact: `F-004 (high): … [vendor: fixed in 1.0.2]`.
pub(super) fn describe(fact: &Fact) -> String {
    let mut out = String::new();
    if let Some(f) = &fact.finding {
        let _ = write!(out, "{} ({}): ", f.id, serde_plain(&f.severity));
    } else if let Some(claim) = &fact.claim {
        let _ = write!(out, "{claim}: ");
    }
    out.push_str(fact.summary.trim_end_matches('.'));
    let answers: Vec<String> = fact
        .answers
        .iter()
        .map(|answer| match &answer.fixed_in {
            Some(version) => format!("{} in {version}", serde_plain(&answer.status)),
            None => serde_plain(&answer.status),
        })
        .collect();
    if !answers.is_empty() {
        let _ = write!(out, " [vendor: {}]", answers.join(", "));
    }
    out
}

fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn list(values: &[&str], max: usize) -> String {
    let shown: Vec<&str> = values.iter().take(max).copied().collect();
    let more = values.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn used<P>(m: &Trusted<P>, note: Option<String>, tool: &str, version: &str) -> UsedDocument {
    UsedDocument {
        sha256: m.sha256.clone(),
        tool: tool.to_owned(),
        version: version.to_owned(),
        signers: m.signers.clone(),
        feed: m.feed.clone(),
        path: m.path.clone(),
        note,
    }
}

pub(super) fn documents(case: &Case<'_>, out: &mut Documents) {
    let gathered = case.gathered;
    for m in gathered.manifests.iter().chain(&gathered.release_manifests) {
        let tool = &m.statement.predicate.tool;
        let note = if gathered
            .release_manifests
            .iter()
            .any(|r| r.sha256 == m.sha256)
        {
            Some("for the same release; does not name this artifact".to_owned())
        } else {
            None
        };
        out.manifests
            .push(used(m, note, tool.name.as_str(), tool.version.as_str()));
    }
    for r in &gathered.responses {
        let audit = &r.statement.predicate.audit;
        out.responses
            .push(used(r, None, audit.tool.as_str(), audit.version.as_str()));
    }
    out.untrusted.clone_from(&gathered.untrusted);
}
