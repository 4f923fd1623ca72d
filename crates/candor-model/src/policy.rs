//! The enterprise's trust policy: whom to trust for which tool, and what is acceptable.
//!
//! ```toml
//! version = 3                       # raise on every change; older versions are rollbacks
//!
//! [rules]                           # defaults for every tool
//! require_manifest = true
//! min_audits = 1                    # from distinct auditor organisations
//! deny_categories = ["output-marking"]
//! allowed_endpoints = ["*.acme.example"]
//! on_contradicted = "fail"
//! on_undeclared = "warn"
//! on_downgrade = "fail"             # weaker coverage than the previous release
//! max_age_days = 365                # of the manifest, from its release date
//! max_audit_age_days = 730          # older audits do not count
//!
//! [[auditor]]
//! id = "seclab"
//! organization = "Security Lab GmbH"
//! signers = [{ key = "ed25519:…" }]
//!
//! [[tool]]
//! name = "agent"
//! signers = [
//!   { key = "ed25519:…" },
//!   { issuer = "https://token.actions.githubusercontent.com",
//!     subject = "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*" },
//! ]
//! threshold = 1
//! rules = { min_audits = 2 }       # overrides the defaults for this tool
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::claims::ClaimCategory;
use crate::error::{DocumentErrors, Violation};
use crate::ids::ToolName;
use crate::location::FieldPath;
use crate::pattern::Pattern;
pub use crate::signer::Signer;
use crate::signer::SignerForm;
use crate::toml_doc;

/// What a rule does when it is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The verification fails (exit 1).
    Fail,
    /// The verification passes with a warning.
    Warn,
}

/// Policy rules; every field optional so a tool can override only some defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// A signed manifest from a trusted vendor signer must exist (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_manifest: Option<bool>,
    /// Audits needed from distinct trusted auditor organisations (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_audits: Option<u32>,
    /// Claim categories that may not be present at all (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_categories: Option<Vec<ClaimCategory>>,
    /// Endpoints network, telemetry and update claims (and undeclared endpoints auditors
    /// or this machine find) may name (default: any). A pattern with a scheme
    /// (`https://*.acme.example/*`) matches scheme, host and path separately, so a `*`
    /// in the host never reaches into the path; one without a scheme or `/`
    /// (`*.acme.example`) matches the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_endpoints: Option<Vec<Pattern>>,
    /// What a `contradicted` finding does (default fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_contradicted: Option<Action>,
    /// What an `undeclared` finding does (default fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_undeclared: Option<Action>,
    /// Oldest acceptable manifest, in days since its release date (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// Oldest audit that counts, in days since its date (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_audit_age_days: Option<u32>,
    /// What a coverage downgrade does: no manifest where the previous release had one,
    /// or fewer categories asserted exhaustive (default fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_downgrade: Option<Action>,
}

/// Rules with every default applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRules {
    /// See [`Rules::require_manifest`].
    pub require_manifest: bool,
    /// See [`Rules::min_audits`].
    pub min_audits: u32,
    /// See [`Rules::deny_categories`].
    pub deny_categories: Vec<ClaimCategory>,
    /// See [`Rules::allowed_endpoints`]; `None` allows any.
    pub allowed_endpoints: Option<Vec<Pattern>>,
    /// See [`Rules::on_contradicted`].
    pub on_contradicted: Action,
    /// See [`Rules::on_undeclared`].
    pub on_undeclared: Action,
    /// See [`Rules::max_age_days`].
    pub max_age_days: Option<u32>,
    /// See [`Rules::max_audit_age_days`].
    pub max_audit_age_days: Option<u32>,
    /// See [`Rules::on_downgrade`].
    pub on_downgrade: Action,
}

impl Rules {
    /// These rules over `defaults`: a field set here wins.
    #[must_use]
    pub fn over(&self, defaults: &Rules) -> Rules {
        Rules {
            require_manifest: self.require_manifest.or(defaults.require_manifest),
            min_audits: self.min_audits.or(defaults.min_audits),
            deny_categories: self
                .deny_categories
                .clone()
                .or_else(|| defaults.deny_categories.clone()),
            allowed_endpoints: self
                .allowed_endpoints
                .clone()
                .or_else(|| defaults.allowed_endpoints.clone()),
            on_contradicted: self.on_contradicted.or(defaults.on_contradicted),
            on_undeclared: self.on_undeclared.or(defaults.on_undeclared),
            max_age_days: self.max_age_days.or(defaults.max_age_days),
            max_audit_age_days: self.max_audit_age_days.or(defaults.max_audit_age_days),
            on_downgrade: self.on_downgrade.or(defaults.on_downgrade),
        }
    }

