//! Trust policies: a policy that loads is one candor understands completely and can
//! satisfy; everything else is refused at load time with line:column (ADVERSARIAL.md A13,
//! A20, B3, B17, D6).

use std::str::FromStr;

use candor_model::claims::ClaimCategory;
use candor_model::ids::ToolName;
use candor_model::pattern::Pattern;
use candor_model::policy::{Action, EffectiveRules, Signer, TrustPolicy};
use candor_model::signer::SigstoreIdentity;

use crate::example;

const KEY_SECLAB: &str = "ed25519:KaEI7j/XS6IX1c8NzNxsj+bRrtaRmCBKGnFjuBt+CdI=";
const KEY_ACME: &str = "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k=";
const ACME_SIGSTORE: &str = r#"{ issuer = "https://token.actions.githubusercontent.com", subject = "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*" }"#;

/// A small valid policy; the tests edit it. Line numbers in the expected messages refer
/// to this text.
const BASE: &str = r#"version = 1

[rules]
min_audits = 1

[[auditor]]
id = "seclab"
organization = "Security Lab GmbH"
signers = [{ key = "ed25519:KaEI7j/XS6IX1c8NzNxsj+bRrtaRmCBKGnFjuBt+CdI=" }]

[[auditor]]
id = "openaudit"
organization = "Open Audit Collective"
signers = [{ issuer = "https://accounts.google.com", subject = "audits@openaudit.example" }]

[[tool]]
name = "agent"
signers = [
  { key = "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k=" },
  { issuer = "https://token.actions.githubusercontent.com", subject = "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*" },
]
threshold = 1
"#;

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "{from:?} must occur exactly once"
    );
    BASE.replacen(from, to, 1)
}

/// The error text `TrustPolicy::from_toml` reports for `text`.
#[track_caller]
fn error(text: &str) -> String {
    match TrustPolicy::from_toml(text, "policy.toml") {
        Ok(policy) => panic!("accepted:\n{text}\nas {policy:#?}"),
        Err(errors) => errors.to_string(),
    }
}

fn tool_name(name: &str) -> ToolName {
    ToolName::from_str(name).unwrap()
}

#[test]
fn base_policy_is_valid() {
    let policy = TrustPolicy::from_toml(BASE, "policy.toml").unwrap();
    let tool = policy.tool(&tool_name("agent")).unwrap();
    assert_eq!(
        tool.signers,
        [
            Signer::Key(KEY_ACME.parse().unwrap()),
            Signer::Sigstore(SigstoreIdentity {
                issuer: "https://token.actions.githubusercontent.com".to_owned(),
                subject: Pattern::from_str(
                    "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*"
                )
                .unwrap(),
            }),
        ]
    );
    assert!(policy.tool(&tool_name("other")).is_none());
}

#[test]
fn example_policy_is_valid() {
    let policy = TrustPolicy::from_toml(&example("policy.toml"), "examples/policy.toml").unwrap();
    assert_eq!(policy.version, 7);
    assert_eq!(policy.auditors.len(), 2);
    assert_ne!(
        policy.auditors[0].organization,
        policy.auditors[1].organization
    );
    let tool = policy.tool(&tool_name("agent")).unwrap();
    assert_eq!(tool.threshold, 1);
    assert!(matches!(tool.signers[0], Signer::Key(_)));
    assert!(matches!(tool.signers[1], Signer::Sigstore(_)));
}

#[test]
fn a20_threshold_zero_is_rejected() {
    assert_eq!(
        error(&edit("threshold = 1", "threshold = 0")),
        "policy.toml:22:13: tool[0].threshold: threshold 0 would accept unsigned manifests; \
         expected at least 1"
    );
}

#[test]
fn a20_negative_threshold_is_rejected() {
    assert_eq!(
        error(&edit("threshold = 1", "threshold = -1")),
        "policy.toml:22:13: invalid value: integer `-1`, expected u32"
    );
}

#[test]
fn threshold_above_the_number_of_signers_is_rejected() {
    assert_eq!(
        error(&edit("threshold = 1", "threshold = 3")),
        "policy.toml:22:13: tool[0].threshold: threshold 3 but only 2 distinct signer(s) listed; \
         it could never be met"
    );
}

#[test]
fn a13_the_same_key_listed_twice_counts_once() {
    let text = edit(ACME_SIGSTORE, &format!("{{ key = \"{KEY_ACME}\" }}"));
    let text = text.replacen("threshold = 1", "threshold = 2", 1);
    assert_eq!(
        error(&text),
        "policy.toml:22:13: tool[0].threshold: threshold 2 but only 1 distinct signer(s) listed; \
         it could never be met"
    );
}

