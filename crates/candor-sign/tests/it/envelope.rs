//! The DSSE layer: what was signed (PAE), how it is encoded (base64, JSON), how big it
//! may be. Sections A and E.

use candor_model::{AnyStatement, IN_TOTO_PAYLOAD_TYPE};
use candor_sign::dsse::{self, Envelope, MAX_ENVELOPE_BYTES};
use candor_sign::file::FileError;
use candor_sign::verify::{IgnoredReason, VerifyError, check_subject, verify_signatures};

use crate::support::{
    ARTIFACT, FILE, SUBJECT_NAME, artifact_digests, bytes, envelope, garbage_signature, key, keyid,
    one, pae_signature, sha256_hex, sign, sign_typed, signature, signed, statement_json,
    to_url_safe, trust, trusted, verify, verify_file,
};

/// The message of a threshold not met with no trusted signature: the signatures' keyid
/// hints, then the trusted keys' ids.
#[track_caller]
fn assert_no_trusted_signature(text: &str, signatures: usize, trusted_signers: usize) {
    assert!(
        text.starts_with(&format!(
            "{FILE}: no signature by a trusted key: {signatures} signature(s) (keyid "
        )) && text.contains(&format!(
            "), none made by the {trusted_signers} trusted signer(s)"
        )),
        "{text}"
    );
}

/// A1: a valid ed25519 signature over PAE by the one trusted key verifies. The caller
/// gets the Statement parsed from exactly the signed bytes, the signer's key id, and the
/// sha256 of the envelope bytes.
#[test]
fn a1_valid_single_signature_is_accepted() {
    let signer = key(1);
    let payload = statement_json();
    let envelope_bytes = bytes(&sign(&payload, &[&signer]));

    let verified = verify(&envelope_bytes, FILE, &trust(&[&signer]), one()).unwrap();

    assert_eq!(
        verified.statement,
        AnyStatement::from_json(&payload, "expected").unwrap()
    );
    assert!(matches!(verified.statement, AnyStatement::Manifest(_)));
    assert_eq!(verified.signers, [signer.public_key().id().clone()]);
    assert!(verified.ignored.is_empty(), "{:?}", verified.ignored);
    assert_eq!(
        verified.envelope_digest.iter().collect::<Vec<_>>(),
        [("sha256", sha256_hex(&envelope_bytes).as_str())]
    );
    // The artifact the Statement was made for is its subject.
    let subject = check_subject(&verified.statement, "agent", &artifact_digests()).unwrap();
    assert_eq!(subject.name, SUBJECT_NAME);
    assert_eq!(subject.digest, artifact_digests());
    // The same from a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    fs_err::write(&path, &envelope_bytes).unwrap();
    let from_file = verify_file(&path, &trust(&[&signer]), one()).unwrap();
    assert_eq!(from_file.statement, verified.statement);
    assert_eq!(from_file.signers, verified.signers);
    assert_eq!(from_file.envelope_digest, verified.envelope_digest);
}

/// A2: a signature over the raw payload instead of PAE(payloadType, payload) is no
/// signature: the type is then unauthenticated.
#[test]
fn a2_signature_over_raw_payload_instead_of_pae_is_rejected() {
    let signer = key(1);
    let payload = statement_json();
    let raw_signed = envelope(
        IN_TOTO_PAYLOAD_TYPE,
        &payload,
        vec![signature(&signer, &payload, keyid(&signer))],
    );

    let err = verify(&bytes(&raw_signed), FILE, &trust(&[&signer]), one()).unwrap_err();

    assert_no_trusted_signature(&err.to_string(), 1, 1);
    let VerifyError::ThresholdNotMet {
        verified, ignored, ..
    } = &err
    else {
        panic!("expected ThresholdNotMet, got {err:?}");
    };
    assert!(verified.is_empty());
    assert_eq!(
        ignored[0].reason,
        IgnoredReason::KeyIdMismatch {
            named: signer.public_key().id().clone()
        }
    );
    assert_eq!(
        ignored[0].reason.to_string(),
        format!(
            "keyid names trusted key {} but this signature does not verify with that key",
            signer.public_key().id().short()
        )
    );
}

