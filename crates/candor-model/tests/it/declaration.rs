//! `candor.toml`: one test per kind of mistake a vendor can make, each asserting the whole
//! message a user sees: `file:line:column`, what is wrong, and what was expected.

use std::time::{Duration, Instant};

use candor_model::MAX_TOML_DOCUMENT_BYTES;
use candor_model::claims::ClaimCategory;
use candor_model::location::Location;
use candor_model::manifest::Declaration;

/// A small valid declaration; the tests edit it. Line numbers in the expected messages
/// refer to this text, so edits that add lines append them at the end.
const BASE: &str = r#"release_date = "2026-03-02T09:00:00Z"

[tool]
name = "agent"
version = "1.4.0"
purl = "pkg:npm/%40acme/agent@1.4.0"

[vendor]
name = "Acme Inc."

[source]
repository = "https://github.com/acme/agent"
commit = "3f5e1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f"

[completeness]
exhaustive = ["network", "env"]

[[claims.network]]
id = "network.api"
endpoint = "https://api.acme.example/v1"
purpose = "Sends the prompt to the model"

[[claims.env]]
id = "env.base-url"
variable = "ACME_BASE_URL"
purpose = "Overrides the API endpoint"

[[claims.identifiers]]
id = "identifiers.installation-id"
identifier = "random UUID generated on first run"
purpose = "Deduplicates requests"
sent_via = ["network.api"]
"#;

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
fn edit(from: &str, to: &str) -> String {
    edit_text(BASE, from, to)
}

