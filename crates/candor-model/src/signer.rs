//! Who may sign, and who did: ed25519 keys and Sigstore identities.
//!
//! One type per concept:
//! - [`Signer`]: a signer a policy trusts, an ed25519 key ([`Ed25519KeyText`]) or a
//!   keyless identity ([`SigstoreIdentity`]);
//! - [`SigstoreIdentity`]: a trusted keyless signer, the OIDC issuer (exactly) and the
//!   certificate subject (an anchored [`Pattern`]; [`Pattern::exact`] for one text);
//! - [`CertificateIdentity`]: what a verified Fulcio certificate says, the issuer and the
//!   subject as text. [`SigstoreIdentity::matches`] compares the two.
//!
//! A policy writes a signer `{ key = "ed25519:<base64>" }` or
//! `{ issuer = "…", subject = "<pattern>" }`.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::error::Violation;
use crate::ids::InvalidValue;
use crate::location::FieldPath;
use crate::pattern::Pattern;

/// An ed25519 public key as policies write it: `ed25519:` and the canonical standard
/// padded base64 of the 32 raw bytes (44 characters).
///
/// Canonical: 32 bytes leave 2 unused bits in the 43rd character, and they must be zero.
/// Otherwise one key has four spellings (`…CdI=`, `…CdJ=`, `…CdK=`, `…CdL=` decode alike
/// in lenient decoders), which would count as distinct signers (ADVERSARIAL.md A13).
/// Whether the bytes are a usable point on the curve is checked where keys are loaded
/// (`candor-sign`); this type holds only text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ed25519KeyText(String);

impl Ed25519KeyText {
    /// The text, `ed25519:<base64>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` is a canonical `ed25519:<base64>` key.
    pub fn is_valid(text: &str) -> bool {
        text.strip_prefix("ed25519:").is_some_and(|b64| {
            b64.len() == 44
                && b64.ends_with('=')
                && !b64.ends_with("==")
                && b64[..43]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
                && b64[42..43]
                    .bytes()
                    .all(|b| b"AEIMQUYcgkosw048".contains(&b))
        })
    }

    fn invalid(text: &str) -> InvalidValue {
        InvalidValue::new(format!(
            "invalid key {text:?}: expected `ed25519:` followed by the standard base64 of \
             the 32-byte public key (as `candor key public --format ed25519` prints)"
        ))
    }
}

impl TryFrom<String> for Ed25519KeyText {
    type Error = InvalidValue;

    fn try_from(text: String) -> Result<Self, InvalidValue> {
        if Self::is_valid(&text) {
            Ok(Self(text))
        } else {
            Err(Self::invalid(&text))
        }
    }
}

impl std::str::FromStr for Ed25519KeyText {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        Self::try_from(text.to_owned())
    }
}

impl From<Ed25519KeyText> for String {
    fn from(key: Ed25519KeyText) -> String {
        key.0
    }
}

impl fmt::Display for Ed25519KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for Ed25519KeyText {
    fn schema_name() -> Cow<'static, str> {
        "Ed25519KeyText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^ed25519:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$",
            "description": "An ed25519 public key: `ed25519:` and the standard padded base64 of its 32 bytes"
        })
    }
}

/// A keyless signer someone trusts: the OIDC issuer of its Fulcio certificate, exactly,
/// and the certificate's subject (an email or a workflow URI), by an anchored pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SigstoreIdentity {
    /// The OIDC issuer URL, compared exactly.
    pub issuer: String,
    /// The certificate subject (email, workflow URI), an anchored wildcard pattern.
    pub subject: Pattern,
}

impl SigstoreIdentity {
    /// An identity; the issuer must not be blank.
    pub fn new(issuer: impl Into<String>, subject: Pattern) -> Result<Self, InvalidValue> {
        let issuer = issuer.into();
        if issuer.trim().is_empty() {
            return Err(InvalidValue::new(
                "empty issuer; expected the OIDC issuer URL",
            ));
        }
        Ok(Self { issuer, subject })
    }

