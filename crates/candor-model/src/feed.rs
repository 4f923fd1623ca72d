//! The layout of a feed: where each signed document lives, and the index that lists them.
//!
//! A feed is a tree of files, the same whether it is a directory, a git repository or a
//! static web server:
//!
//! ```text
//! index.json
//! <tool>/<version>/<kind>.<signer>.<digest>.dsse.json
//! ```
//!
//! - `<tool>` and `<version>`: the release the document is about ([`ToolName`],
//!   [`Version`]: path-safe by construction);
//! - `<kind>`: `manifest`, `audit` or `response` ([`DocumentKind`]);
//! - `<signer>`: the first [`PREFIX_HEX_DIGITS`] hex digits of the signer's key id (for a
//!   key signature: the first signature's `keyid`), or of the sha256 of the signer's
//!   certificate identity (`<issuer>` LF `<subject>`) for a Sigstore certificate bundle;
//! - `<digest>`: the first [`PREFIX_HEX_DIGITS`] hex digits of the sha256 of the file's
//!   bytes.
//!
//! A name is derived from its content, so a reader checks that a file's name matches
//! what it holds and refuses one that does not. `index.json` ([`FeedIndex`]) lists every
//! document with its full sha256 and size, so a feed can be served by any static web
//! server and every file checked before it is used.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::DocumentError;
use crate::ids::{InvalidValue, ToolName, Version};
use crate::json::JsonLimits;
use crate::location::Location;

/// Hex digits of the signer and digest prefixes in a file name.
pub const PREFIX_HEX_DIGITS: usize = 16;

/// The file name every document ends with.
pub const DOCUMENT_SUFFIX: &str = ".dsse.json";

/// The index file at a feed's root.
pub const INDEX_FILE: &str = "index.json";

/// The format version of [`FeedIndex`] this code writes and reads.
pub const INDEX_FORMAT: u32 = 1;

/// The largest index read: 128 MiB, about a million documents.
pub const MAX_INDEX_BYTES: usize = 128 * 1024 * 1024;

/// The most JSON values an index may hold: four per document for a million documents.
pub const MAX_INDEX_VALUES: usize = 4 * 1024 * 1024 + 16;

/// Which document a feed file holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// A vendor's behaviour manifest.
    Manifest,
    /// An auditor's counter-attestation.
    Audit,
    /// A vendor's response to an audit.
    Response,
}

impl DocumentKind {
    /// Every kind.
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Manifest,
        DocumentKind::Audit,
        DocumentKind::Response,
    ];

    /// The name used in file names and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Manifest => "manifest",
            DocumentKind::Audit => "audit",
            DocumentKind::Response => "response",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "unknown document kind {text:?}; expected manifest, audit or response"
                ))
            })
    }
}

/// Whether `text` is exactly [`PREFIX_HEX_DIGITS`] lowercase hex digits.
fn is_prefix(text: &str) -> bool {
    text.len() == PREFIX_HEX_DIGITS
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The path of one document in a feed (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPath {
    /// The tool.
    pub tool: ToolName,
    /// The release.
    pub version: Version,
    /// The kind of document.
    pub kind: DocumentKind,
    /// [`PREFIX_HEX_DIGITS`] lowercase hex digits naming the signer.
    signer: String,
    /// [`PREFIX_HEX_DIGITS`] lowercase hex digits of the file's sha256.
    digest: String,
}

impl FeedPath {
    /// The path of a document. `signer` and `sha256` are lowercase hex of at least
    /// [`PREFIX_HEX_DIGITS`] digits (a whole key id or digest is cut to its prefix).
    pub fn new(
        tool: ToolName,
        version: Version,
        kind: DocumentKind,
        signer: &str,
        sha256: &str,
    ) -> Result<Self, InvalidValue> {
        let cut = |what: &str, hex: &str| -> Result<String, InvalidValue> {
            let prefix = hex.get(..PREFIX_HEX_DIGITS).unwrap_or(hex);
            if is_prefix(prefix) {
                Ok(prefix.to_owned())
            } else {
                Err(InvalidValue::new(format!(
                    "{what} {hex:?}: expected at least {PREFIX_HEX_DIGITS} lowercase hex digits"
                )))
            }
        };
        Ok(Self {
            signer: cut("signer id", signer)?,
            digest: cut("digest", sha256)?,
            tool,
            version,
            kind,
        })
    }

    /// The signer prefix.
    pub fn signer(&self) -> &str {
        &self.signer
    }

    /// The digest prefix.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The directory of the release, `<tool>/<version>`.
    pub fn release_dir(&self) -> String {
        format!("{}/{}", self.tool, self.version)
    }
}

impl fmt::Display for FeedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}.{}.{}{DOCUMENT_SUFFIX}",
            self.tool, self.version, self.kind, self.signer, self.digest
        )
    }
}

