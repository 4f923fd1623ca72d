//! ed25519 keys: generation, PKCS#8 / SPKI PEM, `ed25519:<base64>`, key ids.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::file::{self, FileError, FileMode};

/// Key files are tiny; anything bigger is not a key.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a key could not be loaded or stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The text is not a key in any form candor reads.
    #[error(
        "{source_name}: not an ed25519 public key: {reason}; expected a PEM public key (-----BEGIN PUBLIC KEY-----) or `ed25519:<base64 of 32 bytes>`"
    )]
    NotAPublicKey {
        /// Where the text came from.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// A private key was given where a public key belongs.
    #[error(
        "{source_name}: this is a private key; pass the public key instead (`candor key public {source_name}` prints it)"
    )]
    PrivateWherePublicExpected {
        /// Where the text came from.
        source_name: String,
    },
    /// The text is not a private key candor reads.
    #[error(
        "{source_name}: not an ed25519 private key: {reason}; expected PKCS#8 PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)"
    )]
    NotAPrivateKey {
        /// Where the text came from.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// The private key is encrypted and no passphrase was given.
    #[error("{source_name}: the private key is encrypted and no passphrase was given")]
    PassphraseRequired {
        /// Where the key came from.
        source_name: String,
    },
    /// The passphrase does not decrypt the key.
    #[error("{source_name}: the passphrase does not decrypt this key (or the file is damaged)")]
    WrongPassphrase {
        /// Where the key came from.
        source_name: String,
    },
    /// A small-order public key: signatures by it can verify for many messages.
    #[error("{source_name}: ed25519 key {key_id} is a small-order (weak) key and is never trusted")]
    WeakKey {
        /// Where the key came from.
        source_name: String,
        /// Its id.
        key_id: KeyId,
    },
    /// Encoding a key failed.
    #[error("could not encode the key: {0}")]
    Encode(String),
}

impl KeyError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyError::File(error) => error.kind(),
            KeyError::NotAPublicKey { .. } => "not-a-public-key",
            KeyError::PrivateWherePublicExpected { .. } => "private-key-given",
            KeyError::NotAPrivateKey { .. } => "not-a-private-key",
            KeyError::PassphraseRequired { .. } => "passphrase-required",
            KeyError::WrongPassphrase { .. } => "wrong-passphrase",
            KeyError::WeakKey { .. } => "weak-key",
            KeyError::Encode(_) => "key-encoding",
        }
    }

    /// Whether the caller's input is at fault (always: keys are the caller's input).
    pub fn is_input_error(&self) -> bool {
        match self {
            KeyError::File(_)
            | KeyError::NotAPublicKey { .. }
            | KeyError::PrivateWherePublicExpected { .. }
            | KeyError::NotAPrivateKey { .. }
            | KeyError::PassphraseRequired { .. }
            | KeyError::WrongPassphrase { .. }
            | KeyError::WeakKey { .. }
            | KeyError::Encode(_) => true,
        }
    }
}

