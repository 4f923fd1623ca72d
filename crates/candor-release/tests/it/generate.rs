//! `candor_release::generate` on real repositories: the declaration comes from the tag,
//! the gate fails on DESIGN.md's hidden logic and names every element, an exception lets
//! a finding through and travels in the manifest, the changelog between two tags is
//! exact, tag facts are read, and bad input is refused clearly.

use candor_model::claims::ClaimCategory;
use candor_release::generate::{GenerateError, GenerateRequest, generate};
use candor_release::git::GitError;
use candor_release::statement::ArtifactSpec;
use candor_test::bundle::{BASE_URL_VARIABLE, CLAIMS_OF_HIDDEN_LOGIC, DOMAINS, TIME_ZONES};

use crate::repo::{Repo, artifact, declaration};

fn request(repo: &Repo, tag: &str, artifacts: &[std::path::PathBuf]) -> GenerateRequest {
    GenerateRequest {
        repo: repo.path().to_owned(),
        tag: tag.to_owned(),
        artifacts: artifacts
            .iter()
            .map(|p| ArtifactSpec::parse(&p.display().to_string()).unwrap())
            .collect(),
        previous: None,
        previous_artifacts: Vec::new(),
        supersedes: None,
        sha512: false,
    }
}

#[test]
fn the_declaration_is_read_from_the_tag_not_the_work_tree() {
    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.0", ""));
    repo.commit("release 1.0.0");
    repo.tag_annotated("v1.0.0");
    // After tagging, the work tree gains an undeclared-at-the-tag claim.
    repo.write(
        "candor.toml",
        &declaration("1.0.0", "[[claims.env]]\nid = \"env.debug\"\nvariable = \"AGENT_DEBUG\"\npurpose = \"debug output\"\n"),
    );
    let built = tempfile::tempdir().unwrap();
    let clean = artifact(built.path(), "agent.js", false);
    let generated = generate(&request(&repo, "v1.0.0", &[clean])).unwrap();
    let statement = generated.statement.expect("the gate passes");
    assert!(
        statement.predicate.claims.env.is_empty(),
        "the work tree was read"
    );
    assert!(
        generated
            .report
            .warnings
            .iter()
            .any(|w| w.contains("uncommitted changes")),
        "{:?}",
        generated.report.warnings
    );
    let source = &statement.predicate.source;
    assert_eq!(source.tag.as_deref(), Some("v1.0.0"));
    assert_eq!(source.tag_annotated, Some(true));
    assert_eq!(source.tag_signed, Some(false));
    assert_eq!(
        source.commit.as_ref().unwrap().as_str(),
        repo.git(&["rev-parse", "v1.0.0^{commit}"]).trim()
    );
    assert!(statement.predicate.release_date.is_some());
    assert!(statement.predicate.changelog.is_none(), "no earlier tag");
}

#[test]
fn the_gate_fails_on_the_hidden_logic_and_names_every_element() {
    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.1", ""));
    repo.commit("release 1.0.1");
    repo.tag_annotated("v1.0.1");
    let built = tempfile::tempdir().unwrap();
    let dirty = artifact(built.path(), "agent.js", true);
    let generated = generate(&request(&repo, "v1.0.1", &[dirty])).unwrap();
    assert!(
        generated.statement.is_none(),
        "no manifest when the gate fails"
    );
    let gate = &generated.report.gate;
    assert!(!gate.passed);
    let find = |category: &str, value: &str| {
        gate.uncovered
            .iter()
            .find(|g| g.category == category && g.values.iter().any(|v| v == value))
            .unwrap_or_else(|| panic!("no {category} finding for {value}: {:#?}", gate.uncovered))
    };
    let env = find("env", BASE_URL_VARIABLE);
    assert_eq!(env.chain, "plain");
    assert!(
        env.evidence[0]
            .excerpt
            .contains("process.env.ANTHROPIC_BASE_URL")
    );
    for zone in TIME_ZONES {
        let condition = find("conditional", zone);
        assert!(
            condition.kinds.iter().any(|k| k == "locale-comparison"),
            "{condition:#?}"
        );
    }
    for domain in DOMAINS {
        for category in ["network", "obfuscation"] {
            let list = find(category, domain);
            assert_eq!(list.chain, "base64 → xor(0x5b)");
            assert_eq!(
                list.values.len(),
                DOMAINS.len(),
                "one finding for the whole list"
            );
            assert_eq!(list.occurrences, 1, "one place: the blob");
        }
    }
    let marking = find("output-marking", "U+02BC MODIFIER LETTER APOSTROPHE");
    assert_eq!(marking.chain, "js-escapes");
    // The API the declaration names is not a finding.
    assert!(
        gate.uncovered
            .iter()
            .all(|g| !g.values.iter().any(|v| v.contains("api.anthropic.com")))
    );
}

