//! Signing a candor Statement: with ed25519 keys into a DSSE envelope (or a key-hint
//! Sigstore bundle), or keylessly with Sigstore into a certificate bundle.
//!
//! What is signed is always the Statement's canonical encoding
//! (`AnyStatement::to_canonical_json`), re-encoded from what candor parsed, never bytes
//! it did not understand.
//!
//! The keyless identity token is found in this order ([`IdentitySource::resolve`]): a
//! token the caller passes, then `$SIGSTORE_ID_TOKEN`, then the CI system's ambient
//! token (GitHub Actions, GitLab, Buildkite, …), then, only where the caller says a
//! person is at a terminal, the interactive OAuth flow. In CI without a token nothing is
//! sent.

use std::path::{Path, PathBuf};

use candor_model::digest::DigestSet;
use candor_model::{AnyStatement, DocumentErrors, IN_TOTO_PAYLOAD_TYPE};

use crate::artifact;
use crate::dsse::{self, MAX_ENVELOPE_BYTES};
use crate::file::{FileError, FileMode, Input, write_atomic};
use crate::keyless::{self, Identity, KeylessError, SigningUrls};
use crate::keys::{KeyId, PrivateKey};
use crate::sigstore::{Instance, key_bundle};

/// The environment variable a keyless identity token is read from.
pub const ID_TOKEN_ENV: &str = "SIGSTORE_ID_TOKEN";

/// How to sign.
#[derive(Debug)]
pub enum SignWith {
    /// ed25519 keys: a DSSE envelope with one signature per key, or, with `bundle`, a
    /// Sigstore bundle v0.3 with a public-key hint (one key only).
    Keys {
        /// The keys, in signature order.
        keys: Vec<PrivateKey>,
        /// Write a Sigstore bundle instead of a bare envelope.
        bundle: bool,
    },
    /// Keyless: an OIDC identity, a Fulcio certificate, a Rekor entry.
    Keyless {
        /// Where the identity token comes from.
        identity: IdentitySource,
        /// The services.
        urls: SigningUrls,
    },
}

/// Where a keyless identity token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySource {
    /// A token given explicitly (`--identity-token`).
    pub given: Option<String>,
    /// Whether a person is at a terminal to complete the interactive flow, if no token
    /// is found (the caller decides: never in CI).
    pub interactive: bool,
}

impl IdentitySource {
    /// The identity: the given token, else `$SIGSTORE_ID_TOKEN`, else an ambient CI
    /// token, else the interactive flow where allowed.
    pub fn resolve(&self) -> Result<Identity, KeylessError> {
        let given = self.given.clone().or_else(|| {
            std::env::var(ID_TOKEN_ENV)
                .ok()
                .filter(|t| !t.trim().is_empty())
        });
        if let Some(jwt) = given {
            return Ok(Identity::Token(Box::new(keyless::parse_token(&jwt)?)));
        }
        match keyless::ambient_token()? {
            Some(token) => Ok(Identity::Token(Box::new(token))),
            None if self.interactive => Ok(Identity::Interactive),
            None => Err(KeylessError::NoToken),
        }
    }
}

impl SigningUrls {
    /// The services of `instance`, with the caller's overrides. A private instance (its
    /// own Fulcio or Rekor) does not inherit the public timestamp authority or OIDC
    /// provider: it uses `tsa`, or none.
    pub fn resolve(
        instance: Instance,
        fulcio: Option<&str>,
        rekor: Option<&str>,
        tsa: Option<&str>,
    ) -> Result<Self, KeylessError> {
        let mut urls = SigningUrls::for_instance(instance)?;
        if let Some(url) = fulcio {
            url.clone_into(&mut urls.fulcio);
        }
        if let Some(url) = rekor {
            url.clone_into(&mut urls.rekor);
            urls.rekor_v2 = false;
        }
        if fulcio.is_some() || rekor.is_some() {
            urls.tsa = None;
            urls.oidc = None;
        }
        if let Some(url) = tsa {
            urls.tsa = Some(url.to_owned());
        }
        Ok(urls)
    }
}

/// Why a Statement could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The Statement file could not be read, or is too large.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not a valid candor Statement.
    #[error("{file} is not a valid candor Statement:\n{errors}")]
    Statement {
        /// The file.
        file: String,
        /// Every error, located.
        errors: DocumentErrors,
    },
    /// A bundle holds one signature but several keys were given.
    #[error("a Sigstore bundle carries exactly one signature; {keys} keys were given")]
    BundleNeedsOneKey {
        /// How many keys.
        keys: usize,
    },
    /// No key was given.
    #[error("no signing key given")]
    NoKeys,
    /// Keyless signing failed (the step or service is named).
    #[error(transparent)]
    Keyless(#[from] KeylessError),
}

impl SignError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            SignError::File(error) => error.kind(),
            SignError::Statement { .. } => "invalid-statement",
            SignError::BundleNeedsOneKey { .. } => "bundle-needs-one-key",
            SignError::NoKeys => "no-keys",
            SignError::Keyless(error) => error.kind(),
        }
    }

    /// Whether the caller's input is at fault (every signing failure is: nothing was
    /// verified, so there is nothing to reject).
    pub fn is_input_error(&self) -> bool {
        match self {
            SignError::File(_)
            | SignError::Statement { .. }
            | SignError::BundleNeedsOneKey { .. }
            | SignError::NoKeys
            | SignError::Keyless(_) => true,
        }
    }
}

