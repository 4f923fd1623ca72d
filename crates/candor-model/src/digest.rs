//! Digest sets: the join key of the whole system.
//!
//! An in-toto `DigestSet` maps an algorithm name to a lowercase hex digest. candor
//! computes and signs `sha256` (required) and `sha512` (allowed); digests of other
//! algorithms are kept as written but never used to decide that two artifacts match
//! (in-toto's `digest_set.md`: "MUST ignore unrecognized or unaccepted algorithms").

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::ids::InvalidValue;

/// A digest algorithm candor computes and accepts for matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DigestAlgorithm {
    /// SHA-256 (required in every candor subject).
    Sha256,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Every accepted algorithm.
    pub const ALL: [DigestAlgorithm; 2] = [DigestAlgorithm::Sha256, DigestAlgorithm::Sha512];

    /// The in-toto name (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    /// Length of the hex digest.
    pub fn hex_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 64,
            DigestAlgorithm::Sha512 => 128,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hex lengths of well-known algorithms, checked even where candor does not match on them.
fn known_hex_len(algorithm: &str) -> Option<&'static [usize]> {
    Some(match algorithm {
        "md5" => &[32],
        "sha1" => &[40],
        "sha224" | "sha512_224" | "sha3_224" => &[56],
        "sha256" | "sha512_256" | "sha3_256" => &[64],
        "sha384" | "sha3_384" => &[96],
        "sha512" | "sha3_512" => &[128],
        "gitCommit" | "gitTree" | "gitBlob" | "gitTag" => &[40, 64],
        _ => return None,
    })
}

/// Algorithm name → lowercase hex digest; at least one entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    try_from = "BTreeMap<String, String>",
    into = "BTreeMap<String, String>"
)]
pub struct DigestSet(BTreeMap<String, String>);

impl DigestSet {
    /// A set with one digest.
    pub fn single(algorithm: DigestAlgorithm, hex: &str) -> Result<Self, InvalidValue> {
        Self::try_from(BTreeMap::from([(
            algorithm.as_str().to_owned(),
            hex.to_owned(),
        )]))
    }

    /// A set from (algorithm, hex) pairs.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (DigestAlgorithm, String)>,
    ) -> Result<Self, InvalidValue> {
        Self::try_from(
            pairs
                .into_iter()
                .map(|(a, h)| (a.as_str().to_owned(), h))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    /// The digest for `algorithm`, if present.
    pub fn get(&self, algorithm: DigestAlgorithm) -> Option<&str> {
        self.0.get(algorithm.as_str()).map(String::as_str)
    }

    /// The SHA-256 digest, if present.
    pub fn sha256(&self) -> Option<&str> {
        self.get(DigestAlgorithm::Sha256)
    }

    /// Every entry, accepted or not.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(a, h)| (a.as_str(), h.as_str()))
    }

    /// Whether this set (e.g. a subject's) names the artifact whose digests are `actual`.
    ///
    /// They match when they share at least one accepted algorithm and agree on every
    /// accepted algorithm they share. Unaccepted algorithms (md5, sha1, unknown) never
    /// count, so a subject with only those matches nothing.
    pub fn matches(&self, actual: &DigestSet) -> DigestMatch {
        let mut compared = false;
        for algorithm in DigestAlgorithm::ALL {
            if let (Some(claimed), Some(real)) = (self.get(algorithm), actual.get(algorithm)) {
                if claimed != real {
                    return DigestMatch::Differs(algorithm);
                }
                compared = true;
            }
        }
        if compared {
            DigestMatch::Matches
        } else {
            DigestMatch::NoAcceptedAlgorithm
        }
    }
}

/// The result of comparing two digest sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestMatch {
    /// Every accepted algorithm in common agrees, and there is at least one.
    Matches,
    /// The digests of this algorithm differ.
    Differs(DigestAlgorithm),
    /// No accepted algorithm (sha256, sha512) is present in both.
    NoAcceptedAlgorithm,
}

impl TryFrom<BTreeMap<String, String>> for DigestSet {
    type Error = InvalidValue;