#[test]
fn an_exception_lets_a_finding_through_and_is_in_the_manifest() {
    let repo = Repo::new();
    let claims_without_marking = CLAIMS_OF_HIDDEN_LOGIC
        .split("[[claims.output-marking]]")
        .next()
        .unwrap()
        .to_owned()
        + "[[claims.obfuscation]]"
        + CLAIMS_OF_HIDDEN_LOGIC
            .split("[[claims.obfuscation]]")
            .nth(1)
            .unwrap();
    let exception = "\n[[exception]]\nkind = \"look-alike\"\nvalue = \"U+02BC *\"\nreason = \"the apostrophe belongs to help text that is never sent\"\n";
    repo.write(
        "candor.toml",
        &declaration("1.0.1", &format!("{claims_without_marking}{exception}")),
    );
    repo.commit("release 1.0.1 with its behaviour declared");
    repo.tag_annotated("v1.0.1");
    let built = tempfile::tempdir().unwrap();
    let dirty = artifact(built.path(), "agent.js", true);
    let generated = generate(&request(&repo, "v1.0.1", &[dirty])).unwrap();
    assert!(
        generated.report.gate.passed,
        "{:#?}",
        generated.report.gate.uncovered
    );
    let used = &generated.report.gate.exceptions[0];
    assert_eq!(used.kind, "look-alike");
    assert!(used.covered > 0);
    let statement = generated.statement.unwrap();
    let exceptions = &statement.predicate.exceptions;
    assert_eq!(exceptions.len(), 1);
    assert_eq!(
        exceptions[0].reason,
        "the apostrophe belongs to help text that is never sent"
    );
    // Signed, it is there for an auditor to read.
    let key = candor_sign::keys::PrivateKey::from_seed(&[9; 32]);
    let envelope = candor_sign::dsse::sign(
        candor_model::IN_TOTO_PAYLOAD_TYPE,
        &statement.to_canonical_json(),
        &[&key],
    );
    let verified = candor_sign::verify::verify_attestation(
        envelope.to_json().as_bytes(),
        "manifest.dsse.json",
        &candor_sign::verify::TrustedKeys::new([key.public_key().clone()]).into(),
        std::num::NonZeroUsize::MIN,
    )
    .unwrap();
    let candor_model::AnyStatement::Manifest(signed) = verified.statement else {
        panic!("not a manifest")
    };
    assert_eq!(&signed.predicate.exceptions, exceptions);
}

