//! Validated names and identifiers that appear in documents.
//!
//! Each is a newtype over its text that can only be built from text that passed its
//! check, so code holding a [`ToolName`] knows it is safe as a path component and code
//! holding a [`ClaimId`] knows which category it names.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::claims::ClaimCategory;

/// Text that failed an identifier's check; says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// What is wrong, and what was expected.
    pub message: String,
}

impl InvalidValue {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

macro_rules! validated_string {
    (
        $(#[$meta:meta])*
        $name:ident, check = $check:path, schema = $schema:tt
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, InvalidValue> {
                $check(&value)?;
                Ok(Self(value))
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(value: &str) -> Result<Self, InvalidValue> {
                Self::try_from(value.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

fn check_path_safe(what: &str, value: &str) -> Result<(), InvalidValue> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(format!(
            "invalid {what} {value:?}: expected 1 to 128 characters of A-Z a-z 0-9 . _ + -, \
             starting with a letter or digit"
        )))
    }
}

fn check_tool_name(value: &str) -> Result<(), InvalidValue> {
    check_path_safe("tool name", value)
}

fn check_version(value: &str) -> Result<(), InvalidValue> {
    check_path_safe("version", value)
}

validated_string! {
    /// A tool's name as it appears in feed paths (`attestations/<tool>/<version>/`): ASCII
    /// letters, digits, `.`, `_`, `+`, `-`, starting with a letter or digit, so it can never
    /// be `..`, contain a separator, or escape a directory.
    ToolName, check = check_tool_name, schema = {
        "type": "string",
        "description": "Tool name, safe as a path component",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$"
    }
}

validated_string! {
    /// A release version (`1.4.0`, `2.0.0-rc.1+build.5`), path-safe like [`ToolName`].
    Version, check = check_version, schema = {
        "type": "string",
        "description": "Release version, safe as a path component",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$"
    }
}

fn check_claim_id(value: &str) -> Result<(), InvalidValue> {
    let expected = "expected `<category>.<name>` such as `network.api` or `env.base-url`: \
                    a claim category, a dot, then lowercase words of a-z 0-9 joined by `-` or `.`";
    let Some((category, name)) = value.split_once('.') else {
        return Err(InvalidValue::new(format!(
            "invalid claim id {value:?}: {expected}"
        )));
    };
    if ClaimCategory::from_str(category).is_err() {
        return Err(InvalidValue::new(format!(
            "invalid claim id {value:?}: `{category}` is not a claim category{} (one of {}); {expected}",
            crate::suggest::did_you_mean(category, ClaimCategory::ALL.map(ClaimCategory::as_str)),
            ClaimCategory::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let words_ok = value.len() <= 100
        && name.split(['.', '-']).all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if words_ok {
        Ok(())
    } else {
        Err(InvalidValue::new(format!(
            "invalid claim id {value:?}: {expected}"
        )))
    }
}

validated_string! {
    /// A claim's stable id, `<category>.<name>` (`network.api`, `env.base-url`), so that
    /// audits and policies can point at one claim across releases.
    ClaimId, check = check_claim_id, schema = {
        "type": "string",
        "description": "Stable claim id: <category>.<name>",
        "pattern": "^(network|telemetry|env|filesystem|process|conditional|identifiers|output-marking|obfuscation|update)\\.[a-z0-9]+([.-][a-z0-9]+)*$",
        "maxLength": 100
    }
}

impl ClaimId {
    /// The category the id names (the part before the first dot).
    pub fn category(&self) -> ClaimCategory {
        let prefix = self.0.split_once('.').map_or("", |(c, _)| c);
        // The check in `check_claim_id` guarantees a known category.
        ClaimCategory::from_str(prefix).unwrap_or(ClaimCategory::Network)
    }
}

fn check_finding_id(value: &str) -> Result<(), InvalidValue> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(format!(
            "invalid finding id {value:?}: expected 1 to 64 characters of A-Z a-z 0-9 . _ -, \
             starting with a letter or digit (e.g. `F-001`)"
        )))
    }
}

validated_string! {
    /// A finding's id within one audit (`F-001`), so a vendor response can answer it.
    FindingId, check = check_finding_id, schema = {
        "type": "string",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    }
}

fn check_git_commit(value: &str) -> Result<(), InvalidValue> {
    if matches!(value.len(), 40 | 64)
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(InvalidValue::new(format!(
            "invalid commit id {value:?}: expected 40 (SHA-1) or 64 (SHA-256) lowercase hex digits"
        )))
    }
}

validated_string! {
    /// A git commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
    GitCommit, check = check_git_commit, schema = {
        "type": "string",
        "pattern": "^([0-9a-f]{40}|[0-9a-f]{64})$"
    }
}

fn check_env_var(value: &str) -> Result<(), InvalidValue> {
    let ok = !value.is_empty()
        && value.len() <= 256
        && value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(format!(
            "invalid environment variable name {value:?}: expected letters, digits and `_`, \
             not starting with a digit (e.g. `ACME_BASE_URL`)"
        )))
    }
}

validated_string! {
    /// An environment variable name (POSIX portable: letters, digits, `_`).
    EnvVarName, check = check_env_var, schema = {
        "type": "string",
        "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,255}$"
    }
}

fn check_purl(value: &str) -> Result<(), InvalidValue> {
    match packageurl::PackageUrl::from_str(value) {
        Ok(_) => Ok(()),
        Err(e) => Err(InvalidValue::new(format!(
            "invalid package URL {value:?}: {e}; expected `pkg:<type>/<namespace>/<name>@<version>` \
             such as `pkg:npm/%40acme/agent@1.4.0` (see github.com/package-url/purl-spec)"
        ))),
    }
}

validated_string! {
    /// A package URL (`pkg:npm/%40acme/agent@1.4.0`), checked against the purl spec.
    Purl, check = check_purl, schema = {
        "type": "string",
        "description": "Package URL (purl)",
        "pattern": "^pkg:[A-Za-z.+-][A-Za-z0-9.+-]*/"
    }
}

impl Purl {
    /// `pkg:generic/<name>@<version>`, percent-encoded as the purl spec requires (for
    /// artifacts that have no package ecosystem of their own).
    pub fn generic(name: &str, version: &str) -> Result<Self, InvalidValue> {
        let mut purl = packageurl::PackageUrl::new("generic", name.to_owned()).map_err(|e| {
            InvalidValue::new(format!("cannot make a package URL for {name:?}: {e}"))
        })?;
        purl.with_version(version.to_owned()).map_err(|e| {
            InvalidValue::new(format!("cannot make a package URL for {name:?}: {e}"))
        })?;
        Self::from_str(&purl.to_string())
    }

    /// The version part of the package URL, if any.
    pub fn version(&self) -> Option<String> {
        packageurl::PackageUrl::from_str(&self.0)
            .ok()
            .and_then(|p| p.version().map(str::to_owned))
    }
}

/// An RFC 3339 date-time with offset (`2026-06-30T12:00:00Z`), kept as written.
///
/// In TOML it may be written as a string or as a TOML offset date-time; either way it is
/// stored and signed as the string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Timestamp(String);

impl Timestamp {
    /// The date-time as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant it names.
    pub fn to_offset_date_time(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::parse(&self.0, &time::format_description::well_known::Rfc3339)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// A timestamp for `instant`, in UTC, whole seconds.
    pub fn from_offset_date_time(instant: time::OffsetDateTime) -> Self {
        let utc = instant
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(instant);
        let text = utc
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned());
        Self(text)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, InvalidValue> {
        match time::OffsetDateTime::parse(&value, &time::format_description::well_known::Rfc3339) {
            Ok(_) => Ok(Self(value)),
            Err(_) => Err(InvalidValue::new(format!(
                "invalid date-time {value:?}: expected RFC 3339 with a time and offset, \
                 such as `2026-06-30T12:00:00Z`"
            ))),
        }
    }
}

impl FromStr for Timestamp {
    type Err = InvalidValue;
    fn from_str(value: &str) -> Result<Self, InvalidValue> {
        Self::try_from(value.to_owned())
    }
}

impl From<Timestamp> for String {
    fn from(value: Timestamp) -> String {
        value.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl<'de> serde::de::Visitor<'de> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time such as `2026-06-30T12:00:00Z`")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Timestamp, E> {
                Timestamp::from_str(value).map_err(E::custom)
            }
            // A TOML date-time literal arrives as TOML's private datetime map.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Timestamp, A::Error> {
                let datetime = toml::value::Datetime::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                if datetime.offset.is_none() || datetime.time.is_none() {
                    return Err(serde::de::Error::custom(format!(
                        "invalid date-time {datetime}: expected a date, a time and an offset, \
                         such as `2026-06-30T12:00:00Z`"
                    )));
                }
                Timestamp::from_str(&datetime.to_string()).map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_any(TimestampVisitor)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 date-time with offset"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_cannot_escape_a_directory() {
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "-x", "a b", "ä"] {
            assert!(ToolName::from_str(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["agent", "acme-agent", "a.b_c+d", "9"] {
            ToolName::from_str(good).unwrap();
        }
    }

    #[test]
    fn claim_ids_name_a_category() {
        let id = ClaimId::from_str("output-marking.apostrophes").unwrap();
        assert_eq!(id.category(), ClaimCategory::OutputMarking);
        ClaimId::from_str("env.base-url.v2").unwrap();
        for bad in [
            "network",
            "network.",
            "net.api",
            "network.API",
            "network.a--b",
            "network.a..b",
        ] {
            let err = ClaimId::from_str(bad).unwrap_err();
            assert!(
                err.message.contains("expected `<category>.<name>`"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn commits_are_lowercase_hex_of_known_lengths() {
        GitCommit::from_str(&"a".repeat(40)).unwrap();
        GitCommit::from_str(&"0".repeat(64)).unwrap();
        assert!(GitCommit::from_str(&"A".repeat(40)).is_err());
        assert!(GitCommit::from_str(&"a".repeat(41)).is_err());
    }

    #[test]
    fn purls_are_parsed() {
        let purl = Purl::from_str("pkg:npm/%40acme/agent@1.4.0").unwrap();
        assert_eq!(purl.version().as_deref(), Some("1.4.0"));
        let generic = Purl::generic("agent linux@x64", "1.4.0").unwrap();
        assert_eq!(generic.as_str(), "pkg:generic/agent%20linux%40x64@1.4.0");
        let err = Purl::from_str("npm/acme").unwrap_err();
        assert!(err.message.contains("expected `pkg:"), "{err}");
    }

    #[test]
    fn timestamps_need_time_and_offset() {
        Timestamp::from_str("2026-06-30T12:00:00Z").unwrap();
        Timestamp::from_str("2026-06-30T12:00:00.5+08:00").unwrap();
        for bad in [
            "2026-06-30",
            "2026-06-30T12:00:00",
            "2026/06/30",
            "yesterday",
        ] {
            let err = Timestamp::from_str(bad).unwrap_err();
            assert!(err.message.contains("expected RFC 3339"), "{bad}: {err}");
        }
    }
}