impl FromStr for FeedPath {
    type Err = InvalidValue;

    /// Parse `<tool>/<version>/<kind>.<signer>.<digest>.dsse.json`: exactly three
    /// `/`-separated components, each checked, so `..`, absolute paths, `\` and empty
    /// components are refused.
    fn from_str(path: &str) -> Result<Self, InvalidValue> {
        let expected = "expected `<tool>/<version>/<kind>.<signer>.<digest>.dsse.json`";
        let parts: Vec<&str> = path.split('/').collect();
        let [tool, version, name] = parts.as_slice() else {
            return Err(InvalidValue::new(format!("feed path {path:?}: {expected}")));
        };
        let tool: ToolName = tool
            .parse()
            .map_err(|e| InvalidValue::new(format!("feed path {path:?}: {e}")))?;
        let version: Version = version
            .parse()
            .map_err(|e| InvalidValue::new(format!("feed path {path:?}: {e}")))?;
        let stem = name
            .strip_suffix(DOCUMENT_SUFFIX)
            .ok_or_else(|| InvalidValue::new(format!("feed path {path:?}: {expected}")))?;
        let fields: Vec<&str> = stem.split('.').collect();
        let [kind, signer, digest] = fields.as_slice() else {
            return Err(InvalidValue::new(format!("feed path {path:?}: {expected}")));
        };
        let kind: DocumentKind = kind
            .parse()
            .map_err(|e| InvalidValue::new(format!("feed path {path:?}: {e}")))?;
        if !is_prefix(signer) || !is_prefix(digest) {
            return Err(InvalidValue::new(format!(
                "feed path {path:?}: the signer and digest are {PREFIX_HEX_DIGITS} lowercase hex digits each; {expected}"
            )));
        }
        Ok(Self {
            tool,
            version,
            kind,
            signer: (*signer).to_owned(),
            digest: (*digest).to_owned(),
        })
    }
}

/// One document listed in a feed's index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// The document's path in the feed.
    pub path: String,
    /// The sha256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A feed's `index.json`: every document in the feed, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedIndex {
    /// The index format ([`INDEX_FORMAT`]).
    pub candor_feed: u32,
    /// The documents, sorted by path.
    pub files: Vec<IndexEntry>,
}

impl FeedIndex {
    /// An empty index of the current format.
    pub fn new() -> Self {
        Self {
            candor_feed: INDEX_FORMAT,
            files: Vec::new(),
        }
    }

