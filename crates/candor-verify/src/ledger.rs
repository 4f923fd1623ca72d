//! `candor ledger`: the trust ledger per vendor, from the local store (DESIGN.md's third
//! lesson, "trust is a ledger"): the manifests a vendor published per version, the
//! auditors' findings against them by date and severity, how the vendor answered and
//! how long each answer took, the version that fixed each finding, and where the vendor
//! signed two stories for one release or weakened its coverage.
//!
//! ```text
//! store ──every document──► with a policy: verified against its signers (manifests and
//!       responses: the tool's vendor; audits: each trusted auditor), untrusted ones
//!       listed and never counted; without: parsed, every one labelled unverified
//! counted documents ──► vendor (the latest manifest's vendor.name) → tool → version
//!       (compare_versions) → manifests · audits → findings → the vendor's answers
//! + the store's equivocation events + manifests of one release neither superseding
//! + coverage downgrades between consecutive versions ──► totals
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use candor_feed::store::{Event, Store, StoredDocument};
use candor_model::audit::{AuditPredicate, Finding, FindingStatus};
use candor_model::claims::ClaimCategory;
use candor_model::ids::Timestamp;
use candor_model::manifest::ManifestPredicate;
use candor_model::response::{ResponsePredicate, ResponseStatus};
use candor_model::statement::Predicate;
use candor_sign::verify::{ClaimedSigner, inspect_attestation};
use time::OffsetDateTime;

use crate::error::VerificationError;
use crate::gather::{self, Trust, Trusted};
use crate::policy;
use crate::report::UntrustedDocument;
use crate::rules::{compare_versions, short};

mod report;

pub use report::{
    AnswerEntry, AuditEntry, BySeverity, DocumentTrust, Downgrade, DowngradeKind, Equivocation,
    EquivocationSource, FindingEntry, FixedIn, LedgerReport, ManifestEntry, ToolLedger, Totals,
    UNVERIFIED_NOTICE, VendorLedger, Verification, VersionLedger,
};

/// What `candor ledger` reads.
#[derive(Debug, Clone)]
pub struct LedgerRequest {
    /// The store.
    pub store: PathBuf,
    /// The trust policy whose signers documents are verified against (`None`: nothing
    /// is verified, every document is labelled `unverified`).
    pub policy: Option<PathBuf>,
    /// Only this vendor (its manifests' `vendor.name`, any case).
    pub vendor: Option<String>,
    /// The Sigstore trusted root for identities in the policy (default: the embedded
    /// production root).
    pub trusted_root: Option<PathBuf>,
}

/// Read the ledger (see the module documentation).
pub fn ledger(request: &LedgerRequest) -> Result<LedgerReport, VerificationError> {
    let store =
        Store::open_existing(&request.store)?.ok_or_else(|| VerificationError::NoStore {
            dir: request.store.clone(),
        })?;
    let (verification, trust) = match &request.policy {
        Some(path) => {
            let loaded = policy::load(path)?;
            policy::check_read_only(&store, &loaded)?;
            let trust = Trust::for_policy(&loaded, request.trusted_root.as_deref())?;
            (
                Verification::Policy {
                    file: loaded.file.clone(),
                    sha256: loaded.sha256.clone(),
                    version: loaded.policy.version,
                },
                Some(trust),
            )
        }
        None => (
            Verification::Unverified {
                notice: UNVERIFIED_NOTICE.to_owned(),
            },
            None,
        ),
    };
    let (judged, documents) = judge(&store, trust.as_ref())?;
    let events = store.equivocations(None)?;
    let label = trust_label(trust.as_ref());
    let mut vendors: BTreeMap<String, VendorLedger> = BTreeMap::new();
    let mut unattributed = Vec::new();
    for (tool, docs) in by_tool(&judged) {
        let (vendor, ledger) = tool_ledger(&tool, &docs, &judged, &events, label);
        match vendor {
            Some(vendor) => {
                vendors
                    .entry(vendor.to_lowercase())
                    .or_insert_with(|| VendorLedger {
                        vendor,
                        tools: Vec::new(),
                        totals: Totals::default(),
                    })
                    .tools
                    .push(ledger);
            }
            None => unattributed.push(ledger),
        }
    }
    let mut vendors: Vec<VendorLedger> = vendors.into_values().collect();
    for vendor in &mut vendors {
        vendor.totals = sum(&vendor.tools);
    }
    if let Some(wanted) = &request.vendor {
        let key = wanted.trim().to_lowercase();
        let known: Vec<String> = vendors.iter().map(|v| v.vendor.clone()).collect();
        vendors.retain(|v| v.vendor.to_lowercase() == key);
        if vendors.is_empty() {
            return Err(VerificationError::UnknownVendor {
                vendor: wanted.clone(),
                known,
            });
        }
        unattributed.clear();
    }
    Ok(LedgerReport {
        verification,
        store: request.store.clone(),
        vendor: request.vendor.clone(),
        documents,
        vendors,
        unattributed,
    })
}