#[test]
fn a13_a_second_spelling_of_the_same_key_is_rejected() {
    // 32 bytes leave two unused bits in the last base64 character: `…CdJ=` decodes to the
    // same key as `…CdI=` in lenient decoders. Only the canonical spelling is a key.
    let alias = KEY_SECLAB.replace("CdI=", "CdJ=");
    assert_eq!(
        error(&edit(KEY_SECLAB, &alias)),
        format!(
            "policy.toml:9:20: auditor[0].signers[0].key: invalid key \"{alias}\": expected \
             `ed25519:` followed by the standard base64 of the 32-byte public key (as \
             `candor key public --format ed25519` prints)"
        )
    );
    // URL-safe alphabet and missing padding are other spellings too.
    for other in [
        "ed25519:vOxO7dgQoM7yipzO3aFC_dT--CoIE-VAXmKVvI_I52k=",
        "ed25519:vOxO7dgQoM7yipzO3aFC/dT++CoIE+VAXmKVvI/I52k",
    ] {
        let message = error(&edit(KEY_ACME, other));
        assert!(
            message.starts_with(&format!(
                "policy.toml:19:11: tool[0].signers[0].key: invalid key \"{other}\""
            )),
            "{message}"
        );
    }
}

#[test]
fn bad_key_text_is_rejected() {
    assert_eq!(
        error(&edit(KEY_SECLAB, "ed25519:KaEI7j")),
        "policy.toml:9:20: auditor[0].signers[0].key: invalid key \"ed25519:KaEI7j\": expected \
         `ed25519:` followed by the standard base64 of the 32-byte public key (as \
         `candor key public --format ed25519` prints)"
    );
    let pem = "-----BEGIN PUBLIC KEY-----";
    assert!(error(&edit(KEY_SECLAB, pem)).starts_with(
        "policy.toml:9:20: auditor[0].signers[0].key: invalid key \"-----BEGIN PUBLIC KEY-----\""
    ));
}

#[test]
fn signer_with_key_and_issuer_is_rejected() {
    let text = edit(
        &format!("{{ key = \"{KEY_ACME}\" }}"),
        &format!("{{ key = \"{KEY_ACME}\", issuer = \"https://accounts.google.com\" }}"),
    );
    assert_eq!(
        error(&text),
        "policy.toml:19:3: tool[0].signers[0]: a signer with both a key and a Sigstore identity; \
         expected one or the other"
    );
}

#[test]
fn issuer_without_subject_is_rejected() {
    let text = edit(", subject = \"audits@openaudit.example\" }", " }");
    assert_eq!(
        error(&text),
        "policy.toml:14:12: auditor[1].signers[0]: a Sigstore signer with an issuer but no \
         subject; expected `subject` too"
    );
}

#[test]
fn subject_without_issuer_and_empty_signer_are_rejected() {
    let text = edit("issuer = \"https://accounts.google.com\", ", "");
    assert_eq!(
        error(&text),
        "policy.toml:14:12: auditor[1].signers[0]: a Sigstore signer with a subject but no \
         issuer; expected `issuer` too"
    );
    let text = edit(&format!("{{ key = \"{KEY_SECLAB}\" }}"), "{}");
    assert_eq!(
        error(&text),
        "policy.toml:9:12: auditor[0].signers[0]: empty signer; expected `key = \"ed25519:…\"` or \
         `issuer` and `subject`"
    );
}

#[test]
fn b17_character_classes_in_patterns_are_rejected() {
    for class in ["[!a]", "[^a]"] {
        let text = edit("refs/tags/v*", &format!("refs/tags/{class}*"));
        assert_eq!(
            error(&text),
            format!(
                "policy.toml:20:71: pattern \"https://github.com/acme/agent/.github/workflows/\
                 release.yml@refs/tags/{class}*\": character classes (`[...]`) are not supported; \
                 expected only `*`, `?` and `\\` escapes (write `\\[` for a literal `[`)"
            )
        );
    }
}

#[test]
fn min_audits_above_distinct_organisations_is_rejected() {
    // Two auditors, two organisations: 3 can never be met. Reported once, where it is
    // written, not again for every tool that inherits it.
    assert_eq!(
        error(&edit("min_audits = 1", "min_audits = 3")),
        "policy.toml:4:14: rules.min_audits: min_audits = 3 but only 2 distinct auditor \
         organisation(s) are trusted here; it could never be met"
    );
    // Two auditors of one organisation count once.
    let text = edit("min_audits = 1", "min_audits = 2").replacen(
        "Open Audit Collective",
        "Security Lab GmbH",
        1,
    );
    assert_eq!(
        error(&text),
        "policy.toml:4:14: rules.min_audits: min_audits = 2 but only 1 distinct auditor \
         organisation(s) are trusted here; it could never be met"
    );
}

#[test]
fn tool_min_audits_counts_only_the_tools_auditors() {
    // The tool's own override, with its auditors restricted to one organisation.
    let text = format!("{BASE}auditors = [\"seclab\"]\nrules = {{ min_audits = 2 }}\n");
    assert_eq!(
        error(&text),
        "policy.toml:24:24: tool[0].rules.min_audits: min_audits = 2 but only 1 distinct auditor \
         organisation(s) are trusted here; it could never be met"
    );
    // The default, inherited by a tool whose auditors leave too few organisations.
    let text = format!(
        "{}auditors = [\"seclab\"]\n",
        edit("min_audits = 1", "min_audits = 2")
    );
    assert_eq!(
        error(&text),
        "policy.toml:23:12: tool[0].auditors: min_audits = 2 (from [rules]) but the auditors \
         listed here belong to only 1 distinct organisation(s); it could never be met for this tool"
    );
    // Overriding it for the tool is the fix.
    let text = format!(
        "{}auditors = [\"seclab\"]\nrules = {{ min_audits = 1 }}\n",
        edit("min_audits = 1", "min_audits = 2")
    );
    TrustPolicy::from_toml(&text, "policy.toml").unwrap();
}