    /// Whether a verified certificate's identity is this one.
    pub fn matches(&self, certificate: &CertificateIdentity) -> bool {
        certificate.issuer == self.issuer && self.subject.matches(&certificate.subject)
    }

    /// The subject as people read it: the text itself for an exact subject, else
    /// `pattern "…"`.
    pub fn describe_subject(&self) -> String {
        match self.subject.literal() {
            Some(text) => format!("{text:?}"),
            None => format!("pattern {:?}", self.subject.as_str()),
        }
    }
}

impl fmt::Display for SigstoreIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (issuer {})", self.describe_subject(), self.issuer)
    }
}

/// How one text of a certificate (its OIDC issuer, its subject) must read to be trusted.
#[derive(Debug, Clone)]
pub enum TextMatch {
    /// Exactly this text.
    Exact(String),
    /// An anchored wildcard [`Pattern`].
    Pattern(Pattern),
    /// A regular expression (the `regex` crate's syntax) that must match the **whole**
    /// text: anchored, unlike cosign's `--certificate-identity-regexp`, which (Go's
    /// `MatchString`) accepts a match anywhere in it. `acme` alone matches only `acme`;
    /// write `.*` where any text may stand.
    Regex {
        /// As written.
        written: String,
        /// Compiled as `^(?:written)$`.
        anchored: regex::Regex,
    },
}

impl TextMatch {
    /// A regular expression, anchored at both ends (see [`TextMatch::Regex`]).
    pub fn regex(written: &str) -> Result<Self, InvalidValue> {
        let invalid = |e: regex::Error| {
            InvalidValue::new(format!("invalid regular expression {written:?}: {e}"))
        };
        // Checked as written first, so that an error points into what the user wrote.
        regex::Regex::new(written).map_err(invalid)?;
        let anchored = regex::Regex::new(&format!("^(?:{written})$")).map_err(invalid)?;
        Ok(TextMatch::Regex {
            written: written.to_owned(),
            anchored,
        })
    }

    /// Whether `text` is trusted by this.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatch::Exact(exact) => exact == text,
            TextMatch::Pattern(pattern) => pattern.matches(text),
            TextMatch::Regex { anchored, .. } => anchored.is_match(text),
        }
    }
}

/// `"text"`, `pattern "…"` or `regexp "…" (whole text)`, as messages say what is required.
impl fmt::Display for TextMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextMatch::Exact(text) => write!(f, "{text:?}"),
            TextMatch::Pattern(pattern) => match pattern.literal() {
                Some(text) => write!(f, "{text:?}"),
                None => write!(f, "pattern {:?}", pattern.as_str()),
            },
            TextMatch::Regex { written, .. } => {
                write!(f, "regexp {written:?} (matching the whole text)")
            }
        }
    }
}

/// Two matchers are the same when written the same.
impl PartialEq for TextMatch {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (TextMatch::Exact(a), TextMatch::Exact(b))
            | (TextMatch::Regex { written: a, .. }, TextMatch::Regex { written: b, .. }) => a == b,
            (TextMatch::Pattern(a), TextMatch::Pattern(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for TextMatch {}

/// A keyless signer as a verification trusts it: how the OIDC issuer and the subject of
/// its certificate must read. Policies write [`SigstoreIdentity`] (an exact issuer, a
/// subject pattern); command lines may also give regular expressions, as cosign's do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityMatcher {
    /// The OIDC issuer.
    pub issuer: TextMatch,
    /// The certificate subject (email, workflow URI).
    pub subject: TextMatch,
}

impl IdentityMatcher {
    /// Whether a verified certificate's identity is trusted by this.
    pub fn matches(&self, certificate: &CertificateIdentity) -> bool {
        self.issuer.matches(&certificate.issuer) && self.subject.matches(&certificate.subject)
    }
}

impl From<SigstoreIdentity> for IdentityMatcher {
    fn from(identity: SigstoreIdentity) -> Self {
        Self {
            issuer: TextMatch::Exact(identity.issuer),
            subject: TextMatch::Pattern(identity.subject),
        }
    }
}

/// `"subject" (issuer https://…)`, as [`SigstoreIdentity`] displays.
impl fmt::Display for IdentityMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.issuer {
            TextMatch::Exact(issuer) => write!(f, "{} (issuer {issuer})", self.subject),
            issuer => write!(f, "{} (issuer {issuer})", self.subject),
        }
    }
}