/// A document the ledger counts: trusted (with a policy) or unverified (without).
#[derive(Debug, Clone)]
struct Counted<P> {
    doc: Trusted<P>,
    first_seen: i64,
    trust: DocumentTrust,
}

/// A counted audit, with the auditor as the policy knows it.
#[derive(Debug, Clone)]
struct CountedAudit {
    audit: Counted<AuditPredicate>,
    auditor_id: Option<String>,
    organization: String,
}

/// Every document of the store, judged.
#[derive(Debug, Default)]
struct Judged {
    manifests: Vec<Counted<ManifestPredicate>>,
    audits: Vec<CountedAudit>,
    responses: Vec<Counted<ResponsePredicate>>,
    untrusted: Vec<UntrustedDocument>,
}

/// Judge every document of the store; also how many there are.
fn judge(store: &Store, trust: Option<&Trust>) -> Result<(Judged, usize), VerificationError> {
    let mut tools: Vec<String> = store.releases()?.into_iter().map(|(t, _)| t).collect();
    tools.dedup();
    let mut judged = Judged::default();
    let mut responses = Vec::new();
    let mut count = 0;
    for tool in &tools {
        for document in store.documents_for_release(tool, None)? {
            count += 1;
            let out = &mut judged.untrusted;
            match document.kind.as_str() {
                "manifest" => {
                    if let Some(m) = judge_manifest(trust, &document, out) {
                        judged.manifests.push(m);
                    }
                }
                "audit" => {
                    if let Some(a) = judge_audit(trust, &document, out) {
                        judged.audits.push(a);
                    }
                }
                "response" => responses.push(document),
                other => out.push(gather::untrusted(
                    &document,
                    format!("a document of unknown kind `{other}`"),
                )),
            }
        }
    }
    // A response counts when it answers a counted audit.
    let audits: BTreeSet<&str> = judged
        .audits
        .iter()
        .map(|a| a.audit.doc.sha256.as_str())
        .collect();
    let mut counted = Vec::new();
    for document in &responses {
        let Some(response) = judge_response(trust, document, &mut judged.untrusted) else {
            continue;
        };
        let answered = response
            .doc
            .statement
            .predicate
            .audit
            .envelope_digest
            .sha256();
        if answered.is_some_and(|a| audits.contains(a)) {
            counted.push(response);
        } else {
            judged.untrusted.push(gather::untrusted(
                document,
                format!(
                    "answers audit {}, which is not counted (not in the store, or untrusted)",
                    answered.map_or_else(|| "(no sha256)".to_owned(), short)
                ),
            ));
        }
    }
    judged.responses = counted;
    Ok((judged, count))
}

fn trust_label(trust: Option<&Trust>) -> DocumentTrust {
    if trust.is_some() {
        DocumentTrust::Trusted
    } else {
        DocumentTrust::Unverified
    }
}