/// A3 (`payload-type-swapped`): changing payloadType after signing breaks the signature,
/// whichever way it is swapped, and the signature check comes first.
#[test]
fn a3_payload_type_changed_after_signing_is_rejected() {
    let signer = key(1);
    let payload = statement_json();
    // Signed as in-toto, relabelled as something else...
    let mut relabelled = sign(&payload, &[&signer]);
    relabelled.payload_type = "application/vnd.in-toto+json; charset=utf-8".to_owned();
    // ...and signed as something else, relabelled as in-toto.
    let mut promoted = sign_typed("text/plain", &payload, &[&signer]);
    promoted.payload_type = IN_TOTO_PAYLOAD_TYPE.to_owned();

    for swapped in [relabelled, promoted] {
        let err = verify(&bytes(&swapped), FILE, &trust(&[&signer]), one()).unwrap_err();
        assert!(
            matches!(err, VerifyError::ThresholdNotMet { .. }),
            "{err:?}"
        );
        assert_no_trusted_signature(&err.to_string(), 1, 1);
    }
}

/// A3, PAE's length prefixes: moving bytes between payloadType and payload, which a
/// naive `type + " " + payload` encoding would not notice, breaks the signature.
#[test]
fn a3_bytes_moved_between_type_and_payload_are_rejected() {
    let signer = key(1);
    let original = sign_typed("a b", b"c", &[&signer]);
    let mut shifted = original.clone();
    shifted.payload_type = "a".to_owned();
    shifted.payload = dsse::encode_base64(b"b c");

    assert!(verify_signatures(&original, FILE, &trust(&[&signer]), one()).is_ok());
    let err = verify_signatures(&shifted, FILE, &trust(&[&signer]), one()).unwrap_err();
    assert!(
        matches!(err, VerifyError::ThresholdNotMet { .. }),
        "{err:?}"
    );
    assert_no_trusted_signature(&err.to_string(), 1, 1);
}

/// A6 (`empty-payload-type`): an empty or foreign payloadType with a *valid* signature
/// over that type is rejected for its type, after the signature check: with a bad
/// signature the same envelope is rejected for the signature instead.
#[test]
fn a6_empty_or_unsupported_payload_type_is_rejected_after_the_signature_check() {
    let signer = key(1);
    let stranger = key(9);
    let payload = statement_json();
    for payload_type in ["", "application/json"] {
        let valid = sign_typed(payload_type, &payload, &[&signer]);
        // The DSSE layer accepts any type it can verify...
        let dsse_layer = verify_signatures(&valid, FILE, &trust(&[&signer]), one()).unwrap();
        assert_eq!(dsse_layer.payload_type, payload_type);
        // ...the Statement layer does not.
        let err = verify(&bytes(&valid), FILE, &trust(&[&signer]), one()).unwrap_err();
        assert!(
            matches!(&err, VerifyError::PayloadType { found, .. } if found == payload_type),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{FILE}: payloadType is {payload_type:?}; expected \"application/vnd.in-toto+json\""
            )
        );

        let invalid = sign_typed(payload_type, &payload, &[&stranger]);
        let err = verify(&bytes(&invalid), FILE, &trust(&[&signer]), one()).unwrap_err();
        assert!(
            matches!(err, VerifyError::ThresholdNotMet { .. }),
            "{err:?}"
        );
        assert_no_trusted_signature(&err.to_string(), 1, 1);
    }
}