/// What was made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SignedForm {
    /// A DSSE envelope.
    Envelope,
    /// A Sigstore bundle with a public-key hint.
    KeyBundle,
    /// A Sigstore bundle with a Fulcio certificate and a Rekor entry.
    CertificateBundle,
}

/// A signed Statement.
#[derive(Debug, Clone)]
pub struct SignedDocument {
    /// The document's text (JSON, with a trailing newline).
    pub text: String,
    /// sha256 of `text`, as audits and responses refer to it.
    pub digest: DigestSet,
    /// What it is.
    pub form: SignedForm,
    /// The Statement that was signed.
    pub statement: AnyStatement,
    /// The keys that signed, for key signatures.
    pub key_ids: Vec<KeyId>,
    /// The identity token's identity, for a keyless signature with a token (the
    /// interactive flow's identity is only known to Fulcio).
    pub identity: Option<String>,
    /// The services, for a keyless signature.
    pub urls: Option<SigningUrls>,
}

/// Read the Statement at `path` strictly (size cap, strict JSON, every rule).
pub fn read_statement(input: &Input) -> Result<AnyStatement, SignError> {
    let bytes = input.read_capped(MAX_ENVELOPE_BYTES, "a Statement")?;
    let file = input.to_string();
    AnyStatement::from_json(&bytes, &file).map_err(|errors| SignError::Statement { file, errors })
}

/// Sign `statement` (its canonical encoding).
pub fn sign_statement(
    statement: AnyStatement,
    with: &SignWith,
) -> Result<SignedDocument, SignError> {
    let canonical = statement.to_canonical_json();
    let (text, form, key_ids, identity, urls) = match with {
        SignWith::Keys { keys, bundle } => {
            if keys.is_empty() {
                return Err(SignError::NoKeys);
            }
            let signers: Vec<&dyn dsse::Signer> =
                keys.iter().map(|k| k as &dyn dsse::Signer).collect();
            let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &canonical, &signers);
            let key_ids = keys.iter().map(|k| k.public_key().id().clone()).collect();
            if *bundle {
                let text = key_bundle(&envelope)
                    .ok_or(SignError::BundleNeedsOneKey { keys: keys.len() })?;
                (text, SignedForm::KeyBundle, key_ids, None, None)
            } else {
                (
                    envelope.to_json(),
                    SignedForm::Envelope,
                    key_ids,
                    None,
                    None,
                )
            }
        }
        SignWith::Keyless { identity, urls } => {
            let identity = identity.resolve()?;
            let who = match &identity {
                Identity::Token(token) => Some(token.identity().to_owned()),
                Identity::Interactive => None,
            };
            let text = keyless::sign_statement(&canonical, identity, urls)?;
            (
                text,
                SignedForm::CertificateBundle,
                Vec::new(),
                who,
                Some(urls.clone()),
            )
        }
    };
    Ok(SignedDocument {
        digest: artifact::sha256_of(text.as_bytes()),
        text,
        form,
        statement,
        key_ids,
        identity,
        urls,
    })
}

/// Where a signed document goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Written atomically to this file.
    File(PathBuf),
    /// Returned to the caller to print.
    Stdout,
}

/// Read the Statement from `statement` (a file or standard input), sign it, and write the
/// result to `out` (atomically; mode 0644).
pub fn sign_file(
    statement: &Input,
    with: &SignWith,
    out: &Destination,
) -> Result<SignedDocument, SignError> {
    let signed = sign_statement(read_statement(statement)?, with)?;
    if let Destination::File(path) = out {
        write_atomic(path, signed.text.as_bytes(), FileMode::Public)?;
    }
    Ok(signed)
}

/// What `candor sign --format json` reports after a key signature written to a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct KeySigned {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub ok: bool,
    /// The envelope (or key-hint bundle) written.
    pub envelope: String,
    /// Its sha256.
    pub envelope_digest: DigestSet,
    /// The Statement's predicate type.
    pub predicate_type: String,
    /// The keys that signed, in signature order.
    pub key_ids: Vec<KeyId>,
}

/// What `candor sign --sigstore --format json` reports after writing a bundle.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct KeylessSigned {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub ok: bool,
    /// The bundle written.
    pub bundle: String,
    /// Its sha256.
    pub bundle_digest: DigestSet,
    /// The Statement's predicate type.
    pub predicate_type: String,
    /// The identity token's identity (`null` after the interactive flow).
    pub identity: Option<String>,
    /// The Fulcio used.
    pub fulcio_url: String,
    /// The Rekor used.
    pub rekor_url: String,
}

/// What `candor sign --format json` prints after writing its output file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SignReport {
    /// Signed with keys.
    Keys(KeySigned),
    /// Signed keylessly.
    Keyless(KeylessSigned),
}

impl SignedDocument {
    /// The report of this document written to `out`.
    pub fn report(&self, out: &Path) -> SignReport {
        let out = out.display().to_string();
        match &self.urls {
            Some(urls) => SignReport::Keyless(KeylessSigned {
                ok: true,
                bundle: out,
                bundle_digest: self.digest.clone(),
                predicate_type: self.statement.predicate_type().to_owned(),
                identity: self.identity.clone(),
                fulcio_url: urls.fulcio.clone(),
                rekor_url: urls.rekor.clone(),
            }),
            None => SignReport::Keys(KeySigned {
                ok: true,
                envelope: out,
                envelope_digest: self.digest.clone(),
                predicate_type: self.statement.predicate_type().to_owned(),
                key_ids: self.key_ids.clone(),
            }),
        }
    }
}