    fn try_from(map: BTreeMap<String, String>) -> Result<Self, InvalidValue> {
        if map.is_empty() {
            return Err(InvalidValue::new(
                "empty digest set: expected at least `sha256 = \"<64 lowercase hex digits>\"`",
            ));
        }
        for (algorithm, hex) in &map {
            if algorithm.is_empty()
                || !algorithm
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(InvalidValue::new(format!(
                    "invalid digest algorithm name {algorithm:?}: expected a name such as `sha256`"
                )));
            }
            if let Some(lengths) = known_hex_len(algorithm) {
                let hex_ok = hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !hex_ok || !lengths.contains(&hex.len()) {
                    let want = lengths
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ");
                    return Err(InvalidValue::new(format!(
                        "invalid {algorithm} digest {hex:?}: expected {want} lowercase hex digits, got {}{}",
                        hex.len(),
                        if hex_ok {
                            ""
                        } else {
                            " characters that are not all lowercase hex"
                        }
                    )));
                }
            } else if hex.is_empty() {
                return Err(InvalidValue::new(format!(
                    "empty {algorithm} digest: expected a hex digest"
                )));
            }
        }
        Ok(Self(map))
    }
}

impl From<DigestSet> for BTreeMap<String, String> {
    fn from(set: DigestSet) -> Self {
        set.0
    }
}

impl JsonSchema for DigestSet {
    fn schema_name() -> Cow<'static, str> {
        "DigestSet".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "Algorithm name to lowercase hex digest (in-toto DigestSet)",
            "minProperties": 1,
            "properties": {
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "sha512": { "type": "string", "pattern": "^[0-9a-f]{128}$" }
            },
            "additionalProperties": { "type": "string", "pattern": "^[0-9a-f]+$" }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, String)]) -> DigestSet {
        DigestSet::try_from(
            pairs
                .iter()
                .map(|(a, h)| ((*a).to_owned(), h.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
        .unwrap()
    }

    #[test]
    fn uppercase_and_wrong_length_hex_are_rejected() {
        let upper = BTreeMap::from([("sha256".to_owned(), "AB".repeat(32))]);
        let err = DigestSet::try_from(upper).unwrap_err();
        assert!(
            err.message.contains("expected 64 lowercase hex digits"),
            "{err}"
        );
        let short = BTreeMap::from([("sha512".to_owned(), "ab".repeat(32))]);
        let err = DigestSet::try_from(short).unwrap_err();
        assert!(
            err.message
                .contains("expected 128 lowercase hex digits, got 64"),
            "{err}"
        );
        assert!(DigestSet::try_from(BTreeMap::new()).is_err());
    }

    #[test]
    fn b9_shared_algorithms_must_all_agree() {
        // digest_set.md's example: {"sha256":"abcd"} vs {"sha256":"fedb","sha512":"abcd"}.
        let a = set(&[("sha256", "a".repeat(64))]);
        let b = set(&[("sha256", "f".repeat(64)), ("sha512", "a".repeat(128))]);
        assert_eq!(a.matches(&b), DigestMatch::Differs(DigestAlgorithm::Sha256));
        let c = set(&[("sha256", "a".repeat(64)), ("sha512", "b".repeat(128))]);
        assert_eq!(a.matches(&c), DigestMatch::Matches);
        let d = set(&[("sha256", "a".repeat(64)), ("sha512", "c".repeat(128))]);
        assert_eq!(c.matches(&d), DigestMatch::Differs(DigestAlgorithm::Sha512));
    }

    #[test]
    fn b8_unaccepted_algorithms_never_match() {
        let weak = set(&[("md5", "a".repeat(32)), ("sha1", "b".repeat(40))]);
        let actual = set(&[("sha256", "c".repeat(64))]);
        assert_eq!(weak.matches(&actual), DigestMatch::NoAcceptedAlgorithm);
        let unknown = set(&[("myhash", "abc".to_owned())]);
        assert_eq!(unknown.matches(&actual), DigestMatch::NoAcceptedAlgorithm);
    }
}