/// The identity a verified Fulcio certificate states: its OIDC issuer and its subject
/// (the email or URI SAN), as text.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct CertificateIdentity {
    /// The OIDC issuer URL.
    pub issuer: String,
    /// The certificate subject (email or URI).
    pub subject: String,
}

impl fmt::Display for CertificateIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (issuer {})", self.subject, self.issuer)
    }
}

/// One trusted signer: an ed25519 key, or a Sigstore identity.
///
/// Written `{ key = "ed25519:<base64>" }` or `{ issuer = "…", subject = "<pattern>" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "SignerForm", into = "SignerForm")]
#[schemars(with = "SignerForm")]
pub enum Signer {
    /// An ed25519 public key.
    Key(Ed25519KeyText),
    /// A keyless signer.
    Sigstore(SigstoreIdentity),
}

impl fmt::Display for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::Key(key) => f.write_str(key.as_str()),
            Signer::Sigstore(identity) => identity.fmt(f),
        }
    }
}

/// A signer as written: exactly `key`, or `issuer` with `subject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Signer")]
pub(crate) struct SignerForm {
    /// An ed25519 public key, `ed25519:<base64 of the 32 raw bytes>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The OIDC issuer of a Sigstore identity, matched exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate subject (email, workflow URI) of a Sigstore identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Pattern>,
}

impl SignerForm {
    /// What is wrong with this signer as written, as violations at `at` (one at most).
    pub(crate) fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        if let Err((path, error)) = self.check() {
            let path = match path {
                Some(key) => at.key(key),
                None => at.clone(),
            };
            out.push(Violation::new(path, error.message));
        }
    }

    /// The signer, or the field at fault (`None`: the signer as a whole) and why.
    fn check(&self) -> Result<Signer, (Option<&'static str>, InvalidValue)> {
        match (&self.key, &self.issuer, &self.subject) {
            (Some(key), None, None) => Ed25519KeyText::try_from(key.clone())
                .map(Signer::Key)
                .map_err(|e| (Some("key"), e)),
            (None, Some(issuer), Some(subject)) => {
                SigstoreIdentity::new(issuer.clone(), subject.clone())
                    .map(Signer::Sigstore)
                    .map_err(|e| (Some("issuer"), e))
            }
            (None, Some(_), None) => Err((
                None,
                InvalidValue::new(
                    "a Sigstore signer with an issuer but no subject; expected `subject` too",
                ),
            )),
            (None, None, Some(_)) => Err((
                None,
                InvalidValue::new(
                    "a Sigstore signer with a subject but no issuer; expected `issuer` too",
                ),
            )),
            (None, None, None) => Err((
                None,
                InvalidValue::new(
                    "empty signer; expected `key = \"ed25519:…\"` or `issuer` and `subject`",
                ),
            )),
            (Some(_), _, _) => Err((
                None,
                InvalidValue::new(
                    "a signer with both a key and a Sigstore identity; expected one or the other",
                ),
            )),
        }
    }
}

impl TryFrom<SignerForm> for Signer {
    type Error = InvalidValue;

    fn try_from(form: SignerForm) -> Result<Self, InvalidValue> {
        form.check().map_err(|(_, e)| e)
    }
}

