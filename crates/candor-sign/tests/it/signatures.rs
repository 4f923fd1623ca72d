//! Who signed: thresholds, distinct keys, keyid hints, extra signatures. Section A.
//!
//! The rule: an envelope verifies when at least `threshold` **distinct** trusted keys
//! made a valid signature over PAE(payloadType, payload). Every other signature (bad,
//! foreign, garbage, a repeat by a key that already counted) is ignored and reported in
//! `ignored`, never fatal and never counted. The `keyid` hint decides nothing.

use std::num::NonZeroUsize;

use candor_model::IN_TOTO_PAYLOAD_TYPE;
use candor_sign::dsse::{self, Envelope, EnvelopeSignature};
use candor_sign::keys::PublicKey;
use candor_sign::verify::{
    IgnoredReason, IgnoredSignature, TrustedKeys, VerifiedEnvelope, VerifyError, verify_signatures,
};

use crate::support::{
    FILE, bytes, envelope, garbage_signature, key, keyid, one, pae_signature, sign, statement_json,
    trust, two, verify,
};

/// A20: the threshold is a `NonZeroUsize` in the API, so "threshold 0" (which would
/// accept an envelope no trusted key signed) cannot be expressed to the verifier at
/// all; policies with a threshold of 0 are refused where policies are parsed. This test
/// only pins the signature of the API, at compile time.
#[test]
fn a20_threshold_zero_cannot_be_expressed() {
    let _: fn(
        &Envelope,
        &str,
        &TrustedKeys,
        NonZeroUsize,
    ) -> Result<VerifiedEnvelope, VerifyError> = verify_signatures;
    assert_eq!(NonZeroUsize::new(0), None);
}

/// A10 (`threshold-two-one-key-twice`): one key signing twice is one signer. The
/// duplicate is reported as a repeat, whatever keyid hint it carries (none, its own,
/// another trusted key's).
#[test]
fn a10_same_key_twice_does_not_meet_threshold_two() {
    let signer = key(1);
    let other_trusted = key(2);
    let payload = statement_json();
    let first = pae_signature(&signer, &payload, keyid(&signer));
    // ed25519 is deterministic: the same key over the same message gives the same bytes.
    assert_eq!(first.sig, pae_signature(&signer, &payload, None).sig);

    for hint in [
        keyid(&signer),
        None,
        keyid(&other_trusted),
        Some("another-name".to_owned()),
    ] {
        let repeated = EnvelopeSignature {
            keyid: hint.clone(),
            sig: first.sig.clone(),
        };
        let envelope = envelope(
            IN_TOTO_PAYLOAD_TYPE,
            &payload,
            vec![first.clone(), repeated],
        );
        let err = verify(
            &bytes(&envelope),
            FILE,
            &trust(&[&signer, &other_trusted]),
            two(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "release.dsse.json: signed by 1 distinct trusted key(s) but 2 are required"
        );
        let VerifyError::ThresholdNotMet {
            verified, ignored, ..
        } = err
        else {
            panic!("expected ThresholdNotMet, got {err:?}");
        };
        assert_eq!(verified, [signer.public_key().id().clone()]);
        assert_eq!(
            ignored,
            [IgnoredSignature {
                index: 1,
                keyid: hint,
                reason: IgnoredReason::RepeatedSigner {
                    key: signer.public_key().id().clone()
                },
            }]
        );
        assert_eq!(
            ignored[0].reason.to_string(),
            format!(
                "key {} already counted; a key counts once",
                signer.public_key().id().short()
            )
        );
    }
}

/// ed25519's group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// A10, re-encoded signature: (R, S + L) is the same ed25519 signature to a lax
/// verifier but a different byte string, the classic way to make "two" signatures out
/// of one. Strict verification refuses the malleated one, so it cannot be the second
/// signer either.
#[test]
fn a10_malleated_copy_of_a_signature_does_not_count_twice() {
    let signer = key(1);
    let payload = statement_json();
    let first = pae_signature(&signer, &payload, keyid(&signer));
    let mut raw = dsse::decode_base64(&first.sig).unwrap();
    let mut carry = 0u16;
    for (byte, l) in raw[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    let malleated = EnvelopeSignature {
        keyid: keyid(&signer),
        sig: dsse::encode_base64(&raw),
    };
    assert_ne!(malleated.sig, first.sig);

    let envelope = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![first, malleated.clone()],
    );
    let err = verify(&bytes(&envelope), FILE, &trust(&[&signer]), two()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "release.dsse.json: signed by 1 distinct trusted key(s) but 2 are required"
    );
    let VerifyError::ThresholdNotMet {
        verified, ignored, ..
    } = err
    else {
        panic!("expected ThresholdNotMet, got {err:?}");
    };
    assert_eq!(verified, [signer.public_key().id().clone()]);
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].index, 1);
    // Strict verification does not see it as the key's signature at all.
    assert_eq!(
        ignored[0].reason,
        IgnoredReason::KeyIdMismatch {
            named: signer.public_key().id().clone()
        }
    );

    // Alone, the malleated signature verifies nothing.
    let alone = crate::support::envelope(IN_TOTO_PAYLOAD_TYPE, &payload, vec![malleated]);
    let err = verify(&bytes(&alone), FILE, &trust(&[&signer]), one()).unwrap_err();
    assert!(
        matches!(err, VerifyError::ThresholdNotMet { .. }),
        "{err:?}"
    );
}

