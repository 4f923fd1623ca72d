//! Statements from untrusted bytes: what a strict reader must refuse (ADVERSARIAL.md B5,
//! B6, B10, E7, E8, E9), and the canonical encoding that gets signed.

use std::time::{Duration, Instant};

use candor_model::audit::AuditPredicate;
use candor_model::json::MAX_JSON_DOCUMENT_BYTES;
use candor_model::manifest::ManifestPredicate;
use candor_model::response::ResponsePredicate;
use candor_model::{AnyStatement, Statement};

use crate::{EXAMPLE_SHA256, example};

const AUDIT: &str = "audit.statement.json";

/// `examples/audit.statement.json` with `from` (exactly once) replaced by `to`.
#[track_caller]
fn audit_with(from: &str, to: &str) -> String {
    let text = example(AUDIT);
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// The error text `AnyStatement::from_json` reports for `bytes`.
#[track_caller]
fn error(bytes: &[u8]) -> String {
    match AnyStatement::from_json(bytes, "audit.json") {
        Ok(statement) => panic!("accepted {statement:#?}"),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn examples_parse_as_their_kind() {
    let manifest = example("manifest.statement.json");
    Statement::<ManifestPredicate>::from_json(manifest.as_bytes(), "manifest.statement.json")
        .unwrap();
    let audit = Statement::<AuditPredicate>::from_json(example(AUDIT).as_bytes(), AUDIT).unwrap();
    assert_eq!(audit.predicate.findings.len(), 4);
    let response = example("response.statement.json");
    Statement::<ResponsePredicate>::from_json(response.as_bytes(), "response.statement.json")
        .unwrap();
}

#[test]
fn examples_are_written_as_candor_writes_them() {
    for name in [
        "manifest.statement.json",
        "audit.statement.json",
        "response.statement.json",
    ] {
        let text = example(name);
        let statement = AnyStatement::from_json(text.as_bytes(), name).unwrap();
        assert_eq!(
            statement.to_pretty_json(),
            text,
            "examples/{name} is not in the form `to_pretty_json` writes"
        );
    }
}

#[test]
fn e7_duplicate_subject_key_is_rejected_with_its_path() {
    let text = audit_with("\"subject\": [", "\"subject\": [],\n  \"subject\": [");
    assert_eq!(
        error(text.as_bytes()),
        "audit.json:4:11 ($.subject): duplicate key `subject`; expected each key at most once per object"
    );
}

#[test]
fn e7_duplicate_key_deep_in_the_predicate_is_rejected() {
    let text = audit_with(
        "\"severity\": \"high\",",
        "\"severity\": \"high\", \"severity\": \"info\",",
    );
    assert_eq!(
        error(text.as_bytes()),
        "audit.json:64:38 ($.predicate.findings[1].severity): duplicate key `severity`; expected \
         each key at most once per object"
    );
}

#[test]
fn b6_missing_type_is_rejected() {
    let text = audit_with("\"_type\": \"https://in-toto.io/Statement/v1\",", "");
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $._type: missing `_type`; expected \"https://in-toto.io/Statement/v1\""
    );
}

#[test]
fn b6_statement_v2_is_rejected() {
    let text = audit_with("Statement/v1", "Statement/v2");
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $._type: statement type is \"https://in-toto.io/Statement/v2\"; expected \
         \"https://in-toto.io/Statement/v1\""
    );
}

#[test]
fn b5_unknown_predicate_type_is_rejected() {
    let text = audit_with("attestation/audit/v1", "attestation/audit/v2");
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $.predicateType: unsupported predicate type \
         \"https://candor.dev/attestation/audit/v2\"; expected one of \
         https://candor.dev/attestation/manifest/v1, https://candor.dev/attestation/audit/v1, \
         https://candor.dev/attestation/response/v1, https://slsa.dev/verification_summary/v1"
    );
}

#[test]
fn b5_predicate_type_of_another_kind_is_rejected() {
    let err = Statement::<ManifestPredicate>::from_json(example(AUDIT).as_bytes(), "audit.json")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "audit.json: at $.predicateType: predicate type is https://candor.dev/attestation/audit/v1 \
         (audit); expected https://candor.dev/attestation/manifest/v1 (behaviour manifest)"
    );
}

#[test]
fn b5_predicate_that_is_not_an_object_is_rejected() {
    let text = example(AUDIT);
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["predicate"] = serde_json::json!("see https://audits.example/agent");
    assert_eq!(
        error(value.to_string().as_bytes()),
        "audit.json: at $.predicate: invalid type: string \"see https://audits.example/agent\", \
         expected struct AuditPredicate"
    );
}

