//! Evidence found in an artifact's bytes: one type for what the scanner reports and what
//! an audit cites.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where in an artifact's bytes a behaviour was found, and how it was revealed.
///
/// `candor scan` writes one for every indicator, and an audit's static evidence
/// (`audit::Evidence::Static`) is one: a finding can cite what the scanner printed as it
/// stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticEvidence {
    /// The file: a path inside the artifact for directories and archives
    /// (`package/dist/cli.js`, `agent-1.4.0.tgz!package/dist/cli.js`).
    pub file: String,
    /// The section of a native executable holding the hit (`.rodata`,
    /// `__TEXT,__cstring`), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Byte offset in the file: of the hit itself, or of the outermost encoded run that
    /// hides it.
    pub offset: u64,
    /// Length in bytes of that hit or run.
    pub length: u64,
    /// The decoding steps that revealed it, outermost first (`["base64", "xor(0x5b)"]`);
    /// empty for plain text.
    #[serde(default)]
    pub chain: Vec<String>,
    /// The 1-based line of `offset`, in a text file (none in a binary one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub line: Option<u64>,
    /// The 1-based column of `offset` on its line, in Unicode code points (bytes that are
    /// not UTF-8 count one each), in a text file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub column: Option<u64>,
    /// The (decoded) text around the hit, control characters shown as `.`.
    pub excerpt: String,
}