fn judge_manifest(
    trust: Option<&Trust>,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<Counted<ManifestPredicate>> {
    let doc = match trust {
        Some(trust) => gather::verify_manifest(trust, document, out)?,
        None => unverified(document, out)?,
    };
    Some(Counted {
        doc,
        first_seen: document.first_seen,
        trust: trust_label(trust),
    })
}

fn judge_audit(
    trust: Option<&Trust>,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<CountedAudit> {
    let (audit, auditor_id, organization) = if let Some(trust) = trust {
        let verified = gather::verify_audit(trust, document, out)?;
        (
            verified.audit,
            Some(verified.auditor),
            verified.organization,
        )
    } else {
        let audit: Trusted<AuditPredicate> = unverified(document, out)?;
        let organization = audit.statement.predicate.auditor.organization.clone();
        (audit, None, organization)
    };
    Some(CountedAudit {
        audit: Counted {
            doc: audit,
            first_seen: document.first_seen,
            trust: trust_label(trust),
        },
        auditor_id,
        organization,
    })
}

fn judge_response(
    trust: Option<&Trust>,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<Counted<ResponsePredicate>> {
    let doc = match trust {
        Some(trust) => gather::verify_response(trust, document, out)?,
        None => unverified(document, out)?,
    };
    Some(Counted {
        doc,
        first_seen: document.first_seen,
        trust: trust_label(trust),
    })
}

/// A document read without checking its signatures; its signers are the claimed ones.
fn unverified<P: Predicate>(
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<Trusted<P>> {
    let inspected = match inspect_attestation(&document.bytes, &gather::name(document)) {
        Ok(inspected) => inspected,
        Err(error) => {
            out.push(gather::untrusted(
                document,
                format!("cannot be read: {error}"),
            ));
            return None;
        }
    };
    match P::extract(inspected.statement) {
        Ok(statement) => Some(Trusted {
            sha256: document.sha256.clone(),
            statement,
            signers: inspected
                .claimed_signers
                .iter()
                .map(claimed_signer)
                .collect(),
            feed: document.first_feed.clone(),
            path: gather::feed_path(document),
        }),
        Err(other) => {
            out.push(gather::untrusted(
                document,
                format!(
                    "filed as a {} but it is a {}",
                    document.kind,
                    other.kind_name()
                ),
            ));
            None
        }
    }
}

fn claimed_signer(signer: &ClaimedSigner) -> String {
    match signer {
        ClaimedSigner::KeyId { keyid: Some(keyid) } => keyid.clone(),
        ClaimedSigner::KeyId { keyid: None } => "(no keyid)".to_owned(),
        ClaimedSigner::Certificate { identity } => identity.to_string(),
    }
}

/// The counted documents and the untrusted ones about one tool.
#[derive(Debug, Default)]
struct ToolDocs<'a> {
    manifests: Vec<&'a Counted<ManifestPredicate>>,
    audits: Vec<&'a CountedAudit>,
    untrusted: Vec<UntrustedDocument>,
}

fn by_tool(judged: &Judged) -> BTreeMap<String, ToolDocs<'_>> {
    let mut tools: BTreeMap<String, ToolDocs<'_>> = BTreeMap::new();
    for m in &judged.manifests {
        let tool = m.doc.statement.predicate.tool.name.to_string();
        tools.entry(tool).or_default().manifests.push(m);
    }
    for a in &judged.audits {
        let tool = a.audit.doc.statement.predicate.manifest.tool.to_string();
        tools.entry(tool).or_default().audits.push(a);
    }
    for u in &judged.untrusted {
        tools
            .entry(u.tool.clone())
            .or_default()
            .untrusted
            .push(u.clone());
    }
    tools
}

/// Versions in release order (ties, which `compare_versions` may make of `v1.0` and
/// `1.0`, by text).
fn ordered(versions: BTreeSet<String>) -> Vec<String> {
    let mut versions: Vec<String> = versions.into_iter().collect();
    versions.sort_by(|a, b| compare_versions(a, b).then_with(|| a.cmp(b)));
    versions
}

/// A tool's ledger, and the vendor its latest manifest names.
fn tool_ledger(
    tool: &str,
    docs: &ToolDocs<'_>,
    judged: &Judged,
    events: &[Event],
    label: DocumentTrust,
) -> (Option<String>, ToolLedger) {
    let versions = ordered(
        docs.manifests
            .iter()
            .map(|m| m.doc.statement.predicate.tool.version.to_string())
            .chain(
                docs.audits
                    .iter()
                    .map(|a| a.audit.doc.statement.predicate.manifest.version.to_string()),
            )
            .collect(),
    );
    let facts = ReleaseFacts {
        manifests: docs
            .manifests
            .iter()
            .map(|m| m.doc.statement.predicate.tool.version.to_string())
            .collect(),
        audited: docs
            .audits
            .iter()
            .map(|a| a.audit.doc.statement.predicate.manifest.version.to_string())
            .collect(),
    };
    let mut ledgers = Vec::with_capacity(versions.len());
    let mut equivocations = Vec::new();
    for version in &versions {
        let manifests: Vec<&Counted<ManifestPredicate>> = docs
            .manifests
            .iter()
            .copied()
            .filter(|m| m.doc.statement.predicate.tool.version.as_str() == version)
            .collect();
        if let Some(e) = equivocation_of(version, &manifests, label) {
            equivocations.push(e);
        }
        ledgers.push(version_ledger(version, &manifests, docs, judged, &facts));
    }
    let counted: BTreeSet<&str> = docs
        .manifests
        .iter()
        .map(|m| m.doc.sha256.as_str())
        .collect();
    add_store_events(tool, events, &counted, label, &mut equivocations);
    let downgrades = downgrades(&ledgers);
    let vendor = latest_vendor(&ledgers);
    let mut other_vendor_names: Vec<String> = Vec::new();
    for m in &docs.manifests {
        let name = &m.doc.statement.predicate.vendor.name;
        let same = vendor
            .as_ref()
            .is_some_and(|v| v.to_lowercase() == name.to_lowercase());
        if !same && !other_vendor_names.contains(name) {
            other_vendor_names.push(name.clone());
        }
    }
    let mut ledger = ToolLedger {
        tool: tool.to_owned(),
        other_vendor_names,
        versions: ledgers,
        equivocations,
        downgrades,
        untrusted: docs.untrusted.clone(),
        totals: Totals::default(),
    };
    ledger.totals = tool_totals(&ledger);
    (vendor, ledger)
}

/// Which versions have counted manifests and audits (where a fix is looked for).
#[derive(Debug)]
struct ReleaseFacts {
    manifests: BTreeSet<String>,
    audited: BTreeSet<String>,
}

/// The vendor the manifest in force of the latest version with a manifest names.
fn latest_vendor(versions: &[VersionLedger]) -> Option<String> {
    versions.iter().rev().find_map(|v| {
        let head = v
            .in_force
            .as_ref()
            .and_then(|sha| v.manifests.iter().find(|m| &m.sha256 == sha))
            .or_else(|| v.manifests.last())?;
        Some(head.vendor.clone())
    })
}

/// The manifests of a release no other one of them supersedes.
fn heads<'a>(manifests: &[&'a Counted<ManifestPredicate>]) -> Vec<&'a Counted<ManifestPredicate>> {
    let superseded: BTreeSet<&str> = manifests
        .iter()
        .filter_map(|m| m.doc.statement.predicate.supersedes.as_ref()?.sha256())
        .collect();
    manifests
        .iter()
        .copied()
        .filter(|m| !superseded.contains(m.doc.sha256.as_str()))
        .collect()
}

