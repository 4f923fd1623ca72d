//! JSON Schemas of what `candor audit … --format json` prints (see
//! `candor_model::schema::output_schema`); `schemas/` holds [`all`], drift-tested.

use schemars::Schema;

use crate::show::ShowReport;

/// Every schema of this crate as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "audit-draft.schema.json",
            candor_model::schema::output_schema::<candor_model::audit::AuditDraft>(
                "audit-draft.schema.json",
                "candor audit draft (the TOML draft, as JSON)",
            ),
        ),
        (
            "audit-show.schema.json",
            candor_model::schema::output_schema::<ShowReport>(
                "audit-show.schema.json",
                "candor audit show --format json",
            ),
        ),
    ]
}