/// A11 (`threshold-two-without-keyids`): two distinct trusted keys, signatures without
/// keyid hints: accepted, both signers reported in signature order.
#[test]
fn a11_two_distinct_keys_without_keyids_meet_threshold_two() {
    let (a, b) = (key(1), key(2));
    let payload = statement_json();
    let envelope = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![
            pae_signature(&b, &payload, None),
            pae_signature(&a, &payload, None),
        ],
    );
    let verified = verify(&bytes(&envelope), FILE, &trust(&[&a, &b]), two()).unwrap();
    assert_eq!(
        verified.signers,
        [b.public_key().id().clone(), a.public_key().id().clone()]
    );
    assert!(verified.ignored.is_empty());
    assert!(bytes(&envelope).windows(5).all(|w| w != b"keyid"));
}

/// A12: a keyid naming a trusted key on a signature made by an untrusted key is still a
/// signature by nobody we trust; the report says the hint was wrong.
#[test]
fn a12_keyid_naming_a_trusted_key_on_an_untrusted_signature_is_rejected() {
    let (trusted_key, attacker) = (key(1), key(66));
    let payload = statement_json();
    let envelope = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![pae_signature(&attacker, &payload, keyid(&trusted_key))],
    );
    let err = verify(&bytes(&envelope), FILE, &trust(&[&trusted_key]), one()).unwrap_err();
    let id = trusted_key.public_key().id().to_string();
    assert_eq!(
        err.to_string(),
        format!(
            "release.dsse.json: no signature by a trusted key: 1 signature(s) (keyid {}), none made by the 1 trusted signer(s) (key {})",
            &id[..16],
            &id[..16]
        )
    );
    let VerifyError::ThresholdNotMet {
        verified, ignored, ..
    } = err
    else {
        panic!("expected ThresholdNotMet, got {err:?}");
    };
    assert!(verified.is_empty());
    assert_eq!(
        ignored,
        [IgnoredSignature {
            index: 0,
            keyid: keyid(&trusted_key),
            reason: IgnoredReason::KeyIdMismatch {
                named: trusted_key.public_key().id().clone()
            },
        }]
    );
    assert_eq!(
        ignored[0].reason.to_string(),
        format!(
            "keyid names trusted key {} but this signature does not verify with that key",
            trusted_key.public_key().id().short()
        )
    );
}

/// A12, the other way round: a valid signature by a trusted key counts for that key,
/// whatever its keyid hint claims.
#[test]
fn a12_wrong_keyid_on_a_valid_signature_counts_for_the_real_signer() {
    let (a, b) = (key(1), key(2));
    let payload = statement_json();
    let envelope = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![pae_signature(&a, &payload, keyid(&b))],
    );
    let verified = verify_signatures(
        &serde_json::from_slice(&bytes(&envelope)).unwrap(),
        FILE,
        &trust(&[&a, &b]),
        one(),
    )
    .unwrap();
    assert_eq!(verified.signers, [a.public_key().id().clone()]);
    let err = verify(&bytes(&envelope), FILE, &trust(&[&a, &b]), two()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "release.dsse.json: signed by 1 distinct trusted key(s) but 2 are required"
    );
}

