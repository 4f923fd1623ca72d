//! `resolve` and `find_installed` on what the real package managers install: `npm install
//! -g --prefix` and a local `npm install` of a packed tarball, npm's own cmd-shim, and
//! `pip install` of a hand-built wheel into a venv. Offline. A test whose tool is missing
//! prints why and passes (CI installs `nodejs npm python3-venv`).

use std::io::Write;
use std::path::{Path, PathBuf};

use candor_model::ids::{Purl, ToolName};
use candor_verify::resolve::{ArtifactKind, Ecosystem, StepKind, TargetKind, find_installed};

use crate::layout::{Sandbox, have, hows, run, skip};

/// The `@acme/agent@1.4.0` tarball `npm pack` makes, with the bin `agent`.
fn packed_agent(sandbox: &Sandbox) -> PathBuf {
    sandbox.file(
        "src/package.json",
        br#"{"name": "@acme/agent", "version": "1.4.0", "bin": {"agent": "bin/cli.js"}, "license": "MIT"}"#,
    );
    sandbox.executable(
        "src/bin/cli.js",
        b"#!/usr/bin/env node\nrequire('../lib/main.js')\n",
    );
    sandbox.file("src/lib/main.js", b"console.log('agent')\n");
    npm(
        sandbox,
        &sandbox.path("src"),
        &["pack", "--pack-destination", ".."],
    );
    sandbox.path("acme-agent-1.4.0.tgz")
}

/// Run npm in `dir` with its cache and configuration inside the sandbox.
fn npm(sandbox: &Sandbox, dir: &Path, args: &[&str]) {
    let cache = sandbox.path("npm-cache");
    let config = sandbox.path("npmrc");
    let env = [
        ("npm_config_cache", cache.as_path()),
        ("npm_config_userconfig", config.as_path()),
    ];
    run(dir, "npm", args, &env);
}

fn npm_install(sandbox: &Sandbox, args: &[&str]) {
    let base = [
        "install",
        "--offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--no-update-notifier",
    ];
    let all: Vec<&str> = base.iter().copied().chain(args.iter().copied()).collect();
    npm(sandbox, &sandbox.root, &all);
}

fn have_npm() -> bool {
    have("npm", &["--version"]) && have("node", &["--version"])
        || skip("npm and node are not installed (apt-get install nodejs npm)")
}

#[test]
fn npm_global_install_resolves_by_command_name() {
    if !have_npm() {
        return;
    }
    let sandbox = Sandbox::new();
    let tarball = packed_agent(&sandbox);
    npm_install(
        &sandbox,
        &[
            "-g",
            "--prefix",
            sandbox.path("g").to_str().unwrap(),
            tarball.to_str().unwrap(),
        ],
    );
    let env = sandbox.env("", &["g/bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(resolved.kind, TargetKind::Command);
    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::NpmBin,
            StepKind::PackageRoot
        ]
    );
    assert_eq!(resolved.steps[1].from, sandbox.path("g/bin/agent"));
    assert_eq!(
        resolved.artifact,
        sandbox.path("g/lib/node_modules/@acme/agent/bin/cli.js")
    );
    let package = resolved.package.clone().unwrap();
    assert_eq!(
        (package.ecosystem, package.name.as_str()),
        (Ecosystem::Npm, "@acme/agent")
    );
    assert_eq!(package.purl, "pkg:npm/%40acme/agent@1.4.0");
    assert_eq!(package.root, sandbox.path("g/lib/node_modules/@acme/agent"));
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));
}

