//! Keys: what is trusted, and how key files are read and written. Section A.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use candor_sign::file::FileError;
use candor_sign::keys::{KeyError, MAX_KEY_FILE_BYTES, PrivateKey, PublicKey};
use candor_sign::verify::TrustedKeys;

use crate::support::{FILE, bytes, key, one, sign, statement_json, trust, verify};

/// The eight small-order points of edwards25519 (order 1, 2, 4, 4, 8, 8, 8, 8), as hex.
const SMALL_ORDER: [&str; 8] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
];

fn from_hex(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

/// SPKI PEM of raw ed25519 key bytes, built by hand so that any bytes can be wrapped.
fn spki_pem(raw: &[u8; 32]) -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(raw);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

/// A14: small-order ("weak") keys, for which one signature verifies for many messages,
/// are refused when they are loaded, in every form keys are written in.
#[test]
fn a14_small_order_keys_are_refused_at_load() {
    for hex in SMALL_ORDER {
        let raw = from_hex(hex);
        let text = format!("ed25519:{}", STANDARD.encode(raw));
        for (form, result) in [
            ("text", PublicKey::from_text(&text, "policy.toml")),
            ("pem", PublicKey::from_text(&spki_pem(&raw), "policy.toml")),
            ("raw", PublicKey::from_raw(&raw, "policy.toml")),
        ] {
            let err = result.unwrap_err();
            let KeyError::WeakKey { key_id, .. } = &err else {
                panic!("{hex} as {form}: expected WeakKey, got {err:?}");
            };
            assert_eq!(
                err.to_string(),
                format!(
                    "policy.toml: ed25519 key {key_id} is a small-order (weak) key and is never trusted"
                )
            );
        }
    }
    // The sanity check: the hand-made PEM wraps a good key fine.
    let good = key(1).public_key().raw();
    assert_eq!(
        PublicKey::from_text(&spki_pem(&good), "policy.toml")
            .unwrap()
            .raw(),
        good
    );
}

/// A13 at the byte level: a point written with a non-canonical y coordinate (y + p) is
/// the same key as its canonical encoding, and counts once.
#[test]
fn a13_non_canonical_encoding_of_a_key_counts_once() {
    // p = 2^255 - 19. For y < 19, y + p still fits in 255 bits: a second encoding.
    let mut found = 0;
    for y in 0u8..19 {
        let mut canonical = [0u8; 32];
        canonical[0] = y;
        let mut alias = [0xffu8; 32];
        alias[0] = 0xed + y;
        alias[31] = 0x7f;
        let (Ok(a), Ok(b)) = (
            PublicKey::from_raw(&canonical, "policy.toml keys[0]"),
            PublicKey::from_raw(&alias, "policy.toml keys[1]"),
        ) else {
            continue;
        };
        found += 1;
        assert_ne!(a.raw(), b.raw(), "two different byte strings");
        assert_eq!(a, b, "one curve point");
        let trusted = TrustedKeys::new([a.clone(), b]);
        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted.iter().next().unwrap().id(), a.id());
    }
    assert!(
        found > 0,
        "no y < 19 gives a usable point; the test checks nothing"
    );
}

/// A13 through the API users see: the same key in PEM and in `ed25519:` text is one key.
#[test]
fn a13_same_key_as_pem_and_text_is_one_trusted_key() {
    let signer = key(1);
    let pem = PublicKey::from_text(&signer.public_key().to_pem(), "a.pub").unwrap();
    let text = PublicKey::from_text(&signer.public_key().to_ed25519_text(), "b.pub").unwrap();
    assert_eq!(pem.id(), text.id());
    let trusted = TrustedKeys::new([pem, text, signer.public_key().clone()]);
    assert_eq!(trusted.len(), 1);
    let envelope = sign(&statement_json(), &[&signer]);
    let verified = verify(&bytes(&envelope), FILE, &trusted, one()).unwrap();
    assert_eq!(verified.signers, [signer.public_key().id().clone()]);
}

