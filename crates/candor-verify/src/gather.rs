//! Gathering what the store knows about installed digests, and checking every document
//! against the policy's signers: manifests against their tool's vendor signers, audits
//! against each trusted auditor's, responses against the vendor's. A document that does
//! not verify is listed as untrusted with the reason, and never used.
//!
//! Which tool an artifact is is decided by trusted documents only (a manifest by the
//! tool's vendor, else an audit by a trusted auditor), or by the caller (`--tool`): an
//! untrusted document naming a tool could otherwise pick the lenient rules of another
//! tool's entry.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::Path;

use candor_feed::store::{Store, StoredDocument};
use candor_model::audit::AuditPredicate;
use candor_model::ids::ToolName;
use candor_model::manifest::ManifestPredicate;
use candor_model::policy::TrustPolicy;
use candor_model::response::ResponsePredicate;
use candor_model::{AnyStatement, Statement};
use candor_sign::sigstore::TrustedRoot;
use candor_sign::verify::{SignedBy, TrustedSigners, verify_attestation};

use crate::error::VerificationError;
use crate::policy::LoadedPolicy;
use crate::report::UntrustedDocument;

/// The policy's signers, ready to verify with.
#[derive(Debug)]
pub struct Trust {
    tools: BTreeMap<ToolName, (TrustedSigners, NonZeroUsize)>,
    auditors: Vec<TrustedAuditorSigners>,
}

/// One trusted auditor's signers.
#[derive(Debug)]
struct TrustedAuditorSigners {
    id: String,
    organization: String,
    signers: TrustedSigners,
}

impl Trust {
    /// The signers the policy trusts for the tool a stored document is filed under, and
    /// how many must sign; `None` when the policy does not name the tool.
    fn vendor_of(&self, document: &StoredDocument) -> Option<&(TrustedSigners, NonZeroUsize)> {
        self.tools.get(&document.tool.parse::<ToolName>().ok()?)
    }

    /// The signers of `policy` (read from `file`). `root` is the Sigstore trusted root for
    /// identities (loaded by the caller only when the policy lists identities).
    pub fn new(
        policy: &TrustPolicy,
        file: &str,
        root: Option<&TrustedRoot>,
    ) -> Result<Self, VerificationError> {
        let signer_error = |source| VerificationError::PolicySigner {
            file: file.to_owned(),
            source,
        };
        let mut tools = BTreeMap::new();
        for tool in &policy.tools {
            let signers = TrustedSigners::from_policy(
                &tool.signers,
                root.cloned(),
                &format!("{file}: tool[{}].signers", tool.name),
            )
            .map_err(signer_error)?;
            let threshold = NonZeroUsize::new(usize::try_from(tool.threshold).unwrap_or(1))
                .unwrap_or(NonZeroUsize::MIN);
            tools.insert(tool.name.clone(), (signers, threshold));
        }
        let mut auditors = Vec::new();
        for auditor in &policy.auditors {
            let signers = TrustedSigners::from_policy(
                &auditor.signers,
                root.cloned(),
                &format!("{file}: auditor[{}].signers", auditor.id),
            )
            .map_err(signer_error)?;
            auditors.push(TrustedAuditorSigners {
                id: auditor.id.to_string(),
                organization: auditor.organization.clone(),
                signers,
            });
        }
        Ok(Self { tools, auditors })
    }

    /// The signers of a loaded policy, with the Sigstore trusted root (`trusted_root`,
    /// else the embedded production root) loaded only when the policy lists identities.
    pub fn for_policy(
        loaded: &LoadedPolicy,
        trusted_root: Option<&Path>,
    ) -> Result<Self, VerificationError> {
        let root = if Self::needs_root(&loaded.policy) {
            Some(
                candor_sign::sigstore::trusted_root(
                    trusted_root,
                    candor_sign::sigstore::Instance::Production,
                )
                .map_err(|e| VerificationError::PolicySigner {
                    file: loaded.file.clone(),
                    source: candor_sign::verify::TrustError::TrustedRoot(e),
                })?,
            )
        } else {
            None
        };
        Self::new(&loaded.policy, &loaded.file, root.as_ref())
    }

    /// Whether the policy lists Sigstore identities anywhere (a trusted root is needed).
    pub fn needs_root(policy: &TrustPolicy) -> bool {
        policy
            .tools
            .iter()
            .flat_map(|t| &t.signers)
            .chain(policy.auditors.iter().flat_map(|a| &a.signers))
            .any(|s| matches!(s, candor_model::signer::Signer::Sigstore(_)))
    }
}

/// A document whose signature verified, with what it carries.
#[derive(Debug, Clone)]
pub struct Trusted<P> {
    /// sha256 of the envelope.
    pub sha256: String,
    /// The Statement, parsed from the verified payload.
    pub statement: Statement<P>,
    /// The trusted signers that signed it.
    pub signers: Vec<String>,
    /// The feed it first came from.
    pub feed: Option<String>,
    /// Its path in a feed (`agent/1.4.0/manifest.<signer>.<sha256>.dsse.json`).
    pub path: String,
}

