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
