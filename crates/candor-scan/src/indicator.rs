//! What the scanner reports: indicators of behaviour, with evidence.

use std::fmt;

use candor_model::claims::ClaimCategory;
use candor_model::evidence::StaticEvidence;
use serde::Serialize;

/// What kind of thing was found.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A URL (`https://api.example.com/v1`).
    Url,
    /// A host or domain name, public-suffix checked.
    Domain,
    /// An IPv4 address literal.
    Ipv4,
    /// An IPv6 address literal (`2001:db8::1`, `[::1]` in a URL).
    Ipv6,
    /// A port given with a host (`https://host:8443`, `"127.0.0.1:9229"`).
    Port,
    /// An environment variable read.
    EnvVar,
    /// A name shaped like an environment variable in the data of a native executable
    /// that reads its environment, with no call site proving it is read (the call goes
    /// through a wrapper or a runtime, or the binary is not x86-64 ELF).
    EnvCandidate,
    /// An environment variable read whose name is computed (`process.env[name]`,
    /// `os.environ[key]`, `getenv(buf)`): the read as written, with the names the code
    /// builds where it shows them (`process.env[proxyEnv] (candidates: *_proxy)`).
    EnvDynamic,
    /// An absolute or home-relative path.
    Path,
    /// A file or API that identifies the machine (`/etc/machine-id`, `IOPlatformUUID`).
    MachineId,
    /// A process-spawning API, with the command where visible.
    Process,
    /// An IANA time-zone identifier.
    TimeZone,
    /// A locale, region or time-zone API.
    LocaleApi,
    /// A locale or time-zone value compared with a literal
    /// (`navigator.language === "zh-CN"`, `tz == "Asia/Shanghai"`): a behaviour switch.
    LocaleComparison,
    /// A known analytics or telemetry SDK or endpoint.
    TelemetrySdk,
    /// A look-alike character (curly apostrophes, modifier letters, fullwidth forms).
    LookAlike,
    /// An invisible or bidirectional-control character.
    Invisible,
    /// An encoded blob (base64, hex, escapes, char codes, XOR).
    EncodedBlob,
    /// A match of a user rule.
    Rule,
    /// An archive entry with the path of an earlier entry of the same archive: a tool
    /// that reads one entry by name and an installer that extracts them all (the last
    /// one winning) see different files.
    DuplicateEntry,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 20] = [
        Kind::Url,
        Kind::Domain,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Port,
        Kind::EnvVar,
        Kind::EnvCandidate,
        Kind::EnvDynamic,
        Kind::Path,
        Kind::MachineId,
        Kind::Process,
        Kind::TimeZone,
        Kind::LocaleApi,
        Kind::LocaleComparison,
        Kind::TelemetrySdk,
        Kind::LookAlike,
        Kind::Invisible,
        Kind::EncodedBlob,
        Kind::Rule,
        Kind::DuplicateEntry,
    ];

    /// The kind named `name` (`env-var`).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The name used in reports (`env-var`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Port => "port",
            Kind::EnvVar => "env-var",
            Kind::EnvCandidate => "env-candidate",
            Kind::EnvDynamic => "env-dynamic",
            Kind::Path => "path",
            Kind::MachineId => "machine-id",
            Kind::Process => "process",
            Kind::TimeZone => "time-zone",
            Kind::LocaleApi => "locale-api",
            Kind::LocaleComparison => "locale-comparison",
            Kind::TelemetrySdk => "telemetry-sdk",
            Kind::LookAlike => "look-alike",
            Kind::Invisible => "invisible",
            Kind::EncodedBlob => "encoded-blob",
            Kind::Rule => "rule",
            Kind::DuplicateEntry => "duplicate-entry",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One behaviour indicator: a value found in one file under one decoding chain, every
/// occurrence counted, the evidence of the first 8 kept.
///
/// A value that occurs a million times in a file is one indicator with `occurrences`
/// 1000000, its first and last offsets and a sample of evidence, not a million
/// indicators. A value found in plain text and also under an encoding is two
/// indicators: the chain is part of what is found (a host hidden under XOR needs an
/// obfuscation claim that the same host in plain text does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Indicator {
    /// The claim category it bears on.
    pub category: ClaimCategory,
    /// What kind of thing it is.
    pub kind: Kind,
    /// The normalized value (lowercase host, variable name, code point, …): what diffs
    /// compare.
    pub value: String,
    /// Where and how it was first found: the occurrence at the lowest offset.
    pub evidence: StaticEvidence,
    /// How many times it occurs in the file under this chain: distinct offsets (values
    /// decoded from one encoded run share that run's offset and count once).
    #[schemars(range(min = 1))]
    pub occurrences: u64,
    /// The offset of the last occurrence (`evidence.offset` when there is one).
    pub last_offset: u64,
    /// The evidence of the next occurrences, in offset order: with `evidence`, the first
    /// 8 (fewer in a file with very many repeated values). Same file and chain as
    /// `evidence`; absent when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_evidence: Vec<StaticEvidence>,
}

/// Most occurrences of one [`Indicator`] whose evidence a report keeps (`evidence` and
/// `more_evidence`): more than any consumer shows (the release gate and audit drafts
/// cite 5 places per finding, `candor verify` 3), few enough that a value repeated a
/// million times costs a few hundred bytes of excerpts. A file keeps fewer past
/// [`MAX_EXTRA_SAMPLES_PER_FILE`].
pub const MAX_SAMPLE: usize = 8;

/// Most evidence kept in one file beyond each indicator's first occurrence. Evidence
/// costs about 250 bytes (an excerpt of some 150): this bounds a file crafted with
/// [`crate::MAX_DISTINCT_PER_FILE`] values repeated [`MAX_SAMPLE`] times each to some
/// 60 MB of it, against 175 MB without. Real files stay far below: the 5,730 distinct
/// values of the `bun` executable, the most seen in a real artifact, cannot take more
/// than 40,110 (7 each).
pub const MAX_EXTRA_SAMPLES_PER_FILE: usize = 250_000;

/// Sort indicators in report order: by (first) offset, then category, kind, value and
/// chain.
pub(crate) fn sort_for_report(indicators: &mut [Indicator]) {
    indicators.sort_by(|a, b| {
        (
            a.evidence.offset,
            a.category,
            a.kind,
            &a.value,
            &a.evidence.chain,
        )
            .cmp(&(
                b.evidence.offset,
                b.category,
                b.kind,
                &b.value,
                &b.evidence.chain,
            ))
    });
}

impl Indicator {
    /// How much it matters while no manifest declares it: the default severity of an
    /// undeclared finding of its category ([`candor_model::severity`]; conditional
    /// behaviour, obfuscation, output markings, machine identifiers, telemetry and
    /// updates high, variables and paths low, the rest medium).
    pub fn severity(&self) -> candor_model::audit::Severity {
        candor_model::severity::default_severity(
            candor_model::audit::FindingStatus::Undeclared,
            self.category,
        )
    }

    /// The chain as people write it: `base64 → xor(0x5b)`, or `plain`.
    pub fn chain_text(&self) -> String {
        if self.evidence.chain.is_empty() {
            "plain".to_owned()
        } else {
            self.evidence.chain.join(" → ")
        }
    }

    /// The evidence kept: the first occurrence, then the rest of the sample, in offset
    /// order.
    pub fn samples(&self) -> impl Iterator<Item = &StaticEvidence> {
        std::iter::once(&self.evidence).chain(&self.more_evidence)
    }

    /// Occurrences whose evidence was not kept.
    pub fn unsampled(&self) -> u64 {
        self.occurrences
            .saturating_sub(1 + self.more_evidence.len() as u64)
    }
}