impl From<Signer> for SignerForm {
    fn from(signer: Signer) -> Self {
        match signer {
            Signer::Key(key) => SignerForm {
                key: Some(key.into()),
                ..SignerForm::default()
            },
            Signer::Sigstore(SigstoreIdentity { issuer, subject }) => SignerForm {
                key: None,
                issuer: Some(issuer),
                subject: Some(subject),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_match_issuer_exactly_and_subject_by_pattern() {
        let identity = SigstoreIdentity::new(
            "https://token.actions.githubusercontent.com",
            "https://github.com/acme/*".parse().unwrap(),
        )
        .unwrap();
        let certificate = |issuer: &str, subject: &str| CertificateIdentity {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
        };
        assert!(identity.matches(&certificate(
            "https://token.actions.githubusercontent.com",
            "https://github.com/acme/agent"
        )));
        assert!(!identity.matches(&certificate(
            "https://token.actions.githubusercontent.com/",
            "https://github.com/acme/agent"
        )));
        assert!(!identity.matches(&certificate(
            "https://token.actions.githubusercontent.com",
            "https://github.com/evil/agent"
        )));
        assert!(SigstoreIdentity::new(" ", Pattern::exact("a")).is_err());
    }

    #[test]
    fn signers_round_trip_through_their_written_form() {
        let key = Signer::Key(
            "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k="
                .parse()
                .unwrap(),
        );
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(
            json,
            r#"{"key":"ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k="}"#
        );
        assert_eq!(serde_json::from_str::<Signer>(&json).unwrap(), key);
        let error = serde_json::from_str::<Signer>(r#"{"issuer":"x"}"#).unwrap_err();
        assert!(error.to_string().contains("no subject"), "{error}");
    }

    #[test]
    fn regular_expressions_match_the_whole_text_and_say_so() {
        let subject = TextMatch::regex(r"https://github\.com/acme/[^/]+").unwrap();
        assert!(subject.matches("https://github.com/acme/agent"));
        // Anchored at both ends, unlike cosign's (Go's MatchString).
        assert!(!subject.matches("https://github.com/acme/agent/.github/workflows/x"));
        assert!(!subject.matches("https://evil.example/?https://github.com/acme/agent"));
        // An alternation is anchored as a whole, not only its first branch.
        let either = TextMatch::regex("a|b").unwrap();
        assert!(either.matches("b") && !either.matches("ab"));
        assert_eq!(
            subject.to_string(),
            r#"regexp "https://github\\.com/acme/[^/]+" (matching the whole text)"#
        );
        // An error points into what was written, not the anchored form.
        let error = TextMatch::regex("(").unwrap_err().to_string();
        assert!(
            error.starts_with("invalid regular expression \"(\": "),
            "{error}"
        );
        assert!(!error.contains("^(?:"), "{error}");
        // Same when written the same.
        assert_eq!(
            TextMatch::regex("a.*").unwrap(),
            TextMatch::regex("a.*").unwrap()
        );
        assert_ne!(
            TextMatch::regex("a").unwrap(),
            TextMatch::Exact("a".to_owned())
        );
    }

    #[test]
    fn an_identity_matcher_needs_both_its_issuer_and_its_subject() {
        let matcher = IdentityMatcher {
            issuer: TextMatch::regex(r"https://token\.actions\.githubusercontent\.com").unwrap(),
            subject: TextMatch::Exact("https://github.com/acme/agent".to_owned()),
        };
        let certificate = |issuer: &str, subject: &str| CertificateIdentity {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
        };
        assert!(matcher.matches(&certificate(
            "https://token.actions.githubusercontent.com",
            "https://github.com/acme/agent"
        )));
        assert!(!matcher.matches(&certificate(
            "https://token.actions.githubusercontent.com.evil",
            "https://github.com/acme/agent"
        )));
        assert!(!matcher.matches(&certificate(
            "https://token.actions.githubusercontent.com",
            "https://github.com/acme/agent2"
        )));
        // A policy's identity converts without changing what it trusts.
        let policy = SigstoreIdentity::new("https://issuer", "a*".parse().unwrap()).unwrap();
        let converted = IdentityMatcher::from(policy.clone());
        assert_eq!(converted.to_string(), policy.to_string());
        assert!(converted.matches(&certificate("https://issuer", "abc")));
    }
}