    /// Apply the built-in defaults.
    pub fn effective(&self) -> EffectiveRules {
        EffectiveRules {
            require_manifest: self.require_manifest.unwrap_or(true),
            min_audits: self.min_audits.unwrap_or(0),
            deny_categories: self.deny_categories.clone().unwrap_or_default(),
            allowed_endpoints: self.allowed_endpoints.clone(),
            on_contradicted: self.on_contradicted.unwrap_or(Action::Fail),
            on_undeclared: self.on_undeclared.unwrap_or(Action::Fail),
            max_age_days: self.max_age_days,
            max_audit_age_days: self.max_audit_age_days,
            on_downgrade: self.on_downgrade.unwrap_or(Action::Fail),
        }
    }
}

/// An auditor the enterprise trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedAuditor {
    /// Short id for this auditor in the policy (`seclab`).
    pub id: ToolName,
    /// The organisation; audits count once per distinct organisation.
    pub organization: String,
    /// Keys or identities that sign its audits (at least one).
    pub signers: Vec<Signer>,
}

/// What the enterprise trusts for one tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolPolicy {
    /// The tool's name, as in its manifests.
    pub name: ToolName,
    /// The vendor's signers (at least one).
    pub signers: Vec<Signer>,
    /// How many distinct vendor signers must sign a manifest (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub threshold: u32,
    /// Only these auditors count for this tool (default: all trusted auditors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auditors: Option<Vec<ToolName>>,
    /// Overrides of the default rules.
    #[serde(default, skip_serializing_if = "is_default_rules")]
    pub rules: Rules,
}

fn one() -> u32 {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_default_rules(rules: &Rules) -> bool {
    *rules == Rules::default()
}

/// The trust policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustPolicy {
    /// The policy's version: a positive integer raised on every change, so an older
    /// policy can be refused as a rollback.
    pub version: u64,
    /// Default rules for every tool.
    #[serde(default, skip_serializing_if = "is_default_rules")]
    pub rules: Rules,
    /// Trusted auditors.
    #[serde(default, rename = "auditor", skip_serializing_if = "Vec::is_empty")]
    pub auditors: Vec<TrustedAuditor>,
    /// Trusted tools and their vendors.
    #[serde(default, rename = "tool", skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolPolicy>,
}

impl TrustPolicy {
    /// Parse and validate a policy file's text. `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, DocumentErrors> {
        // Signers are typed (a key or an identity, never both or neither), so a malformed
        // one cannot be represented in a `TrustPolicy`. They are first read as written,
        // so that every malformed signer is reported at once, each with its path.
        let written: WrittenSigners = toml_doc::from_toml_str(text, file)?;
        let violations = written.violations();
        if !violations.is_empty() {
            return Err(toml_doc::locate_violations(text, file, violations));
        }
        let policy: TrustPolicy = toml_doc::from_toml_str(text, file)?;
        let violations = policy.violations();
        if violations.is_empty() {
            Ok(policy)
        } else {
            Err(toml_doc::locate_violations(text, file, violations))
        }
    }

    /// The policy for `tool`, if the policy names it.
    pub fn tool(&self, tool: &ToolName) -> Option<&ToolPolicy> {
        self.tools.iter().find(|t| &t.name == tool)
    }

    /// The rules in force for `tool`: its overrides over the defaults over built-ins.
    pub fn rules_for(&self, tool: &ToolPolicy) -> EffectiveRules {
        tool.rules.over(&self.rules).effective()
    }

    /// The rules the policy breaks. A policy that loads is one every rule of which
    /// candor understands and can satisfy; nothing is silently dropped.
    pub fn violations(&self) -> Vec<Violation> {
        let root = FieldPath::root();
        let mut out = Vec::new();
        if self.version == 0 {
            out.push(Violation::new(
                root.key("version"),
                "version 0; expected a positive integer",
            ));
        }
        for (i, auditor) in self.auditors.iter().enumerate() {
            let at = root.key("auditor").index(i);
            if self.auditors[..i].iter().any(|a| a.id == auditor.id) {
                out.push(Violation::new(
                    at.key("id"),
                    format!(
                        "auditor `{}` is defined twice; expected unique ids",
                        auditor.id
                    ),
                ));
            }
            if auditor.organization.trim().is_empty() {
                out.push(Violation::new(
                    at.key("organization"),
                    "empty organization; expected a name",
                ));
            }
            validate_signers(&auditor.signers, &at.key("signers"), &mut out);
        }
        validate_rules(
            &self.rules,
            &root.key("rules"),
            self.organizations(None),
            &mut out,
        );
        for (i, tool) in self.tools.iter().enumerate() {
            self.validate_tool(i, tool, &mut out);
        }
        out
    }

    /// Number of distinct organisations among the auditors `ids` names (all if `None`).
    fn organizations(&self, ids: Option<&Vec<ToolName>>) -> usize {
        let mut orgs: Vec<&str> = self
            .auditors
            .iter()
            .filter(|a| ids.is_none_or(|ids| ids.contains(&a.id)))
            .map(|a| a.organization.as_str())
            .collect();
        orgs.sort_unstable();
        orgs.dedup();
        orgs.len()
    }

    fn validate_tool(&self, i: usize, tool: &ToolPolicy, out: &mut Vec<Violation>) {
        let at = FieldPath::root().key("tool").index(i);
        if self.tools[..i].iter().any(|t| t.name == tool.name) {
            out.push(Violation::new(
                at.key("name"),
                format!(
                    "tool `{}` is defined twice; expected one entry per tool",
                    tool.name
                ),
            ));
        }
        validate_signers(&tool.signers, &at.key("signers"), out);
        let distinct = distinct_signers(&tool.signers);
        if tool.threshold == 0 {
            out.push(Violation::new(
                at.key("threshold"),
                "threshold 0 would accept unsigned manifests; expected at least 1",
            ));
        } else if u64::from(tool.threshold) > distinct as u64 {
            out.push(Violation::new(
                at.key("threshold"),
                format!(
                    "threshold {} but only {distinct} distinct signer(s) listed; it could never be met",
                    tool.threshold
                ),
            ));
        }
        if let Some(ids) = &tool.auditors {
            for (j, id) in ids.iter().enumerate() {
                if !self.auditors.iter().any(|a| &a.id == id) {
                    out.push(Violation::new(
                        at.key("auditors").index(j),
                        format!(
                            "`{id}` names no [[auditor]]; expected the id of a trusted auditor"
                        ),
                    ));
                }
            }
        }
        // The tool's own overrides are checked like the defaults. A default it inherits
        // was checked once at `[rules]`; only `min_audits` can fail anew here, when the
        // tool's `auditors` leave fewer organisations than the defaults count on.
        let tool_organizations = self.organizations(tool.auditors.as_ref());
        validate_rules(&tool.rules, &at.key("rules"), tool_organizations, out);
        if let (None, Some(min), Some(_)) =
            (tool.rules.min_audits, self.rules.min_audits, &tool.auditors)
        {
            let min = u64::from(min);
            if min > tool_organizations as u64 && min <= self.organizations(None) as u64 {
                out.push(Violation::new(
                    at.key("auditors"),
                    format!(
                        "min_audits = {min} (from [rules]) but the auditors listed here belong to \
                         only {tool_organizations} distinct organisation(s); it could never be met \
                         for this tool"
                    ),
                ));
            }
        }
    }
}