/// A trusted auditor's audit.
#[derive(Debug, Clone)]
pub struct TrustedAudit {
    /// The audit.
    pub audit: Trusted<AuditPredicate>,
    /// The auditor's id in the policy.
    pub auditor: String,
    /// Its organisation, as the policy names it.
    pub organization: String,
}

/// Everything found about a set of digests.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Trusted manifests naming one of the digests.
    pub manifests: Vec<Trusted<ManifestPredicate>>,
    /// Other trusted manifests for the same tool and release (equivocation).
    pub release_manifests: Vec<Trusted<ManifestPredicate>>,
    /// Trusted manifests of the tool's other releases (coverage downgrades).
    pub other_releases: Vec<Trusted<ManifestPredicate>>,
    /// Trusted audits naming one of the digests.
    pub audits: Vec<TrustedAudit>,
    /// Trusted responses to those audits.
    pub responses: Vec<Trusted<ResponsePredicate>>,
    /// Documents found and not used.
    pub untrusted: Vec<UntrustedDocument>,
    /// Whether any document names one of the digests, by digest.
    pub known: BTreeSet<String>,
    /// The tool, as trusted documents (or the caller) name it.
    pub tool: Option<ToolName>,
    /// Other tools trusted manifests name for these digests (each is a trusted vendor
    /// claiming the artifact: an equivocation).
    pub other_tools: Vec<ToolName>,
}

/// Gather and check the documents about `digests` (sha256, lowercase hex).
pub fn gather(
    store: &Store,
    trust: &Trust,
    digests: &[&str],
    tool_hint: Option<&ToolName>,
) -> Result<Gathered, VerificationError> {
    let mut gathered = Gathered::default();
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for digest in digests {
        for document in store.documents_for_subject(digest)? {
            gathered.known.insert((*digest).to_owned());
            if seen.insert(document.sha256.clone()) {
                found.push(document);
            }
        }
    }
    for document in &found {
        match document.kind.as_str() {
            "manifest" => {
                if let Some(m) = verify_manifest(trust, document, &mut gathered.untrusted) {
                    gathered.manifests.push(m);
                }
            }
            "audit" => {
                if let Some(a) = verify_audit(trust, document, &mut gathered.untrusted) {
                    gathered.audits.push(a);
                }
            }
            _ => {}
        }
    }
    gathered.tool = decide_tool(&gathered, tool_hint);
    if let Some(tool) = &gathered.tool {
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut gathered.manifests)
            .into_iter()
            .partition(|m| &m.statement.predicate.tool.name == tool);
        gathered.manifests = mine;
        for other in others {
            let name = other.statement.predicate.tool.name.clone();
            if tool_hint.is_some() {
                gathered.untrusted.push(UntrustedDocument {
                    sha256: other.sha256,
                    kind: "manifest".to_owned(),
                    tool: name.to_string(),
                    version: other.statement.predicate.tool.version.to_string(),
                    claimed_signer: other.signers.join(", "),
                    reason: format!(
                        "a manifest of `{name}`; this verification is of `{tool}` (--tool)"
                    ),
                });
            } else if !gathered.other_tools.contains(&name) {
                gathered.other_tools.push(name);
            }
        }
    }
    if let Some(tool) = gathered.tool.clone() {
        release_documents(store, trust, &tool, &mut seen, &mut gathered)?;
    }
    // Responses name the audited artifacts as subjects too, but are found through the
    // audit they answer: a response to an untrusted audit is not looked at.
    let mut answered = BTreeSet::new();
    for audit in gathered.audits.clone() {
        for document in store.documents_referring_to(&audit.audit.sha256)? {
            if document.kind == "response"
                && answered.insert(document.sha256.clone())
                && let Some(r) = verify_response(trust, &document, &mut gathered.untrusted)
            {
                gathered.responses.push(r);
            }
        }
    }
    Ok(gathered)
}

/// The tool trusted documents name: the manifests', else the audits'; the caller's hint
/// when they name none.
fn decide_tool(gathered: &Gathered, hint: Option<&ToolName>) -> Option<ToolName> {
    let from_manifests: BTreeSet<&ToolName> = gathered
        .manifests
        .iter()
        .map(|m| &m.statement.predicate.tool.name)
        .collect();
    if let Some(hint) = hint {
        return Some(hint.clone());
    }
    if let Some(first) = from_manifests.iter().next() {
        return Some((*first).clone());
    }
    gathered
        .audits
        .iter()
        .map(|a| &a.audit.statement.predicate.manifest.tool)
        .next()
        .cloned()
}

