//! JSON Schemas (draft 2020-12) of every candor document, generated from the types.
//!
//! `schemas/` in the repository holds the output of [`all`]; a test regenerates it and
//! fails when the committed files drift from the types.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};

use crate::audit::AuditPredicate;
use crate::manifest::{Declaration, ManifestPredicate};
use crate::policy::TrustPolicy;
use crate::response::ResponsePredicate;
use crate::statement::Statement;
use crate::summary::VerificationSummary;

/// Where candor's schemas are published; `$id`s are built on it.
pub const SCHEMA_BASE_URI: &str = "https://candor.dev/schemas/";

fn generate<T: JsonSchema>(file_name: &str, title: &str) -> Schema {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert(
        "$id".to_owned(),
        format!("{SCHEMA_BASE_URI}{file_name}").into(),
    );
    schema.insert("title".to_owned(), title.into());
    schema
}

/// Objects with declared properties admit no others.
fn closed_objects(schema: &mut Schema) {
    if let Some(object) = schema.as_object_mut()
        && object.contains_key("properties")
        && !object.contains_key("additionalProperties")
    {
        object.insert("additionalProperties".to_owned(), false.into());
    }
}

/// The schema of a command's output `T` (what `--format json` prints), generated for
/// serialization: it describes output exactly, and objects admit no property the types
/// do not write. Every crate's report schemas are made with this.
pub fn output_schema<T: JsonSchema>(file_name: &str, title: &str) -> Schema {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(RecursiveTransform(closed_objects as fn(&mut Schema)))
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert(
        "$id".to_owned(),
        format!("{SCHEMA_BASE_URI}{file_name}").into(),
    );
    schema.insert("title".to_owned(), title.into());
    schema
}

/// The schema of a boolean that is always `true` in its report (`"verified": true`,
/// `"ok": true`), so readers can tell a report's forms apart by it. For
/// `#[schemars(schema_with = "candor_model::schema::always_true")]`.
pub fn always_true(_: &mut schemars::SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "boolean", "const": true })
}

/// The schema of a boolean that is always `false` in its report (see [`always_true`]).
pub fn always_false(_: &mut schemars::SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "boolean", "const": false })
}

/// The DSSE envelope schema (hand-written: the envelope is DSSE's, not ours).
fn dsse_envelope() -> Schema {
    schemars::json_schema!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{SCHEMA_BASE_URI}dsse-envelope.schema.json"),
        "title": "DSSE envelope",
        "description": "Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse, envelope.md). candor signs payloadType application/vnd.in-toto+json; payload and sig are base64 (standard or URL-safe alphabet, padding optional on input; candor writes standard with padding).",
        "type": "object",
        "required": ["payload", "payloadType", "signatures"],
        "properties": {
            "payload": { "type": "string", "pattern": "^[A-Za-z0-9+/_-]*={0,2}$" },
            "payloadType": { "type": "string", "minLength": 1 },
            "signatures": {
                "type": "array",
                "maxItems": 64,
                "items": {
                    "type": "object",
                    "required": ["sig"],
                    "properties": {
                        "keyid": { "type": "string", "description": "A hint only; never used to decide trust" },
                        "sig": { "type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9+/_-]*={0,2}$" }
                    }
                }
            }
        }
    })
}

/// Every schema as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "candor-toml.schema.json",
            generate::<Declaration>(
                "candor-toml.schema.json",
                "candor.toml (vendor declaration)",
            ),
        ),
        (
            "manifest-statement.schema.json",
            generate::<Statement<ManifestPredicate>>(
                "manifest-statement.schema.json",
                "in-toto Statement v1 with a candor behaviour manifest",
            ),
        ),
        (
            "audit-statement.schema.json",
            generate::<Statement<AuditPredicate>>(
                "audit-statement.schema.json",
                "in-toto Statement v1 with a candor audit",
            ),
        ),
        (
            "response-statement.schema.json",
            generate::<Statement<ResponsePredicate>>(
                "response-statement.schema.json",
                "in-toto Statement v1 with a candor vendor response",
            ),
        ),
        (
            "summary-statement.schema.json",
            generate::<Statement<VerificationSummary>>(
                "summary-statement.schema.json",
                "in-toto Statement v1 with a verification summary (SLSA VSA v1) by candor verify",
            ),
        ),
        ("dsse-envelope.schema.json", dsse_envelope()),
        (
            "trust-policy.schema.json",
            generate::<TrustPolicy>(
                "trust-policy.schema.json",
                "candor trust policy (TOML, as JSON)",
            ),
        ),
    ]
}

/// A schema as the text committed in `schemas/` (indented, trailing newline).
pub fn to_text(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
