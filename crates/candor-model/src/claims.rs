//! Behaviour claims: what a tool does on a user's machine, by category.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Violation;
use crate::ids::{ClaimId, EnvVarName, InvalidValue};
use crate::location::FieldPath;

/// The categories of behaviour a manifest declares (DESIGN.md, "Documents").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimCategory {
    /// Endpoints contacted, what is sent, why, when.
    Network,
    /// Usage data collection, and how to opt out.
    Telemetry,
    /// Environment variables read.
    Env,
    /// Files and directories read or written.
    Filesystem,
    /// Programs spawned.
    Process,
    /// Behaviour that depends on time zone, locale, region, IP, proxy host, host name, ….
    Conditional,
    /// Fingerprinting, machine ids.
    Identifiers,
    /// Watermarks or steganographic markers in output or requests.
    OutputMarking,
    /// Deliberately encoded content, and why.
    Obfuscation,
    /// Auto-update, remote config, feature flags, kill switches.
    Update,
}

impl ClaimCategory {
    /// Every category, in document order.
    pub const ALL: [ClaimCategory; 10] = [
        ClaimCategory::Network,
        ClaimCategory::Telemetry,
        ClaimCategory::Env,
        ClaimCategory::Filesystem,
        ClaimCategory::Process,
        ClaimCategory::Conditional,
        ClaimCategory::Identifiers,
        ClaimCategory::OutputMarking,
        ClaimCategory::Obfuscation,
        ClaimCategory::Update,
    ];

    /// The name used in documents and claim ids (`output-marking`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimCategory::Network => "network",
            ClaimCategory::Telemetry => "telemetry",
            ClaimCategory::Env => "env",
            ClaimCategory::Filesystem => "filesystem",
            ClaimCategory::Process => "process",
            ClaimCategory::Conditional => "conditional",
            ClaimCategory::Identifiers => "identifiers",
            ClaimCategory::OutputMarking => "output-marking",
            ClaimCategory::Obfuscation => "obfuscation",
            ClaimCategory::Update => "update",
        }
    }
}

impl fmt::Display for ClaimCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClaimCategory {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        ClaimCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| InvalidValue::new(format!("unknown claim category {s:?}")))
    }
}

/// An endpoint the tool contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkClaim {
    /// Stable id, `network.<name>`.
    pub id: ClaimId,
    /// URL or host (`https://api.acme.example/v1`, `telemetry.acme.example:443`).
    pub endpoint: String,
    /// Why the tool contacts it.
    pub purpose: String,
    /// What is sent (`prompt text`, `file contents the user selects`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sent: Vec<String>,
    /// When, if not always (`only with --sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Usage data the tool collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryClaim {
    /// Stable id, `telemetry.<name>`.
    pub id: ClaimId,
    /// Where it is sent.
    pub endpoint: String,
    /// Why it is collected.
    pub purpose: String,
    /// What is collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sent: Vec<String>,
    /// Whether it is on unless the user opts out.
    pub enabled_by_default: bool,
    /// How to turn it off (`ACME_TELEMETRY=0`, `--no-telemetry`), if possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out: Option<String>,
}

/// An environment variable the tool reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvClaim {
    /// Stable id, `env.<name>`.
    pub id: ClaimId,
    /// The variable's name.
    pub variable: EnvVarName,
    /// What the tool uses it for.
    pub purpose: String,
}

/// How a file is accessed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FileAccess {
    /// Read.
    Read,
    /// Written or modified.
    Write,
    /// Created.
    Create,
    /// Deleted.
    Delete,
    /// Executed.
    Execute,
}

/// A file or directory the tool touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilesystemClaim {
    /// Stable id, `filesystem.<name>`.
    pub id: ClaimId,
    /// The path (`~/.config/acme/config.toml`, `/etc/machine-id`, `%APPDATA%\Acme`).
    pub path: String,
    /// How it is accessed (at least one).
    pub access: Vec<FileAccess>,
    /// Why.
    pub purpose: String,
}

/// A program the tool runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessClaim {
    /// Stable id, `process.<name>`.
    pub id: ClaimId,
    /// The command (`git status --porcelain`).
    pub command: String,
    /// Why.
    pub purpose: String,
    /// When, if not always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// What a conditional behaviour depends on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionTrigger {
    /// The system time zone.
    TimeZone,
    /// The locale or language.
    Locale,
    /// A country or region, however determined.
    Region,
    /// The public or local IP address.
    IpAddress,
    /// The host of a proxy or base-URL setting.
    ProxyHost,
    /// The machine's host name.
    Hostname,
    /// The user name or account.
    User,
    /// The date or time.
    Time,
    /// Something else, described in `condition`.
    Other,
}

