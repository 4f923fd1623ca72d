//! Whom a caller trusts to sign: ed25519 keys and Sigstore identities, with the trusted
//! root Sigstore certificates must chain to.

use candor_model::signer::{IdentityMatcher, Signer};
use sigstore_verify::trust_root::TrustedRoot;

use crate::keys::{KeyError, PublicKey};

/// The keys a caller trusts, each counted once however often it was given.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// A set from keys; duplicates (same curve point, any encoding) collapse.
    pub fn new(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut set = Self::default();
        for key in keys {
            if !set.keys.contains(&key) {
                set.keys.push(key);
            }
        }
        set
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }
}

/// Why a set of trusted signers could not be assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A key in the list does not load.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A trusted key file does not load.
    #[error("cannot load trusted key {}", path.display())]
    KeyFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// The Sigstore trusted root does not load.
    #[error("cannot load the Sigstore trusted root")]
    TrustedRoot(#[source] crate::sigstore::SigstoreError),
    /// Sigstore identities are trusted but there is no trusted root to verify their
    /// certificates against: every certificate bundle would be refused.
    #[error(
        "{at}: {count} Sigstore identit{} trusted but no Sigstore trusted root given to verify certificates against",
        if *count == 1 { "y is" } else { "ies are" }
    )]
    NoTrustedRoot {
        /// Which list (`--certificate-identity`, `policy.toml: tool[agent].signers`).
        at: String,
        /// How many identities.
        count: usize,
    },
}

impl TrustError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            TrustError::Key(error) | TrustError::KeyFile { source: error, .. } => error.kind(),
            TrustError::TrustedRoot(error) => error.kind(),
            TrustError::NoTrustedRoot { .. } => "no-trusted-root",
        }
    }

    /// Whether the caller's input is at fault (always: trust is the caller's input).
    pub fn is_input_error(&self) -> bool {
        match self {
            TrustError::Key(_)
            | TrustError::KeyFile { .. }
            | TrustError::TrustedRoot(_)
            | TrustError::NoTrustedRoot { .. } => true,
        }
    }
}

/// Everyone a caller trusts to sign: ed25519 keys and Sigstore identities, with the
/// trusted root that Sigstore certificates must chain to (present whenever identities
/// are: [`TrustedSigners::new`] refuses identities without one).
#[derive(Debug, Clone, Default)]
pub struct TrustedSigners {
    keys: TrustedKeys,
    identities: Vec<IdentityMatcher>,
    trusted_root: Option<TrustedRoot>,
}

impl From<TrustedKeys> for TrustedSigners {
    fn from(keys: TrustedKeys) -> Self {
        Self::keys(keys)
    }
}

impl TrustedSigners {
    /// Only these keys.
    pub fn keys(keys: TrustedKeys) -> Self {
        Self {
            keys,
            ..Self::default()
        }
    }

    /// Keys and identities, with the trusted root the identities' certificates must chain
    /// to; refused when there are identities but no root. An identity listed twice
    /// counts once. `at` names the list in errors.
    pub fn new(
        keys: TrustedKeys,
        identities: Vec<IdentityMatcher>,
        trusted_root: Option<TrustedRoot>,
        at: &str,
    ) -> Result<Self, TrustError> {
        if !identities.is_empty() && trusted_root.is_none() {
            return Err(TrustError::NoTrustedRoot {
                at: at.to_owned(),
                count: identities.len(),
            });
        }
        let mut distinct: Vec<IdentityMatcher> = Vec::with_capacity(identities.len());
        for identity in identities {
            if !distinct.contains(&identity) {
                distinct.push(identity);
            }
        }
        Ok(Self {
            keys,
            identities: distinct,
            trusted_root,
        })
    }

    /// The signers a trust policy lists (a tool's vendor signers, an auditor's), with the
    /// trusted root Sigstore identities are verified against. `at` names the list in
    /// errors (`policy.toml: tool[agent].signers`).
    pub fn from_policy(
        signers: &[Signer],
        trusted_root: Option<TrustedRoot>,
        at: &str,
    ) -> Result<Self, TrustError> {
        let mut keys = Vec::new();
        let mut identities = Vec::new();
        for (i, signer) in signers.iter().enumerate() {
            match signer {
                Signer::Key(text) => {
                    keys.push(PublicKey::from_text(
                        text.as_str(),
                        &format!("{at}[{i}].key"),
                    )?);
                }
                Signer::Sigstore(identity) => identities.push(identity.clone().into()),
            }
        }
        Self::new(TrustedKeys::new(keys), identities, trusted_root, at)
    }

    /// The signers a command line names: public key files, Sigstore identities, and the
    /// trusted root file for them (default: the embedded root of `instance`; read only
    /// when there are identities).
    pub fn from_files(
        keys: &[std::path::PathBuf],
        identities: Vec<IdentityMatcher>,
        trusted_root: Option<&std::path::Path>,
        instance: crate::sigstore::Instance,
    ) -> Result<Self, TrustError> {
        let keys = keys
            .iter()
            .map(|path| {
                PublicKey::from_file(path).map_err(|source| TrustError::KeyFile {
                    path: path.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let root = if identities.is_empty() {
            None
        } else {
            Some(
                crate::sigstore::trusted_root(trusted_root, instance)
                    .map_err(TrustError::TrustedRoot)?,
            )
        };
        Self::new(
            TrustedKeys::new(keys),
            identities,
            root,
            "--certificate-identity",
        )
    }

    /// The trusted ed25519 keys.
    pub fn trusted_keys(&self) -> &TrustedKeys {
        &self.keys
    }

    /// The trusted Sigstore identities.
    pub fn identities(&self) -> &[IdentityMatcher] {
        &self.identities
    }

    /// The Sigstore trusted root, when identities are trusted (or one was given).
    pub fn trusted_root(&self) -> Option<&TrustedRoot> {
        self.trusted_root.as_ref()
    }

    /// Distinct signers that could count towards a threshold.
    pub fn len(&self) -> usize {
        self.keys.len() + self.identities.len()
    }

    /// Whether nobody is trusted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
