//! The enterprise's trust policy: `candor policy init` (a commented policy to fill in)
//! and `candor policy check` (every problem, located; the rules each tool gets; whether
//! the store has seen a newer version).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use candor_feed::store::{PolicyCheck, Store};
use candor_model::ids::ToolName;
use candor_model::policy::{Action, TrustPolicy};
use candor_model::signer::Signer;
use candor_model::{DocumentErrors, MAX_TOML_DOCUMENT_BYTES};
use candor_sign::file::{FileMode, read_capped, refuse_existing, write_atomic};
use candor_sign::keys::PublicKey;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::VerificationError;
use crate::gather::Trust;

/// The commented policy `candor policy init` writes (its `[[tool]]` filled in when a tool
/// and keys are given).
pub const TEMPLATE: &str = include_str!("../data/policy-template.toml");

/// A policy read from a file.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The policy.
    pub policy: TrustPolicy,
    /// The file, as given.
    pub file: String,
    /// sha256 of its bytes.
    pub sha256: String,
}

/// Read and validate the policy at `path` (size-capped; every problem located).
pub fn load(path: &Path) -> Result<LoadedPolicy, VerificationError> {
    let bytes = read_capped(path, MAX_TOML_DOCUMENT_BYTES as u64, "a trust policy")
        .map_err(VerificationError::PolicyFile)?;
    let file = path.display().to_string();
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        VerificationError::Policy(DocumentErrors::from(candor_model::DocumentError {
            file: file.clone(),
            location: candor_model::location::Location::Document,
            message: format!("not UTF-8 (byte {}); expected a TOML file", e.valid_up_to()),
        }))
    })?;
    let policy = TrustPolicy::from_toml(text, &file).map_err(VerificationError::Policy)?;
    Ok(LoadedPolicy {
        policy,
        sha256: hex::encode(Sha256::digest(&bytes)),
        file,
    })
}

/// What `candor policy init` writes.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// Where.
    pub out: PathBuf,
    /// Replace an existing file.
    pub force: bool,
    /// A tool to trust, with its vendor's public key files.
    pub tool: Option<(ToolName, Vec<PathBuf>)>,
}

/// What `candor policy init` wrote.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InitReport {
    /// The file written.
    pub written: String,
    /// The tool entry filled in, if any.
    pub tool: Option<String>,
}

/// Write the template, with the tool's entry filled in when given; the result is checked
/// to load before it is written.
pub fn init(request: &InitRequest) -> Result<InitReport, VerificationError> {
    refuse_existing(&request.out, request.force)?;
    let mut text = TEMPLATE.to_owned();
    if let Some((tool, keys)) = &request.tool {
        let mut signers = String::new();
        for path in keys {
            let key =
                PublicKey::from_file(path).map_err(|source| VerificationError::PolicySigner {
                    file: path.display().to_string(),
                    source: candor_sign::verify::TrustError::KeyFile {
                        path: path.clone(),
                        source,
                    },
                })?;
            let _ = writeln!(signers, "  {{ key = \"{}\" }},", key.to_ed25519_text());
        }
        let _ = write!(
            text,
            "\n[[tool]]\nname = \"{tool}\"\nsigners = [\n{signers}]\nthreshold = 1\n"
        );
    }
    let file = request.out.display().to_string();
    TrustPolicy::from_toml(&text, &file).map_err(VerificationError::Policy)?;
    write_atomic(&request.out, text.as_bytes(), FileMode::Public)?;
    Ok(InitReport {
        written: file,
        tool: request.tool.as_ref().map(|(t, _)| t.to_string()),
    })
}

/// The rules one tool gets, every default applied.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolRules {
    /// The tool.
    pub tool: String,
    /// Its vendor signers: key ids and Sigstore identities.
    pub signers: Vec<String>,
    /// Distinct signers needed on a manifest.
    pub threshold: u32,
    /// The auditors that count for it (all trusted auditors when the policy lists none).
    pub auditors: Vec<String>,
    /// `require_manifest`.
    pub require_manifest: bool,
    /// `min_audits`, counted per distinct organisation.
    pub min_audits: u32,
    /// `deny_categories`.
    pub deny_categories: Vec<String>,
    /// `allowed_endpoints` (absent: any).
    pub allowed_endpoints: Option<Vec<String>>,
    /// `on_undeclared`.
    pub on_undeclared: Action,
    /// `on_contradicted`.
    pub on_contradicted: Action,
    /// `on_downgrade`.
    pub on_downgrade: Action,
    /// `max_age_days`.
    pub max_age_days: Option<u32>,
    /// `max_audit_age_days`.
    pub max_audit_age_days: Option<u32>,
}

/// A trusted auditor.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuditorSummary {
    /// Its id.
    pub id: String,
    /// Its organisation.
    pub organization: String,
    /// Its signers.
    pub signers: Vec<String>,
}

/// `candor policy check`'s report on a valid policy.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PolicyReport {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub valid: bool,
    /// The file.
    pub file: String,
    /// sha256 of its bytes.
    pub sha256: String,
    /// Its version.
    pub version: u64,
    /// Trusted auditors.
    pub auditors: Vec<AuditorSummary>,
    /// Each tool's rules.
    pub tools: Vec<ToolRules>,
    /// The highest policy version the store has seen, when a store was consulted.
    pub store_highest: Option<u64>,
}

