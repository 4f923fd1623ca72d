//! JSON Schemas (draft 2020-12) of the reports this crate's use cases return, which
//! `--format json` prints. `schemas/` holds the output of [`all`]; a test regenerates
//! them and fails on drift (`CANDOR_UPDATE_SCHEMAS=1 cargo test -p candor-verify`
//! rewrites them).

use schemars::Schema;

use crate::bundle::BundleReport;
use crate::envelope::EnvelopeReport;

/// Every schema of this crate as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "verify-envelope.schema.json",
            candor_model::schema::output_schema::<EnvelopeReport>(
                "verify-envelope.schema.json",
                "candor verify-envelope --format json",
            ),
        ),
        (
            "verify-bundle.schema.json",
            candor_model::schema::output_schema::<BundleReport>(
                "verify-bundle.schema.json",
                "candor sigstore verify-bundle --format json",
            ),
        ),
    ]
}
