//! Issue 17's false hits and miss on ordinary packages, each on a small real file: what
//! the scanner reported that a package does not do (regular expressions as processes,
//! configuration keys and property chains as domains, commit hashes as base64), and the
//! environment reads it did not see (computed names).

use std::path::Path;

use candor_scan::{Indicator, Kind, ScanReport, scan_path};

use crate::support::scanner;

/// A package directory holding `files` (path, bytes), scanned.
fn scan_files(files: &[(&str, &[u8])]) -> ScanReport {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs_err::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("a directory");
        fs_err::write(&path, bytes).expect("write a file");
    }
    scan_path(&scanner(), dir.path()).expect("scan the package")
}

/// The values of `kind` found in `file`, in report order.
fn values_in(indicators: &[Indicator], kind: Kind, file: &str) -> Vec<String> {
    indicators
        .iter()
        .filter(|i| i.kind == kind && i.evidence.file == file)
        .map(|i| i.value.clone())
        .collect()
}

/// axios' regular expressions (`lib/helpers/parseProtocol.js`, `lib/utils.js`, the
/// minified bundle) are not processes; a tool's `child_process` calls are.
#[test]
fn regexp_exec_is_not_a_process_but_child_process_exec_is() {
    let report = scan_files(&[
        (
            "lib/parseProtocol.js",
            b"export default function parseProtocol(url) {\n  \
              const match = /^([-+\\w]{1,25}):(?:\\/\\/)?/.exec(url);\n  \
              return match && match[1] || '';\n}\n",
        ),
        (
            "lib/utils.js",
            b"const matchAll = (regExp, str) => {\n  let matches;\n  const arr = [];\n  \
              while ((matches = regExp.exec(str)) !== null) {\n    arr.push(matches);\n  }\n  \
              return arr;\n};\n",
        ),
        (
            "dist/axios.min.js",
            b"matchAll:function(e,t){for(var n,r=[];null!==(n=e.exec(t));)r.push(n);return r}",
        ),
        (
            "bin/release.js",
            b"const cp = require('node:child_process');\n\
              cp.exec('git tag --list', (err, out) => console.log(out));\n\
              const { execSync } = cp;\nexecSync(\"npm publish\");\n",
        ),
    ]);
    let all = &report.indicators;
    for file in ["lib/parseProtocol.js", "lib/utils.js", "dist/axios.min.js"] {
        assert_eq!(
            values_in(all, Kind::Process, file),
            [] as [&str; 0],
            "{file}"
        );
    }
    assert_eq!(
        values_in(all, Kind::Process, "bin/release.js"),
        [
            "child_process",
            "exec git tag --list",
            "execSync npm publish"
        ]
    );
}

/// git's configuration keys as its binary holds them (NUL-terminated strings beside
/// real hosts), and a property chain of minified JavaScript, are not domains.
#[test]
fn configuration_keys_and_property_chains_are_not_domains() {
    let mut binary = vec![0u8; 16];
    for string in [
        "gc.pid",
        "safe.directory",
        "interactive.help",
        "core.editor",
        "maintenance.commit-graph.auto",
        "maintenance.loose-objects.auto",
        "http://www.apple.com/DTDs/PropertyList-1.0.dtd",
        "schemas.microsoft.com",
        "git config --global user.email \"you@example.com\"",
    ] {
        binary.extend_from_slice(string.as_bytes());
        binary.push(0);
    }
    let report = scan_files(&[
        ("bin/git", &binary),
        (
            "dist/axios.min.js",
            b"t&&t.response&&(t.response.data=o.call(e,t.response.data,t.response.headers,\
              e.transformResponse)),f(n,e.config.url)",
        ),
    ]);
    let all = &report.indicators;
    let mut domains = values_in(all, Kind::Domain, "bin/git");
    domains.sort();
    assert_eq!(
        domains,
        ["example.com", "schemas.microsoft.com", "www.apple.com"]
    );
    assert_eq!(
        values_in(all, Kind::Domain, "dist/axios.min.js"),
        [] as [&str; 0]
    );
}

/// A changelog's commit links: URLs, not base64 blobs.
#[test]
fn commit_hashes_in_urls_are_not_encoded_blobs() {
    let hash = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    let changelog = format!(
        "## [1.2.0]\n\n- types: fix ([#4](https://github.com/DefinitelyTyped/DefinitelyTyped/commit/{hash}))\n"
    );
    let report = scan_files(&[("CHANGELOG.md", changelog.as_bytes())]);
    let all = &report.indicators;
    assert_eq!(
        values_in(all, Kind::EncodedBlob, "CHANGELOG.md"),
        [] as [&str; 0]
    );
    assert!(all.iter().all(|i| i.evidence.chain.is_empty()), "{all:#?}");
    assert_eq!(
        values_in(all, Kind::Url, "CHANGELOG.md"),
        [format!(
            "https://github.com/DefinitelyTyped/DefinitelyTyped/commit/{hash}"
        )]
    );
}

