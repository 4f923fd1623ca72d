//! Matching indicators with claims on DESIGN.md's case: what a manifest that declares
//! only the API leaves uncovered, grouped as an auditor would report it; what a complete
//! declaration covers; exceptions; claims nothing supports.

use candor_model::manifest::Declaration;
use candor_scan::coverage::cover;
use candor_scan::{Kind, scan_path};
use candor_test::bundle::{BASE_URL_VARIABLE, DOMAINS, TIME_ZONES, bundle};

use crate::support::scanner;

/// The sample declaration with the API endpoint the bundle contacts, and `more` TOML.
fn declaration(more: &str) -> Declaration {
    let text = format!(
        "{}\n{more}",
        candor_test::AGENT_TOML.replace("https://api.acme.example/v1", "https://api.anthropic.com")
    );
    Declaration::from_toml(&text, "candor.toml").expect("the test declaration is valid")
}

fn scanned() -> Vec<candor_scan::Indicator> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cli.js");
    fs_err::write(&path, bundle(1 << 20, 5, true)).expect("write the bundle");
    scan_path(&scanner(), &path)
        .expect("scan the bundle")
        .indicators
}

#[test]
fn an_api_only_manifest_leaves_the_hidden_logic_uncovered_in_groups() {
    let indicators = scanned();
    let declaration = declaration("");
    let coverage = cover(&indicators, &declaration.claims, &declaration.exceptions);
    let groups: Vec<(String, Vec<Kind>, Vec<String>)> = coverage
        .uncovered
        .iter()
        .map(|g| (g.category.to_string(), g.kinds.clone(), g.values.clone()))
        .collect();
    // The domain list is one group (decoded from one blob), in network and in
    // obfuscation (hidden under XOR with no obfuscation claim).
    let mut list: Vec<String> = DOMAINS.iter().map(|d| (*d).to_owned()).collect();
    list.sort();
    for category in ["network", "obfuscation"] {
        let group = coverage
            .uncovered
            .iter()
            .find(|g| g.category.as_str() == category && g.chain == ["base64", "xor(0x5b)"])
            .unwrap_or_else(|| panic!("no {category} group for the blob: {groups:#?}"));
        assert_eq!(group.values, list, "{groups:#?}");
        assert!(group.summary().contains("decoded by base64 → xor(0x5b)"));
    }
    let has = |category: &str, kind: Kind, value: &str| {
        groups
            .iter()
            .any(|(c, k, v)| c == category && k.contains(&kind) && v.iter().any(|x| x == value))
    };
    assert!(has("env", Kind::EnvVar, BASE_URL_VARIABLE), "{groups:#?}");
    for zone in TIME_ZONES {
        assert!(has("conditional", Kind::TimeZone, zone), "{groups:#?}");
        assert!(
            has(
                "conditional",
                Kind::LocaleComparison,
                &format!("includes \"{zone}\"")
            ),
            "{groups:#?}"
        );
    }
    assert!(
        has(
            "output-marking",
            Kind::LookAlike,
            "U+02BC MODIFIER LETTER APOSTROPHE"
        ),
        "{groups:#?}"
    );
    // The API is declared: neither its URL nor its host is in a group, and the claim is
    // supported.
    assert!(
        !has("network", Kind::Domain, "api.anthropic.com"),
        "{groups:#?}"
    );
    let api = &coverage.claims[0];
    assert_eq!(api.claim.as_str(), "network.api");
    assert!(!api.indicators.is_empty());
    // Reading the locale alone is informational, never a gate.
    assert!(
        coverage
            .informational
            .iter()
            .any(|&i| indicators[i].kind == Kind::LocaleApi)
    );
}

use candor_test::bundle::CLAIMS_OF_HIDDEN_LOGIC as COMPLETE;

#[test]
fn a_complete_declaration_covers_everything_and_every_claim_is_supported() {
    let indicators = scanned();
    let declaration = declaration(COMPLETE);
    let coverage = cover(&indicators, &declaration.claims, &declaration.exceptions);
    assert!(coverage.uncovered.is_empty(), "{:#?}", coverage.uncovered);
    let unsupported: Vec<&str> = coverage
        .unsupported()
        .map(candor_model::ids::ClaimId::as_str)
        .collect();
    assert!(unsupported.is_empty(), "{unsupported:?}");
}

#[test]
fn exceptions_cover_by_kind_and_pattern_and_claims_nothing_supports_are_named() {
    let indicators = scanned();
    let declaration = declaration(&format!(
        "{COMPLETE}
[[claims.env]]
id = \"env.debug\"
variable = \"AGENT_DEBUG\"
purpose = \"Turns on debug output\"

[[exception]]
kind = \"look-alike\"
value = \"U+02BC *\"
reason = \"the apostrophes belong to the help text, which is never sent\"
"
    )
    .replace("[[claims.output-marking]]", "[[claims.ignored-marking]]")
    .replacen("id = \"output-marking.apostrophe\"\ntarget = \"request\"\ntechnique = \"apostrophe replaced by U+02BC\"\npurpose = \"marks text from those regions\"\n", "", 1)
    .replace("[[claims.ignored-marking]]\n", ""));
    let coverage = cover(&indicators, &declaration.claims, &declaration.exceptions);
    assert!(coverage.uncovered.is_empty(), "{:#?}", coverage.uncovered);
    assert_eq!(coverage.excepted.len(), 1);
    assert!(
        coverage.excepted[0]
            .iter()
            .all(|&i| indicators[i].kind == Kind::LookAlike)
    );
    assert!(!coverage.excepted[0].is_empty());
    let unsupported: Vec<&str> = coverage
        .unsupported()
        .map(candor_model::ids::ClaimId::as_str)
        .collect();
    assert_eq!(unsupported, ["env.debug"]);
}

/// A read whose name is computed never fails a gate on its own (what it reads is not
/// known); an env claim of a variable its candidates match covers it.
#[test]
fn dynamic_env_reads_are_informational_and_covered_by_matching_env_claims() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("http.js");
    fs_err::write(
        &path,
        "var proxyEnv = protocol.slice(0, -1) + '_proxy';\n\
         var proxyUrl = process.env[proxyEnv] || process.env[proxyEnv.toUpperCase()];\n\
         var other = process.env[name];\n",
    )
    .expect("write the file");
    let indicators = scan_path(&scanner(), &path)
        .expect("scan the file")
        .indicators;
    let dynamic = |value: &str| {
        indicators
            .iter()
            .position(|i| i.kind == Kind::EnvDynamic && i.value == value)
            .unwrap_or_else(|| panic!("no {value}: {indicators:#?}"))
    };
    let lower = dynamic("process.env[proxyEnv] (candidates: *_proxy)");
    let upper = dynamic("process.env[proxyEnv.toUpperCase()] (candidates: *_PROXY)");
    let unknown = dynamic("process.env[name]");
    let declaration = declaration(
        "[[claims.env]]\nid = \"env.proxy\"\nvariable = \"https_proxy\"\npurpose = \"The proxy for HTTPS requests\"\n",
    );
    let coverage = cover(&indicators, &declaration.claims, &declaration.exceptions);
    let proxy = coverage
        .claims
        .iter()
        .find(|c| c.claim.as_str() == "env.proxy")
        .expect("the env claim");
    assert_eq!(proxy.indicators, [lower]);
    assert!(coverage.informational.contains(&upper));
    assert!(coverage.informational.contains(&unknown));
    assert!(
        coverage
            .uncovered
            .iter()
            .all(|g| !g.kinds.contains(&Kind::EnvDynamic)),
        "{:#?}",
        coverage.uncovered
    );
}
