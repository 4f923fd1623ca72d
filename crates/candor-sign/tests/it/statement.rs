//! What was signed: a validly signed payload that is not a valid candor Statement is
//! rejected all the same. Sections B and E.

use candor_model::AnyStatement;
use candor_model::statement::MAX_SUBJECTS;
use candor_sign::verify::VerifyError;
use serde_json::json;

use crate::support::{
    FILE, artifact_digests, one, signed, statement_json, statement_value, trusted, verify,
};

/// Verify `payload`, validly signed by the trusted key, expecting a Statement error;
/// returns its text after the common first line.
fn statement_error(payload: &[u8]) -> String {
    let err = verify(&signed(payload), FILE, &trusted(), one())
        .expect_err("the payload is no valid Statement");
    assert!(matches!(err, VerifyError::Statement(_)), "{err:?}");
    let text = err.to_string();
    text.strip_prefix("payload is not a valid candor Statement:\n")
        .unwrap_or_else(|| panic!("unexpected text: {text}"))
        .to_owned()
}

fn to_bytes(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values serialize")
}

const PAYLOAD: &str = "release.dsse.json (payload)";

/// B5: a valid signature over bytes that are not JSON at all.
#[test]
fn b5_signed_payload_that_is_not_json_is_rejected() {
    assert_eq!(
        statement_error(b"hello world"),
        format!("{PAYLOAD}:1:1: expected value")
    );
}

/// B5: a valid signature over a Statement of a predicate type candor does not read (here
/// SLSA provenance), or none.
#[test]
fn b5_signed_statement_with_wrong_predicate_type_is_rejected() {
    let mut value = statement_value();
    value["predicateType"] = json!("https://slsa.dev/provenance/v1");
    assert_eq!(
        statement_error(&to_bytes(&value)),
        format!(
            "{PAYLOAD}: at $.predicateType: unsupported predicate type \"https://slsa.dev/provenance/v1\"; \
             expected one of https://candor.dev/attestation/manifest/v1, https://candor.dev/attestation/audit/v1, \
             https://candor.dev/attestation/response/v1, https://slsa.dev/verification_summary/v1"
        )
    );

    value.as_object_mut().unwrap().remove("predicateType");
    let text = statement_error(&to_bytes(&value));
    assert!(
        text.starts_with(&format!(
            "{PAYLOAD}: at $.predicateType: missing `predicateType`"
        )),
        "{text}"
    );

    // A candor predicate type with another predicate's body.
    let mut value = statement_value();
    value["predicateType"] = json!("https://candor.dev/attestation/audit/v1");
    let text = statement_error(&to_bytes(&value));
    assert!(
        text.starts_with(&format!("{PAYLOAD}: at $.predicate")),
        "{text}"
    );
}

/// B6: a Statement without `_type`, or of another Statement version, is rejected.
#[test]
fn b6_missing_or_other_statement_type_is_rejected() {
    let mut value = statement_value();
    value["_type"] = json!("https://in-toto.io/Statement/v2");
    assert_eq!(
        statement_error(&to_bytes(&value)),
        format!(
            "{PAYLOAD}: at $._type: statement type is \"https://in-toto.io/Statement/v2\"; \
             expected \"https://in-toto.io/Statement/v1\""
        )
    );

    value.as_object_mut().unwrap().remove("_type");
    assert_eq!(
        statement_error(&to_bytes(&value)),
        format!(
            "{PAYLOAD}: at $._type: missing `_type`; expected \"https://in-toto.io/Statement/v1\""
        )
    );

    // Statement v0.1 (the older `https://in-toto.io/Statement/v0.1`) is not v1 either.
    let mut value = statement_value();
    value["_type"] = json!("https://in-toto.io/Statement/v0.1");
    assert!(statement_error(&to_bytes(&value)).contains("$._type: statement type is"));
}

/// B8: a subject whose only digests are algorithms candor does not accept (sha1, md5,
/// unknown) is rejected when the Statement is read: every subject needs sha256.
#[test]
fn b8_subject_without_sha256_is_rejected() {
    for digest in [
        json!({ "sha1": "a".repeat(40) }),
        json!({ "md5": "b".repeat(32), "sha1": "a".repeat(40) }),
        json!({ "blake3": "c".repeat(64) }),
        json!({ "sha512": artifact_digests().get(candor_model::digest::DigestAlgorithm::Sha512) }),
    ] {
        let mut value = statement_value();
        value["subject"][0]["digest"] = digest;
        assert_eq!(
            statement_error(&to_bytes(&value)),
            format!(
                "{PAYLOAD}: at $.subject[0].digest: no sha256 digest; expected `sha256` (64 lowercase hex digits) in every subject"
            )
        );
    }
}

/// B10: digests must be lowercase hex of the algorithm's length, in signed Statements
/// too.
#[test]
fn b10_uppercase_or_wrong_length_hex_digest_is_rejected() {
    let real = artifact_digests().sha256().unwrap().to_owned();
    for (sha256, problem) in [
        (
            real.to_uppercase(),
            "expected 64 lowercase hex digits, got 64 characters that are not all lowercase hex",
        ),
        (
            real[..63].to_owned(),
            "expected 64 lowercase hex digits, got 63",
        ),
        (
            format!("{real}0"),
            "expected 64 lowercase hex digits, got 65",
        ),
        (
            format!("{}g", &real[..63]),
            "got 64 characters that are not all lowercase hex",
        ),
    ] {
        let mut value = statement_value();
        value["subject"][0]["digest"]["sha256"] = json!(sha256);
        let text = statement_error(&to_bytes(&value));
        assert!(
            text.starts_with(&format!("{PAYLOAD}:1:")) && text.contains("($.subject[0].digest)"),
            "{text}"
        );
        assert!(
            text.contains(&format!("invalid sha256 digest {sha256:?}")),
            "{text}"
        );
        assert!(text.ends_with(problem), "{text}");
    }
}