/// An encrypted private key written by candor reads back with its passphrase, is
/// owner-only on disk, and names the file when the passphrase is wrong or missing.
#[test]
fn encrypted_private_key_file_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    let key = PrivateKey::generate();
    key.write_pem(&path, Some(b"correct horse battery staple"))
        .unwrap();

    let text = fs_err::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs_err::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let back = PrivateKey::from_file(&path, Some(b"correct horse battery staple")).unwrap();
    assert_eq!(back.public_key(), key.public_key());
    // It signs as the original does.
    let envelope = sign(&statement_json(), &[&back]);
    assert!(verify(&bytes(&envelope), FILE, &trust(&[&key]), one()).is_ok());

    let name = path.display().to_string();
    let err = PrivateKey::from_file(&path, Some(b"Tr0ub4dor&3")).unwrap_err();
    assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{name}: the passphrase does not decrypt this key (or the file is damaged)")
    );
    let err = PrivateKey::from_file(&path, None).unwrap_err();
    assert!(
        matches!(err, KeyError::PassphraseRequired { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{name}: the private key is encrypted and no passphrase was given")
    );
}

/// An unencrypted private key file round-trips too, also owner-only.
#[test]
fn plain_private_key_file_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.key");
    let key = PrivateKey::generate();
    key.write_pem(&path, None).unwrap();
    assert!(
        fs_err::read_to_string(&path)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs_err::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let back = PrivateKey::from_file(&path, None).unwrap();
    assert_eq!(back.public_key(), key.public_key());
}

/// Public key files are read in both forms candor writes (PEM, `ed25519:` text), with
/// surrounding whitespace, and give the same key.
#[test]
fn public_key_files_in_both_formats_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(1);
    let pem = dir.path().join("release.pem");
    let text = dir.path().join("release.pub");
    fs_err::write(&pem, key.public_key().to_pem()).unwrap();
    fs_err::write(
        &text,
        format!("  {}\r\n", key.public_key().to_ed25519_text()),
    )
    .unwrap();

    for path in [&pem, &text] {
        let loaded = PublicKey::from_file(path).unwrap();
        assert_eq!(&loaded, key.public_key());
        assert_eq!(loaded.id(), key.public_key().id());
    }
}

/// A private key where a public key belongs is refused, with the way out; and the
/// other way round.
#[test]
fn private_key_passed_as_public_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    let key = PrivateKey::generate();
    key.write_pem(&path, Some(b"pw")).unwrap();
    let name = path.display().to_string();
    let err = PublicKey::from_file(&path).unwrap_err();
    assert!(
        matches!(err, KeyError::PrivateWherePublicExpected { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{name}: this is a private key; pass the public key instead (`candor key public {name}` prints it)"
        )
    );

    let public = dir.path().join("release.pub");
    fs_err::write(&public, key.public_key().to_ed25519_text()).unwrap();
    let name = public.display().to_string();
    let err = PrivateKey::from_file(&public, None).unwrap_err();
    assert!(matches!(err, KeyError::NotAPrivateKey { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{name}: not an ed25519 private key: this is a public key; expected PKCS#8 PEM \
             (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)"
        )
    );
}

/// Text that is no key is refused with what was expected; so are key files that are too
/// big or not text.
#[test]
fn malformed_public_keys_are_refused() {
    let expected = "; expected a PEM public key (-----BEGIN PUBLIC KEY-----) or `ed25519:<base64 of 32 bytes>`";
    for (text, reason) in [
        ("ssh-ed25519 AAAAC3Nz", "unrecognised text"),
        ("ed25519:AAAA", "3 bytes after `ed25519:`, not 32"),
        ("ed25519:not base64!", "invalid base64 after `ed25519:`"),
    ] {
        let err = PublicKey::from_text(text, "k.pub").unwrap_err();
        assert!(matches!(err, KeyError::NotAPublicKey { .. }), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("k.pub: not an ed25519 public key: {reason}")),
            "{shown}"
        );
        assert!(shown.ends_with(expected), "{shown}");
    }

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pub");
    fs_err::File::create(&big)
        .unwrap()
        .set_len(MAX_KEY_FILE_BYTES + 1)
        .unwrap();
    let err = PublicKey::from_file(&big).unwrap_err();
    assert!(
        matches!(err, KeyError::File(FileError::TooLarge { .. })),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: file is 65537 bytes; the limit for a key file is 65536 bytes",
            big.display()
        )
    );

    let binary = dir.path().join("binary.pub");
    fs_err::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    let err = PublicKey::from_file(&binary).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "{}: not an ed25519 public key: the file is not text",
            binary.display()
        )),
        "{err}"
    );

    let missing = dir.path().join("missing.pub");
    let err = PublicKey::from_file(&missing).unwrap_err();
    assert!(matches!(err, KeyError::File(FileError::Io(_))), "{err:?}");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
}
