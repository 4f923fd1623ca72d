//! Keyless signing: an OIDC identity token, a short-lived Fulcio certificate, a DSSE
//! envelope signed with an ephemeral key, a Rekor entry, a Sigstore bundle v0.3.
//!
//! The protocol is `sigstore-sign`'s; this module chooses the services (the production or
//! staging instance's embedded signing configuration, or URLs given by the caller),
//! finds the identity token, runs the requests on a small single-threaded runtime and
//! names the service that failed.
//!
//! Identity tokens, in order: the one the caller passes (`--identity-token`,
//! `SIGSTORE_ID_TOKEN`), an ambient CI token (GitHub Actions, GitLab, Buildkite … through
//! `sigstore-oidc`'s detection), or an interactive OAuth flow (the caller decides when
//! that is allowed: never in CI).

use sigstore_sign::oidc::IdentityToken;
use sigstore_sign::rekor::RekorApiVersion;
use sigstore_sign::{SigningContext, SigningServices, SigstoreInstance};

use crate::sigstore::Instance;

/// The services a keyless signature goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningUrls {
    /// Fulcio (certificate authority) base URL.
    pub fulcio: String,
    /// Rekor (transparency log) base URL.
    pub rekor: String,
    /// Whether that Rekor speaks the v2 API (which needs a timestamp authority).
    pub rekor_v2: bool,
    /// RFC 3161 timestamp authority, if any.
    pub tsa: Option<String>,
    /// OIDC provider for the interactive flow, if any.
    pub oidc: Option<String>,
}

impl SigningUrls {
    /// The instance's services, from the signing configuration embedded in candor.
    pub fn for_instance(instance: Instance) -> Result<Self, KeylessError> {
        let instance = match instance {
            Instance::Production => SigstoreInstance::PublicGood,
            Instance::Staging => SigstoreInstance::Staging,
        };
        let services = SigningServices::from_embedded(instance)
            .map_err(|e| KeylessError::Config(e.to_string()))?;
        Ok(Self {
            fulcio: services.fulcio_url().to_owned(),
            rekor: services.rekor_url().to_owned(),
            rekor_v2: services.rekor_api_version() == RekorApiVersion::V2,
            tsa: services.tsa_url().map(str::to_owned),
            oidc: services.oidc_url().map(str::to_owned),
        })
    }

    fn services(&self) -> SigningServices {
        let version = if self.rekor_v2 {
            RekorApiVersion::V2
        } else {
            RekorApiVersion::V1
        };
        let mut services = SigningServices::new(self.fulcio.clone(), self.rekor.clone())
            .with_rekor(self.rekor.clone(), version);
        if let Some(tsa) = &self.tsa {
            services = services.with_tsa_url(tsa.clone());
        }
        if let Some(oidc) = &self.oidc {
            services = services.with_oidc_url(oidc.clone());
        }
        services
    }
}

/// Why a keyless signature could not be made; each names the step or service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeylessError {
    /// No identity token was given or found.
    #[error(
        "no OIDC identity token: none given (--identity-token, SIGSTORE_ID_TOKEN), none in the \
         CI environment, and the interactive flow is not available here"
    )]
    NoToken,
    /// The identity token is not a usable JWT.
    #[error("identity token: {0}")]
    Token(String),
    /// The services cannot produce a verifiable bundle (nothing was sent).
    #[error("signing configuration: {0}")]
    Config(String),
    /// Fulcio refused or failed to issue a certificate.
    #[error("Fulcio ({url}) did not issue a signing certificate: {reason}")]
    Fulcio {
        /// The Fulcio URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Rekor refused or failed to log the entry.
    #[error("Rekor ({url}) did not log the signature: {reason}")]
    Rekor {
        /// The Rekor URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The timestamp authority failed.
    #[error("timestamp authority: {0}")]
    Tsa(String),
    /// Anything else `sigstore-sign` reports.
    #[error("keyless signing failed: {0}")]
    Other(String),
}

impl KeylessError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            KeylessError::NoToken => "no-identity-token",
            KeylessError::Token(_) => "identity-token",
            KeylessError::Config(_) => "signing-config",
            KeylessError::Fulcio { .. } => "fulcio",
            KeylessError::Rekor { .. } => "rekor",
            KeylessError::Tsa(_) => "timestamp-authority",
            KeylessError::Other(_) => "keyless",
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, KeylessError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| KeylessError::Other(format!("cannot start the async runtime: {e}")))
}