/// Behaviour that differs by where or who the user is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalClaim {
    /// Stable id, `conditional.<name>`.
    pub id: ClaimId,
    /// What the condition reads (at least one).
    pub triggers: Vec<ConditionTrigger>,
    /// The condition, in words (`time zone is Asia/Shanghai or Asia/Urumqi`).
    pub condition: String,
    /// What changes when it holds.
    pub effect: String,
    /// The literal values compared against (time zones, domains), where there is a list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// An identifier the tool derives or collects about the machine or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifierClaim {
    /// Stable id, `identifiers.<name>`.
    pub id: ClaimId,
    /// What is read or derived (`/etc/machine-id`, `MAC address hash`).
    pub identifier: String,
    /// Why.
    pub purpose: String,
    /// Whether it is stored between runs.
    #[serde(default)]
    pub persisted: bool,
    /// Network or telemetry claims that carry it off the machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent_via: Vec<ClaimId>,
}

/// Where a marker is placed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MarkingTarget {
    /// Output shown to or saved by the user.
    Output,
    /// Requests the tool sends.
    Request,
    /// Files the tool writes.
    File,
}

/// A watermark or hidden marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputMarkingClaim {
    /// Stable id, `output-marking.<name>`.
    pub id: ClaimId,
    /// Where the marker goes.
    pub target: MarkingTarget,
    /// How (`apostrophe replaced by U+2019`).
    pub technique: String,
    /// Why.
    pub purpose: String,
    /// When, if not always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Content shipped deliberately encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObfuscationClaim {
    /// Stable id, `obfuscation.<name>`.
    pub id: ClaimId,
    /// What the encoded content is (`list of partner domains`).
    pub content: String,
    /// The encoding, as a decoding chain (`base64 → xor(0x5b)`).
    pub encoding: String,
    /// Why it is encoded.
    pub reason: String,
}

/// The kind of remote control over the tool.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateMechanism {
    /// The tool replaces itself.
    AutoUpdate,
    /// Configuration fetched at run time.
    RemoteConfig,
    /// Features switched remotely.
    FeatureFlags,
    /// The tool can be disabled remotely.
    KillSwitch,
}

/// Auto-update, remote configuration, feature flags, kill switches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClaim {
    /// Stable id, `update.<name>`.
    pub id: ClaimId,
    /// What kind.
    pub mechanism: UpdateMechanism,
    /// Where it is fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What it does.
    pub description: String,
    /// How to turn it off, if possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out: Option<String>,
}

/// Every claim of a manifest, by category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Endpoints contacted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<NetworkClaim>,
    /// Usage data collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telemetry: Vec<TelemetryClaim>,
    /// Environment variables read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvClaim>,
    /// Files touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filesystem: Vec<FilesystemClaim>,
    /// Programs run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessClaim>,
    /// Conditional behaviour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<ConditionalClaim>,
    /// Identifiers collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<IdentifierClaim>,
    /// Markers in output or requests.
    #[serde(
        default,
        rename = "output-marking",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_marking: Vec<OutputMarkingClaim>,
    /// Encoded content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obfuscation: Vec<ObfuscationClaim>,
    /// Remote control and updates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update: Vec<UpdateClaim>,
}

/// A reference to one claim of any category.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRef<'a> {
    /// The claim's category.
    pub category: ClaimCategory,
    /// Its id.
    pub id: &'a ClaimId,
    /// Its index within its category's list.
    pub index: usize,
}