#[test]
fn e8_unknown_field_at_statement_level_is_ignored() {
    // in-toto: consumers MUST ignore unrecognized fields of the Statement.
    let text = audit_with(
        "\"_type\"",
        "\"comment\": {\"by\": \"a later in-toto version\"},\n  \"_type\"",
    );
    let statement = AnyStatement::from_json(text.as_bytes(), "audit.json").unwrap();
    let plain = AnyStatement::from_json(example(AUDIT).as_bytes(), "audit.json").unwrap();
    assert_eq!(statement, plain);
}

#[test]
fn unknown_field_inside_a_predicate_is_rejected() {
    // candor's rule: predicates are versioned by predicateType; a v1 reader cannot judge
    // a field it does not know, so it refuses the document rather than drop a constraint.
    let text = audit_with(
        "\"auditor\": {",
        "\"verdict\": \"partial\",\n    \"auditor\": {",
    );
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $.predicate.verdict: unknown field `verdict`, expected one of `auditor`, \
         `manifest`, `method`, `date`, `scope`, `findings`"
    );
    let text = audit_with(
        "\"command\": \"agent --version\",",
        "\"command\": \"agent --version\",\n            \"exit_code\": 0,",
    );
    assert_eq!(
        error(text.as_bytes()),
        // Evidence is tagged by `kind`: serde names the evidence, not the field, and lists
        // the fields of the kind given.
        "audit.json: at $.predicate.findings[1].evidence[0]: unknown field `exit_code`, expected \
         one of `command`, `environment`, `observed`"
    );
}

#[test]
fn e9_byte_order_mark_is_rejected() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(example(AUDIT).as_bytes());
    assert_eq!(
        error(&bytes),
        "audit.json:1:1: starts with a UTF-8 byte-order mark; expected JSON text without one"
    );
}

#[test]
fn e9_non_utf8_payload_is_rejected() {
    let text = example(AUDIT);
    let at = text.find("Mira").unwrap();
    let mut bytes = text.into_bytes();
    bytes[at] = 0xFF;
    assert_eq!(
        error(&bytes),
        format!("audit.json:14:16: invalid UTF-8 at byte {at}; expected UTF-8 JSON text")
    );
}

#[test]
fn empty_payload_is_rejected() {
    assert_eq!(error(b""), "audit.json: empty document; expected JSON text");
    // Whitespace only is a JSON syntax error, at the end of the text.
    assert_eq!(
        error(b" \n\t\r\n"),
        "audit.json:3:1: EOF while parsing a value"
    );
}

#[test]
fn truncated_payload_is_rejected_at_its_end() {
    assert_eq!(
        error(b"{\"_type\": \"https://in-toto.io/Statement/v1\",\n"),
        "audit.json:2:1: EOF while parsing a value"
    );
}

#[test]
fn subject_with_only_md5_and_sha1_is_rejected() {
    let text = audit_with(
        &format!("\"sha256\": \"{EXAMPLE_SHA256}\""),
        "\"md5\": \"0123456789abcdef0123456789abcdef\",\n        \
         \"sha1\": \"0123456789abcdef0123456789abcdef01234567\"",
    );
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $.subject[0].digest: no sha256 digest; expected `sha256` (64 lowercase \
         hex digits) in every subject"
    );
}

#[test]
fn b10_uppercase_hex_is_rejected() {
    let upper = EXAMPLE_SHA256.to_uppercase();
    let text = audit_with(EXAMPLE_SHA256, &upper);
    assert_eq!(
        error(text.as_bytes()),
        format!(
            "audit.json:9:5 ($.subject[0].digest): invalid sha256 digest \"{upper}\": expected 64 \
             lowercase hex digits, got 64 characters that are not all lowercase hex"
        )
    );
}

#[test]
fn b10_wrong_length_hex_is_rejected_in_the_predicate_too() {
    let text = audit_with(
        "195a4f91162cffc6dee8b7cf1e395e392242062c0fbf0d906a7c00125987f57b",
        "195a4f91162cffc6dee8b7cf1e395e392242062c0fbf0d906a7c00125987f5",
    );
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $.predicate.manifest.envelope_digest: invalid sha256 digest \
         \"195a4f91162cffc6dee8b7cf1e395e392242062c0fbf0d906a7c00125987f5\": expected 64 \
         lowercase hex digits, got 62"
    );
}

#[test]
fn empty_subject_list_is_rejected() {
    let text = example(AUDIT);
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["subject"] = serde_json::json!([]);
    assert_eq!(
        error(value.to_string().as_bytes()),
        "audit.json: at $.subject: no subjects; expected at least one artifact with a sha256 digest"
    );
}