#[test]
fn npm_local_install_resolves_through_node_modules_bin() {
    if !have_npm() {
        return;
    }
    let sandbox = Sandbox::new();
    let tarball = packed_agent(&sandbox);
    sandbox.file(
        "proj/package.json",
        br#"{"name": "proj", "version": "0.0.0", "private": true}"#,
    );
    npm_install(
        &sandbox,
        &[
            "--prefix",
            sandbox.path("proj").to_str().unwrap(),
            tarball.to_str().unwrap(),
        ],
    );
    let env = sandbox.env("proj", &[]);

    let resolved = sandbox.resolve(&env, "node_modules/.bin/agent").unwrap();

    assert_eq!(resolved.kind, TargetKind::File);
    assert_eq!(hows(&resolved), [StepKind::NpmBin, StepKind::PackageRoot]);
    assert_eq!(
        resolved.artifact,
        sandbox.path("proj/node_modules/@acme/agent/bin/cli.js")
    );
    assert_eq!(
        resolved.package.unwrap().purl,
        "pkg:npm/%40acme/agent@1.4.0"
    );
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);

    // What npx would run, found from the project's subdirectory.
    let env = sandbox.env("proj/node_modules/@acme", &[]);
    let found = find_installed(
        &tool("agent"),
        Some(&purl("pkg:npm/%40acme/agent@1.4.0")),
        &env,
    );
    assert_eq!(found.found.len(), 1, "{found:?}");
    assert_eq!(
        found.found[0].artifact,
        sandbox.path("proj/node_modules/@acme/agent/bin/cli.js")
    );
}

#[test]
fn find_installed_npm_global_packages_by_purl() {
    if !have_npm() {
        return;
    }
    let sandbox = Sandbox::new();
    let tarball = packed_agent(&sandbox);
    for prefix in ["g1", "g2"] {
        npm_install(
            &sandbox,
            &[
                "-g",
                "--prefix",
                sandbox.path(prefix).to_str().unwrap(),
                tarball.to_str().unwrap(),
            ],
        );
    }
    // g2's command is gone (or was never linked): its package is still installed.
    fs_err::remove_file(sandbox.path("g2/bin/agent")).unwrap();
    let env = sandbox.env("", &["g1/bin", "g2/bin"]);

    let found = find_installed(
        &tool("agent"),
        Some(&purl("pkg:npm/%40acme/agent@1.4.0")),
        &env,
    );

    assert!(found.failed.is_empty(), "{:?}", found.failed);
    assert_eq!(found.found.len(), 2, "{found:?}");
    let (command, directory) = (&found.found[0], &found.found[1]);
    assert_eq!(command.kind, TargetKind::Command);
    assert_eq!(
        command.artifact,
        sandbox.path("g1/lib/node_modules/@acme/agent/bin/cli.js")
    );
    assert_eq!(directory.kind, TargetKind::Directory);
    assert_eq!(
        directory.artifact,
        sandbox.path("g2/lib/node_modules/@acme/agent")
    );
    assert_eq!(directory.artifact_kind, ArtifactKind::Directory);
    assert_eq!(
        directory.package.as_ref().unwrap().version.as_deref(),
        Some("1.4.0")
    );
}

