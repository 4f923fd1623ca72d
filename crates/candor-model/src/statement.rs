//! in-toto Statement v1, the signed form of every candor document.
//!
//! ```json
//! { "_type": "https://in-toto.io/Statement/v1",
//!   "subject": [{ "name": "pkg:npm/%40acme/agent@1.4.0", "digest": { "sha256": "…" } }],
//!   "predicateType": "https://candor.dev/attestation/manifest/v1",
//!   "predicate": { … } }
//! ```
//!
//! Parsing follows in-toto's rules where they exist: unknown fields at the Statement
//! level are ignored; `_type` must be exactly Statement v1. candor's own predicates are
//! versioned by their `predicateType`, so an unknown field *inside* a predicate is an
//! error: a v1 verifier cannot judge a field it does not know, and silently dropping it
//! would be dropping a constraint (ADVERSARIAL.md B3).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::audit::AuditPredicate;
use crate::digest::DigestSet;
use crate::error::{DocumentError, DocumentErrors, Violation};
use crate::ids::Purl;
use crate::json;
use crate::location::{FieldPath, Location};
use crate::manifest::ManifestPredicate;
use crate::response::ResponsePredicate;
use crate::summary::VerificationSummary;

/// The only Statement `_type` candor reads and writes.
pub const STATEMENT_TYPE_V1: &str = "https://in-toto.io/Statement/v1";

/// The DSSE payloadType of an in-toto Statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The most subjects one Statement may name.
pub const MAX_SUBJECTS: usize = 1024;

/// One artifact a Statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Subject {
    /// The artifact's name: a package URL (`pkg:npm/%40acme/agent@1.4.0`,
    /// `pkg:generic/agent-linux-x64@1.4.0`).
    pub name: String,
    /// Its digests; `sha256` is required in candor documents.
    pub digest: DigestSet,
}

/// A candor predicate: the body of a Statement of one `predicateType`.
pub trait Predicate: Serialize + DeserializeOwned + JsonSchema + Clone {
    /// The `predicateType` URI.
    const PREDICATE_TYPE: &'static str;
    /// Short human name (`behaviour manifest`).
    const NAME: &'static str;
    /// Check what serde cannot; `at` is where the predicate sits in its document.
    fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>);
    /// The Statement inside `any` if it has this predicate type, else `any` back.
    #[allow(clippy::result_large_err)] // called once per document; boxing buys nothing
    fn extract(any: AnyStatement) -> Result<Statement<Self>, AnyStatement>;
}

/// An in-toto Statement v1 with a candor predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<P> {
    /// The artifacts it is about (at least one).
    pub subject: Vec<Subject>,
    /// What it says about them.
    pub predicate: P,
}

impl<P: Predicate> Statement<P> {
    /// The one canonical encoding of a Statement: the bytes that get signed.
    ///
    /// Compact JSON, keys in a fixed order (`_type`, `subject`, `predicateType`,
    /// `predicate`, then each type's field order), no trailing newline.
    pub fn to_canonical_json(&self) -> Vec<u8> {
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(&self.as_wire()).unwrap_or_default()
    }

    /// Indented JSON for people, with a trailing newline.
    pub fn to_pretty_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.as_wire()).unwrap_or_default();
        text.push('\n');
        text
    }

    fn as_wire(&self) -> WireStatement<'_, P> {
        WireStatement {
            statement_type: STATEMENT_TYPE_V1,
            subject: &self.subject,
            predicate_type: P::PREDICATE_TYPE,
            predicate: &self.predicate,
        }
    }

    /// Check subjects and predicate; empty when the Statement is valid.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        validate_subjects(&self.subject, &FieldPath::root().key("subject"), &mut out);
        self.predicate
            .validate(&FieldPath::root().key("predicate"), &mut out);
        out
    }

    /// Parse a Statement of this predicate type strictly (see [`AnyStatement::from_json`]).
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, DocumentErrors> {
        P::extract(AnyStatement::from_json(bytes, file)?).map_err(|other| {
            DocumentError {
                file: file.to_owned(),
                location: Location::JsonPath("$.predicateType".to_owned()),
                message: format!(
                    "predicate type is {} ({}); expected {} ({})",
                    other.predicate_type(),
                    other.kind_name(),
                    P::PREDICATE_TYPE,
                    P::NAME
                ),
            }
            .into()
        })
    }
}

#[derive(Serialize)]
struct WireStatement<'a, P> {
    #[serde(rename = "_type")]
    statement_type: &'static str,
    subject: &'a [Subject],
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: &'a P,
}

