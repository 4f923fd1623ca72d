//! JSON Schemas of the reports signing and key commands print with `--format json` (see
//! `candor_model::schema::output_schema`); `schemas/` holds [`all`], drift-tested.

use schemars::Schema;

use crate::keys::{GeneratedKey, PublicKeyReport};
use crate::signing::SignReport;
use crate::sigstore::UpdatedRoot;

/// Every schema of this crate as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    use candor_model::schema::output_schema;
    vec![
        (
            "key-generate.schema.json",
            output_schema::<GeneratedKey>(
                "key-generate.schema.json",
                "candor key generate --format json",
            ),
        ),
        (
            "key-public.schema.json",
            output_schema::<PublicKeyReport>(
                "key-public.schema.json",
                "candor key public --format json",
            ),
        ),
        (
            "sign.schema.json",
            output_schema::<SignReport>("sign.schema.json", "candor sign --format json"),
        ),
        (
            "sigstore-update-root.schema.json",
            output_schema::<UpdatedRoot>(
                "sigstore-update-root.schema.json",
                "candor sigstore update-root --format json",
            ),
        ),
    ]
}