fn version_ledger(
    version: &str,
    manifests: &[&Counted<ManifestPredicate>],
    docs: &ToolDocs<'_>,
    judged: &Judged,
    facts: &ReleaseFacts,
) -> VersionLedger {
    let in_force = match heads(manifests).as_slice() {
        [one] => Some(one.doc.sha256.clone()),
        _ => None,
    };
    let entries = manifests
        .iter()
        .map(|m| {
            let p = &m.doc.statement.predicate;
            ManifestEntry {
                sha256: m.doc.sha256.clone(),
                trust: m.trust,
                signers: m.doc.signers.clone(),
                vendor: p.vendor.name.clone(),
                release_date: p.release_date.clone(),
                first_seen: timestamp(m.first_seen),
                feed: m.doc.feed.clone(),
                exhaustive: p.completeness.exhaustive.clone(),
                supersedes: p
                    .supersedes
                    .as_ref()
                    .and_then(|d| d.sha256())
                    .map(str::to_owned),
                superseded_by: manifests
                    .iter()
                    .find(|other| {
                        other
                            .doc
                            .statement
                            .predicate
                            .supersedes
                            .as_ref()
                            .and_then(|d| d.sha256())
                            == Some(m.doc.sha256.as_str())
                    })
                    .map(|other| other.doc.sha256.clone()),
            }
        })
        .collect();
    let mut audits: Vec<AuditEntry> = docs
        .audits
        .iter()
        .filter(|a| a.audit.doc.statement.predicate.manifest.version.as_str() == version)
        .map(|a| audit_entry(a, judged, facts))
        .collect();
    audits.sort_by(|a, b| {
        a.date
            .to_offset_date_time()
            .cmp(&b.date.to_offset_date_time())
            .then_with(|| a.sha256.cmp(&b.sha256))
    });
    VersionLedger {
        version: version.to_owned(),
        manifests: entries,
        in_force,
        audits,
    }
}