/// The tool's other manifests: the same release's (equivocation) and other releases'.
fn release_documents(
    store: &Store,
    trust: &Trust,
    tool: &ToolName,
    seen: &mut BTreeSet<String>,
    gathered: &mut Gathered,
) -> Result<(), VerificationError> {
    let versions: BTreeSet<String> = gathered
        .manifests
        .iter()
        .map(|m| m.statement.predicate.tool.version.to_string())
        .collect();
    for document in store.documents_for_release(tool.as_str(), None)? {
        if document.kind != "manifest" || !seen.insert(document.sha256.clone()) {
            continue;
        }
        // Other releases' manifests by untrusted signers are not listed: they are not
        // about what is installed.
        let mut ignored = Vec::new();
        let list = if versions.contains(&document.version) {
            &mut gathered.untrusted
        } else {
            &mut ignored
        };
        if let Some(m) = verify_manifest(trust, &document, list) {
            if versions.contains(&document.version) {
                gathered.release_manifests.push(m);
            } else {
                gathered.other_releases.push(m);
            }
        }
    }
    Ok(())
}

pub(crate) fn untrusted(document: &StoredDocument, reason: String) -> UntrustedDocument {
    UntrustedDocument {
        sha256: document.sha256.clone(),
        kind: document.kind.clone(),
        tool: document.tool.clone(),
        version: document.version.clone(),
        claimed_signer: document.signer_id.clone(),
        reason,
    }
}

/// The document's path in a feed.
pub(crate) fn feed_path(document: &StoredDocument) -> String {
    let kind = candor_model::feed::DocumentKind::ALL
        .into_iter()
        .find(|k| k.as_str() == document.kind);
    match (
        document.tool.parse::<ToolName>(),
        document.version.parse::<candor_model::ids::Version>(),
        kind,
    ) {
        (Ok(tool), Ok(version), Some(kind)) => candor_model::feed::FeedPath::new(
            tool,
            version,
            kind,
            &document.signer_id,
            &document.sha256,
        )
        .map_or_else(|_| document.sha256.clone(), |p| p.to_string()),
        _ => document.sha256.clone(),
    }
}

pub(crate) fn name(document: &StoredDocument) -> String {
    format!("store document sha256:{}", document.sha256)
}

fn signers(signed: &[SignedBy]) -> Vec<String> {
    signed.iter().map(ToString::to_string).collect()
}

pub(crate) fn verify_manifest(
    trust: &Trust,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<Trusted<ManifestPredicate>> {
    let Some((signers_of_tool, threshold)) = trust.vendor_of(document) else {
        out.push(untrusted(
            document,
            format!(
                "tool `{}` is not in the policy: no signer is trusted for it",
                document.tool
            ),
        ));
        return None;
    };
    match verify_attestation(
        &document.bytes,
        &name(document),
        signers_of_tool,
        *threshold,
    ) {
        Ok(verified) => match verified.statement {
            AnyStatement::Manifest(statement) => Some(Trusted {
                sha256: document.sha256.clone(),
                statement,
                signers: signers(&verified.signers),
                feed: document.first_feed.clone(),
                path: feed_path(document),
            }),
            other => {
                out.push(untrusted(
                    document,
                    format!("filed as a manifest but it is a {}", other.kind_name()),
                ));
                None
            }
        },
        Err(error) => {
            out.push(untrusted(
                document,
                format!(
                    "not by the signers trusted for `{}`: {error}",
                    document.tool
                ),
            ));
            None
        }
    }
}

pub(crate) fn verify_audit(
    trust: &Trust,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<TrustedAudit> {
    for auditor in &trust.auditors {
        let Ok(verified) = verify_attestation(
            &document.bytes,
            &name(document),
            &auditor.signers,
            NonZeroUsize::MIN,
        ) else {
            continue;
        };
        return match verified.statement {
            AnyStatement::Audit(statement) => Some(TrustedAudit {
                audit: Trusted {
                    sha256: document.sha256.clone(),
                    statement,
                    signers: signers(&verified.signers),
                    feed: document.first_feed.clone(),
                    path: feed_path(document),
                },
                auditor: auditor.id.clone(),
                organization: auditor.organization.clone(),
            }),
            other => {
                out.push(untrusted(
                    document,
                    format!("filed as an audit but it is a {}", other.kind_name()),
                ));
                None
            }
        };
    }
    out.push(untrusted(
        document,
        "no valid signature by a trusted auditor".to_owned(),
    ));
    None
}

pub(crate) fn verify_response(
    trust: &Trust,
    document: &StoredDocument,
    out: &mut Vec<UntrustedDocument>,
) -> Option<Trusted<ResponsePredicate>> {
    let Some((vendor, threshold)) = trust.vendor_of(document) else {
        out.push(untrusted(
            document,
            format!("tool `{}` is not in the policy", document.tool),
        ));
        return None;
    };
    match verify_attestation(&document.bytes, &name(document), vendor, *threshold) {
        Ok(verified) => match verified.statement {
            AnyStatement::Response(statement) => Some(Trusted {
                sha256: document.sha256.clone(),
                statement,
                signers: signers(&verified.signers),
                feed: document.first_feed.clone(),
                path: feed_path(document),
            }),
            other => {
                out.push(untrusted(
                    document,
                    format!("filed as a response but it is a {}", other.kind_name()),
                ));
                None
            }
        },
        Err(error) => {
            out.push(untrusted(
                document,
                format!("not by the vendor's trusted signers: {error}"),
            ));
            None
        }
    }
}