/// E5: more subjects than [`MAX_SUBJECTS`] in a signed Statement are rejected.
#[test]
fn e5_too_many_subjects_are_rejected() {
    let mut value = statement_value();
    let subject = value["subject"][0].clone();
    let subjects: Vec<_> = (0..=MAX_SUBJECTS)
        .map(|i| {
            let mut s = subject.clone();
            s["name"] = json!(format!("pkg:generic/agent-{i}@1.4.0"));
            s
        })
        .collect();
    value["subject"] = json!(subjects);
    assert_eq!(
        statement_error(&to_bytes(&value)),
        format!("{PAYLOAD}: at $.subject: 1025 subjects; expected at most 1024")
    );
}

/// E7: a key repeated inside the signed Statement (`subject` twice: a lax parser takes
/// one, another parser the other) is rejected, naming the key.
#[test]
fn e7_duplicate_key_inside_the_signed_statement_is_rejected() {
    let canonical = String::from_utf8(statement_json()).unwrap();
    let other_subject = format!(
        r#""subject":[{{"name":"pkg:generic/other@1.0.0","digest":{{"sha256":"{}"}}}}],"#,
        "0".repeat(64)
    );
    let doubled = canonical.replacen(
        r#""predicateType""#,
        &format!(r#"{other_subject}"predicateType""#),
        1,
    );
    assert_ne!(doubled, canonical);
    let text = statement_error(doubled.as_bytes());
    assert!(text.starts_with(&format!("{PAYLOAD}:1:")), "{text}");
    assert!(
        text.ends_with(
            "($.subject): duplicate key `subject`; expected each key at most once per object"
        ),
        "{text}"
    );

    // Deeper: the digest algorithm repeated inside a subject.
    let real = artifact_digests().sha256().unwrap().to_owned();
    let doubled = canonical.replacen(
        &format!(r#""sha256":"{real}""#),
        &format!(r#""sha256":"{real}","sha256":"{}""#, "0".repeat(64)),
        1,
    );
    let text = statement_error(doubled.as_bytes());
    assert!(
        text.ends_with("($.subject[0].digest.sha256): duplicate key `sha256`; expected each key at most once per object"),
        "{text}"
    );
}

/// E8: unknown fields at the Statement level are ignored for meaning (in-toto's rule),
/// but they are part of the signed bytes: the Statement verifies, and equals the one
/// without them.
#[test]
fn e8_unknown_statement_fields_are_ignored_but_signed() {
    let mut value = statement_value();
    value["x-vendor-note"] = json!({ "anything": [1, 2, 3] });
    let verified = verify(&signed(&to_bytes(&value)), FILE, &trusted(), one()).unwrap();
    assert_eq!(
        verified.statement,
        AnyStatement::from_json(&statement_json(), "plain").unwrap()
    );

    // Inside a candor predicate an unknown field is an error (ADVERSARIAL.md B3).
    let mut value = statement_value();
    value["predicate"]["vendor"]["offline"] = json!(true);
    let text = statement_error(&to_bytes(&value));
    assert!(
        text.starts_with(&format!("{PAYLOAD}: at $.predicate.vendor"))
            && text.contains("unknown field `offline`"),
        "{text}"
    );
}

/// E9: a validly signed payload with a byte-order mark, or that is not UTF-8, is
/// rejected.
#[test]
fn e9_bom_prefixed_or_non_utf8_payload_is_rejected() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(statement_json());
    assert_eq!(
        statement_error(&bom),
        format!(
            "{PAYLOAD}:1:1: starts with a UTF-8 byte-order mark; expected JSON text without one"
        )
    );

    let mut latin1 = statement_json();
    let at = latin1.windows(4).position(|w| w == b"Acme").unwrap();
    latin1[at + 1] = 0xE9; // "Aéme" in Latin-1
    assert_eq!(
        statement_error(&latin1),
        format!(
            "{PAYLOAD}:1:{}: invalid UTF-8 at byte {}; expected UTF-8 JSON text",
            at + 2,
            at + 1
        )
    );

    // UTF-16 is not UTF-8 either.
    let utf16: Vec<u8> = String::from_utf8(statement_json())
        .unwrap()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let text = statement_error(&utf16);
    assert!(text.starts_with(&format!("{PAYLOAD}:1:")), "{text}");
}

/// E1 for the signed Statement: a Statement or subject written as an array of its
/// field values (`["https://in-toto.io/Statement/v1", [["pkg:…", {…}]], "<type>", {…}]`),
/// a form serde's derived readers take but no in-toto reader does, is refused even when
/// validly signed.
#[test]
fn e1_statement_written_as_arrays_is_rejected() {
    let value = statement_value();
    let subject = &value["subject"][0];
    let as_array = json!([
        value["_type"],
        [[subject["name"], subject["digest"]]],
        value["predicateType"],
        value["predicate"]
    ]);
    assert_eq!(
        statement_error(&to_bytes(&as_array)),
        format!("{PAYLOAD}: at $: found an array; expected a JSON object")
    );

    let mut array_subject = statement_value();
    array_subject["subject"][0] = json!([subject["name"], subject["digest"]]);
    assert_eq!(
        statement_error(&to_bytes(&array_subject)),
        format!("{PAYLOAD}: at $.subject[0]: found an array; expected a JSON object")
    );
}