fn audit_entry(audit: &CountedAudit, judged: &Judged, facts: &ReleaseFacts) -> AuditEntry {
    let doc = &audit.audit.doc;
    let predicate = &doc.statement.predicate;
    let mut responses: Vec<&Counted<ResponsePredicate>> = judged
        .responses
        .iter()
        .filter(|r| {
            r.doc.statement.predicate.audit.envelope_digest.sha256() == Some(doc.sha256.as_str())
        })
        .collect();
    responses.sort_by_key(|r| r.doc.statement.predicate.date.to_offset_date_time());
    AuditEntry {
        sha256: doc.sha256.clone(),
        trust: audit.audit.trust,
        auditor: predicate.auditor.name.clone(),
        organization: audit.organization.clone(),
        auditor_id: audit.auditor_id.clone(),
        date: predicate.date.clone(),
        first_seen: timestamp(audit.audit.first_seen),
        manifest: predicate
            .manifest
            .envelope_digest
            .as_ref()
            .and_then(|d| d.sha256())
            .map(str::to_owned),
        findings: predicate
            .findings
            .iter()
            .map(|f| finding_entry(f, &predicate.date, &responses, facts))
            .collect(),
    }
}

fn finding_entry(
    finding: &Finding,
    audit_date: &Timestamp,
    responses: &[&Counted<ResponsePredicate>],
    facts: &ReleaseFacts,
) -> FindingEntry {
    let audited = audit_date.to_offset_date_time();
    let mut answers = Vec::new();
    for response in responses {
        let predicate = &response.doc.statement.predicate;
        for answer in predicate
            .responses
            .iter()
            .filter(|r| r.finding == finding.id)
        {
            answers.push(AnswerEntry {
                status: answer.status,
                fixed_in: answer.fixed_in.as_ref().map(ToString::to_string),
                statement: answer.statement.clone(),
                response: response.doc.sha256.clone(),
                trust: response.trust,
                date: predicate.date.clone(),
                days: (predicate.date.to_offset_date_time() - audited).whole_days(),
            });
        }
    }
    let fixed_in = answers
        .iter()
        .rev()
        .find(|a| a.status == ResponseStatus::Fixed)
        .and_then(|a| a.fixed_in.clone())
        .map(|version| FixedIn {
            manifest: facts.manifests.contains(&version),
            audited: facts.audited.contains(&version),
            version,
        });
    FindingEntry {
        id: finding.id.to_string(),
        status: finding.status,
        severity: finding.severity,
        category: finding.category,
        claim: finding.claim.as_ref().map(ToString::to_string),
        summary: finding.summary.clone(),
        date: audit_date.clone(),
        against: is_against(finding.status),
        answers,
        fixed_in,
    }
}