/// A7 (`empty-payload`): PAE of an empty payload (`"DSSEv1 28 application/vnd.in-toto+json
/// 0 "`) is a fine DSSE message, so the DSSE layer accepts it; it is no Statement, so
/// verification as a whole rejects it.
#[test]
fn a7_empty_payload_passes_dsse_but_is_no_statement() {
    let signer = key(1);
    let empty = sign(b"", &[&signer]);
    assert_eq!(empty.payload, "");

    let dsse_layer = verify_signatures(&empty, FILE, &trust(&[&signer]), one()).unwrap();
    assert!(dsse_layer.payload.is_empty());
    assert_eq!(dsse_layer.signers, [signer.public_key().id().clone()]);

    let err = verify(&bytes(&empty), FILE, &trust(&[&signer]), one()).unwrap_err();
    assert!(matches!(err, VerifyError::Statement(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "payload is not a valid candor Statement:\n{FILE} (payload): empty document; expected JSON text"
        )
    );
}

/// A8 (`url-safe-base64`): payload and signature in the URL-safe alphabet, padded or
/// not, verify exactly like the standard encoding.
#[test]
fn a8_url_safe_base64_payload_and_signature_are_accepted() {
    let signer = key(1);
    // A field unknown to in-toto, ignored for meaning, whose base64 has `/` and `+`.
    let mut statement = crate::support::statement_value();
    statement["note"] = serde_json::json!("??????>>>>>>");
    let standard = sign(&serde_json::to_vec(&statement).unwrap(), &[&signer]);
    let expected = verify(&bytes(&standard), FILE, &trust(&[&signer]), one()).unwrap();

    for padded in [true, false] {
        let mut url_safe = standard.clone();
        url_safe.payload = to_url_safe(&standard.payload, padded);
        url_safe.signatures[0].sig = to_url_safe(&standard.signatures[0].sig, padded);
        // The test means something only if the alphabets differ in this envelope.
        assert!(
            url_safe.payload.contains(['-', '_'])
                && url_safe.signatures[0].sig.contains(['-', '_']),
            "pick another key seed: {url_safe:?}"
        );
        assert_eq!(url_safe.payload.ends_with('='), padded);

        let verified = verify(&bytes(&url_safe), FILE, &trust(&[&signer]), one()).unwrap();
        assert_eq!(verified.statement, expected.statement);
        assert_eq!(verified.signers, expected.signers);
    }
    // Unpadded standard base64 too.
    let mut unpadded = standard.clone();
    unpadded.signatures[0].sig = unpadded.signatures[0].sig.trim_end_matches('=').to_owned();
    let verified = verify(&bytes(&unpadded), FILE, &trust(&[&signer]), one()).unwrap();
    assert_eq!(verified.signers, expected.signers);
}

fn base64_error(envelope: &Envelope) -> (String, String, String) {
    let err = verify_signatures(envelope, FILE, &trust(&[&key(1)]), one())
        .expect_err("the envelope has a malformed base64 field");
    let text = err.to_string();
    let VerifyError::Base64 {
        file,
        field,
        reason,
    } = err
    else {
        panic!("expected a base64 error, got {err:?}");
    };
    assert_eq!(file, FILE);
    assert_eq!(
        text,
        format!("{FILE}: malformed envelope: {field} is not valid base64: {reason}")
    );
    (field, reason, text)
}

/// A9: a field that is not base64 makes the envelope malformed; the error names the
/// field. Rejected even when another signature is valid: a malformed envelope is
/// rejected whole.
#[test]
fn a9_invalid_base64_in_signature_or_payload_is_rejected_naming_the_field() {
    let valid = sign(&statement_json(), &[&key(1)]);

    let mut bad_sig = valid.clone();
    bad_sig.signatures[0].sig = "not base64!".to_owned();
    let (field, reason, _) = base64_error(&bad_sig);
    assert_eq!(field, "signatures[0].sig");
    assert!(reason.contains("Invalid symbol"), "{reason}");

    let mut bad_payload = valid.clone();
    bad_payload.payload.insert(4, '*');
    let (field, reason, _) = base64_error(&bad_payload);
    assert_eq!(field, "payload");
    assert!(reason.contains("Invalid symbol 42, offset 4"), "{reason}");

    let mut second_bad = valid.clone();
    second_bad.signatures.push(dsse::EnvelopeSignature {
        keyid: None,
        sig: "%%%%".to_owned(),
    });
    let (field, _, text) = base64_error(&second_bad);
    assert_eq!(field, "signatures[1].sig");
    assert!(
        text.starts_with("release.dsse.json: malformed envelope: signatures[1].sig"),
        "{text}"
    );
}

/// A9: one field mixing both alphabets is refused (it is neither encoding), wherever
/// the mix occurs.
#[test]
fn a9_mixed_base64_alphabets_are_rejected() {
    let valid = sign(&statement_json(), &[&key(1)]);
    let mut mixed = valid.clone();
    let sig = &valid.signatures[0].sig;
    mixed.signatures[0].sig = format!("-+{}", &sig[2..]);
    let (field, reason, _) = base64_error(&mixed);
    assert_eq!(field, "signatures[0].sig");
    assert_eq!(
        reason,
        "mixes the standard (+ /) and URL-safe (- _) base64 alphabets"
    );

    let mut mixed_payload = valid.clone();
    mixed_payload.payload = format!("_/{}", &valid.payload[2..]);
    let (field, reason, _) = base64_error(&mixed_payload);
    assert_eq!(field, "payload");
    assert!(reason.starts_with("mixes the standard"), "{reason}");
}

/// A9: whitespace and line breaks (MIME-style wrapping) are not base64 here.
#[test]
fn a9_whitespace_in_base64_is_rejected() {
    let valid = sign(&statement_json(), &[&key(1)]);
    let sig = &valid.signatures[0].sig;
    let payload = &valid.payload;
    let cases = [
        (
            "signatures[0].sig",
            format!("{}\n{}", &sig[..44], &sig[44..]),
        ),
        ("signatures[0].sig", format!("{sig}\n")),
        ("signatures[0].sig", format!(" {sig}")),
        (
            "payload",
            format!("{}\r\n{}", &payload[..76], &payload[76..]),
        ),
        ("payload", format!("{} {}", &payload[..8], &payload[8..])),
    ];
    for (expected_field, text) in cases {
        let mut envelope = valid.clone();
        if expected_field == "payload" {
            envelope.payload = text;
        } else {
            envelope.signatures[0].sig = text;
        }
        let (field, reason, _) = base64_error(&envelope);
        assert_eq!(field, expected_field);
        assert!(reason.starts_with("Invalid symbol"), "{reason}");
    }
}

/// A9: non-canonical encodings (stray bits in the last character, wrong padding) are
/// refused, so that exactly one text stands for each signature.
#[test]
fn a9_non_canonical_base64_is_rejected() {
    let valid = sign(&statement_json(), &[&key(1)]);
    let sig = valid.signatures[0].sig.clone();
    // 64 bytes: 85 full characters, one carrying 4 data bits and 2 zero bits... as
    // standard base64 writes it, 86 characters and "==". Set a low bit of the last one.
    assert_eq!(sig.len(), 88);
    assert!(sig.ends_with("=="));
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let last = alphabet
        .iter()
        .position(|&c| c == sig.as_bytes()[85])
        .unwrap();
    assert_eq!(
        last & 0b1111,
        0,
        "a canonical last character carries no stray bits"
    );
    let stray = format!("{}{}==", &sig[..85], char::from(alphabet[last | 1]));

    let mut envelope = valid.clone();
    envelope.signatures[0].sig.clone_from(&stray);
    let (field, reason, _) = base64_error(&envelope);
    assert_eq!(field, "signatures[0].sig");
    assert!(reason.contains("Invalid last symbol"), "{reason}");

    // Too much padding, and padding that is neither complete nor absent.
    for (bad_padding, problem) in [
        (format!("{sig}="), "Invalid symbol 61, offset 86."),
        (
            sig.replacen("==", "=", 1),
            "wrong `=` padding; expected none, or enough to make the length a multiple of 4",
        ),
    ] {
        let mut envelope = valid.clone();
        envelope.signatures[0].sig = bad_padding;
        let (field, reason, _) = base64_error(&envelope);
        assert_eq!(field, "signatures[0].sig");
        assert_eq!(reason, problem);
    }
}

/// A payload changed by one byte after signing (and re-encoded as valid base64) is
/// rejected.
#[test]
fn tampered_payload_is_rejected() {
    let signer = key(1);
    let mut envelope = sign(&statement_json(), &[&signer]);
    let mut payload = dsse::decode_base64(&envelope.payload).unwrap();
    let at = payload.windows(4).position(|w| w == b"Acme").unwrap();
    payload[at] = b'E';
    envelope.payload = dsse::encode_base64(&payload);
    // Still a perfectly valid Statement, only not the signed one.
    assert!(AnyStatement::from_json(&payload, "tampered").is_ok());

    let err = verify(&bytes(&envelope), FILE, &trust(&[&signer]), one()).unwrap_err();
    assert!(
        matches!(err, VerifyError::ThresholdNotMet { .. }),
        "{err:?}"
    );
    assert_no_trusted_signature(&err.to_string(), 1, 1);
}

/// A valid signature by a key the caller does not trust is no signature.
#[test]
fn signature_by_an_untrusted_key_is_rejected() {
    let envelope = sign(&statement_json(), &[&key(2)]);
    let err = verify(&bytes(&envelope), FILE, &trust(&[&key(1)]), one()).unwrap_err();
    let text = err.to_string();
    let VerifyError::ThresholdNotMet {
        verified,
        ignored,
        signatures,
        trusted_signers,
        ..
    } = err
    else {
        panic!("expected ThresholdNotMet, got {err:?}");
    };
    assert_no_trusted_signature(&text, 1, 1);
    assert!(verified.is_empty());
    assert_eq!((signatures, trusted_signers), (1, 1));
    assert_eq!(ignored[0].reason, IgnoredReason::NotByATrustedKey);
    assert_eq!(ignored[0].reason.to_string(), "not made by any trusted key");
}

/// An envelope without signatures is malformed.
#[test]
fn empty_signature_list_is_rejected() {
    let envelope = envelope(IN_TOTO_PAYLOAD_TYPE, &statement_json(), Vec::new());
    let err = verify(&bytes(&envelope), FILE, &trusted(), one()).unwrap_err();
    assert!(matches!(err, VerifyError::NoSignatures { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "release.dsse.json: the envelope has no signatures"
    );
}

/// E5: more than 64 signatures are refused before any is checked; 64 are fine.
#[test]
fn e5_more_than_64_signatures_are_rejected() {
    let signer = key(1);
    let payload = statement_json();
    let mut signatures = vec![pae_signature(&signer, &payload, keyid(&signer))];
    signatures.extend((1..64).map(|_| garbage_signature()));
    let at_limit = envelope(IN_TOTO_PAYLOAD_TYPE, &payload, signatures.clone());
    let verified = verify(&bytes(&at_limit), FILE, &trust(&[&signer]), one()).unwrap();
    assert_eq!(verified.ignored.len(), 63);

    signatures.push(garbage_signature());
    let over = envelope(IN_TOTO_PAYLOAD_TYPE, &payload, signatures);
    let err = verify(&bytes(&over), FILE, &trust(&[&signer]), one()).unwrap_err();
    assert!(
        matches!(err, VerifyError::TooManySignatures { count: 65, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "release.dsse.json: the envelope has 65 signatures; at most 64 are accepted"
    );
}

/// E5: a million (empty) signatures fit in the 16 MiB size cap. They are refused by the
/// strict reader's walk, which counts values before anything is allocated for them, so
/// none is parsed, decoded or verified.
#[test]
fn e5_a_million_signatures_are_rejected() {
    let mut text = String::from(r#"{"payload":"","payloadType":"x","signatures":["#);
    text.push_str(&vec![r#"{"sig":""}"#; 1_000_000].join(","));
    text.push_str("]}");
    assert!(text.len() as u64 <= MAX_ENVELOPE_BYTES);
    let err = verify(text.as_bytes(), FILE, &trusted(), one()).unwrap_err();
    assert!(matches!(err, VerifyError::Envelope(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("malformed envelope: release.dsse.json:1:")
            && message.contains("($.signatures[32766]): more than 65536 JSON values"),
        "{message}"
    );
}

/// E1: truncated or otherwise malformed envelope JSON is a parse error with line:column.
#[test]
fn e1_truncated_envelope_json_is_rejected_with_line_and_column() {
    let full = signed(&statement_json());
    let truncated = &full[..full.len() / 2];
    let err = verify(truncated, FILE, &trusted(), one()).unwrap_err();
    let text = err.to_string();
    let VerifyError::Envelope(inner) = &err else {
        panic!("expected an envelope error, got {err:?}");
    };
    let candor_model::location::Location::LineColumn { line, column } = inner.location else {
        panic!("expected line:column, got {:?}", inner.location);
    };
    assert_eq!(line, 2, "the payload line is cut");
    assert_eq!(
        text,
        format!("malformed envelope: {FILE}:{line}:{column}: EOF while parsing a string")
    );

    for (garbage, message) in [
        (&b"hello"[..], "expected value"),
        (b"", "empty document; expected JSON text"),
        (b"{", "EOF while parsing an object"),
        (b"[]", "found an array; expected a JSON object"),
        (
            br#"{"payload":"","payloadType":"x"}"#,
            "missing field `signatures`",
        ),
        (
            br#"{"payload":"","payloadType":"x","signatures":[{}]}"#,
            "missing field `sig`",
        ),
        (
            br#"{"payload":"","payloadType":"x","signatures":[]} {}"#,
            "trailing characters",
        ),
    ] {
        let err = verify(garbage, FILE, &trusted(), one()).unwrap_err();
        assert!(matches!(err, VerifyError::Envelope(_)), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("malformed envelope: {FILE}:")),
            "{text}"
        );
        assert!(text.ends_with(message), "{text}");
    }
}

/// E7: a key repeated in the envelope (`payload` twice: which one did the signer mean?)
/// is refused, naming the key; so is a field DSSE does not define.
#[test]
fn e7_duplicate_or_unknown_envelope_fields_are_rejected() {
    let signer = key(1);
    let real = sign(&statement_json(), &[&signer]);
    let other = dsse::encode_base64(b"{}");
    let sig = &real.signatures[0].sig;

    let cases = [
        (
            format!(
                r#"{{"payload":"{}","payload":"{other}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[{{"sig":"{sig}"}}]}}"#,
                real.payload
            ),
            "1:",
            "($.payload): duplicate key `payload`; expected each key at most once per object",
        ),
        (
            format!(
                r#"{{"payload":"{}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[{{"sig":"{sig}","sig":"AAAA"}}]}}"#,
                real.payload
            ),
            "1:",
            "($.signatures[0].sig): duplicate key `sig`; expected each key at most once per object",
        ),
        (
            format!(
                r#"{{"payload":"{}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[{{"sig":"{sig}"}}],"extra":1}}"#,
                real.payload
            ),
            "1:",
            "unknown field `extra`, expected one of `payload`, `payloadType`, `signatures`",
        ),
        (
            format!(
                r#"{{"payload":"{}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[{{"sig":"{sig}","cert":""}}]}}"#,
                real.payload
            ),
            "1:",
            "unknown field `cert`, expected `keyid` or `sig`",
        ),
    ];
    for (text, position, message) in cases {
        let err = verify(text.as_bytes(), FILE, &trust(&[&signer]), one()).unwrap_err();
        assert!(matches!(err, VerifyError::Envelope(_)), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("malformed envelope: {FILE}:{position}")),
            "{shown}"
        );
        assert!(shown.ends_with(message), "{shown}");
    }
}

/// E1: serde's derived readers also take a struct written as an array of its field
/// values; DSSE envelopes and signatures are JSON objects, and an array in their place
/// is refused, even when it carries a valid signature.
#[test]
fn e1_envelope_written_as_arrays_is_rejected() {
    let signer = key(1);
    let real = sign(&statement_json(), &[&signer]);
    let (payload, sig) = (&real.payload, &real.signatures[0].sig);
    let keyid = keyid(&signer).unwrap();
    for (text, at) in [
        (
            format!(r#"["{payload}","{IN_TOTO_PAYLOAD_TYPE}",[{{"sig":"{sig}"}}]]"#),
            "$",
        ),
        (
            format!(
                r#"{{"payload":"{payload}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[["{keyid}","{sig}"]]}}"#
            ),
            "$.signatures[0]",
        ),
    ] {
        let err = verify(text.as_bytes(), FILE, &trust(&[&signer]), one()).unwrap_err();
        assert!(matches!(err, VerifyError::Envelope(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("malformed envelope: {FILE}: at {at}: found an array; expected a JSON object")
        );
    }
}

/// E4: an envelope file over the 16 MiB cap is refused by its size, before it is read.
/// The 100 MB file is sparse: the test writes no 100 MB.
#[test]
fn e4_oversized_envelope_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.dsse.json");
    fs_err::File::create(&path)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();

    let err = verify_file(&path, &trusted(), one()).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::File(FileError::TooLarge {
                size: 104_857_600,
                limit: 16_777_216,
                ..
            })
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("limit"), "{text}");
    assert_eq!(
        text,
        format!(
            "{}: file is 104857600 bytes; the limit for a DSSE envelope or Sigstore bundle is 16777216 bytes",
            path.display()
        )
    );
}

/// E4: the same cap applies to envelope bytes already in memory.
#[test]
fn e4_oversized_envelope_bytes_are_refused() {
    let big = vec![b' '; 17 * 1024 * 1024];
    let err = verify(&big, FILE, &trusted(), one()).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::File(FileError::TooLarge {
                size: 17_825_792,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "release.dsse.json: file is 17825792 bytes; the limit for a DSSE envelope or Sigstore bundle is 16777216 bytes"
    );
}

/// E4 (endless stream): a file whose size the metadata does not tell is read only up
/// to the cap.
#[cfg(target_os = "linux")]
#[test]
fn e4_endless_stream_is_cut_at_the_cap() {
    let err = verify_file(std::path::Path::new("/dev/zero"), &trusted(), one()).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::File(FileError::TooLarge {
                size: 16_777_217,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "/dev/zero: file is 16777217 bytes; the limit for a DSSE envelope or Sigstore bundle is 16777216 bytes"
    );
}

/// The artifact itself stays untouched by all of this: sanity check of the fixture.
#[test]
fn fixture_artifact_is_the_subject() {
    assert_eq!(
        artifact_digests().sha256(),
        Some(sha256_hex(ARTIFACT).as_str())
    );
}