#[test]
fn unknown_auditor_in_a_tool_is_rejected() {
    let text = format!("{BASE}auditors = [\"seclab\", \"nobody\"]\n");
    assert_eq!(
        error(&text),
        "policy.toml:23:23: tool[0].auditors[1]: `nobody` names no [[auditor]]; expected the id \
         of a trusted auditor"
    );
}

#[test]
fn duplicate_auditor_id_is_rejected() {
    let text = edit("id = \"openaudit\"", "id = \"seclab\"");
    assert_eq!(
        error(&text),
        "policy.toml:12:6: auditor[1].id: auditor `seclab` is defined twice; expected unique ids"
    );
}

#[test]
fn b3_unknown_rule_is_rejected_not_dropped() {
    let rules = "expected one of `require_manifest`, `min_audits`, `deny_categories`, \
                 `allowed_endpoints`, `on_contradicted`, `on_undeclared`, `max_age_days`, \
                 `max_audit_age_days`, `on_downgrade`";
    assert_eq!(
        error(&edit(
            "min_audits = 1",
            "min_audits = 1\nrequire_cert_oid = \"1.3.6.1.4.1.57264.1.12\""
        )),
        format!("policy.toml:5:1: unknown field `require_cert_oid`, {rules}")
    );
    // In a tool's inline rules the location is the table.
    assert_eq!(
        error(&format!(
            "{BASE}rules = {{ require_cert_oid = \"1.3.6.1.4.1.57264.1.12\" }}\n"
        )),
        format!("policy.toml:23:11: unknown field `require_cert_oid`, {rules}")
    );
}

#[test]
fn d6_version_must_be_a_positive_integer() {
    for (version, message) in [
        ("0", "version: version 0; expected a positive integer"),
        ("-1", "invalid value: integer `-1`, expected u64"),
        ("1.5", "invalid type: floating point `1.5`, expected u64"),
        ("\"2\"", "invalid type: string \"2\", expected u64"),
        (
            "18446744073709551616",
            "invalid type: integer `18446744073709551616` as i128, expected u64",
        ),
    ] {
        assert_eq!(
            error(&edit("version = 1", &format!("version = {version}"))),
            format!("policy.toml:1:11: {message}"),
            "version = {version}"
        );
    }
}

#[test]
fn rules_for_merges_tool_over_defaults_over_built_ins() {
    let policy = TrustPolicy::from_toml(&example("policy.toml"), "examples/policy.toml").unwrap();
    let tool = policy.tool(&tool_name("agent")).unwrap();
    assert_eq!(
        policy.rules_for(tool),
        EffectiveRules {
            // The tool's overrides win…
            min_audits: 2,
            max_age_days: Some(180),
            on_undeclared: Action::Warn,
            // …the defaults fill in the rest.
            require_manifest: true,
            deny_categories: vec![ClaimCategory::OutputMarking],
            allowed_endpoints: Some(vec![
                Pattern::from_str("https://*.acme.example/*").unwrap(),
                Pattern::from_str("https://registry.npmjs.org/*").unwrap(),
            ]),
            on_contradicted: Action::Fail,
            max_audit_age_days: None,
            on_downgrade: Action::Fail,
        }
    );

    // With neither defaults nor overrides, the built-ins: a manifest is required, no
    // audits, nothing denied, any endpoint, findings fail, no age limit.
    let bare = TrustPolicy::from_toml(
        &format!(
            "version = 1\n\n[[tool]]\nname = \"agent\"\nsigners = [{{ key = \"{KEY_ACME}\" }}]\n"
        ),
        "policy.toml",
    )
    .unwrap();
    assert_eq!(
        bare.rules_for(&bare.tools[0]),
        EffectiveRules {
            require_manifest: true,
            min_audits: 0,
            deny_categories: vec![],
            allowed_endpoints: None,
            on_contradicted: Action::Fail,
            on_undeclared: Action::Fail,
            max_age_days: None,
            max_audit_age_days: None,
            on_downgrade: Action::Fail,
        }
    );

    // An override of a list replaces the default list; it does not add to it.
    let text = format!(
        "{}\n[tool.rules]\ndeny_categories = [\"telemetry\"]\nrequire_manifest = false\n",
        edit(
            "min_audits = 1",
            "min_audits = 1\ndeny_categories = [\"output-marking\", \"update\"]"
        )
    );
    let policy = TrustPolicy::from_toml(&text, "policy.toml").unwrap();
    let rules = policy.rules_for(&policy.tools[0]);
    assert_eq!(rules.deny_categories, [ClaimCategory::Telemetry]);
    assert!(!rules.require_manifest);
    assert_eq!(rules.min_audits, 1);
}