/// Whether a finding is against the vendor's manifest.
fn is_against(status: FindingStatus) -> bool {
    matches!(
        status,
        FindingStatus::Undeclared | FindingStatus::Contradicted
    )
}

/// Counted manifests of one release with none in force, or more than one.
fn equivocation_of(
    version: &str,
    manifests: &[&Counted<ManifestPredicate>],
    label: DocumentTrust,
) -> Option<Equivocation> {
    let heads = heads(manifests);
    let (shown, detail) = match heads.len() {
        0 if !manifests.is_empty() => (
            manifests.to_vec(),
            format!(
                "{} manifests for {version} supersede each other in a cycle: none is in force",
                manifests.len()
            ),
        ),
        0 | 1 => return None,
        n => (
            heads,
            format!("{n} different manifests for {version}, none superseding the others"),
        ),
    };
    Some(Equivocation {
        version: version.to_owned(),
        manifests: shown.iter().map(|m| m.doc.sha256.clone()).collect(),
        found_by: vec![EquivocationSource::Manifests],
        recorded: None,
        trust: label,
        detail,
    })
}

/// The store's `equivocation` events about `tool`: joined to the equivocation the
/// counted manifests show, or listed on their own (`untrusted` when a manifest they name
/// is not counted).
fn add_store_events(
    tool: &str,
    events: &[Event],
    counted: &BTreeSet<&str>,
    label: DocumentTrust,
    out: &mut Vec<Equivocation>,
) {
    for event in events.iter().filter(|e| e.tool.as_deref() == Some(tool)) {
        let mut pair: Vec<String> = event.document.iter().cloned().collect();
        if let Some(other) = event.detail.get("other").and_then(|o| o.as_str()) {
            pair.push(other.to_owned());
        }
        let version = event.version.clone().unwrap_or_default();
        let recorded = timestamp(event.time);
        if let Some(known) = out
            .iter_mut()
            .find(|e| e.version == version && pair.iter().all(|d| e.manifests.contains(d)))
        {
            if !known.found_by.contains(&EquivocationSource::StoreEvent) {
                known.found_by.push(EquivocationSource::StoreEvent);
            }
            if known.recorded.is_none() {
                known.recorded = Some(recorded);
            }
            continue;
        }
        let all_counted = pair.iter().all(|d| counted.contains(d.as_str()));
        let signer = event
            .detail
            .get("signer_id")
            .and_then(|s| s.as_str())
            .unwrap_or("?");
        out.push(Equivocation {
            detail: format!(
                "the store recorded two manifests for {version} claiming signer {signer}, \
                 neither superseding the other{}",
                if all_counted {
                    ""
                } else {
                    "; not every one of them is counted"
                }
            ),
            version,
            manifests: pair,
            found_by: vec![EquivocationSource::StoreEvent],
            recorded: Some(recorded),
            trust: if all_counted {
                label
            } else {
                DocumentTrust::Untrusted
            },
        });
    }
}