fn signer_text(signer: &Signer) -> String {
    match signer {
        Signer::Key(text) => PublicKey::from_text(text.as_str(), "policy")
            .map_or_else(|_| text.as_str().to_owned(), |k| k.id().to_string()),
        Signer::Sigstore(identity) => {
            format!("{} {}", identity.issuer, identity.subject.as_str())
        }
    }
}

/// Check the policy at `path`: it loads, its keys are usable, and (with a store) it is
/// not older than a version the store has seen. Nothing is recorded.
pub fn check(path: &Path, store: Option<&Path>) -> Result<PolicyReport, VerificationError> {
    let loaded = load(path)?;
    let policy = &loaded.policy;
    // Keys are parsed (a weak or malformed key is refused); identities need no root to
    // be checked here.
    Trust::new(
        &TrustPolicy {
            tools: policy
                .tools
                .iter()
                .map(|t| {
                    let mut t = t.clone();
                    t.signers.retain(|s| matches!(s, Signer::Key(_)));
                    t
                })
                .collect(),
            auditors: policy
                .auditors
                .iter()
                .map(|a| {
                    let mut a = a.clone();
                    a.signers.retain(|s| matches!(s, Signer::Key(_)));
                    a
                })
                .collect(),
            ..policy.clone()
        },
        &loaded.file,
        None,
    )?;
    let store_highest = match store.map(Store::open_existing).transpose()?.flatten() {
        Some(store) => store.highest_policy()?,
        None => None,
    };
    if let Some(highest) = &store_highest
        && highest.version > policy.version
    {
        return Err(VerificationError::PolicyRollback {
            file: loaded.file.clone(),
            version: policy.version,
            highest: highest.version,
            highest_file: highest.file.clone(),
            first_seen: crate::run::rfc3339(highest.first_seen),
        });
    }
    Ok(PolicyReport {
        valid: true,
        file: loaded.file.clone(),
        sha256: loaded.sha256.clone(),
        version: policy.version,
        auditors: policy
            .auditors
            .iter()
            .map(|a| AuditorSummary {
                id: a.id.to_string(),
                organization: a.organization.clone(),
                signers: a.signers.iter().map(signer_text).collect(),
            })
            .collect(),
        tools: policy
            .tools
            .iter()
            .map(|t| {
                let rules = policy.rules_for(t);
                ToolRules {
                    tool: t.name.to_string(),
                    signers: t.signers.iter().map(signer_text).collect(),
                    threshold: t.threshold,
                    auditors: t.auditors.as_ref().map_or_else(
                        || policy.auditors.iter().map(|a| a.id.to_string()).collect(),
                        |ids| ids.iter().map(ToString::to_string).collect(),
                    ),
                    require_manifest: rules.require_manifest,
                    min_audits: rules.min_audits,
                    deny_categories: rules
                        .deny_categories
                        .iter()
                        .map(|c| c.as_str().to_owned())
                        .collect(),
                    allowed_endpoints: rules
                        .allowed_endpoints
                        .map(|p| p.iter().map(|p| p.as_str().to_owned()).collect()),
                    on_undeclared: rules.on_undeclared,
                    on_contradicted: rules.on_contradicted,
                    on_downgrade: rules.on_downgrade,
                    max_age_days: rules.max_age_days,
                    max_audit_age_days: rules.max_audit_age_days,
                }
            })
            .collect(),
        store_highest: store_highest.map(|h| h.version),
    })
}

/// Check `loaded` against the policies the store has seen, and remember it when new.
pub fn check_against_store(
    store: &mut Store,
    loaded: &LoadedPolicy,
) -> Result<PolicyCheck, VerificationError> {
    let check = store.check_policy(loaded.policy.version, &loaded.sha256, &loaded.file)?;
    match &check {
        PolicyCheck::Rollback { highest } => Err(VerificationError::PolicyRollback {
            file: loaded.file.clone(),
            version: loaded.policy.version,
            highest: highest.version,
            highest_file: highest.file.clone(),
            first_seen: crate::run::rfc3339(highest.first_seen),
        }),
        PolicyCheck::ChangedWithoutVersion { seen } => Err(VerificationError::PolicyChanged {
            file: loaded.file.clone(),
            version: loaded.policy.version,
            seen_file: seen.file.clone(),
            first_seen: crate::run::rfc3339(seen.first_seen),
        }),
        PolicyCheck::New { .. } | PolicyCheck::Known => Ok(check),
    }
}

/// Check `loaded` against the policies the store has seen without remembering it (for
/// commands that only read the store, such as `candor ledger`): a version lower than
/// the highest seen is a rollback, the highest version with other content a change
/// without a new version; a newer policy is fine.
pub fn check_read_only(store: &Store, loaded: &LoadedPolicy) -> Result<(), VerificationError> {
    let Some(highest) = store.highest_policy()? else {
        return Ok(());
    };
    if highest.version > loaded.policy.version {
        return Err(VerificationError::PolicyRollback {
            file: loaded.file.clone(),
            version: loaded.policy.version,
            highest: highest.version,
            highest_file: highest.file,
            first_seen: crate::run::rfc3339(highest.first_seen),
        });
    }
    if highest.version == loaded.policy.version && highest.sha256 != loaded.sha256 {
        return Err(VerificationError::PolicyChanged {
            file: loaded.file.clone(),
            version: loaded.policy.version,
            seen_file: highest.file,
            first_seen: crate::run::rfc3339(highest.first_seen),
        });
    }
    Ok(())
}
