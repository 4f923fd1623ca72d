//! DESIGN.md's case: a time-zone check, an env read of a base-URL variable, a base64
//! literal that XORs with a one-byte key to a domain list, look-alike apostrophes in an
//! output template; planted in a few MB of minified JS. The diff against the release
//! without it must report every planted element, with its decoding chain.

use candor_scan::{Kind, scan_path};

use crate::support::{minified_js, scanner};

use candor_test::bundle::{DOMAINS, planted};

#[test]
fn every_planted_element_is_reported_as_added_with_its_chain() {
    let dir = tempfile::tempdir().unwrap();
    let filler = minified_js(3 << 20, 42);
    let middle = filler.len() / 2;
    let old = dir.path().join("cli-1.0.0.js");
    let new = dir.path().join("cli-1.0.1.js");
    fs_err::write(&old, &filler).unwrap();
    fs_err::write(
        &new,
        format!("{}{}{}", &filler[..middle], planted(), &filler[middle..]),
    )
    .unwrap();

    let scanner = scanner();
    let old_report = scan_path(&scanner, &old).unwrap();
    let new_report = scan_path(&scanner, &new).unwrap();
    let diff = candor_scan::diff(&old_report, &new_report);
    let added: Vec<(Kind, &str, String)> = diff
        .added
        .iter()
        .map(|c| (c.kind, c.value.as_str(), c.evidence[0].chain_text()))
        .collect();
    let has = |kind: Kind, value: &str, chain: &str| {
        added
            .iter()
            .any(|(k, v, c)| *k == kind && *v == value && c == chain)
    };
    assert!(has(Kind::TimeZone, "Asia/Shanghai", "plain"), "{added:#?}");
    assert!(has(Kind::TimeZone, "Asia/Urumqi", "plain"), "{added:#?}");
    assert!(
        has(Kind::LocaleApi, "resolvedOptions().timeZone", "plain"),
        "{added:#?}"
    );
    // The check itself: the zone list searched for the user's zone.
    for zone in ["Asia/Shanghai", "Asia/Urumqi"] {
        assert!(
            has(
                Kind::LocaleComparison,
                &format!("includes \"{zone}\""),
                "plain"
            ),
            "{added:#?}"
        );
    }
    assert!(
        has(Kind::EnvVar, "ANTHROPIC_BASE_URL", "plain"),
        "{added:#?}"
    );
    for domain in DOMAINS {
        assert!(
            has(Kind::Domain, domain, "base64 → xor(0x5b)"),
            "{domain} missing: {added:#?}"
        );
    }
    assert!(
        has(
            Kind::LookAlike,
            "U+02BC MODIFIER LETTER APOSTROPHE",
            "js-escapes"
        ),
        "{added:#?}"
    );
    assert!(diff.removed.is_empty(), "{:#?}", diff.removed);
}

#[test]
fn the_filler_alone_raises_no_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("filler.js");
    fs_err::write(&path, minified_js(3 << 20, 7)).unwrap();
    let report = scan_path(&scanner(), &path).unwrap();
    assert!(
        report.indicators.is_empty(),
        "{:#?}",
        &report.indicators[..report.indicators.len().min(10)]
    );
}