/// Coverage downgrades between consecutive versions: fewer categories asserted
/// exhaustive than the last release with a manifest, or no manifest after one. A
/// release's coverage is what every manifest in force for it asserts.
fn downgrades(versions: &[VersionLedger]) -> Vec<Downgrade> {
    let mut out = Vec::new();
    let mut last: Option<(&str, BTreeSet<ClaimCategory>)> = None;
    for version in versions {
        let current: Vec<&ManifestEntry> = version
            .manifests
            .iter()
            .filter(|m| m.superseded_by.is_none())
            .collect();
        let current = if current.is_empty() {
            version.manifests.iter().collect()
        } else {
            current
        };
        let Some(first) = current.first() else {
            if let Some((from, _)) = &last {
                out.push(Downgrade {
                    from: (*from).to_owned(),
                    to: version.version.clone(),
                    kind: DowngradeKind::NoManifest,
                    dropped: Vec::new(),
                });
            }
            continue;
        };
        let coverage: BTreeSet<ClaimCategory> = first
            .exhaustive
            .iter()
            .copied()
            .filter(|c| current.iter().all(|m| m.exhaustive.contains(c)))
            .collect();
        if let Some((from, before)) = &last {
            let dropped: Vec<ClaimCategory> = before.difference(&coverage).copied().collect();
            if !dropped.is_empty() {
                out.push(Downgrade {
                    from: (*from).to_owned(),
                    to: version.version.clone(),
                    kind: DowngradeKind::FewerExhaustive,
                    dropped,
                });
            }
        }
        last = Some((version.version.as_str(), coverage));
    }
    out
}

fn tool_totals(ledger: &ToolLedger) -> Totals {
    let mut totals = Totals {
        equivocations: ledger
            .equivocations
            .iter()
            .filter(|e| e.trust != DocumentTrust::Untrusted)
            .count(),
        downgrades: ledger.downgrades.len(),
        untrusted: ledger.untrusted.len(),
        ..Totals::default()
    };
    for version in &ledger.versions {
        totals.manifests += version.manifests.len();
        totals.audits += version.audits.len();
        for finding in version.audits.iter().flat_map(|a| &a.findings) {
            match finding.status {
                FindingStatus::Confirmed => totals.confirmed += 1,
                FindingStatus::Inconclusive => totals.inconclusive += 1,
                FindingStatus::Undeclared | FindingStatus::Contradicted => {
                    totals.findings += 1;
                    totals.by_severity.add(finding.severity);
                    if finding.answers.is_empty() {
                        totals.open += 1;
                    } else {
                        totals.answered += 1;
                    }
                    if finding.fixed_in.is_some() {
                        totals.fixed += 1;
                    }
                }
            }
        }
    }
    set_response_days(&mut totals, response_days(ledger));
    totals
}

/// The days to the first answer of each answered finding against the vendor.
fn response_days(ledger: &ToolLedger) -> Vec<i64> {
    ledger
        .versions
        .iter()
        .flat_map(|v| &v.audits)
        .flat_map(|a| &a.findings)
        .filter(|f| f.against)
        .filter_map(|f| f.answers.iter().map(|a| a.days).min())
        .collect()
}

/// The median and maximum of `days`.
fn set_response_days(totals: &mut Totals, mut days: Vec<i64>) {
    days.sort_unstable();
    totals.max_response_days = days.last().copied();
    let middle = days.len() / 2;
    // Days between two RFC 3339 dates are far below 2^52: exact as f64.
    #[allow(clippy::cast_precision_loss)]
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[middle] as f64),
        _ => Some((days[middle - 1] + days[middle]) as f64 / 2.0),
    };
    totals.median_response_days = median;
}

/// The totals of several tools (the response days of every answered finding pooled).
fn sum(tools: &[ToolLedger]) -> Totals {
    let mut out = Totals::default();
    let mut pooled = Vec::new();
    for tool in tools {
        let t = &tool.totals;
        out.manifests += t.manifests;
        out.audits += t.audits;
        out.findings += t.findings;
        out.by_severity.critical += t.by_severity.critical;
        out.by_severity.high += t.by_severity.high;
        out.by_severity.medium += t.by_severity.medium;
        out.by_severity.low += t.by_severity.low;
        out.by_severity.info += t.by_severity.info;
        out.confirmed += t.confirmed;
        out.inconclusive += t.inconclusive;
        out.answered += t.answered;
        out.open += t.open;
        out.fixed += t.fixed;
        out.equivocations += t.equivocations;
        out.downgrades += t.downgrades;
        out.untrusted += t.untrusted;
        pooled.extend(response_days(tool));
    }
    set_response_days(&mut out, pooled);
    out
}

/// A store time (Unix seconds) as a timestamp.
fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_offset_date_time(
        OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}