impl<P: Predicate> Serialize for Statement<P> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_wire().serialize(serializer)
    }
}

impl<P: Predicate> JsonSchema for Statement<P> {
    fn schema_name() -> Cow<'static, str> {
        format!("Statement_{}", P::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let subject = generator.subschema_for::<Subject>();
        let predicate = generator.subschema_for::<P>();
        json_schema!({
            "type": "object",
            "description": format!("in-toto Statement v1 carrying a candor {}", P::NAME),
            "required": ["_type", "subject", "predicateType", "predicate"],
            "properties": {
                "_type": { "const": STATEMENT_TYPE_V1 },
                "subject": { "type": "array", "minItems": 1, "maxItems": MAX_SUBJECTS, "items": subject },
                "predicateType": { "const": P::PREDICATE_TYPE },
                "predicate": predicate
            }
        })
    }
}

/// The subject rules of candor documents: purl names, sha256 present, no repeats.
fn validate_subjects(subjects: &[Subject], at: &FieldPath, out: &mut Vec<Violation>) {
    if subjects.is_empty() {
        out.push(Violation::new(
            at.clone(),
            "no subjects; expected at least one artifact with a sha256 digest",
        ));
    }
    if subjects.len() > MAX_SUBJECTS {
        out.push(Violation::new(
            at.clone(),
            format!(
                "{} subjects; expected at most {MAX_SUBJECTS}",
                subjects.len()
            ),
        ));
        return;
    }
    for (i, subject) in subjects.iter().enumerate() {
        let path = at.index(i);
        if let Err(e) = subject.name.parse::<Purl>() {
            out.push(Violation::new(path.key("name"), e.message));
        }
        if subject.digest.sha256().is_none() {
            out.push(Violation::new(
                path.key("digest"),
                "no sha256 digest; expected `sha256` (64 lowercase hex digits) in every subject",
            ));
        }
        if subjects[..i].iter().any(|s| s.name == subject.name) {
            out.push(Violation::new(
                path.key("name"),
                format!(
                    "subject `{}` is listed twice; expected each artifact once",
                    subject.name
                ),
            ));
        }
    }
}

/// A Statement of any candor predicate type, as read from untrusted bytes.
///
/// It serializes as the Statement itself (the same keys, in the same order, as
/// [`AnyStatement::to_canonical_json`]).
#[allow(clippy::large_enum_variant)] // one per document read; boxing buys nothing
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AnyStatement {
    /// A vendor's behaviour manifest.
    Manifest(Statement<ManifestPredicate>),
    /// An auditor's counter-attestation.
    Audit(Statement<AuditPredicate>),
    /// A vendor's response to an audit.
    Response(Statement<ResponsePredicate>),
    /// A verifier's signed verdict (SLSA VSA v1).
    Summary(Statement<VerificationSummary>),
}

/// The Statement fields before the predicate type is known. Unknown fields are ignored
/// (in-toto: "consumers MUST ignore unrecognized fields").
#[derive(Deserialize, Serialize)]
struct RawStatement {
    #[serde(rename = "_type")]
    statement_type: Option<String>,
    subject: Option<Vec<Subject>>,
    #[serde(rename = "predicateType")]
    predicate_type: Option<String>,
    predicate: Option<serde_json::Value>,
}

/// The predicate types candor reads.
pub const PREDICATE_TYPES: [&str; 4] = [
    ManifestPredicate::PREDICATE_TYPE,
    AuditPredicate::PREDICATE_TYPE,
    ResponsePredicate::PREDICATE_TYPE,
    VerificationSummary::PREDICATE_TYPE,
];

