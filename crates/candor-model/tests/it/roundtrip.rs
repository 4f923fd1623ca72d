//! `candor.toml` → Statement → canonical JSON → Statement → `candor.toml` loses nothing.

use candor_model::manifest::{Declaration, ManifestPredicate};
use candor_model::policy::TrustPolicy;
use candor_model::{Statement, Subject};

use crate::{example, example_subject};

/// The whole trip, checking each step; returns the TOML text produced at the end.
#[track_caller]
fn round_trip(declaration: &Declaration, subject: Subject) -> String {
    let statement = declaration.to_statement_with(vec![subject.clone()]);
    assert!(
        statement.violations().is_empty(),
        "{:?}",
        statement.violations()
    );

    let canonical = statement.to_canonical_json();
    let parsed = Statement::<ManifestPredicate>::from_json(&canonical, "statement.json").unwrap();
    assert_eq!(parsed, statement);

    let back = Declaration::from_statement(&parsed);
    let mut expected = declaration.clone();
    expected.subject.push(subject);
    assert_eq!(back, expected);

    let toml = back.to_toml();
    let reparsed = Declaration::from_toml(&toml, "generated.toml")
        .unwrap_or_else(|e| panic!("the TOML produced does not parse:\n{e}\n---\n{toml}"));
    assert_eq!(reparsed, expected);
    assert_eq!(
        reparsed.to_statement_with(Vec::new()).to_canonical_json(),
        canonical,
        "the same declaration must sign the same bytes"
    );
    toml
}

#[test]
fn example_declaration_round_trips() {
    let declaration =
        Declaration::from_toml(&example("candor.toml"), "examples/candor.toml").unwrap();
    assert!(declaration.subject.is_empty());
    let toml = round_trip(&declaration, example_subject());
    assert!(toml.contains("[[subject]]"), "{toml}");
    assert!(toml.contains("[[claims.output-marking]]"), "{toml}");
}

#[test]
fn example_declaration_uses_every_category_and_field() {
    let declaration =
        Declaration::from_toml(&example("candor.toml"), "examples/candor.toml").unwrap();
    // Every optional field is present somewhere, so the round trip above covers them all.
    for category in candor_model::claims::ClaimCategory::ALL {
        assert!(
            declaration.claims.count(category) > 0,
            "no {category} claim in examples/candor.toml"
        );
    }
    assert_eq!(
        declaration.completeness.exhaustive,
        candor_model::claims::ClaimCategory::ALL
    );
    let c = &declaration.claims;
    assert!(declaration.tool.purl.is_some());
    assert!(declaration.vendor.url.is_some() && declaration.vendor.contact.is_some());
    assert!(declaration.source.tag.is_some() && declaration.source.commit.is_some());
    assert!(declaration.release_date.is_some() && declaration.completeness.statement.is_some());
    assert!(
        c.network
            .iter()
            .any(|n| !n.data_sent.is_empty() && n.condition.is_some())
    );
    assert!(
        c.telemetry
            .iter()
            .any(|t| !t.data_sent.is_empty() && t.opt_out.is_some())
    );
    assert!(c.process.iter().any(|p| p.condition.is_some()));
    assert!(
        c.conditional
            .iter()
            .any(|x| x.values.iter().any(|v| v == "Asia/Shanghai"))
    );
    assert!(
        c.identifiers
            .iter()
            .any(|i| i.persisted && !i.sent_via.is_empty())
    );
    assert!(c.output_marking.iter().any(|o| o.condition.is_some()));
    assert!(
        c.update
            .iter()
            .any(|u| u.endpoint.is_some() && u.opt_out.is_some())
    );
}

#[test]
fn minimal_declaration_round_trips() {
    // Every optional field absent; no claims at all.
    let text = r#"
[tool]
name = "agent"
version = "1.4.0"

[vendor]
name = "Acme Inc."

[source]
repository = "https://github.com/acme/agent"

[completeness]
exhaustive = []
"#;
    let declaration = Declaration::from_toml(text, "minimal.toml").unwrap();
    assert_eq!(declaration.claims, candor_model::claims::Claims::default());
    let subject = Subject {
        name: "pkg:generic/agent-linux-x64@1.4.0".to_owned(),
        digest: example_subject().digest,
    };
    let toml = round_trip(&declaration, subject);
    for absent in [
        "purl",
        "release_date",
        "tag",
        "commit",
        "url",
        "contact",
        "statement",
    ] {
        assert!(!toml.contains(absent), "{absent} written:\n{toml}");
    }
}

#[test]
fn release_date_literal_is_signed_as_its_string() {
    let text = example("candor.toml").replacen(
        "release_date = \"2026-03-02T09:00:00Z\"",
        "release_date = 2026-03-02T09:00:00Z",
        1,
    );
    let literal = Declaration::from_toml(&text, "candor.toml").unwrap();
    let string = Declaration::from_toml(&example("candor.toml"), "candor.toml").unwrap();
    assert_eq!(literal, string);
    round_trip(&literal, example_subject());
}

#[test]
fn example_policy_round_trips_through_toml() {
    let policy = TrustPolicy::from_toml(&example("policy.toml"), "examples/policy.toml").unwrap();
    let text = toml::to_string_pretty(&policy).unwrap();
    let again = TrustPolicy::from_toml(&text, "generated.toml")
        .unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    assert_eq!(again, policy);
}
