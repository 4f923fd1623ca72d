//! Default severities: where a finding's severity starts, by its status and claim
//! category (`data/severity.toml`). An audit draft starts each finding there; the scanner
//! rates each indicator as the undeclared behaviour it is until a manifest declares it.

use std::sync::LazyLock;

use crate::audit::{FindingStatus, Severity};
use crate::claims::ClaimCategory;

/// The severity table.
const TABLE: &str = include_str!("../data/severity.toml");

/// The default severity of a finding of `status` in `category` (`data/severity.toml`:
/// the category's row entry, else the row's `default`, else medium).
pub fn default_severity(status: FindingStatus, category: ClaimCategory) -> Severity {
    static PARSED: LazyLock<toml::Table> =
        LazyLock::new(|| toml::from_str(TABLE).unwrap_or_default());
    let table = &*PARSED;
    let status = match status {
        FindingStatus::Confirmed => "confirmed",
        FindingStatus::Contradicted => "contradicted",
        FindingStatus::Undeclared => "undeclared",
        FindingStatus::Inconclusive => "inconclusive",
    };
    let row = table.get(status).and_then(|v| v.as_table());
    let name = row
        .and_then(|r| r.get(category.as_str()).or_else(|| r.get("default")))
        .and_then(|v| v.as_str())
        .unwrap_or("medium");
    name.parse().unwrap_or(Severity::Medium)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name in the table is a severity: a typo would silently read as medium.
    #[test]
    fn the_table_parses_and_names_only_severities() {
        let table: toml::Table = toml::from_str(TABLE).unwrap();
        for (status, row) in &table {
            for (category, name) in row.as_table().unwrap() {
                let name = name.as_str().unwrap();
                assert!(
                    name.parse::<Severity>().is_ok(),
                    "{status}.{category} = {name}"
                );
                assert!(
                    category == "default" || category.parse::<ClaimCategory>().is_ok(),
                    "{status}.{category}"
                );
            }
        }
    }

    #[test]
    fn undeclared_hidden_behaviour_rates_higher_than_an_unlisted_variable() {
        assert_eq!(
            default_severity(FindingStatus::Undeclared, ClaimCategory::Conditional),
            Severity::High
        );
        assert_eq!(
            default_severity(FindingStatus::Undeclared, ClaimCategory::Env),
            Severity::Low
        );
        assert_eq!(
            default_severity(FindingStatus::Undeclared, ClaimCategory::Network),
            Severity::Medium
        );
        assert_eq!(
            default_severity(FindingStatus::Contradicted, ClaimCategory::Obfuscation),
            Severity::Critical
        );
    }
}
