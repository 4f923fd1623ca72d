//! The behaviour manifest: the vendor's signed declaration of what one release does.
//!
//! Vendors write it as `candor.toml` ([`Declaration`]); its signed form is an in-toto
//! Statement whose predicate is a [`ManifestPredicate`] and whose subjects are the
//! release's artifacts. The two convert into each other without loss.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::claims::{ClaimCategory, Claims};
use crate::digest::DigestSet;
use crate::error::{DocumentErrors, Violation};
use crate::ids::{ClaimId, GitCommit, Purl, Timestamp, ToolName, Version};
use crate::location::FieldPath;
use crate::pattern::Pattern;
use crate::statement::{AnyStatement, Predicate, Statement, Subject};
use crate::toml_doc;

/// The tool a manifest describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    /// The tool's name (path-safe: it names the feed directory).
    pub name: ToolName,
    /// The release this manifest is for.
    pub version: Version,
    /// The package URL of the release, where one exists (`pkg:npm/%40acme/agent@1.4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<Purl>,
}

/// Who publishes the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorInfo {
    /// The vendor's name (`Acme Inc.`).
    pub name: String,
    /// The vendor's web site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where to report security issues (`security@acme.example`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// Where the release was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// The source repository URL.
    pub repository: String,
    /// The release tag (`v1.4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The commit the release was built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<GitCommit>,
    /// Whether the tag is an annotated tag object (not a lightweight ref), as
    /// `candor manifest generate` read it from the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_annotated: Option<bool>,
    /// Whether the annotated tag carries a signature (PGP, SSH or X.509), as `candor
    /// manifest generate` read it; whether the signature is valid is not checked here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_signed: Option<bool>,
}

/// Which claim categories the vendor asserts are exhaustive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    /// Categories in which the claims list *everything* the tool does. A category not
    /// listed here is a partial declaration, and a policy may treat it as such.
    pub exhaustive: Vec<ClaimCategory>,
    /// Anything the vendor wants to say about coverage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

/// The predicate of a behaviour manifest Statement (v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestPredicate {
    /// The tool and release.
    pub tool: ToolInfo,
    /// The vendor.
    pub vendor: VendorInfo,
    /// The source the release was built from.
    pub source: SourceInfo,
    /// When the release was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Timestamp>,
    /// Which categories are declared exhaustively.
    pub completeness: Completeness,
    /// What the tool does.
    #[serde(default)]
    pub claims: Claims,
    /// The manifest this one replaces: the sha256 of its envelope, exactly as published
    /// (same tool, release and signer). A feed refuses a second, different manifest for a
    /// release from one signer unless it names the one it supersedes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<DigestSet>,
    /// Scanner findings the vendor declares are not behaviour, each with a reason: the
    /// completeness gate let them pass, and auditors see them here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<GateException>,
    /// What changed since the previous release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<Changelog>,
}

/// The [`GateException::kind`] for content the scanner did not read (its value matches
/// the entry's path, `agent.tgz!package/link.js`): a skipped entry, or a file with more
/// distinct indicators than a scan keeps.
pub const UNSCANNED: &str = "unscanned";

/// A scanner finding the vendor declares is not behaviour of the tool (a URL in a
/// licence text, typographic apostrophes in help messages), with the reason. Written in
/// `candor.toml` as `[[exception]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateException {
    /// The indicator kind it covers (`domain`, `url`, `env-var`, `look-alike`, …).
    pub kind: String,
    /// The indicator values it covers, an anchored pattern (`*.cdn.example`, `U+2019 *`).
    pub value: Pattern,
    /// Why this is not behaviour the tool has (at least a sentence).
    pub reason: String,
}

/// The release a changelog compares with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviousRelease {
    /// Its version.
    pub version: Version,
    /// Its tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Its commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<GitCommit>,
}

/// Claims added, removed and changed (same id, other content) since the previous release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimChanges {
    /// Claims new in this release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<ClaimId>,
    /// Claims the previous release had and this one has not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<ClaimId>,
    /// Claims whose id stayed and whose content changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<ClaimId>,
    /// Categories newly asserted exhaustive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exhaustive_added: Vec<ClaimCategory>,
    /// Categories no longer asserted exhaustive (weaker coverage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exhaustive_removed: Vec<ClaimCategory>,
}

/// One scanner indicator, by what it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSummary {
    /// The claim category it bears on.
    pub category: ClaimCategory,
    /// The indicator kind (`domain`, `env-var`, …).
    pub kind: String,
    /// Its normalized value.
    pub value: String,
}

/// Indicators the scanner finds in this release's artifacts and not in the previous
/// release's, and the reverse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorChanges {
    /// New in this release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<IndicatorSummary>,
    /// Gone since the previous release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<IndicatorSummary>,
}

/// What changed since the previous release: the machine-readable behaviour changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Changelog {
    /// The release compared with.
    pub previous: PreviousRelease,
    /// Declared behaviour that changed.
    pub claims: ClaimChanges,
    /// Behaviour the scanner sees that changed, when the previous release's artifacts
    /// were scanned too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<IndicatorChanges>,
}

impl Predicate for ManifestPredicate {
    const PREDICATE_TYPE: &'static str = "https://candor.dev/attestation/manifest/v1";
    const NAME: &'static str = "behaviour manifest";

    fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        if self.vendor.name.trim().is_empty() {
            out.push(Violation::new(
                at.key("vendor").key("name"),
                "empty vendor name; expected the publisher's name",
            ));
        }
        if self.source.repository.trim().is_empty() {
            out.push(Violation::new(
                at.key("source").key("repository"),
                "empty repository; expected the source repository URL",
            ));
        }
        if self
            .supersedes
            .as_ref()
            .is_some_and(|digest| digest.sha256().is_none())
        {
            out.push(Violation::new(
                at.key("supersedes"),
                "no sha256 digest; expected the sha256 of the manifest envelope this one replaces",
            ));
        }
        if let Some(purl) = &self.tool.purl
            && let Some(purl_version) = purl.version()
            && purl_version != self.tool.version.as_str()
        {
            out.push(Violation::new(
                        at.key("tool").key("purl"),
                        format!(
                            "package URL names version {purl_version} but tool.version is {}; expected them to agree",
                            self.tool.version
                        ),
                    ));
        }
        let exhaustive = &self.completeness.exhaustive;
        for (i, category) in exhaustive.iter().enumerate() {
            if exhaustive[..i].contains(category) {
                out.push(Violation::new(
                    at.key("completeness").key("exhaustive").index(i),
                    format!("`{category}` is listed twice; expected each category once"),
                ));
            }
        }
        self.claims.validate(&at.key("claims"), out);
        for (i, exception) in self.exceptions.iter().enumerate() {
            let at = at.key("exceptions").index(i);
            let known_shape = !exception.kind.is_empty()
                && exception
                    .kind
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-');
            if !known_shape {
                out.push(Violation::new(
                    at.key("kind"),
                    format!(
                        "{:?} is not an indicator kind; expected one such as `domain`, `url`, `env-var`, `look-alike`",
                        exception.kind
                    ),
                ));
            }
            if exception.reason.split_whitespace().count() < 3 {
                out.push(Violation::new(
                    at.key("reason"),
                    "a reason of fewer than three words; expected a sentence saying why this is not behaviour",
                ));
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn extract(any: AnyStatement) -> Result<Statement<Self>, AnyStatement> {
        match any {
            AnyStatement::Manifest(statement) => Ok(statement),
            other => Err(other),
        }
    }
}

/// The vendor's authoring file, `candor.toml`: the manifest predicate's fields at the top
/// level, plus the release's artifacts as `[[subject]]` tables once they are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// The tool and release.
    pub tool: ToolInfo,
    /// The vendor.
    pub vendor: VendorInfo,
    /// The source the release was built from.
    pub source: SourceInfo,
    /// When the release was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Timestamp>,
    /// Which categories are declared exhaustively.
    pub completeness: Completeness,
    /// What the tool does.
    #[serde(default)]
    pub claims: Claims,
    /// Scanner findings declared not to be behaviour, each with its reason
    /// (`[[exception]]`).
    #[serde(default, rename = "exception", skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<GateException>,
    /// The release's artifacts, where already known (`candor manifest statement
    /// --artifact` adds the ones it digests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject: Vec<Subject>,
}

impl Declaration {
    /// Parse and validate `candor.toml` text. `file` names it in errors.
    ///
    /// Every error carries line:column and what was expected; all rule violations are
    /// reported at once, in document order.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, DocumentErrors> {
        toml_doc::from_toml_str_with_rules(text, file, Declaration::violations)
    }

    /// The rules the document breaks (paths relative to the document root).
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        self.predicate().validate(&FieldPath::root(), &mut out);
        // The predicate's `exceptions` are `[[exception]]` tables in candor.toml.
        for violation in &mut out {
            if let Some(first) = violation.path.0.first_mut()
                && *first == crate::location::PathSegment::Key("exceptions".to_owned())
            {
                *first = crate::location::PathSegment::Key("exception".to_owned());
            }
        }
        if !self.subject.is_empty() {
            // Subjects are checked like a Statement's (purl names, sha256, no repeats).
            let statement = self.to_statement_with(Vec::new());
            for violation in statement.violations() {
                if violation.path.0.first()
                    == Some(&crate::location::PathSegment::Key("subject".to_owned()))
                {
                    out.push(violation);
                }
            }
        }
        out
    }

    /// The manifest predicate (everything but the subjects).
    pub fn predicate(&self) -> ManifestPredicate {
        ManifestPredicate {
            tool: self.tool.clone(),
            vendor: self.vendor.clone(),
            source: self.source.clone(),
            release_date: self.release_date.clone(),
            completeness: self.completeness.clone(),
            claims: self.claims.clone(),
            supersedes: None,
            exceptions: self.exceptions.clone(),
            changelog: None,
        }
    }

    /// The Statement for this declaration: its own subjects followed by `more`.
    pub fn to_statement_with(&self, more: Vec<Subject>) -> Statement<ManifestPredicate> {
        let mut subject = self.subject.clone();
        subject.extend(more);
        Statement {
            subject,
            predicate: self.predicate(),
        }
    }

    /// The declaration a Statement was made from (inverse of [`Self::to_statement_with`]).
    pub fn from_statement(statement: &Statement<ManifestPredicate>) -> Self {
        let p = statement.predicate.clone();
        Declaration {
            tool: p.tool,
            vendor: p.vendor,
            source: p.source,
            release_date: p.release_date,
            completeness: p.completeness,
            claims: p.claims,
            exceptions: p.exceptions,
            subject: statement.subject.clone(),
        }
    }

    /// The declaration as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}