/// A13: one key given twice (PEM and `ed25519:` text) is one trusted key; its signature
/// cannot meet a threshold of two however often it appears.
#[test]
fn a13_same_key_in_two_encodings_counts_once() {
    let signer = key(1);
    let from_pem =
        PublicKey::from_text(&signer.public_key().to_pem(), "policy.toml keys[0]").unwrap();
    let from_text = PublicKey::from_text(
        &signer.public_key().to_ed25519_text(),
        "policy.toml keys[1]",
    )
    .unwrap();
    let trusted = TrustedKeys::new([from_pem, from_text]);
    assert_eq!(trusted.len(), 1);

    let payload = statement_json();
    let twice = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![
            pae_signature(&signer, &payload, keyid(&signer)),
            pae_signature(&signer, &payload, None),
        ],
    );
    let err = verify(&bytes(&twice), FILE, &trusted, two()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "release.dsse.json: signed by 1 distinct trusted key(s) but 2 are required"
    );
    assert!(
        matches!(&err, VerifyError::ThresholdNotMet { verified, trusted_signers: 1, .. } if verified.len() == 1),
        "{err:?}"
    );
}

/// A15: one valid and one garbage signature (valid base64 of random bytes), threshold
/// 1: accepted, and the result is the one the envelope gives without the garbage
/// signature; the garbage one is reported as ignored. Order does not matter.
///
/// "Two signatures, one bad": the envelope verifies when `threshold` distinct trusted
/// keys made valid signatures; a bad signature next to them is ignored and reported,
/// never fatal.
#[test]
fn a15_valid_plus_garbage_signature_verifies_as_the_valid_one_alone() {
    let signer = key(1);
    let payload = statement_json();
    let clean = sign(&payload, &[&signer]);
    let expected = verify(&bytes(&clean), FILE, &trust(&[&signer]), one()).unwrap();

    let garbage = garbage_signature();
    for (signatures, garbage_index) in [
        (vec![clean.signatures[0].clone(), garbage.clone()], 1),
        (vec![garbage.clone(), clean.signatures[0].clone()], 0),
    ] {
        let noisy = Envelope {
            signatures,
            ..clean.clone()
        };
        let verified = verify(&bytes(&noisy), FILE, &trust(&[&signer]), one()).unwrap();
        assert_eq!(verified.statement, expected.statement);
        assert_eq!(verified.signers, expected.signers);
        assert_eq!(
            verified.ignored,
            [IgnoredSignature {
                index: garbage_index,
                keyid: None,
                reason: IgnoredReason::NotByATrustedKey,
            }]
        );
        // Only the envelope digest differs: the bytes differ.
        assert_ne!(verified.envelope_digest, expected.envelope_digest);
    }
}

/// "Two signatures, one bad" at threshold 2: two trusted keys, one signature valid and
/// one by the second key over other bytes. Not met; the bad one is reported.
#[test]
fn two_signatures_one_bad_does_not_meet_threshold_two() {
    let (a, b) = (key(1), key(2));
    let payload = statement_json();
    let envelope = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![
            pae_signature(&a, &payload, keyid(&a)),
            pae_signature(&b, b"other bytes", keyid(&b)),
        ],
    );
    let err = verify(&bytes(&envelope), FILE, &trust(&[&a, &b]), two()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "release.dsse.json: signed by 1 distinct trusted key(s) but 2 are required"
    );
    let VerifyError::ThresholdNotMet { ignored, .. } = err else {
        panic!("expected ThresholdNotMet, got {err:?}");
    };
    assert_eq!(ignored[0].index, 1);
    assert_eq!(
        ignored[0].reason,
        IgnoredReason::KeyIdMismatch {
            named: b.public_key().id().clone()
        }
    );
}

/// A19: verifying with no trusted key at all (key mode without a key) verifies nothing.
#[test]
fn a19_no_trusted_signers_rejects_everything() {
    let envelope = sign(&statement_json(), &[&key(1)]);
    let err = verify(&bytes(&envelope), FILE, &TrustedKeys::default(), one()).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "release.dsse.json: no signature by a trusted key: 1 signature(s) (keyid "
        ) && err
            .to_string()
            .ends_with("), none made by the 0 trusted signer(s)"),
        "{err}"
    );
}
