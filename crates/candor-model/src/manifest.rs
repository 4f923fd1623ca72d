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
use crate::ids::{GitCommit, Purl, Timestamp, ToolName, Version};
use crate::location::FieldPath;
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
        let declaration: Declaration = toml_doc::from_toml_str(text, file)?;
        let violations = declaration.violations();
        if violations.is_empty() {
            Ok(declaration)
        } else {
            Err(toml_doc::locate_violations(text, file, violations))
        }
    }

    /// The rules the document breaks (paths relative to the document root).
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        self.predicate().validate(&FieldPath::root(), &mut out);
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
            subject: statement.subject.clone(),
        }
    }

    /// The declaration as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}