#[test]
fn the_changelog_between_two_tags_is_exact() {
    let repo = Repo::new();
    let first = "[[claims.env]]\nid = \"env.base-url\"\nvariable = \"ANTHROPIC_BASE_URL\"\npurpose = \"Overrides the API base URL\"\n\n[[claims.env]]\nid = \"env.debug\"\nvariable = \"AGENT_DEBUG\"\npurpose = \"debug output\"\n";
    repo.write("candor.toml", &declaration("1.0.0", first));
    repo.commit("1.0.0");
    repo.tag_lightweight("v1.0.0");
    // 1.1.0: the base URL's purpose changes, the debug variable goes, a config file comes,
    // and `env` becomes exhaustive while `network` stops being.
    let second = "[[claims.env]]\nid = \"env.base-url\"\nvariable = \"ANTHROPIC_BASE_URL\"\npurpose = \"Sets the API base URL (proxies)\"\n\n[[claims.filesystem]]\nid = \"filesystem.config\"\npath = \"~/.agent/config.json\"\naccess = [\"read\"]\npurpose = \"settings\"\n";
    let text = declaration("1.1.0", second)
        .replace("exhaustive = [\"network\"]", "exhaustive = [\"env\"]");
    repo.write("candor.toml", &text);
    repo.commit("1.1.0");
    repo.tag_annotated("v1.1.0");
    let built = tempfile::tempdir().unwrap();
    let old = built.path().join("old.js");
    fs_err::write(
        &old,
        "fetch(\"https://api.anthropic.com/v1\");const d=process.env.AGENT_DEBUG;",
    )
    .unwrap();
    let new = built.path().join("new.js");
    fs_err::write(
        &new,
        "fetch(\"https://api.anthropic.com/v1\");const b=process.env.ANTHROPIC_BASE_URL;fs.readFileSync(\"~/.agent/config.json\");",
    )
    .unwrap();
    let mut request = request(&repo, "v1.1.0", &[new]);
    request.previous_artifacts = vec![old];
    let generated = generate(&request).unwrap();
    assert!(generated.report.gate.passed, "{:#?}", generated.report.gate);
    let changelog = generated.report.changelog.clone().unwrap();
    assert_eq!(changelog.previous.version.as_str(), "1.0.0");
    assert_eq!(changelog.previous.tag.as_deref(), Some("v1.0.0"));
    let ids = |list: &[candor_model::ids::ClaimId]| {
        list.iter()
            .map(|c| c.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&changelog.claims.added), ["filesystem.config"]);
    assert_eq!(ids(&changelog.claims.removed), ["env.debug"]);
    assert_eq!(ids(&changelog.claims.changed), ["env.base-url"]);
    assert_eq!(changelog.claims.exhaustive_added, [ClaimCategory::Env]);
    assert_eq!(
        changelog.claims.exhaustive_removed,
        [ClaimCategory::Network]
    );
    let indicators = changelog.indicators.clone().unwrap();
    let values = |list: &[candor_model::manifest::IndicatorSummary]| {
        list.iter()
            .map(|i| format!("{} {}", i.kind, i.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        values(&indicators.added),
        ["env-var ANTHROPIC_BASE_URL", "path ~/.agent/config.json"]
    );
    assert_eq!(values(&indicators.removed), ["env-var AGENT_DEBUG"]);
    assert_eq!(
        generated.statement.unwrap().predicate.changelog,
        Some(changelog)
    );
    let markdown = generated.report.changelog_markdown.unwrap();
    assert!(
        markdown.starts_with("## Behaviour changes in agent 1.1.0 (since 1.0.0)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- `filesystem.config`: settings"),
        "{markdown}"
    );
    assert!(
        markdown.contains("`network` is **no longer** declared exhaustively"),
        "{markdown}"
    );
}

#[test]
fn tag_facts_and_the_nearest_earlier_tag() {
    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.0", ""));
    repo.commit("1.0.0");
    repo.tag_annotated("v1.0.0");
    repo.write("candor.toml", &declaration("1.1.0", ""));
    repo.commit("1.1.0");
    repo.tag_lightweight("v1.1.0");
    // A tag on another branch is not an ancestor of 1.2.0.
    repo.git(&["checkout", "-q", "-b", "side", "v1.0.0"]);
    repo.write("notes.txt", "side work");
    repo.commit("side");
    repo.tag_annotated("v1.1.5-side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("candor.toml", &declaration("1.2.0", ""));
    repo.commit("1.2.0");
    repo.tag_signed("v1.2.0");
    let built = tempfile::tempdir().unwrap();
    let clean = artifact(built.path(), "agent.js", false);
    let generated = generate(&request(&repo, "v1.2.0", std::slice::from_ref(&clean))).unwrap();
    let report = &generated.report;
    assert!(report.tag_annotated && report.tag_signed);
    assert_eq!(
        report.changelog.as_ref().unwrap().previous.tag.as_deref(),
        Some("v1.1.0")
    );
    let lightweight = generate(&request(&repo, "v1.1.0", &[clean])).unwrap();
    assert!(!lightweight.report.tag_annotated && !lightweight.report.tag_signed);
    assert_eq!(
        lightweight
            .report
            .changelog
            .as_ref()
            .unwrap()
            .previous
            .tag
            .as_deref(),
        Some("v1.0.0")
    );
}

#[test]
fn bad_input_is_refused_clearly() {
    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.0", ""));
    repo.commit("1.0.0");
    repo.tag_annotated("v1.0.0");
    repo.write("candor.toml", "[tool]\nname = \"agent\"\nversion = 1\n");
    repo.commit("broken");
    repo.tag_annotated("v1.0.1");
    let built = tempfile::tempdir().unwrap();
    let clean = artifact(built.path(), "agent.js", false);

    let error = generate(&request(&repo, "v9.9.9", std::slice::from_ref(&clean))).unwrap_err();
    assert!(
        matches!(error, GenerateError::Git(GitError::NoSuchTag { .. })),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "no tag v9.9.9 in the repository; tags: v1.0.0, v1.0.1"
    );

    let error = generate(&request(&repo, "v1.0.1", std::slice::from_ref(&clean))).unwrap_err();
    let GenerateError::InvalidDeclaration { errors, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        errors.to_string().starts_with("candor.toml@v1.0.1:3:11: "),
        "{errors}"
    );

    let error = generate(&request(&repo, "v1.0.0", &[built.path().to_owned()])).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("a directory; an artifact is the file users install"),
        "{error}"
    );
    let error = generate(&request(
        &repo,
        "v1.0.0",
        &[built.path().join("missing.js")],
    ))
    .unwrap_err();
    assert!(matches!(error, GenerateError::Artifact { .. }), "{error}");

    // The declaration names another repository than the one it is in.
    repo.git(&[
        "remote",
        "set-url",
        "origin",
        "https://github.com/someone-else/agent",
    ]);
    let error = generate(&request(&repo, "v1.0.0", std::slice::from_ref(&clean))).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "candor.toml@v1.0.0: source.repository is \"https://github.com/acme/agent\""
        ),
        "{error}"
    );

    // A shallow clone.
    let shallow = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "v1.0.0"])
        .arg(format!("file://{}", repo.path().display()))
        .arg(shallow.path().join("clone"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut shallow_request = request(&repo, "v1.0.0", &[clean]);
    shallow_request.repo = shallow.path().join("clone");
    let error = generate(&shallow_request).unwrap_err();
    assert!(
        matches!(error, GenerateError::Git(GitError::Shallow { .. })),
        "{error}"
    );
}

/// Issue 15: content the scanner did not read (here a symbolic link inside the release
/// tarball) fails the gate — nothing can be said of what it does — unless an exception
/// of kind `unscanned` names it, which then travels in the manifest.
#[test]
fn content_the_scanner_did_not_read_fails_the_gate_unless_excepted() {
    let built = tempfile::tempdir().unwrap();
    let tree = built.path().join("package");
    fs_err::create_dir_all(&tree).unwrap();
    artifact(&tree, "agent.js", false);
    std::os::unix::fs::symlink("../../etc/passwd", tree.join("link.js")).unwrap();
    let tarball = built.path().join("agent.tar");
    let status = std::process::Command::new("tar")
        .args(["cf"])
        .arg(&tarball)
        .args(["-C"])
        .arg(built.path())
        .arg("package")
        .status()
        .expect("run tar");
    assert!(status.success());

    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.1", ""));
    repo.commit("release 1.0.1");
    repo.tag_annotated("v1.0.1");
    let generated = generate(&request(&repo, "v1.0.1", std::slice::from_ref(&tarball))).unwrap();
    let gate = &generated.report.gate;
    assert!(!gate.passed, "{gate:#?}");
    assert!(generated.statement.is_none());
    let [entry] = gate.unscanned.as_slice() else {
        panic!("{:#?}", gate.unscanned)
    };
    assert!(
        entry.path.ends_with("package/link.js") && !entry.excepted,
        "{entry:?}"
    );
    assert!(entry.reason.contains("link"), "{entry:?}");

    let exception = "\n[[exception]]\nkind = \"unscanned\"\nvalue = \"*!package/link.js\"\nreason = \"a link to a system file that the installer never creates\"\n";
    repo.write("candor.toml", &declaration("1.0.2", exception));
    repo.commit("release 1.0.2 with the link excepted");
    repo.tag_annotated("v1.0.2");
    let generated = generate(&request(&repo, "v1.0.2", &[tarball])).unwrap();
    let gate = &generated.report.gate;
    assert!(gate.passed, "{gate:#?}");
    assert!(gate.unscanned[0].excepted);
    assert_eq!(
        (gate.exceptions[0].kind.as_str(), gate.exceptions[0].covered),
        ("unscanned", 1)
    );
    let statement = generated.statement.expect("the gate passed");
    assert_eq!(statement.predicate.exceptions[0].kind, "unscanned");
}

/// A file with more distinct values than a scan keeps: the values past the cap were
/// counted, not listed, so the gate cannot say they are declared. It fails, naming the
/// file, unless an `unscanned` exception names it.
#[test]
fn a_capped_file_fails_the_gate_unless_excepted() {
    let repo = Repo::new();
    repo.write("candor.toml", &declaration("1.0.0", ""));
    repo.commit("release 1.0.0");
    repo.tag_annotated("v1.0.0");
    let built = tempfile::tempdir().unwrap();
    let path = built.path().join("urls.js");
    let urls = candor_test::distinct_urls(candor_scan::MAX_PLAIN_PER_FILE / 2 + 10);
    fs_err::write(&path, urls).unwrap();
    let generated = generate(&request(&repo, "v1.0.0", std::slice::from_ref(&path))).unwrap();
    let gate = &generated.report.gate;
    assert!(!gate.passed);
    let [entry] = gate.unscanned.as_slice() else {
        panic!("{:#?}", gate.unscanned)
    };
    assert!(
        entry.path.ends_with("urls.js")
            && entry
                .reason
                .contains("more distinct indicators than a file keeps")
            && entry
                .reason
                .ends_with("the gate did not see the values past the cap")
            && !entry.excepted,
        "{entry:?}"
    );

    let exception = "\n[[exception]]\nkind = \"unscanned\"\nvalue = \"*urls.js\"\nreason = \"a generated table of mirrors\"\n";
    repo.write("candor.toml", &declaration("1.0.1", exception));
    repo.commit("release 1.0.1 with the table excepted");
    repo.tag_annotated("v1.0.1");
    let generated = generate(&request(&repo, "v1.0.1", &[path])).unwrap();
    assert!(
        generated.report.gate.unscanned[0].excepted,
        "{:#?}",
        generated.report.gate
    );
}