/// A key id: lowercase hex SHA-256 of the raw 32-byte ed25519 public key. An id names a
/// key; it is never evidence that a key signed anything.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    /// The id of raw public key bytes.
    pub fn of_raw(raw: &[u8; 32]) -> Self {
        Self(hex::encode(Sha256::digest(raw)))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for file names and compact displays.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ed25519 public key that candor will verify with.
#[derive(Debug, Clone)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl PartialEq for PublicKey {
    /// Keys are equal when they are the same curve point, whatever bytes encoded them
    /// (ADVERSARIAL.md A13: one key written twice must count once).
    fn eq(&self, other: &Self) -> bool {
        self.canonical_bytes() == other.canonical_bytes()
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// A public key from its raw 32 bytes. Small-order keys are refused.
    pub fn from_raw(raw: &[u8; 32], source_name: &str) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(raw).map_err(|e| KeyError::NotAPublicKey {
            source_name: source_name.to_owned(),
            reason: format!("not a point on the curve ({e})"),
        })?;
        Self::checked(key, source_name)
    }

    fn checked(key: VerifyingKey, source_name: &str) -> Result<Self, KeyError> {
        let id = KeyId::of_raw(key.as_bytes());
        if key.is_weak() {
            return Err(KeyError::WeakKey {
                source_name: source_name.to_owned(),
                key_id: id,
            });
        }
        Ok(Self { key, id })
    }

    /// Parse `ed25519:<base64>` or SPKI PEM text. `source_name` names it in errors.
    pub fn from_text(text: &str, source_name: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let not_a_key = |reason: String| KeyError::NotAPublicKey {
            source_name: source_name.to_owned(),
            reason,
        };
        if let Some(b64) = text.strip_prefix("ed25519:") {
            let bytes = STANDARD
                .decode(b64)
                .map_err(|e| not_a_key(format!("invalid base64 after `ed25519:` ({e})")))?;
            let raw: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
                not_a_key(format!("{} bytes after `ed25519:`, not 32", b.len()))
            })?;
            return Self::from_raw(&raw, source_name);
        }
        if text.contains("PRIVATE KEY-----") {
            return Err(KeyError::PrivateWherePublicExpected {
                source_name: source_name.to_owned(),
            });
        }
        if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            let key = VerifyingKey::from_public_key_pem(text).map_err(|e| {
                not_a_key(match pem_algorithm(text, Pem::Public) {
                    Some(oid) if oid != ED25519_OID => wrong_algorithm(&oid),
                    _ => format!("PEM does not hold an ed25519 public key ({e})"),
                })
            })?;
            return Self::checked(key, source_name);
        }
        Err(not_a_key("unrecognised text".to_owned()))
    }

    /// Read a public key file (PEM or `ed25519:` text).
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let bytes = file::read_capped(path, MAX_KEY_FILE_BYTES, "a key file")?;
        let name = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|_| KeyError::NotAPublicKey {
            source_name: name.clone(),
            reason: "the file is not text".to_owned(),
        })?;
        Self::from_text(&text, &name)
    }

    /// The key id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The raw 32 bytes.
    pub fn raw(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// `ed25519:<standard base64>`.
    pub fn to_ed25519_text(&self) -> String {
        format!("ed25519:{}", STANDARD.encode(self.key.as_bytes()))
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`), LF line endings.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// Whether `signature` is this key's signature of `message` (strict verification:
    /// non-canonical and small-order components are rejected).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &signature).is_ok()
    }

    fn canonical_bytes(&self) -> [u8; 32] {
        self.key.to_edwards().compress().to_bytes()
    }
}

/// An ed25519 private key.
pub struct PrivateKey {
    key: SigningKey,
    public: PublicKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key_id", self.public.id())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Self::from_signing_key(key)
    }

    /// The key with this 32-byte seed (the RFC 8032 private key). For reproducible test
    /// fixtures; real keys come from [`Self::generate`].
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(seed))
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let verifying = key.verifying_key();
        let public = PublicKey {
            id: KeyId::of_raw(verifying.as_bytes()),
            key: verifying,
        };
        Self { key, public }
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Sign `message` (for DSSE: the PAE bytes).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// PKCS#8 v1 PEM (RFC 8410: the seed only, as `openssl genpkey` writes it, so OpenSSL,
    /// pyca/cryptography and Go read it), encrypted with `passphrase` (scrypt +
    /// AES-256-CBC, PKCS#5 v2) if given.
    pub fn to_pkcs8_pem(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<String>, KeyError> {
        let encode = |e: &dyn fmt::Display| KeyError::Encode(e.to_string());
        // ed25519-dalek writes PKCS#8 v2 (with the public key), which pyca/cryptography
        // refuses ("extra data"); leave the public key out.
        let v1 = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        match passphrase {
            None => v1.to_pkcs8_pem(LineEnding::LF).map_err(|e| encode(&e)),
            Some(passphrase) => {
                let der = v1.to_pkcs8_der().map_err(|e| encode(&e))?;
                let info =
                    pkcs8::PrivateKeyInfo::try_from(der.as_bytes()).map_err(|e| encode(&e))?;
                let encrypted = info
                    .encrypt(rand_core::OsRng, passphrase)
                    .map_err(|e| encode(&e))?;
                encrypted
                    .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
                    .map_err(|e| encode(&e))
            }
        }
    }

    /// Parse PKCS#8 PEM. Encrypted keys need `passphrase`.
    pub fn from_pkcs8_pem(
        text: &str,
        passphrase: Option<&[u8]>,
        source_name: &str,
    ) -> Result<Self, KeyError> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let Some(passphrase) = passphrase else {
                return Err(KeyError::PassphraseRequired {
                    source_name: source_name.to_owned(),
                });
            };
            SigningKey::from_pkcs8_encrypted_pem(text, passphrase).map_err(|_| {
                KeyError::WrongPassphrase {
                    source_name: source_name.to_owned(),
                }
            })?
        } else if text.starts_with("-----BEGIN PRIVATE KEY-----") {
            SigningKey::from_pkcs8_pem(text).map_err(|e| KeyError::NotAPrivateKey {
                source_name: source_name.to_owned(),
                reason: match pem_algorithm(text, Pem::Private) {
                    Some(oid) if oid != ED25519_OID => wrong_algorithm(&oid),
                    _ => e.to_string(),
                },
            })?
        } else {
            return Err(KeyError::NotAPrivateKey {
                source_name: source_name.to_owned(),
                reason: if text.starts_with("-----BEGIN PUBLIC KEY-----")
                    || text.starts_with("ed25519:")
                {
                    "this is a public key".to_owned()
                } else {
                    "no PKCS#8 PEM header".to_owned()
                },
            });
        };
        Ok(Self::from_signing_key(key))
    }

    /// Read a private key file.
    pub fn from_file(path: &Path, passphrase: Option<&[u8]>) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(file::read_capped(path, MAX_KEY_FILE_BYTES, "a key file")?);
        let name = path.display().to_string();
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::NotAPrivateKey {
            source_name: name.clone(),
            reason: "the file is not text".to_owned(),
        })?;
        Self::from_pkcs8_pem(text, passphrase, &name)
    }

    /// Write the private key (mode 0600) to `path`, atomically.
    pub fn write_pem(&self, path: &Path, passphrase: Option<&[u8]>) -> Result<(), KeyError> {
        let pem = self.to_pkcs8_pem(passphrase)?;
        file::write_atomic(path, pem.as_bytes(), FileMode::OwnerOnly)?;
        Ok(())
    }
}

/// The algorithm OID of Ed25519 keys (RFC 8410).
const ED25519_OID: &str = "1.3.101.112";

/// Which PEM document [`pem_algorithm`] reads.
#[derive(Clone, Copy)]
enum Pem {
    Public,
    Private,
}

/// The algorithm OID of a PEM public key (SPKI) or unencrypted private key (PKCS#8), if
/// the PEM parses that far.
fn pem_algorithm(text: &str, which: Pem) -> Option<String> {
    use pkcs8::der::Decode as _;
    let (_, document) = pkcs8::der::Document::from_pem(text).ok()?;
    let oid = match which {
        Pem::Public => {
            pkcs8::spki::SubjectPublicKeyInfoRef::from_der(document.as_bytes())
                .ok()?
                .algorithm
                .oid
        }
        Pem::Private => {
            pkcs8::PrivateKeyInfo::from_der(document.as_bytes())
                .ok()?
                .algorithm
                .oid
        }
    };
    Some(oid.to_string())
}

/// What a key of algorithm `oid` is, and what was expected instead.
fn wrong_algorithm(oid: &str) -> String {
    let name = match oid {
        "1.3.101.110" => "an X25519 key (key agreement, not signing)",
        "1.3.101.111" => "an X448 key (key agreement, not signing)",
        "1.3.101.113" => "an Ed448 key",
        "1.2.840.10045.2.1" => "an elliptic-curve (ECDSA) key",
        "1.2.840.113549.1.1.1" => "an RSA key",
        _ => "a key of another algorithm",
    };
    format!("this is {name}, algorithm OID {oid}; expected an Ed25519 key, OID {ED25519_OID}")
}

/// The permission bits of the private key file at `path` when group or others have any
/// access to it (`0o644`, `0o640`, `0o666` …), as ssh checks before it uses a key;
/// `None` when only its owner has (or the mode cannot be read: the read itself reports
/// that). Anyone who can read the key can sign as its owner.
pub fn loose_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs_err::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A key pair written by [`generate_key_files`] (what `candor key generate` reports).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct GeneratedKey {
    /// The key id.
    pub key_id: KeyId,
    /// The private key file (PKCS#8 PEM, mode 0600).
    pub private_key: String,
    /// The public key file (SPKI PEM).
    pub public_key: String,
    /// Whether the private key is encrypted.
    pub encrypted: bool,
    /// The public key as trust policies write it.
    pub ed25519: String,
}

/// The public key file next to private key `private`: `<private>.pub`.
pub fn public_key_path(private: &Path) -> std::path::PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    std::path::PathBuf::from(name)
}

/// Generate a key pair: the private key to `out` (mode 0600, encrypted with
/// `passphrase` if given) and the public key to `<out>.pub`, both atomically. Existing
/// files are replaced only with `replace`; then neither file is written.
pub fn generate_key_files(
    out: &Path,
    passphrase: Option<&[u8]>,
    replace: bool,
) -> Result<GeneratedKey, KeyError> {
    let public_out = public_key_path(out);
    file::refuse_existing(out, replace)?;
    file::refuse_existing(&public_out, replace)?;
    let key = PrivateKey::generate();
    key.write_pem(out, passphrase)?;
    let public = key.public_key();
    file::write_atomic(&public_out, public.to_pem().as_bytes(), FileMode::Public)?;
    Ok(GeneratedKey {
        key_id: public.id().clone(),
        private_key: out.display().to_string(),
        public_key: public_out.display().to_string(),
        encrypted: passphrase.is_some(),
        ed25519: public.to_ed25519_text(),
    })
}

/// A public key as `candor key public` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct PublicKeyReport {
    /// The key id.
    pub key_id: KeyId,
    /// SPKI PEM.
    pub pem: String,
    /// The form trust policies write.
    pub ed25519: String,
}

impl From<&PublicKey> for PublicKeyReport {
    fn from(key: &PublicKey) -> Self {
        Self {
            key_id: key.id().clone(),
            pem: key.to_pem(),
            ed25519: key.to_ed25519_text(),
        }
    }
}

/// The public key of a key file: a public key (PEM or `ed25519:` text) as it is, a
/// private key's (decrypted with `passphrase` where it is encrypted).
pub fn public_key_of_file(path: &Path, passphrase: Option<&[u8]>) -> Result<PublicKey, KeyError> {
    match PublicKey::from_file(path) {
        Err(KeyError::PrivateWherePublicExpected { .. }) => {
            Ok(PrivateKey::from_file(path, passphrase)?
                .public_key()
                .clone())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: an X25519 key was refused with a message naming the Ed25519 OID (the
    /// one expected) as if it were the key's. Keys made by `openssl genpkey` / `ecparam`.
    #[test]
    fn keys_of_other_algorithms_are_named_with_their_own_oid() {
        let x25519_private = "-----BEGIN PRIVATE KEY-----\n\
            MC4CAQAwBQYDK2VuBCIEIPjk80KSSoRkSFiAmdMF15abJ1GjrAIuCb7vBiWaUQVn\n\
            -----END PRIVATE KEY-----\n";
        let error = PrivateKey::from_pkcs8_pem(x25519_private, None, "x.pem").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("this is an X25519 key (key agreement, not signing), algorithm OID 1.3.101.110; expected an Ed25519 key, OID 1.3.101.112"),
            "{text}"
        );
        for (pem, name, oid) in [
            (
                "-----BEGIN PUBLIC KEY-----\n\
                 MCowBQYDK2VuAyEAtYWc5uQwjtOoLysTW0D3LEB6ft5m2gqzvKT4Lt82YH4=\n\
                 -----END PUBLIC KEY-----\n",
                "an X25519 key",
                "1.3.101.110",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\n\
                 MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4eTE+z0bg+fO1OKdqASesHIY6hd8\n\
                 J94VBfvlq5e3vNr4V4ezLICtWSIOG4IzcrpcuS4EdTAq3ge8FmQtKN8FOg==\n\
                 -----END PUBLIC KEY-----\n",
                "an elliptic-curve (ECDSA) key",
                "1.2.840.10045.2.1",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\n\
                 MEMwBQYDK2VxAzoAnDA5nrQj7o+f/qP6/tmGzSlf/ERyuCLHzMuEZLR6eODif6j+\n\
                 Du87uBW6VV6oQQysyb0tvCVBKCoA\n\
                 -----END PUBLIC KEY-----\n",
                "an Ed448 key",
                "1.3.101.113",
            ),
        ] {
            let text = PublicKey::from_text(pem, "k.pub").unwrap_err().to_string();
            assert!(
                text.contains(&format!("this is {name}"))
                    && text.contains(&format!("algorithm OID {oid}; expected an Ed25519 key")),
                "{text}"
            );
        }
    }

    #[test]
    fn key_id_is_sha256_of_raw_key() {
        let key = PrivateKey::generate();
        let raw = key.public_key().raw();
        assert_eq!(
            key.public_key().id().as_str(),
            hex::encode(Sha256::digest(raw))
        );
        assert_eq!(key.public_key().id().as_str().len(), 64);
    }

    #[test]
    fn public_key_text_forms_round_trip() {
        let key = PrivateKey::generate();
        let public = key.public_key();
        let from_pem = PublicKey::from_text(&public.to_pem(), "pem").unwrap();
        let from_text = PublicKey::from_text(&public.to_ed25519_text(), "text").unwrap();
        assert_eq!(&from_pem, public);
        assert_eq!(&from_text, public);
        assert_eq!(from_text.id(), public.id());
    }

    #[test]
    fn private_pem_round_trips_plain_and_encrypted() {
        let key = PrivateKey::generate();
        let plain = key.to_pkcs8_pem(None).unwrap();
        let back = PrivateKey::from_pkcs8_pem(&plain, None, "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());

        let encrypted = key.to_pkcs8_pem(Some(b"correct horse")).unwrap();
        assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let err = PrivateKey::from_pkcs8_pem(&encrypted, None, "k").unwrap_err();
        assert!(matches!(err, KeyError::PassphraseRequired { .. }), "{err}");
        let err = PrivateKey::from_pkcs8_pem(&encrypted, Some(b"wrong"), "k").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
        let back = PrivateKey::from_pkcs8_pem(&encrypted, Some(b"correct horse"), "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());
    }

    #[test]
    fn a14_small_order_keys_are_refused() {
        // The identity point (0, 1) encodes as 0x01 followed by zeros: order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = PublicKey::from_raw(&identity, "policy").unwrap_err();
        assert!(matches!(err, KeyError::WeakKey { .. }), "{err}");
        let text = format!("ed25519:{}", STANDARD.encode(identity));
        assert!(matches!(
            PublicKey::from_text(&text, "policy"),
            Err(KeyError::WeakKey { .. })
        ));
    }

    #[test]
    fn private_key_where_public_expected_is_named() {
        let key = PrivateKey::generate();
        let pem = key.to_pkcs8_pem(None).unwrap();
        let err = PublicKey::from_text(&pem, "release.key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "release.key: this is a private key; pass the public key instead (`candor key public release.key` prints it)"
        );
    }
}
