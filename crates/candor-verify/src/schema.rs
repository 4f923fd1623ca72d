//! JSON Schemas (draft 2020-12) of the reports this crate's use cases return, which
//! `--format json` prints. `schemas/` holds the output of [`all`]; a test regenerates
//! them and fails on drift (`CANDOR_UPDATE_SCHEMAS=1 cargo test -p candor-verify`
//! rewrites them).

use schemars::Schema;

use crate::bundle::BundleReport;
use crate::envelope::EnvelopeReport;
use crate::ledger::LedgerReport;
use crate::policy::{InitReport, PolicyReport};
use crate::report::VerifyReport;

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
            "verify.schema.json",
            candor_model::schema::output_schema::<VerifyReport>(
                "verify.schema.json",
                "candor verify --format json",
            ),
        ),
        (
            "policy-init.schema.json",
            candor_model::schema::output_schema::<InitReport>(
                "policy-init.schema.json",
                "candor policy init --format json",
            ),
        ),
        (
            "policy-check.schema.json",
            candor_model::schema::output_schema::<PolicyReport>(
                "policy-check.schema.json",
                "candor policy check --format json",
            ),
        ),
        (
            "ledger.schema.json",
            candor_model::schema::output_schema::<LedgerReport>(
                "ledger.schema.json",
                "candor ledger --format json",
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