    /// Parse an index strictly: JSON rules as for signed documents (with larger limits:
    /// [`MAX_INDEX_BYTES`], [`MAX_INDEX_VALUES`]), the current format, every path a
    /// [`FeedPath`] whose digest prefix agrees with the listed sha256, every sha256 64
    /// lowercase hex digits, no path listed twice — also not in another letter case,
    /// which a case-insensitive file system would merge (ADVERSARIAL.md F9).
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, DocumentError> {
        let limits = JsonLimits {
            max_bytes: MAX_INDEX_BYTES,
            max_values: MAX_INDEX_VALUES,
        };
        let index: FeedIndex = crate::json::from_slice_strict_with(bytes, file, limits)?;
        let at = |path: String, message: String| DocumentError {
            file: file.to_owned(),
            location: Location::JsonPath(path),
            message,
        };
        if index.candor_feed != INDEX_FORMAT {
            return Err(at(
                "$.candor_feed".to_owned(),
                format!(
                    "index format {}; expected {INDEX_FORMAT}",
                    index.candor_feed
                ),
            ));
        }
        let mut seen = std::collections::HashMap::with_capacity(index.files.len());
        for (i, entry) in index.files.iter().enumerate() {
            let path = FeedPath::from_str(&entry.path)
                .map_err(|e| at(format!("$.files[{i}].path"), e.message))?;
            if entry.sha256.len() != 64
                || !entry
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(at(
                    format!("$.files[{i}].sha256"),
                    format!("{:?}: expected 64 lowercase hex digits", entry.sha256),
                ));
            }
            if !entry.sha256.starts_with(path.digest()) {
                return Err(at(
                    format!("$.files[{i}].path"),
                    format!(
                        "{} names digest {} but the index gives sha256 {}; expected them to agree",
                        entry.path,
                        path.digest(),
                        entry.sha256
                    ),
                ));
            }
            if let Some(first) = seen.insert(entry.path.to_ascii_lowercase(), i) {
                return Err(at(
                    format!("$.files[{i}].path"),
                    format!(
                        "{} is listed twice (first at files[{first}], letter case aside); expected each file once",
                        entry.path
                    ),
                ));
            }
        }
        Ok(index)
    }

    /// The index as written: indented JSON, files sorted by path, trailing newline.
    pub fn to_json(&self) -> String {
        let mut sorted = self.clone();
        sorted.files.sort();
        let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The entry for `path`.
    pub fn get(&self, path: &str) -> Option<&IndexEntry> {
        self.files.iter().find(|e| e.path == path)
    }

    /// Add or replace the entry for `entry.path`, keeping the files sorted.
    pub fn insert(&mut self, entry: IndexEntry) {
        match self.files.binary_search_by(|e| e.path.cmp(&entry.path)) {
            Ok(i) => self.files[i] = entry,
            Err(i) => self.files.insert(i, entry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "agent/1.4.0/manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json";

    #[test]
    fn paths_round_trip_and_refuse_what_escapes() {
        let path: FeedPath = PATH.parse().unwrap();
        assert_eq!(path.kind, DocumentKind::Manifest);
        assert_eq!(path.signer(), "af4040d317b915b4");
        assert_eq!(path.to_string(), PATH);
        for bad in [
            "../1.4.0/manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "/agent/1.4.0/manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "agent/../manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "agent\\1.4.0/manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "agent/1.4.0/x/manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "agent/1.4.0/manifest.AF4040D317B915B4.b090eff0da4926d7.dsse.json",
            "agent/1.4.0/manifest.af4040d317b915b4.b090eff0da4926d7.json",
            "agent/1.4.0/policy.af4040d317b915b4.b090eff0da4926d7.dsse.json",
            "agent/1.4.0/manifest.af40.b090eff0da4926d7.dsse.json",
            "agent//manifest.af4040d317b915b4.b090eff0da4926d7.dsse.json",
        ] {
            assert!(FeedPath::from_str(bad).is_err(), "{bad} accepted");
        }
        let made = FeedPath::new(
            "agent".parse().unwrap(),
            "1.4.0".parse().unwrap(),
            DocumentKind::Manifest,
            "af4040d317b915b43ee7caae0ddbe75dd0d5d48c1d1f556859c98eceb4e36735",
            "b090eff0da4926d7a9b52d6c3997ca4f0a9cb6c10b100a27020fc48f61969305",
        )
        .unwrap();
        assert_eq!(made, path);
        assert!(
            FeedPath::new(
                made.tool.clone(),
                made.version.clone(),
                made.kind,
                "XYZ",
                "00"
            )
            .is_err()
        );
    }

    fn entry(path: &str, sha256: &str) -> String {
        format!(r#"{{"path": "{path}", "sha256": "{sha256}", "size": 10}}"#)
    }

    const SHA: &str = "b090eff0da4926d7a9b52d6c3997ca4f0a9cb6c10b100a27020fc48f61969305";

    #[test]
    fn indexes_are_read_strictly() {
        let good = format!(r#"{{"candor_feed": 1, "files": [{}]}}"#, entry(PATH, SHA));
        let index = FeedIndex::from_json(good.as_bytes(), "index.json").unwrap();
        assert_eq!(index.files.len(), 1);
        assert_eq!(
            FeedIndex::from_json(index.to_json().as_bytes(), "i").unwrap(),
            index
        );
        let twice = format!(
            r#"{{"candor_feed": 1, "files": [{}, {}]}}"#,
            entry(PATH, SHA),
            entry(&PATH.replace("agent/", "Agent/"), SHA)
        );
        let error = FeedIndex::from_json(twice.as_bytes(), "index.json").unwrap_err();
        assert!(error.to_string().contains("listed twice"), "{error}");
        let escaping = format!(
            r#"{{"candor_feed": 1, "files": [{}]}}"#,
            entry(&format!("../{PATH}"), SHA)
        );
        let error = FeedIndex::from_json(escaping.as_bytes(), "index.json").unwrap_err();
        assert!(error.to_string().contains("$.files[0].path"), "{error}");
        let mismatch = format!(
            r#"{{"candor_feed": 1, "files": [{}]}}"#,
            entry(PATH, &SHA.replace('b', "c"))
        );
        let error = FeedIndex::from_json(mismatch.as_bytes(), "index.json").unwrap_err();
        assert!(
            error.to_string().contains("expected them to agree"),
            "{error}"
        );
        let future = r#"{"candor_feed": 2, "files": []}"#;
        assert!(FeedIndex::from_json(future.as_bytes(), "index.json").is_err());
    }
}