#[track_caller]
fn edit_text(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// `BASE` with one `[[subject]]` appended (lines 34 to 36).
fn with_subject(name: &str, sha256: &str) -> String {
    format!("{BASE}\n[[subject]]\nname = \"{name}\"\ndigest = {{ sha256 = \"{sha256}\" }}\n")
}

/// The error text `Declaration::from_toml` reports for `text`.
#[track_caller]
fn error(text: &str) -> String {
    match Declaration::from_toml(text, "candor.toml") {
        Ok(declaration) => panic!("accepted:\n{text}\nas {declaration:#?}"),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn base_document_is_valid() {
    let declaration = Declaration::from_toml(BASE, "candor.toml").unwrap();
    assert_eq!(declaration.claims.ids().len(), 3);
    assert_eq!(
        declaration.completeness.exhaustive,
        [ClaimCategory::Network, ClaimCategory::Env]
    );
}

#[test]
fn toml_syntax_error() {
    assert_eq!(
        error(&edit("name = \"agent\"", "name = \"agent")),
        "candor.toml:4:14: invalid basic string, expected `\"`"
    );
}

#[test]
fn unknown_field_in_tool() {
    assert_eq!(
        error(&edit(
            "name = \"agent\"",
            "name = \"agent\"\nhomepage = \"https://acme.example\""
        )),
        "candor.toml:5:1: unknown field `homepage`, expected one of `name`, `version`, `purl`"
    );
}

#[test]
fn unknown_field_in_claim() {
    assert_eq!(
        error(&edit(
            "purpose = \"Overrides the API endpoint\"",
            "purpose = \"Overrides the API endpoint\"\nsecret = true"
        )),
        "candor.toml:27:1: unknown field `secret`, expected one of `id`, `variable`, `purpose`"
    );
}

#[test]
fn unknown_claim_category() {
    assert_eq!(
        error(&format!(
            "{BASE}\n[[claims.dns]]\nid = \"network.dns\"\nendpoint = \"1.1.1.1\"\npurpose = \"x\"\n"
        )),
        "candor.toml:34:10: unknown field `dns`, expected one of `network`, `telemetry`, `env`, \
         `filesystem`, `process`, `conditional`, `identifiers`, `output-marking`, `obfuscation`, `update`"
    );
    assert_eq!(
        error(&edit("[\"network\", \"env\"]", "[\"network\", \"dns\"]")),
        "candor.toml:16:26: unknown variant `dns`, expected one of `network`, `telemetry`, `env`, \
         `filesystem`, `process`, `conditional`, `identifiers`, `output-marking`, `obfuscation`, `update`"
    );
}

#[test]
fn missing_required_field() {
    // No value to point at: the error names the table that lacks it.
    assert_eq!(
        error(&edit("purpose = \"Sends the prompt to the model\"\n", "")),
        "candor.toml:18:1: missing field `purpose`"
    );
    assert_eq!(
        error(&edit("[vendor]\nname = \"Acme Inc.\"\n", "")),
        // A top-level table: no line lacks it, the document does.
        "candor.toml: missing field `vendor`"
    );
}

#[test]
fn wrong_type() {
    assert_eq!(
        error(&edit("version = \"1.4.0\"", "version = 1.4")),
        "candor.toml:5:11: invalid type: floating point `1.4`, expected a string"
    );
    assert_eq!(
        error(&edit(
            "exhaustive = [\"network\", \"env\"]",
            "exhaustive = \"network\""
        )),
        "candor.toml:16:14: invalid type: string \"network\", expected a sequence"
    );
}

#[test]
fn tool_name_cannot_escape_the_feed_directory() {
    assert_eq!(
        error(&edit("name = \"agent\"", "name = \"../agent\"")),
        "candor.toml:4:8: invalid tool name \"../agent\": expected 1 to 128 characters of \
         A-Z a-z 0-9 . _ + -, starting with a letter or digit"
    );
}

#[test]
fn invalid_claim_id_format() {
    // The claim with the invalid id is left out, so the identifier's reference to
    // `network.api` resolves to nothing: true of this text, and reported with it.
    let reference = "\ncandor.toml:32:13: claims.identifiers[0].sent_via[0]: `network.api` names \
                     no claim in this manifest; expected the id of a network or telemetry claim";
    assert_eq!(
        error(&edit("id = \"network.api\"", "id = \"net.api\"")),
        format!(
            "candor.toml:19:6: invalid claim id \"net.api\": `net` is not a claim category (one of \
         network, telemetry, env, filesystem, process, conditional, identifiers, output-marking, \
         obfuscation, update); expected `<category>.<name>` such as `network.api` or \
         `env.base-url`: a claim category, a dot, then lowercase words of a-z 0-9 joined by `-` or `.`{reference}"
        )
    );
    assert_eq!(
        error(&edit("id = \"network.api\"", "id = \"network.API\"")),
        format!(
            "candor.toml:19:6: invalid claim id \"network.API\": expected `<category>.<name>` such as \
             `network.api` or `env.base-url`: a claim category, a dot, then lowercase words of a-z 0-9 \
             joined by `-` or `.`{reference}"
        )
    );
}

#[test]
fn claim_id_in_the_wrong_category() {
    let text = format!(
        "{BASE}\n[[claims.network]]\nid = \"env.x\"\nendpoint = \"https://x.acme.example\"\npurpose = \"x\"\n"
    );
    assert_eq!(
        error(&text),
        "candor.toml:35:6: claims.network[1].id: claim id `env.x` is listed under `network`; \
         expected an id starting with `network.`"
    );
}

#[test]
fn duplicate_claim_id_names_the_first() {
    let text = format!(
        "{BASE}\n[[claims.env]]\nid = \"env.base-url\"\nvariable = \"ACME_URL\"\npurpose = \"x\"\n"
    );
    assert_eq!(
        error(&text),
        "candor.toml:35:6: claims.env[1].id: duplicate claim id `env.base-url` (first used at \
         claims.env[0].id); expected every claim id to be unique"
    );
}

#[test]
fn subject_is_accepted_and_kept() {
    let sha256 = "ab".repeat(32);
    let declaration = Declaration::from_toml(
        &with_subject("pkg:npm/%40acme/agent@1.4.0", &sha256),
        "candor.toml",
    )
    .unwrap();
    assert_eq!(declaration.subject.len(), 1);
    assert_eq!(
        declaration.subject[0].digest.sha256(),
        Some(sha256.as_str())
    );
}

#[test]
fn subject_sha256_uppercase() {
    // The location is the digest table (the digest set is checked as a whole).
    assert_eq!(
        error(&with_subject(
            "pkg:npm/%40acme/agent@1.4.0",
            &"AB".repeat(32)
        )),
        format!(
            "candor.toml:36:10: invalid sha256 digest \"{}\": expected 64 lowercase hex digits, \
             got 64 characters that are not all lowercase hex",
            "AB".repeat(32)
        )
    );
}

#[test]
fn subject_sha256_wrong_length() {
    assert_eq!(
        error(&with_subject(
            "pkg:npm/%40acme/agent@1.4.0",
            &"ab".repeat(31)
        )),
        format!(
            "candor.toml:36:10: invalid sha256 digest \"{}\": expected 64 lowercase hex digits, got 62",
            "ab".repeat(31)
        )
    );
}

#[test]
fn subject_without_sha256() {
    let text = format!(
        "{BASE}\n[[subject]]\nname = \"pkg:npm/%40acme/agent@1.4.0\"\ndigest = {{ sha1 = \"{}\" }}\n",
        "ab".repeat(20)
    );
    assert_eq!(
        error(&text),
        "candor.toml:36:10: subject[0].digest: no sha256 digest; expected `sha256` (64 lowercase \
         hex digits) in every subject"
    );
}

#[test]
fn invalid_purl_in_tool() {
    assert_eq!(
        error(&edit("pkg:npm/%40acme/agent@1.4.0", "npm/agent")),
        "candor.toml:6:8: invalid package URL \"npm/agent\": missing scheme; expected \
         `pkg:<type>/<namespace>/<name>@<version>` such as `pkg:npm/%40acme/agent@1.4.0` \
         (see github.com/package-url/purl-spec)"
    );
}

#[test]
fn invalid_purl_in_subject_name() {
    assert_eq!(
        error(&with_subject("agent-1.4.0.tgz", &"ab".repeat(32))),
        "candor.toml:35:8: subject[0].name: invalid package URL \"agent-1.4.0.tgz\": missing \
         scheme; expected `pkg:<type>/<namespace>/<name>@<version>` such as \
         `pkg:npm/%40acme/agent@1.4.0` (see github.com/package-url/purl-spec)"
    );
}

#[test]
fn purl_version_must_equal_tool_version() {
    assert_eq!(
        error(&edit(
            "pkg:npm/%40acme/agent@1.4.0",
            "pkg:npm/%40acme/agent@1.3.9"
        )),
        "candor.toml:6:8: tool.purl: package URL names version 1.3.9 but tool.version is 1.4.0; \
         expected them to agree"
    );
}

#[test]
fn release_date_must_be_rfc3339_with_offset() {
    assert_eq!(
        error(&edit("2026-03-02T09:00:00Z", "2026/06/30")),
        "candor.toml:1:16: invalid date-time \"2026/06/30\": expected RFC 3339 with a time and offset, such as `2026-06-30T12:00:00Z`"
    );
    // TOML date and local date-time literals parse as TOML but lack a time or an offset.
    assert_eq!(
        error(&edit("\"2026-03-02T09:00:00Z\"", "2026-06-30")),
        "candor.toml:1:16: invalid date-time 2026-06-30: expected a date, a time and an offset, \
         such as `2026-06-30T12:00:00Z`"
    );
    assert_eq!(
        error(&edit("\"2026-03-02T09:00:00Z\"", "2026-06-30T12:00:00")),
        "candor.toml:1:16: invalid date-time 2026-06-30T12:00:00: expected a date, a time and an \
         offset, such as `2026-06-30T12:00:00Z`"
    );
}

#[test]
fn release_date_as_toml_offset_datetime_literal_is_accepted() {
    for (literal, stored) in [
        ("2026-06-30T12:00:00Z", "2026-06-30T12:00:00Z"),
        ("2026-06-30T20:00:00+08:00", "2026-06-30T20:00:00+08:00"),
    ] {
        let text = edit("\"2026-03-02T09:00:00Z\"", literal);
        let declaration = Declaration::from_toml(&text, "candor.toml").unwrap();
        assert_eq!(declaration.release_date.unwrap().as_str(), stored);
    }
}

#[test]
fn invalid_git_commit() {
    assert_eq!(
        error(&edit("3f5e1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f", "3f5e1c2")),
        "candor.toml:13:10: invalid commit id \"3f5e1c2\": expected 40 (SHA-1) or 64 (SHA-256) \
         lowercase hex digits"
    );
}

#[test]
fn invalid_env_var_name() {
    assert_eq!(
        error(&edit("ACME_BASE_URL", "ACME-BASE-URL")),
        "candor.toml:25:12: invalid environment variable name \"ACME-BASE-URL\": expected \
         letters, digits and `_`, not starting with a digit (e.g. `ACME_BASE_URL`)"
    );
}

#[test]
fn empty_purpose() {
    assert_eq!(
        error(&edit(
            "purpose = \"Overrides the API endpoint\"",
            "purpose = \"  \""
        )),
        "candor.toml:26:11: claims.env[0].purpose: empty purpose; expected a description"
    );
}

#[test]
fn sent_via_names_a_missing_claim() {
    assert_eq!(
        error(&edit(
            "sent_via = [\"network.api\"]",
            "sent_via = [\"network.telemetry\"]"
        )),
        "candor.toml:32:13: claims.identifiers[0].sent_via[0]: `network.telemetry` names no claim \
         in this manifest; expected the id of a network or telemetry claim"
    );
}

#[test]
fn sent_via_names_an_env_claim() {
    assert_eq!(
        error(&edit(
            "sent_via = [\"network.api\"]",
            "sent_via = [\"network.api\", \"env.base-url\"]"
        )),
        "candor.toml:32:28: claims.identifiers[0].sent_via[1]: `env.base-url` is a claim in \
         category `env`; expected the id of a network or telemetry claim"
    );
}

#[test]
fn duplicate_category_in_exhaustive() {
    assert_eq!(
        error(&edit(
            "[\"network\", \"env\"]",
            "[\"network\", \"env\", \"network\"]"
        )),
        "candor.toml:16:33: completeness.exhaustive[2]: `network` is listed twice; expected each \
         category once"
    );
}

#[test]
fn several_errors_are_reported_at_once_in_document_order() {
    // Found in the order vendor, completeness, claim ids, claim texts, references;
    // reported in the order they appear in the file.
    let text = edit("name = \"Acme Inc.\"", "name = \"\"");
    let text = edit_text(
        &text,
        "[\"network\", \"env\"]",
        "[\"network\", \"env\", \"network\"]",
    );
    let text = edit_text(
        &text,
        "purpose = \"Overrides the API endpoint\"",
        "purpose = \"\"",
    );
    let text = edit_text(
        &text,
        "sent_via = [\"network.api\"]",
        "sent_via = [\"network.nope\"]",
    );
    let text = format!(
        "{text}\n[[claims.network]]\nid = \"env.x\"\nendpoint = \"https://x.acme.example\"\npurpose = \"x\"\n"
    );
    assert_eq!(
        error(&text),
        "candor.toml:9:8: vendor.name: empty vendor name; expected the publisher's name\n\
         candor.toml:16:33: completeness.exhaustive[2]: `network` is listed twice; expected each category once\n\
         candor.toml:26:11: claims.env[0].purpose: empty purpose; expected a description\n\
         candor.toml:32:13: claims.identifiers[0].sent_via[0]: `network.nope` names no claim in this manifest; expected the id of a network or telemetry claim; did you mean `network.api`?\n\
         candor.toml:35:6: claims.network[1].id: claim id `env.x` is listed under `network`; expected an id starting with `network.`"
    );
}

#[test]
fn oversized_document_is_rejected_before_parsing() {
    let text = format!("{BASE}#{}\n", "x".repeat(MAX_TOML_DOCUMENT_BYTES));
    assert_eq!(
        error(&text),
        format!(
            "candor.toml: document is {} bytes; the limit is 1048576 bytes (1 MiB)",
            text.len()
        )
    );
}

/// Each error used to be located by reading the text from its start to the error: for
/// the 1 MiB a declaration may have, with one duplicate claim per 100 bytes, 21 s of work
/// to reject it (quadratic in the size). One walk over the text now locates them all.
#[test]
fn thousands_of_errors_in_a_large_declaration_are_located_in_one_pass() {
    let claim = "\n[[claims.env]]\nid = \"env.base-url\"\nvariable = \"ACME_BASE_URL\"\npurpose = \"Overrides the API endpoint\"\n";
    let copies = (MAX_TOML_DOCUMENT_BYTES - BASE.len()) / claim.len();
    let text = format!("{BASE}{}", claim.repeat(copies));
    assert!(copies > 10_000 && text.len() <= MAX_TOML_DOCUMENT_BYTES);

    let started = Instant::now();
    let errors = Declaration::from_toml(&text, "candor.toml").unwrap_err();
    let elapsed = started.elapsed();

    assert_eq!(errors.0.len(), copies);
    let last_id = text.rfind("id = \"env.base-url\"").unwrap();
    assert_eq!(
        errors.0.last().unwrap().location,
        Location::LineColumn {
            line: text[..last_id].matches('\n').count() + 1,
            column: 6
        }
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "took {elapsed:?} to reject {copies} duplicate claims"
    );
}
