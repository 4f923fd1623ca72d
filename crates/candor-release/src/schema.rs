//! JSON Schemas of the reports `candor manifest … --format json` prints (see
//! `candor_model::schema::output_schema`); `schemas/` holds [`all`], drift-tested.

use schemars::Schema;

use crate::declaration::{InitReport, ValidationReport};
use crate::generate::GenerateReport;

/// Every schema of this crate as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "manifest-init.schema.json",
            candor_model::schema::output_schema::<InitReport>(
                "manifest-init.schema.json",
                "candor manifest init --format json",
            ),
        ),
        (
            "manifest-generate.schema.json",
            candor_model::schema::output_schema::<GenerateReport>(
                "manifest-generate.schema.json",
                "candor manifest generate --format json",
            ),
        ),
        (
            "manifest-validate.schema.json",
            candor_model::schema::output_schema::<ValidationReport>(
                "manifest-validate.schema.json",
                "candor manifest validate --format json",
            ),
        ),
    ]
}