/// Number of distinct signers, counting a signer written twice once.
fn distinct_signers(signers: &[Signer]) -> usize {
    let mut distinct: Vec<&Signer> = Vec::new();
    for signer in signers {
        if !distinct.contains(&signer) {
            distinct.push(signer);
        }
    }
    distinct.len()
}

fn validate_signers(signers: &[Signer], at: &FieldPath, out: &mut Vec<Violation>) {
    if signers.is_empty() {
        out.push(Violation::new(
            at.clone(),
            "no signers; expected at least one `{ key = \"ed25519:…\" }` or `{ issuer = …, subject = … }`",
        ));
    }
}

/// The signer lists of a policy as written, and nothing else of it: the first reading
/// of [`TrustPolicy::from_toml`].
#[derive(Deserialize)]
struct WrittenSigners {
    #[serde(default, rename = "auditor")]
    auditors: Vec<WrittenSignerList>,
    #[serde(default, rename = "tool")]
    tools: Vec<WrittenSignerList>,
}

/// An `[[auditor]]` or `[[tool]]` entry's `signers`, the rest ignored here.
#[derive(Deserialize)]
struct WrittenSignerList {
    #[serde(default)]
    signers: Vec<SignerForm>,
}

impl WrittenSigners {
    fn violations(&self) -> Vec<Violation> {
        let root = FieldPath::root();
        let mut out = Vec::new();
        for (list, entries) in [("auditor", &self.auditors), ("tool", &self.tools)] {
            for (i, entry) in entries.iter().enumerate() {
                let at = root.key(list).index(i).key("signers");
                for (j, signer) in entry.signers.iter().enumerate() {
                    signer.validate(&at.index(j), &mut out);
                }
            }
        }
        out
    }
}

fn validate_rules(rules: &Rules, at: &FieldPath, organizations: usize, out: &mut Vec<Violation>) {
    if let Some(min) = rules.min_audits
        && u64::from(min) > organizations as u64
    {
        out.push(Violation::new(
                at.key("min_audits"),
                format!(
                    "min_audits = {min} but only {organizations} distinct auditor organisation(s) are trusted here; \
                     it could never be met"
                ),
            ));
    }
    if let Some(denied) = &rules.deny_categories {
        for (i, category) in denied.iter().enumerate() {
            if denied[..i].contains(category) {
                out.push(Violation::new(
                    at.key("deny_categories").index(i),
                    format!("`{category}` is listed twice; expected each category once"),
                ));
            }
        }
    }
    if rules.max_age_days == Some(0) {
        out.push(Violation::new(
            at.key("max_age_days"),
            "max_age_days = 0 rejects every manifest; expected at least 1, or leave it out",
        ));
    }
    if rules.max_audit_age_days == Some(0) {
        out.push(Violation::new(
            at.key("max_audit_age_days"),
            "max_audit_age_days = 0 counts no audit; expected at least 1, or leave it out",
        ));
    }
}