#[test]
fn oversized_document_is_rejected_quickly_with_the_size() {
    // A syntactically valid Statement padded to 17 MiB: refused on its size alone.
    let text = example(AUDIT);
    let mut bytes = text.into_bytes();
    bytes.resize(17 * 1024 * 1024, b' ');
    let started = Instant::now();
    let message = error(&bytes);
    let elapsed = started.elapsed();
    assert_eq!(
        message,
        format!(
            "audit.json: document is {} bytes; the limit is {MAX_JSON_DOCUMENT_BYTES} bytes (16 MiB)",
            17 * 1024 * 1024
        )
    );
    assert!(
        elapsed < Duration::from_millis(250),
        "took {elapsed:?}: the size must be checked before parsing"
    );
}

#[test]
fn audit_rules_are_checked() {
    // An undeclared finding is, by definition, about behaviour no claim declares.
    let text = audit_with(
        "\"category\": \"network\",",
        "\"category\": \"network\",\n        \"claim\": \"network.api\",",
    );
    assert_eq!(
        error(text.as_bytes()),
        "audit.json: at $.predicate.findings[2].claim: an undeclared finding names claim \
         `network.api`; expected no claim (undeclared behaviour has none)"
    );
}

#[test]
fn response_rules_are_checked() {
    let text = example("response.statement.json");
    assert_eq!(text.matches("\"fixed_in\": \"1.4.1\",").count(), 1);
    let text = text.replacen("\"fixed_in\": \"1.4.1\",", "", 1);
    let err = AnyStatement::from_json(text.as_bytes(), "response.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "response.json: at $.predicate.responses[1].fixed_in: status is fixed but no fixed_in; \
         expected the version that fixes it"
    );
}

#[test]
fn canonical_json_is_stable_and_ordered() {
    for name in [
        "manifest.statement.json",
        "audit.statement.json",
        "response.statement.json",
    ] {
        let statement = AnyStatement::from_json(example(name).as_bytes(), name).unwrap();
        let canonical = statement.to_canonical_json();
        let again = AnyStatement::from_json(&canonical, name).unwrap();
        assert_eq!(again, statement, "{name}");
        assert_eq!(again.to_canonical_json(), canonical, "{name}: not stable");

        // Compact, no trailing newline, and the Statement's keys in in-toto's order.
        assert!(!canonical.ends_with(b"\n"), "{name}");
        let value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&canonical).unwrap();
        assert_eq!(
            serde_json::to_vec(&value).unwrap(),
            canonical,
            "{name}: not compact"
        );
        let keys: Vec<&str> = value.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["_type", "subject", "predicateType", "predicate"],
            "{name}"
        );

        // The same Statement written differently (reordered keys, extra whitespace, an
        // unknown Statement field) has the same canonical form.
        let mut reordered = serde_json::Map::new();
        reordered.insert("x-note".to_owned(), serde_json::json!("ignored"));
        for key in ["predicate", "predicateType", "subject", "_type"] {
            reordered.insert(key.to_owned(), value[key].clone());
        }
        let text = serde_json::to_string_pretty(&reordered).unwrap();
        let reparsed = AnyStatement::from_json(text.as_bytes(), name).unwrap();
        assert_eq!(reparsed.to_canonical_json(), canonical, "{name}");
    }
}

#[test]
fn canonical_json_starts_as_in_toto_writes_it() {
    let statement = AnyStatement::from_json(example(AUDIT).as_bytes(), AUDIT).unwrap();
    let canonical = String::from_utf8(statement.to_canonical_json()).unwrap();
    assert!(
        canonical.starts_with(&format!(
            "{{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{{\"name\":\
             \"pkg:npm/%40acme/agent@1.4.0\",\"digest\":{{\"sha256\":\"{EXAMPLE_SHA256}\"}}}}],\
             \"predicateType\":\"https://candor.dev/attestation/audit/v1\",\"predicate\":{{\
             \"auditor\":{{"
        )),
        "{canonical}"
    );
}

/// serde's derived `Deserialize` accepts a JSON *array* wherever a struct is expected
/// (fields in declaration order), so `["https://in-toto.io/Statement/v1", [...], "…", {...}]`
/// is read as a Statement, and `"audit": [{"sha256": "…"}]` as an `AnsweredAudit`. Other
/// in-toto readers and candor's own schemas reject both: a parser differential on signed
/// bytes. The strict reader refuses arrays wherever an object belongs.
#[test]
fn arrays_are_not_objects() {
    let text = example("response.statement.json");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let array = serde_json::json!([
        value["_type"],
        value["subject"],
        value["predicateType"],
        value["predicate"]
    ]);
    let err = AnyStatement::from_json(array.to_string().as_bytes(), "r.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.json: at $: found an array; expected a JSON object"
    );

    let mut nested = value.clone();
    nested["predicate"]["audit"] =
        serde_json::json!([value["predicate"]["audit"]["envelope_digest"]]);
    let err = AnyStatement::from_json(nested.to_string().as_bytes(), "r.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.json: at $.predicate.audit: found an array; expected a JSON object"
    );
}