impl AnyStatement {
    /// Parse and validate a Statement from untrusted JSON.
    ///
    /// Rejects: oversized or non-UTF-8 input, a byte-order mark, duplicate keys at any
    /// depth, a missing or other `_type`, a missing or unknown `predicateType`, no
    /// subjects, subjects without sha256 or with malformed digests, predicates that break
    /// their schema or rules. Every error names `file` and the JSON path.
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, DocumentErrors> {
        let text = json::check_text(bytes, file)?;
        let raw: RawStatement = json::from_str_checked(text, file)?;
        let at = |path: &str, message: String| DocumentError {
            file: file.to_owned(),
            location: Location::JsonPath(path.to_owned()),
            message,
        };
        match raw.statement_type.as_deref() {
            Some(STATEMENT_TYPE_V1) => {}
            Some(other) => {
                return Err(at(
                    "$._type",
                    format!("statement type is {other:?}; expected {STATEMENT_TYPE_V1:?}"),
                )
                .into());
            }
            None => {
                return Err(at(
                    "$._type",
                    format!("missing `_type`; expected {STATEMENT_TYPE_V1:?}"),
                )
                .into());
            }
        }
        let Some(subject) = raw.subject else {
            return Err(at(
                "$.subject",
                "missing `subject`; expected a list of artifacts".to_owned(),
            )
            .into());
        };
        let Some(predicate_type) = raw.predicate_type else {
            return Err(at(
                "$.predicateType",
                format!(
                    "missing `predicateType`; expected one of {}",
                    PREDICATE_TYPES.join(", ")
                ),
            )
            .into());
        };
        let Some(predicate) = raw.predicate else {
            return Err(at(
                "$.predicate",
                "missing `predicate`; expected an object".to_owned(),
            )
            .into());
        };
        let predicate_at = FieldPath::root().key("predicate");
        let statement = match predicate_type.as_str() {
            ManifestPredicate::PREDICATE_TYPE => AnyStatement::Manifest(Statement {
                subject,
                predicate: json::from_value_at(predicate, &predicate_at, file)?,
            }),
            AuditPredicate::PREDICATE_TYPE => AnyStatement::Audit(Statement {
                subject,
                predicate: json::from_value_at(predicate, &predicate_at, file)?,
            }),
            ResponsePredicate::PREDICATE_TYPE => AnyStatement::Response(Statement {
                subject,
                predicate: json::from_value_at(predicate, &predicate_at, file)?,
            }),
            VerificationSummary::PREDICATE_TYPE => AnyStatement::Summary(Statement {
                subject,
                predicate: json::from_value_at(predicate, &predicate_at, file)?,
            }),
            other => {
                return Err(at(
                    "$.predicateType",
                    format!(
                        "unsupported predicate type {other:?}; expected one of {}",
                        PREDICATE_TYPES.join(", ")
                    ),
                )
                .into());
            }
        };
        let violations = statement.violations();
        if violations.is_empty() {
            Ok(statement)
        } else {
            Err(DocumentErrors(
                violations
                    .into_iter()
                    .map(|v| DocumentError {
                        file: file.to_owned(),
                        location: Location::JsonPath(v.path.to_json_path()),
                        message: v.message,
                    })
                    .collect(),
            ))
        }
    }

    /// The subjects.
    pub fn subjects(&self) -> &[Subject] {
        match self {
            AnyStatement::Manifest(s) => &s.subject,
            AnyStatement::Audit(s) => &s.subject,
            AnyStatement::Response(s) => &s.subject,
            AnyStatement::Summary(s) => &s.subject,
        }
    }

    /// The `predicateType` URI.
    pub fn predicate_type(&self) -> &'static str {
        match self {
            AnyStatement::Manifest(_) => ManifestPredicate::PREDICATE_TYPE,
            AnyStatement::Audit(_) => AuditPredicate::PREDICATE_TYPE,
            AnyStatement::Response(_) => ResponsePredicate::PREDICATE_TYPE,
            AnyStatement::Summary(_) => VerificationSummary::PREDICATE_TYPE,
        }
    }

    /// Short human name of the predicate type.
    pub fn kind_name(&self) -> &'static str {
        match self {
            AnyStatement::Manifest(_) => ManifestPredicate::NAME,
            AnyStatement::Audit(_) => AuditPredicate::NAME,
            AnyStatement::Response(_) => ResponsePredicate::NAME,
            AnyStatement::Summary(_) => VerificationSummary::NAME,
        }
    }

    fn violations(&self) -> Vec<Violation> {
        match self {
            AnyStatement::Manifest(s) => s.violations(),
            AnyStatement::Audit(s) => s.violations(),
            AnyStatement::Response(s) => s.violations(),
            AnyStatement::Summary(s) => s.violations(),
        }
    }

    /// The canonical encoding (see [`Statement::to_canonical_json`]).
    pub fn to_canonical_json(&self) -> Vec<u8> {
        match self {
            AnyStatement::Manifest(s) => s.to_canonical_json(),
            AnyStatement::Audit(s) => s.to_canonical_json(),
            AnyStatement::Response(s) => s.to_canonical_json(),
            AnyStatement::Summary(s) => s.to_canonical_json(),
        }
    }

    /// Indented JSON for people.
    pub fn to_pretty_json(&self) -> String {
        match self {
            AnyStatement::Manifest(s) => s.to_pretty_json(),
            AnyStatement::Audit(s) => s.to_pretty_json(),
            AnyStatement::Response(s) => s.to_pretty_json(),
            AnyStatement::Summary(s) => s.to_pretty_json(),
        }
    }
}