impl Claims {
    /// Every claim id with its category and position, in document order.
    pub fn ids(&self) -> Vec<ClaimRef<'_>> {
        fn refs<'a, T>(
            out: &mut Vec<ClaimRef<'a>>,
            category: ClaimCategory,
            items: &'a [T],
            id: impl Fn(&'a T) -> &'a ClaimId,
        ) {
            out.extend(items.iter().enumerate().map(|(index, item)| ClaimRef {
                category,
                id: id(item),
                index,
            }));
        }
        let mut out = Vec::new();
        refs(&mut out, ClaimCategory::Network, &self.network, |c| &c.id);
        refs(&mut out, ClaimCategory::Telemetry, &self.telemetry, |c| {
            &c.id
        });
        refs(&mut out, ClaimCategory::Env, &self.env, |c| &c.id);
        refs(&mut out, ClaimCategory::Filesystem, &self.filesystem, |c| {
            &c.id
        });
        refs(&mut out, ClaimCategory::Process, &self.process, |c| &c.id);
        refs(
            &mut out,
            ClaimCategory::Conditional,
            &self.conditional,
            |c| &c.id,
        );
        refs(
            &mut out,
            ClaimCategory::Identifiers,
            &self.identifiers,
            |c| &c.id,
        );
        refs(
            &mut out,
            ClaimCategory::OutputMarking,
            &self.output_marking,
            |c| &c.id,
        );
        refs(
            &mut out,
            ClaimCategory::Obfuscation,
            &self.obfuscation,
            |c| &c.id,
        );
        refs(&mut out, ClaimCategory::Update, &self.update, |c| &c.id);
        out
    }

    /// Number of claims in `category`.
    pub fn count(&self, category: ClaimCategory) -> usize {
        self.ids().iter().filter(|c| c.category == category).count()
    }

    /// The claim with this id, if any.
    pub fn find(&self, id: &ClaimId) -> Option<ClaimRef<'_>> {
        self.ids().into_iter().find(|c| c.id == id)
    }

    /// Check the rules serde cannot: ids in the right category and unique, required text
    /// present, references resolved. `at` is where the claims table is.
    pub fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        self.validate_ids(at, out);
        self.validate_text(at, out);
        self.validate_references(at, out);
    }

    fn validate_ids(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        let mut first_seen: HashMap<&ClaimId, FieldPath> = HashMap::new();
        for claim in self.ids() {
            let path = at.key(claim.category.as_str()).index(claim.index).key("id");
            if claim.id.category() != claim.category {
                out.push(Violation::new(
                    path.clone(),
                    format!(
                        "claim id `{}` is listed under `{}`; expected an id starting with `{}.`",
                        claim.id, claim.category, claim.category
                    ),
                ));
            }
            if let Some(first) = first_seen.get(claim.id) {
                out.push(Violation::new(
                    path,
                    format!(
                        "duplicate claim id `{}` (first used at {}); expected every claim id to be unique",
                        claim.id,
                        first.to_dotted()
                    ),
                ));
            } else {
                first_seen.insert(claim.id, path);
            }
        }
    }

    fn validate_text(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        // (where, value, what) of every free-text field that must say something.
        let mut required: Vec<(FieldPath, &str, &str)> = Vec::new();
        for (i, c) in self.network.iter().enumerate() {
            let p = at.key("network").index(i);
            required.push((p.key("endpoint"), &c.endpoint, "endpoint"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.telemetry.iter().enumerate() {
            let p = at.key("telemetry").index(i);
            required.push((p.key("endpoint"), &c.endpoint, "endpoint"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.env.iter().enumerate() {
            required.push((at.key("env").index(i).key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.filesystem.iter().enumerate() {
            let p = at.key("filesystem").index(i);
            required.push((p.key("path"), &c.path, "path"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
            if c.access.is_empty() {
                out.push(Violation::new(
                    p.key("access"),
                    "empty access list; expected at least one of read, write, create, delete, execute",
                ));
            }
        }
        for (i, c) in self.process.iter().enumerate() {
            let p = at.key("process").index(i);
            required.push((p.key("command"), &c.command, "command"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.conditional.iter().enumerate() {
            let p = at.key("conditional").index(i);
            required.push((p.key("condition"), &c.condition, "condition"));
            required.push((p.key("effect"), &c.effect, "effect"));
        }
        for (i, c) in self.identifiers.iter().enumerate() {
            let p = at.key("identifiers").index(i);
            required.push((p.key("identifier"), &c.identifier, "identifier"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.output_marking.iter().enumerate() {
            let p = at.key("output-marking").index(i);
            required.push((p.key("technique"), &c.technique, "technique"));
            required.push((p.key("purpose"), &c.purpose, "purpose"));
        }
        for (i, c) in self.obfuscation.iter().enumerate() {
            let p = at.key("obfuscation").index(i);
            required.push((p.key("content"), &c.content, "content"));
            required.push((p.key("encoding"), &c.encoding, "encoding"));
            required.push((p.key("reason"), &c.reason, "reason"));
        }
        for (i, c) in self.update.iter().enumerate() {
            required.push((
                at.key("update").index(i).key("description"),
                &c.description,
                "description",
            ));
        }
        for (path, value, what) in required {
            if value.trim().is_empty() {
                out.push(Violation::new(
                    path,
                    format!("empty {what}; expected a description"),
                ));
            }
        }
        for (i, c) in self.conditional.iter().enumerate() {
            if c.triggers.is_empty() {
                out.push(Violation::new(
                    at.key("conditional").index(i).key("triggers"),
                    "empty triggers list; expected at least one of time-zone, locale, region, \
                     ip-address, proxy-host, hostname, user, time, other",
                ));
            }
        }
    }

    fn validate_references(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        for (i, c) in self.identifiers.iter().enumerate() {
            for (j, target) in c.sent_via.iter().enumerate() {
                let path = at.key("identifiers").index(i).key("sent_via").index(j);
                match self.find(target) {
                    None => out.push(Violation::new(
                        path,
                        format!(
                            "`{target}` names no claim in this manifest; expected the id of a network or telemetry claim{}",
                            crate::suggest::did_you_mean(
                                target.as_str(),
                                self.ids()
                                    .into_iter()
                                    .filter(|c| matches!(c.category, ClaimCategory::Network | ClaimCategory::Telemetry))
                                    .map(|c| c.id.as_str()),
                            )
                        ),
                    )),
                    Some(found)
                        if !matches!(found.category, ClaimCategory::Network | ClaimCategory::Telemetry) =>
                    {
                        out.push(Violation::new(
                            path,
                            format!("`{target}` is a claim in category `{}`; expected the id of a network or telemetry claim", found.category),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
