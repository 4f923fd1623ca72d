//! JSON Schemas of the reports `candor publish` and `candor feed …` print with
//! `--format json` (see `candor_model::schema::output_schema`); `schemas/` holds [`all`],
//! drift-tested.

use candor_model::schema::output_schema;
use schemars::Schema;

use crate::feeds::{FeedList, FeedSummary, Removed};
use crate::publish::PublishReport;
use crate::sync::SyncOutput;

/// Every schema of this crate as (file name, schema), in a fixed order.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "publish.schema.json",
            output_schema::<PublishReport>("publish.schema.json", "candor publish --format json"),
        ),
        (
            "feed-add.schema.json",
            output_schema::<FeedSummary>("feed-add.schema.json", "candor feed add --format json"),
        ),
        (
            "feed-sync.schema.json",
            output_schema::<SyncOutput>("feed-sync.schema.json", "candor feed sync --format json"),
        ),
        (
            "feed-list.schema.json",
            output_schema::<FeedList>("feed-list.schema.json", "candor feed list --format json"),
        ),
        (
            "feed-remove.schema.json",
            output_schema::<Removed>(
                "feed-remove.schema.json",
                "candor feed remove --format json",
            ),
        ),
    ]
}