/// axios 0.27.2's `lib/adapters/http.js` reads the proxy variable of the request's
/// protocol: a dynamic read whose names the code shows as `*_proxy`.
#[test]
fn computed_env_reads_are_reported_with_their_candidates() {
    let http = b"    var proxy = config.proxy;
    if (!proxy && proxy !== false) {
      var proxyEnv = protocol.slice(0, -1) + '_proxy';
      var proxyUrl = process.env[proxyEnv] || process.env[proxyEnv.toUpperCase()];
      if (proxyUrl) {
        var parsedProxyUrl = url.parse(proxyUrl);
        var noProxyEnv = process.env.no_proxy || process.env.NO_PROXY;
";
    let python = b"import os\n\ndef proxy_for(scheme):\n    \
                   return os.environ.get(f\"{scheme}_proxy\") or os.environ[key]\n";
    let c = b"#include <stdlib.h>\nconst char *v = getenv(buf);\n";
    let report = scan_files(&[
        ("lib/adapters/http.js", http),
        ("tool/proxy.py", python),
        ("src/env.c", c),
    ]);
    let all = &report.indicators;
    assert_eq!(
        values_in(all, Kind::EnvDynamic, "lib/adapters/http.js"),
        [
            "process.env[proxyEnv] (candidates: *_proxy)",
            "process.env[proxyEnv.toUpperCase()] (candidates: *_PROXY)"
        ]
    );
    assert_eq!(
        values_in(all, Kind::EnvVar, "lib/adapters/http.js"),
        ["no_proxy", "NO_PROXY"]
    );
    assert_eq!(
        values_in(all, Kind::EnvDynamic, "tool/proxy.py"),
        [
            "os.environ.get(f\"{scheme}_proxy\") (candidates: *_proxy)",
            "os.environ[key]"
        ]
    );
    assert_eq!(
        values_in(all, Kind::EnvDynamic, "src/env.c"),
        ["getenv(buf)"]
    );
    let read = all
        .iter()
        .find(|i| i.kind == Kind::EnvDynamic)
        .expect("a dynamic read");
    assert_eq!(read.category.as_str(), "env");
}

/// Every string of a report that came out of the scanned files, for the terminal test.
fn printed_fields(report: &ScanReport) -> Vec<String> {
    let mut fields = Vec::new();
    for i in &report.indicators {
        fields.push(i.value.clone());
        for e in i.samples() {
            fields.push(e.file.clone());
            fields.push(e.excerpt.clone());
            fields.extend(e.section.clone());
            fields.extend(e.chain.iter().cloned());
        }
    }
    for s in &report.skipped {
        fields.push(s.path.clone());
        fields.push(s.reason.clone());
    }
    fields
}

/// A terminal never gets a control character or a bidirectional override from a report:
/// not from an encoded blob's preview, a command in a string, an excerpt, a file's name,
/// an archive entry's name or a link's target. They are written as escapes (`\x1b`,
/// `\u{202e}`).
#[test]
fn indicator_fields_never_carry_terminal_controls() {
    use base64::Engine as _;
    // Escape sequences and noise, base64-encoded: a blob whose preview is its decoded
    // bytes. (With a bidi override in it, it would be an `invisible` indicator.)
    let hostile: Vec<u8> = b"\x1b]0;owned\x07\x1b[2J\x1b[1;1H\xc2\x9b31m"
        .iter()
        .copied()
        .chain((0u8..48).map(|i| i.wrapping_mul(37) ^ 0x1b))
        .collect();
    let blob = base64::engine::general_purpose::STANDARD.encode(&hostile);
    let js = format!(
        "const payload = \"{blob}\";\nchild_process.exec(\"curl evil.example \x1b[2K\x1b[1A\");\n\
         const s = \"a\u{202e}b\"; const t = \"\x1b[31mred\";\n"
    );
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [
        (
            "package/\x1b[2Jclear.js",
            b"fetch('https://a.example/x')".to_vec(),
        ),
        (
            "package/read\u{202e}me.js",
            b"process.env.ACME_TOKEN".to_vec(),
        ),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, &data[..])
            .expect("append an entry");
    }
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    tar.append_link(
        &mut header,
        "package/link",
        "\x1b]8;;https://evil.example\x07x",
    )
    .expect("append a link");
    let tar = tar.into_inner().expect("finish the tar");
    let report = scan_files(&[
        ("lib/\u{202e}sj.evil.js", js.as_bytes()),
        ("release.tar", &tar),
    ]);
    assert!(
        report
            .indicators
            .iter()
            .any(|i| i.kind == Kind::EncodedBlob),
        "{:#?}",
        report.indicators
    );
    let fields = printed_fields(&report);
    let raw: Vec<&String> = fields
        .iter()
        .filter(|f| f.chars().any(candor_scan::printable::needs_escape))
        .collect();
    assert!(raw.is_empty(), "{raw:#?}");
    // Escaped, not dropped: what was there can still be read.
    let all = fields.join("\n");
    for escape in ["\\x1b]0;owned\\x07", "\\u{202e}", "\\x1b[2J"] {
        assert!(all.contains(escape), "{escape} in {all}");
    }
    assert!(
        report
            .indicators
            .iter()
            .any(|i| i.value == "exec curl evil.example \\x1b[2K\\x1b[1A"),
        "{:#?}",
        report.indicators
    );
    assert!(
        report
            .indicators
            .iter()
            .any(|i| i.evidence.file == "lib/\\u{202e}sj.evil.js")
    );
}
