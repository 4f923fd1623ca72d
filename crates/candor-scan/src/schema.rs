//! JSON Schemas (draft 2020-12) of what `candor scan --format json` prints, generated from
//! the report types.
//!
//! `schemas/scan-report.schema.json` and `schemas/scan-diff.schema.json` in the repository
//! hold the output of [`all`]; a test regenerates them and fails when the committed files
//! drift from the types (`CANDOR_UPDATE_SCHEMAS=1 cargo test -p candor-scan --test it
//! output` rewrites them). The schemas describe output exactly: objects admit no property
//! the types do not write.

use candor_model::schema::SCHEMA_BASE_URI;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde::Serialize;

use crate::diff::ScanDiff;
use crate::report::ScanReport;

/// File name of the schema of [`ScanOutput`].
pub const SCAN_REPORT_SCHEMA: &str = "scan-report.schema.json";
/// File name of the schema of [`DiffOutput`].
pub const SCAN_DIFF_SCHEMA: &str = "scan-diff.schema.json";

/// The document `candor scan --format json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScanOutput {
    /// One report per input, in the order given.
    pub reports: Vec<ScanReport>,
    /// With `--manifest`: what the manifest covers of every input's indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<crate::coverage::ManifestMatch>,
    /// Wall-clock seconds the scan took.
    pub seconds: f64,
}

/// The document `candor scan --diff OLD NEW --format json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DiffOutput {
    /// What was added and removed between the two releases.
    pub diff: ScanDiff,
    /// Wall-clock seconds both scans and the comparison took.
    pub seconds: f64,
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

fn generate<T: JsonSchema>(file_name: &str, title: &str) -> Schema {
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

/// Every scan schema as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            SCAN_REPORT_SCHEMA,
            generate::<ScanOutput>(SCAN_REPORT_SCHEMA, "candor scan --format json"),
        ),
        (
            SCAN_DIFF_SCHEMA,
            generate::<DiffOutput>(SCAN_DIFF_SCHEMA, "candor scan --diff --format json"),
        ),
    ]
}

/// A schema as the text committed in `schemas/` (indented, trailing newline).
pub fn to_text(schema: &Schema) -> String {
    candor_model::schema::to_text(schema)
}