#[test]
fn npm_cmd_shim_as_npm_writes_it() {
    if !have_npm() {
        return;
    }
    let output = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output()
        .unwrap();
    let npm_root = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let module = npm_root.join("npm/node_modules/cmd-shim");
    if !module.join("package.json").is_file() {
        eprintln!(
            "skipped: npm's cmd-shim module is not at {}",
            module.display()
        );
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.file(
        "g/lib/node_modules/agent/package.json",
        br#"{"name": "agent", "version": "3.1.0"}"#,
    );
    let cli = sandbox.executable("g/lib/node_modules/agent/cli.js", b"#!/usr/bin/env node\n");
    sandbox.dir("g/bin");
    let script = format!(
        "require({:?})({:?}, {:?}).then(() => {{}}, (e) => {{ console.error(e); process.exit(1) }})",
        module.display().to_string(),
        cli.display().to_string(),
        sandbox.path("g/bin/agent").display().to_string()
    );
    run(&sandbox.root, "node", &["-e", &script], &[]);
    let env = sandbox.env("", &["g/bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::NpmCmdShim,
            StepKind::PackageRoot
        ]
    );
    assert_eq!(resolved.artifact, cli);
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
}

/// A wheel built by hand: `files` (path, content) plus a dist-info with METADATA, WHEEL,
/// `entry_points.txt` and RECORD.
fn wheel(
    sandbox: &Sandbox,
    name: &str,
    version: &str,
    files: &[(&str, &str)],
    entry_points: &str,
) -> PathBuf {
    let path = sandbox.path(&format!("{name}-{version}-py3-none-any.whl"));
    let file = fs_err::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    let dist = format!("{name}-{version}.dist-info");
    let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    let wheel =
        "Wheel-Version: 1.0\nGenerator: candor-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    let mut entries: Vec<(String, String)> = files
        .iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect();
    entries.push((format!("{dist}/METADATA"), metadata));
    entries.push((format!("{dist}/WHEEL"), wheel.to_owned()));
    entries.push((format!("{dist}/entry_points.txt"), entry_points.to_owned()));
    let mut record = String::new();
    for path in entries
        .iter()
        .map(|(p, _)| p.as_str())
        .chain([format!("{dist}/RECORD").as_str()])
    {
        record.push_str(path);
        record.push_str(",,\n");
    }
    entries.push((format!("{dist}/RECORD"), record));
    for (name, content) in entries {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn have_venv() -> bool {
    have("python3", &["-c", "import venv, ensurepip"])
        || skip("python3 with venv and ensurepip is not installed (apt-get install python3-venv)")
}

#[test]
fn pip_console_scripts_in_a_venv() {
    if !have_venv() {
        return;
    }
    let sandbox = Sandbox::new();
    let tool_wheel = wheel(
        &sandbox,
        "tinytool",
        "1.0",
        &[
            ("tinytool/__init__.py", ""),
            ("tinytool/cli.py", "def main():\n    print('tinytool')\n"),
        ],
        "[console_scripts]\ntinytool = tinytool.cli:main\n",
    );
    let module_wheel = wheel(
        &sandbox,
        "tiny_mod",
        "2.0",
        &[("tinymod.py", "def run():\n    print('tinymod')\n")],
        "[console_scripts]\ntinymod = tinymod:run\n",
    );
    run(&sandbox.root, "python3", &["-m", "venv", "venv"], &[]);
    let pip = sandbox.path("venv/bin/pip");
    let args = [
        "install",
        "--no-index",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--quiet",
    ];
    for wheel in [&tool_wheel, &module_wheel] {
        let all: Vec<&str> = args
            .iter()
            .copied()
            .chain([wheel.to_str().unwrap()])
            .collect();
        run(&sandbox.root, pip.to_str().unwrap(), &all, &[]);
    }
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "tinytool").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::PipConsoleScript,
            StepKind::PackageRoot
        ]
    );
    let site = only_site_packages(&sandbox.path("venv/lib"));
    assert_eq!(resolved.artifact, site.join("tinytool"));
    assert_eq!(resolved.artifact_kind, ArtifactKind::Directory);
    let package = resolved.package.clone().unwrap();
    assert_eq!(
        (package.ecosystem, package.purl.as_str()),
        (Ecosystem::Pypi, "pkg:pypi/tinytool@1.0")
    );
    assert_eq!(
        package.metadata,
        site.join("tinytool-1.0.dist-info/METADATA")
    );
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));

    // A single-module distribution: the module file is the artifact.
    let resolved = sandbox.resolve(&env, "tinymod").unwrap();
    assert_eq!(resolved.artifact, site.join("tinymod.py"));
    assert_eq!(resolved.artifact_kind, ArtifactKind::File);
    assert_eq!(resolved.package.unwrap().purl, "pkg:pypi/tiny-mod@2.0");

    // `find_installed` by purl, with the venv on PATH.
    let found = find_installed(
        &tool("tiny-mod"),
        Some(&purl("pkg:pypi/tiny-mod@2.0")),
        &env,
    );
    assert_eq!(found.found.len(), 1, "{found:?}");
    assert_eq!(found.found[0].target, "tinymod");
    assert_eq!(found.found[0].artifact, site.join("tinymod.py"));

    // Found once, although the command on PATH and the distribution's scripts both lead
    // to it.
    let found = find_installed(
        &tool("tinytool"),
        Some(&purl("pkg:pypi/tinytool@1.0")),
        &env,
    );
    assert_eq!(found.found.len(), 1, "{found:?}");
    assert_eq!(found.found[0].artifact, site.join("tinytool"));
}

/// The one `lib/python3.X/site-packages` of a venv.
fn only_site_packages(lib: &Path) -> PathBuf {
    let mut dirs: Vec<PathBuf> = fs_err::read_dir(lib)
        .expect("lib")
        .map(|e| e.expect("entry").path().join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.remove(0)
}

fn tool(name: &str) -> ToolName {
    name.parse().expect("a tool name")
}

fn purl(text: &str) -> Purl {
    text.parse().expect("a purl")
}