/// Parses a raw JWT (claims are read, not verified: Fulcio authenticates it).
pub fn parse_token(jwt: &str) -> Result<IdentityToken, KeylessError> {
    IdentityToken::from_jwt(jwt.trim()).map_err(|e| KeylessError::Token(e.to_string()))
}

/// An ambient CI identity token, if this runs in a CI system that provides one.
pub fn ambient_token() -> Result<Option<IdentityToken>, KeylessError> {
    runtime()?
        .block_on(IdentityToken::detect_ambient())
        .map_err(|e| KeylessError::Token(e.to_string()))
}

/// Whose identity signs.
#[derive(Debug)]
pub enum Identity {
    /// The holder of this token.
    Token(Box<IdentityToken>),
    /// Whoever completes the interactive OAuth flow of the instance's OIDC provider
    /// (prints a URL, reads the code it shows).
    Interactive,
}

/// Signs `statement` (the exact bytes of an in-toto Statement) keylessly as `identity`
/// and returns the Sigstore bundle (v0.3, DSSE content) as JSON text.
pub fn sign_statement(
    statement: &[u8],
    identity: Identity,
    urls: &SigningUrls,
) -> Result<String, KeylessError> {
    let context = SigningContext::new(urls.services());
    let runtime = runtime()?;
    let signer = match identity {
        Identity::Token(token) => context.signer(*token),
        Identity::Interactive => {
            if urls.oidc.is_none() {
                return Err(KeylessError::NoToken);
            }
            runtime
                .block_on(context.authenticate())
                .map_err(|e| KeylessError::Token(e.to_string()))?
        }
    };
    let bundle = runtime
        .block_on(signer.sign_raw_statement(statement))
        .map_err(|e| classify(&e, urls))?;
    let mut text = bundle
        .to_json_pretty()
        .map_err(|e| KeylessError::Other(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

fn classify(error: &sigstore_sign::Error, urls: &SigningUrls) -> KeylessError {
    use sigstore_sign::Error as E;
    let reason = error.to_string();
    match error {
        E::Fulcio(_) => KeylessError::Fulcio {
            url: urls.fulcio.clone(),
            reason,
        },
        E::Rekor(_) => KeylessError::Rekor {
            url: urls.rekor.clone(),
            reason,
        },
        E::Tsa(_) => KeylessError::Tsa(reason),
        E::Oidc(_) => KeylessError::Token(reason),
        E::Config(_) | E::TrustRoot(_) => KeylessError::Config(reason),
        _ => KeylessError::Other(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_have_their_services() {
        let production = SigningUrls::for_instance(Instance::Production).unwrap();
        assert_eq!(production.fulcio, "https://fulcio.sigstore.dev");
        assert!(production.rekor.starts_with("https://"), "{production:?}");
        assert!(production.rekor.contains("sigstore.dev"), "{production:?}");
        // A v2 log needs a timestamp authority; the embedded config must provide one.
        assert!(
            !production.rekor_v2 || production.tsa.is_some(),
            "{production:?}"
        );
        let staging = SigningUrls::for_instance(Instance::Staging).unwrap();
        assert!(staging.fulcio.contains("sigstage.dev"), "{staging:?}");
        assert_ne!(production, staging);
    }

    #[test]
    fn tokens_must_be_jwts() {
        assert!(matches!(
            parse_token("not a jwt"),
            Err(KeylessError::Token(_))
        ));
        assert!(matches!(parse_token("a.b.c"), Err(KeylessError::Token(_))));
    }
}
