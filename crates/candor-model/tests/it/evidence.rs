//! Static evidence: one type for what `candor scan` prints and what an audit cites, parsed
//! as strictly inside an audit's tagged evidence as anywhere else.

use candor_model::AnyStatement;
use candor_model::audit::Evidence;
use candor_model::evidence::StaticEvidence;
use serde_json::json;

use crate::example;

const AUDIT: &str = "audit.statement.json";

/// The example audit with `from` (which must occur once) replaced by `to`.
fn audit_with(from: &str, to: &str) -> String {
    let text = example(AUDIT);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

fn error(text: &str) -> String {
    match AnyStatement::from_json(text.as_bytes(), "audit.json") {
        Ok(statement) => panic!("accepted {statement:#?}"),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn unknown_field_inside_static_evidence_is_rejected() {
    let text = audit_with(
        "\"offset\": 8419012,",
        "\"offset\": 8419012,\n            \"lineno\": 12,",
    );
    assert_eq!(
        error(&text),
        "audit.json: at $.predicate.findings[0].evidence[0]: unknown field `lineno`, expected \
         one of `file`, `section`, `offset`, `length`, `chain`, `line`, `column`, `excerpt`"
    );
}

#[test]
fn static_evidence_needs_its_length() {
    let text = audit_with("\"length\": 5328,\n", "");
    assert_eq!(
        error(&text),
        "audit.json: at $.predicate.findings[0].evidence[0]: missing field `length`"
    );
}

#[test]
fn scanner_evidence_is_audit_evidence() {
    // What `candor scan --format json` prints for an indicator in a native executable,
    // tagged as an audit's static evidence.
    let printed = json!({
        "kind": "static",
        "file": "agent-1.4.0.tgz!package/bin/agent",
        "section": ".rodata",
        "offset": 8192,
        "length": 41,
        "chain": [],
        "excerpt": "..https://telemetry.acme.example/v1/collect.."
    });
    let evidence: Evidence = serde_json::from_value(printed.clone()).unwrap();
    let expected = StaticEvidence {
        file: "agent-1.4.0.tgz!package/bin/agent".to_owned(),
        section: Some(".rodata".to_owned()),
        offset: 8192,
        length: 41,
        chain: Vec::new(),
        line: None,
        column: None,
        excerpt: "..https://telemetry.acme.example/v1/collect..".to_owned(),
    };
    assert_eq!(evidence, Evidence::Static(expected.clone()));
    // Written back the same way, `kind` first, an empty chain included.
    assert_eq!(
        serde_json::to_string(&evidence).unwrap(),
        serde_json::to_string(&printed).unwrap()
    );
    // Without a section and a chain it still parses (the chain is then empty).
    let plain = json!({
        "kind": "static",
        "file": "cli.js",
        "offset": 0,
        "length": 4,
        "excerpt": "x"
    });
    let Evidence::Static(plain) = serde_json::from_value(plain).unwrap() else {
        panic!("static evidence parsed as another kind");
    };
    assert_eq!((plain.section, plain.chain), (None, Vec::<String>::new()));
}
