//! `resolve::resolve` and `find_installed` on hand-made layouts: link chains, the wrapper
//! forms npm, pip and cargo leave behind (written as their generators write them), and
//! the adversarial cases (`escape_*`, `symlink_chain_*`).

use std::path::PathBuf;

use candor_model::ids::{Purl, ToolName};
use candor_verify::resolve::{
    ArtifactKind, Ecosystem, MAX_HOPS, ResolveError, StepKind, TargetKind, find_installed,
};

use crate::layout::{Sandbox, hows, resolve_within};

/// npm's cmd-shim for a global install (`PREFIX/bin/agent`), as cmd-shim 7 writes it.
fn cmd_shim(target_from_basedir: &str) -> String {
    format!(
        "#!/bin/sh\nbasedir=$(dirname \"$(echo \"$0\" | sed -e 's,\\\\,/,g')\")\n\n\
         case `uname` in\n    *CYGWIN*|*MINGW*|*MSYS*)\n        \
         if command -v cygpath > /dev/null 2>&1; then\n            \
         basedir=`cygpath -w \"$basedir\"`\n        fi\n    ;;\nesac\n\n\
         if [ -x \"$basedir/node\" ]; then\n  \
         exec \"$basedir/node\"  \"$basedir/{target_from_basedir}\" \"$@\"\nelse \n  \
         exec node  \"$basedir/{target_from_basedir}\" \"$@\"\nfi\n"
    )
}

/// pip's console script for `from MODULE import NAME` run by `python`.
fn console_script(python: &std::path::Path, module: &str, name: &str) -> String {
    format!(
        "#!{}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {module} import {name}\n\
         if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    \
         sys.exit({name}())\n",
        python.display()
    )
}

/// A hand-made venv at `ROOT/venv` (Python 3.11) with `bin/python3`.
fn venv(sandbox: &Sandbox) -> PathBuf {
    sandbox.file(
        "venv/pyvenv.cfg",
        b"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n",
    );
    sandbox.dir("venv/lib/python3.11/site-packages");
    sandbox.binary("venv/bin/python3")
}

/// A dist-info in the venv's site-packages.
fn dist_info(sandbox: &Sandbox, name: &str, version: &str, entry_points: &str, record: &str) {
    let dist = format!("venv/lib/python3.11/site-packages/{name}-{version}.dist-info");
    sandbox.file(
        &format!("{dist}/METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA tool.\n").as_bytes(),
    );
    sandbox.file(&format!("{dist}/entry_points.txt"), entry_points.as_bytes());
    sandbox.file(&format!("{dist}/RECORD"), record.as_bytes());
}

// --- links ---------------------------------------------------------------------------

#[test]
fn symlink_chain_of_three_hops_relative_and_absolute() {
    let sandbox = Sandbox::new();
    let real = sandbox.binary("real/tool");
    let third = sandbox.link("c/third", "../real/tool");
    sandbox.link("b/second", third.to_str().unwrap());
    sandbox.link("a/first", "../b/second");
    let env = sandbox.env("a", &[]);

    let resolved = sandbox.resolve(&env, "./first").unwrap();

    assert_eq!(resolved.kind, TargetKind::File);
    assert_eq!(hows(&resolved), [StepKind::Symlink; 3]);
    assert_eq!(resolved.artifact, real);
    assert_eq!(resolved.artifact_kind, ArtifactKind::File);
    assert_eq!(resolved.package, None);
    assert!(resolved.escapes.is_empty());
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));
}

#[test]
fn symlink_chain_through_a_linked_directory_says_so() {
    let sandbox = Sandbox::new();
    let real = sandbox.binary("store/v1/tool");
    sandbox.link("current", "store/v1");
    sandbox.link("bin/tool", "../current/tool");
    let env = sandbox.env("", &["bin"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.kind, TargetKind::Command);
    assert_eq!(hows(&resolved), [StepKind::PathLookup, StepKind::Symlink]);
    assert_eq!(resolved.artifact, real);
    let link = &resolved.steps[1];
    assert_eq!(link.to, real);
    assert!(
        link.detail.contains("directories on the way are links"),
        "{}",
        link.detail
    );
    assert!(
        link.detail
            .contains(&sandbox.path("current/tool").display().to_string()),
        "{}",
        link.detail
    );
}

#[test]
fn symlink_chain_loop_is_refused_with_the_path() {
    let sandbox = Sandbox::new();
    sandbox.link("a", "b");
    sandbox.link("b", "./c");
    sandbox.link("c", &sandbox.path("a").display().to_string());
    let env = sandbox.env("", &[]);

    let err = sandbox.resolve(&env, "./a").unwrap_err();

    assert_eq!(err.kind(), "link-loop");
    assert!(matches!(err, ResolveError::Loop { hops: 3, .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&sandbox.path("a").display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("leads back here after 3 hop(s)"),
        "{message}"
    );
}

#[test]
fn symlink_chain_longer_than_40_hops_is_refused() {
    let sandbox = Sandbox::new();
    let real = sandbox.binary("real");
    for i in 0..45 {
        let next = if i == 44 {
            "real".to_owned()
        } else {
            format!("l{}", i + 1)
        };
        sandbox.link(&format!("l{i}"), &next);
    }
    let env = sandbox.env("", &[]);

    let err = sandbox.resolve(&env, "./l0").unwrap_err();
    assert_eq!(err.kind(), "too-many-hops");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: more than 40 links and wrappers in a row (expected a chain that ends at a file or directory within 40 hops)",
            sandbox.path("l40").display()
        )
    );
    // Exactly 40 is allowed, as Linux allows.
    let resolved = sandbox
        .resolve(&env, &format!("./l{}", 45 - MAX_HOPS))
        .unwrap();
    assert_eq!(resolved.artifact, real);
    assert_eq!(resolved.steps.len(), MAX_HOPS);
}

#[test]
fn symlink_chain_dangling_names_the_link_and_its_target() {
    let sandbox = Sandbox::new();
    sandbox.link("bin/tool", "../lib/gone");
    let env = sandbox.env("", &["bin"]);

    let err = sandbox.resolve(&env, "./bin/tool").unwrap_err();

    assert_eq!(err.kind(), "dangling-link");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: points to {}, which does not exist (expected the file it runs)",
            sandbox.path("bin/tool").display(),
            sandbox.path("lib/gone").display()
        )
    );
}

#[test]
fn missing_files_and_commands_say_what_was_searched() {
    let sandbox = Sandbox::new();
    sandbox.dir("bin1");
    sandbox.dir("bin2");
    sandbox.binary("work/agent");
    let env = sandbox.env("work", &["bin1", "bin2", "nowhere"]);

    let err = sandbox.resolve(&env, "./missing").unwrap_err();
    assert_eq!(err.kind(), "not-found");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no such file or directory (expected the file or directory to verify)",
            sandbox.path("work/missing").display()
        )
    );

    let err = sandbox.resolve(&env, "agent").unwrap_err();
    assert_eq!(err.kind(), "not-on-path");
    assert_eq!(
        err.to_string(),
        "command `agent` not found: none of the 3 PATH directories searched has an executable file of that name; \
         the working directory has one: write `./NAME` to verify that file"
    );
    assert_eq!(
        sandbox.resolve(&env, "").unwrap_err().kind(),
        "empty-target"
    );
}

#[test]
fn path_lookup_skips_what_execvp_skips() {
    let sandbox = Sandbox::new();
    sandbox.file("first/tool", b"not executable");
    sandbox.dir("second/tool");
    let real = sandbox.binary("third/tool");
    let env = sandbox.env("", &["first", "second", "third"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.artifact, real);
    assert_eq!(
        resolved.steps[0].detail,
        "PATH entry 3 of 3 has an executable `tool`"
    );
}

#[test]
fn escape_fifo_target_is_refused_without_blocking() {
    let sandbox = Sandbox::new();
    let fifo = sandbox.path("pipe");
    crate::layout::run(&sandbox.root, "mkfifo", &[fifo.to_str().unwrap()], &[]);
    sandbox.link("bin/tool", "../pipe");
    let env = sandbox.env("", &["bin"]);

    for target in ["./pipe", "./bin/tool"] {
        let err = resolve_within(10, env.clone(), target).unwrap_err();
        assert_eq!(err.kind(), "not-file-or-directory");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is a FIFO (named pipe), not a file or directory; refused",
                fifo.display()
            )
        );
    }
    // Not an executable file: the shell would not run it, so it is not a command.
    assert_eq!(
        resolve_within(10, env, "tool").unwrap_err().kind(),
        "not-on-path"
    );
}

#[test]
fn escape_fifo_as_package_metadata_is_refused_without_blocking() {
    let sandbox = Sandbox::new();
    let fifo = sandbox.path("node_modules/agent/package.json");
    sandbox.executable("node_modules/agent/cli.js", b"#!/usr/bin/env node\n");
    crate::layout::run(&sandbox.root, "mkfifo", &[fifo.to_str().unwrap()], &[]);
    let env = sandbox.env("", &[]);

    let err = resolve_within(10, env, "node_modules/agent/cli.js").unwrap_err();

    assert_eq!(err.kind(), "not-file-or-directory");
    assert!(
        err.to_string().starts_with(&fifo.display().to_string()),
        "{err}"
    );
}

// --- directories and packages --------------------------------------------------------

#[test]
fn a_directory_is_the_artifact_with_its_package() {
    let sandbox = Sandbox::new();
    sandbox.file(
        "release/agent-1.4.0/package.json",
        br#"{"name": "@acme/agent", "version": "1.4.0", "bin": {"agent": "cli.js"}}"#,
    );
    sandbox.file(
        "release/agent-1.4.0/dist/package.json",
        br#"{"type": "module"}"#,
    );
    sandbox.link("agent", "release/agent-1.4.0");
    let env = sandbox.env("", &[]);

    let resolved = sandbox.resolve(&env, "agent/").unwrap();

    assert_eq!(resolved.kind, TargetKind::Directory);
    assert_eq!(resolved.artifact, sandbox.path("release/agent-1.4.0"));
    assert_eq!(resolved.artifact_kind, ArtifactKind::Directory);
    let package = resolved.package.unwrap();
    assert_eq!(
        (package.name.as_str(), package.version.as_deref()),
        ("@acme/agent", Some("1.4.0"))
    );
    assert_eq!(package.purl, "pkg:npm/%40acme/agent@1.4.0");

    // A subdirectory's `{"type": "module"}` marker is not a package: the walk goes on up.
    let resolved = sandbox.resolve(&env, "./release/agent-1.4.0/dist").unwrap();
    assert_eq!(
        resolved.package.unwrap().root,
        sandbox.path("release/agent-1.4.0")
    );
}

#[test]
fn a_node_script_is_the_artifact_and_its_package_is_reported() {
    let sandbox = Sandbox::new();
    sandbox.file(
        "node_modules/@acme/agent/package.json",
        br#"{"name": "@acme/agent", "version": "1.4.0"}"#,
    );
    let cli = sandbox.executable(
        "node_modules/@acme/agent/bin/cli.js",
        b"#!/usr/bin/env node\nrequire('../dist/main.js')\n",
    );
    sandbox.link("node_modules/.bin/agent", "../@acme/agent/bin/cli.js");
    let env = sandbox.env("", &["node_modules/.bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::NpmBin,
            StepKind::PackageRoot
        ]
    );
    assert_eq!(resolved.artifact, cli);
    assert_eq!(
        resolved.steps[2].to,
        sandbox.path("node_modules/@acme/agent/package.json")
    );
    assert_eq!(resolved.steps[2].detail, "npm @acme/agent 1.4.0");
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
}

#[test]
fn invalid_package_metadata_is_an_error_naming_the_file() {
    let sandbox = Sandbox::new();
    sandbox.file("node_modules/a/package.json", b"{\"name\": ");
    sandbox.executable("node_modules/a/cli.js", b"#!/usr/bin/env node\n");
    sandbox.file("node_modules/b/package.json", br#"{"name": "../../etc"}"#);
    sandbox.executable("node_modules/b/cli.js", b"#!/usr/bin/env node\n");
    let env = sandbox.env("", &[]);

    let err = sandbox.resolve(&env, "node_modules/a/cli.js").unwrap_err();
    assert_eq!(err.kind(), "invalid-json");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a valid package.json",
            sandbox.path("node_modules/a/package.json").display()
        )
    );

    let err = sandbox.resolve(&env, "node_modules/b/cli.js").unwrap_err();
    assert_eq!(err.kind(), "invalid-package");
    assert!(
        err.to_string().contains("is not an npm package name"),
        "{err}"
    );
}

// --- wrappers ------------------------------------------------------------------------

#[test]
fn cmd_shim_in_a_global_prefix_resolves_to_the_script() {
    let sandbox = Sandbox::new();
    sandbox.file(
        "g/lib/node_modules/@acme/agent/package.json",
        br#"{"name": "@acme/agent", "version": "1.4.0"}"#,
    );
    let cli = sandbox.executable(
        "g/lib/node_modules/@acme/agent/bin/cli.js",
        b"#!/usr/bin/env node\n",
    );
    sandbox.executable(
        "g/bin/agent",
        cmd_shim("../lib/node_modules/@acme/agent/bin/cli.js").as_bytes(),
    );
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
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));
}

#[test]
fn node_wrapper_runs_its_script_relative_to_dollar_zero() {
    let sandbox = Sandbox::new();
    sandbox.file(
        "opt/agent/package.json",
        br#"{"name": "agent", "version": "2.0.0"}"#,
    );
    let cli = sandbox.file("opt/agent/lib/cli.js", b"console.log('hi')\n");
    sandbox.executable(
        "opt/agent/bin/agent",
        b"#!/bin/sh\nexec node \"$(dirname \"$0\")/../lib/cli.js\" \"$@\"\n",
    );
    let env = sandbox.env("", &["opt/agent/bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::NodeWrapper,
            StepKind::PackageRoot
        ]
    );
    assert_eq!(resolved.artifact, cli);
    assert_eq!(resolved.package.unwrap().purl, "pkg:npm/agent@2.0.0");
    assert_eq!(
        resolved.steps[1].detail,
        "line 2: `exec node \"$(dirname \"$0\")/../lib/cli.js\" \"$@\"` (run by node)"
    );
}

#[test]
fn a_wrapper_reached_through_a_link_expands_basedir_from_the_link() {
    // The shell sets $0 to the path it ran (the link), so `dirname "$0"` is the link's
    // directory, not the wrapper's.
    let sandbox = Sandbox::new();
    let beside_link = sandbox.binary("bin/real");
    sandbox.binary("libexec/real");
    sandbox.executable(
        "libexec/agent.sh",
        b"#!/bin/sh\nbasedir=$(dirname \"$0\")\nexec \"$basedir/real\" \"$@\"\n",
    );
    sandbox.link("bin/agent", "../libexec/agent.sh");
    let env = sandbox.env("", &["bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::Symlink,
            StepKind::ShellWrapper
        ]
    );
    assert_eq!(resolved.artifact, beside_link);
}

#[test]
fn shell_wrapper_to_an_absolute_program_and_to_a_command() {
    let sandbox = Sandbox::new();
    let real = sandbox.binary("opt/x/bin/real");
    let wrapper = format!(
        "#!/bin/sh\n# generated\nexec \"{}\" \"$@\"\n",
        real.display()
    );
    sandbox.executable("bin/x", wrapper.as_bytes());
    sandbox.executable("bin/y", b"#!/bin/bash\nset -e\nexec real \"$@\"\n");
    let env = sandbox.env("", &["bin", "opt/x/bin"]);

    for command in ["x", "y"] {
        let resolved = sandbox.resolve(&env, command).unwrap();
        assert_eq!(
            hows(&resolved),
            [StepKind::PathLookup, StepKind::ShellWrapper],
            "{command}"
        );
        assert_eq!(resolved.artifact, real, "{command}");
    }
}

#[test]
fn unrecognised_scripts_are_their_own_artifact_and_say_why() {
    let sandbox = Sandbox::new();
    let script = sandbox.executable(
        "bin/agent",
        b"#!/bin/sh\ncurl -s https://example.invalid/x | sh\nexec node /opt/agent/cli.js \"$@\"\n",
    );
    let perl = sandbox.executable("bin/tidy", b"#!/usr/bin/perl\nprint 1;\n");
    let env = sandbox.env("", &["bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();
    assert_eq!(
        hows(&resolved),
        [StepKind::PathLookup, StepKind::UnrecognisedScript]
    );
    assert_eq!(resolved.artifact, script);
    assert_eq!(
        resolved.steps[1].detail,
        "not recognised as a wrapper (line 2: `|`: more than one plain command): the script is the artifact"
    );

    let resolved = sandbox.resolve(&env, "tidy").unwrap();
    assert_eq!(resolved.artifact, perl);
    assert!(
        resolved.steps[1].detail.contains("a `perl` script"),
        "{}",
        resolved.steps[1].detail
    );
}

#[test]
fn a_wrapper_loop_is_a_loop() {
    let sandbox = Sandbox::new();
    sandbox.executable("bin/a", b"#!/bin/sh\nexec \"$(dirname \"$0\")/b\" \"$@\"\n");
    sandbox.executable("bin/b", b"#!/bin/sh\nexec \"$(dirname \"$0\")/a\" \"$@\"\n");
    let env = sandbox.env("", &["bin"]);

    let err = sandbox.resolve(&env, "a").unwrap_err();
    assert!(matches!(err, ResolveError::Loop { hops: 2, .. }), "{err:?}");
}

// --- pip and cargo layouts -----------------------------------------------------------

#[test]
fn pip_console_script_resolves_to_its_package_and_dist() {
    let sandbox = Sandbox::new();
    let python = venv(&sandbox);
    let package = sandbox.file(
        "venv/lib/python3.11/site-packages/black/__init__.py",
        b"def patched_main(): pass\n",
    );
    let package = package.parent().unwrap().to_owned();
    dist_info(
        &sandbox,
        "black",
        "24.1.0",
        "[console_scripts]\nblack = black:patched_main\n",
        "black/__init__.py,,\n",
    );
    let script = sandbox.executable(
        "venv/bin/black",
        console_script(&python, "black", "patched_main").as_bytes(),
    );
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "black").unwrap();

    assert_eq!(
        hows(&resolved),
        [
            StepKind::PathLookup,
            StepKind::PipConsoleScript,
            StepKind::PackageRoot
        ]
    );
    assert_eq!(resolved.steps[1].from, script);
    assert_eq!(resolved.artifact, package);
    assert_eq!(resolved.artifact_kind, ArtifactKind::Directory);
    let dist = resolved.package.clone().unwrap();
    assert_eq!(
        (dist.ecosystem, dist.name.as_str(), dist.version.as_deref()),
        (Ecosystem::Pypi, "black", Some("24.1.0"))
    );
    assert_eq!(dist.purl, "pkg:pypi/black@24.1.0");
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));
}

#[test]
fn escape_pip_console_script_importing_a_module_beside_itself() {
    let sandbox = Sandbox::new();
    let python = venv(&sandbox);
    sandbox.file(
        "venv/lib/python3.11/site-packages/tool/__init__.py",
        b"def main(): pass\n",
    );
    dist_info(
        &sandbox,
        "tool",
        "1.0",
        "[console_scripts]\ntool = tool:main\n",
        "",
    );
    // `sys.path[0]` is the script's directory: a `tool.py` there shadows the package.
    let planted = sandbox.file("venv/bin/tool.py", b"def main(): pass\n");
    let script = sandbox.executable(
        "venv/bin/tool",
        console_script(&python, "tool", "main").as_bytes(),
    );
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.artifact, planted);
    assert_eq!(resolved.artifact_kind, ArtifactKind::File);
    assert_eq!(resolved.package, None);
    assert_eq!(resolved.escapes.len(), 1, "{:?}", resolved.escapes);
    let escape = &resolved.escapes[0];
    assert_eq!(escape.at, script);
    assert_eq!(escape.points_to, planted);
    assert_eq!(
        escape.package_root,
        sandbox.path("venv/lib/python3.11/site-packages")
    );
    assert!(
        escape.detail.contains("from beside itself"),
        "{}",
        escape.detail
    );
}

#[test]
fn an_isolated_console_script_does_not_import_from_beside_itself() {
    // `python3 -I` leaves the script's directory out of sys.path: nothing there shadows.
    let sandbox = Sandbox::new();
    let python = venv(&sandbox);
    let package = sandbox.file(
        "venv/lib/python3.11/site-packages/tool/__init__.py",
        b"def main(): pass\n",
    );
    sandbox.file("venv/bin/tool.py", b"def main(): pass\n");
    let script = console_script(&python, "tool", "main").replacen('\n', " -I\n", 1);
    sandbox.executable("venv/bin/tool", script.as_bytes());
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.artifact, package.parent().unwrap());
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
}

#[test]
fn escape_pip_console_script_package_linked_out_of_site_packages() {
    let sandbox = Sandbox::new();
    let python = venv(&sandbox);
    let outside = sandbox.file("elsewhere/tool/__init__.py", b"def main(): pass\n");
    sandbox.link(
        "venv/lib/python3.11/site-packages/tool",
        &outside.parent().unwrap().display().to_string(),
    );
    sandbox.executable(
        "venv/bin/tool",
        console_script(&python, "tool", "main").as_bytes(),
    );
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.artifact, sandbox.path("elsewhere/tool"));
    assert_eq!(resolved.escapes.len(), 1, "{:?}", resolved.escapes);
    assert_eq!(
        resolved.escapes[0].at,
        sandbox.path("venv/lib/python3.11/site-packages/tool")
    );
    assert_eq!(
        resolved.escapes[0].package_root,
        sandbox.path("venv/lib/python3.11/site-packages")
    );
}

#[test]
fn a_console_script_whose_module_is_missing_is_its_own_artifact() {
    let sandbox = Sandbox::new();
    let python = venv(&sandbox);
    let script = sandbox.executable(
        "venv/bin/tool",
        console_script(&python, "gone.cli", "main").as_bytes(),
    );
    let env = sandbox.env("", &["venv/bin"]);

    let resolved = sandbox.resolve(&env, "tool").unwrap();

    assert_eq!(resolved.artifact, script);
    assert_eq!(
        hows(&resolved),
        [StepKind::PathLookup, StepKind::UnrecognisedScript]
    );
    assert!(
        resolved.steps[1]
            .detail
            .contains("importing `gone.cli`, which is in none of"),
        "{}",
        resolved.steps[1].detail
    );
}

#[test]
fn cargo_bin_is_the_binary_named_by_crates2_json() {
    let sandbox = Sandbox::new();
    let rg = sandbox.binary("home/.cargo/bin/rg");
    sandbox.file(
        "home/.cargo/.crates2.json",
        br#"{"installs":{"ripgrep 14.1.0 (registry+https://github.com/rust-lang/crates.io-index)":{"version_req":null,"bins":["rg"],"features":[],"all_features":false,"no_default_features":false,"profile":"release","target":"x86_64-unknown-linux-gnu","rustc":"rustc 1.95.0"}}}"#,
    );
    let env = sandbox.env("", &["home/.cargo/bin"]);

    let resolved = sandbox.resolve(&env, "rg").unwrap();

    assert_eq!(hows(&resolved), [StepKind::PathLookup, StepKind::CargoBin]);
    assert_eq!(resolved.artifact, rg);
    let package = resolved.package.clone().unwrap();
    assert_eq!(package.purl, "pkg:cargo/ripgrep@14.1.0");
    assert_eq!(package.root, sandbox.path("home/.cargo"));
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved));

    // `find_installed` finds it by its crate, through ~/.cargo, with nothing on PATH.
    let mut env = sandbox.env("", &[]);
    env.home = Some(sandbox.path("home"));
    let found = find_installed(
        &tool("ripgrep"),
        Some(&purl("pkg:cargo/ripgrep@14.1.0")),
        &env,
    );
    assert_eq!(found.found.len(), 1, "{found:?}");
    assert_eq!(found.found[0].artifact, rg);
}

#[test]
fn cargo_bin_from_the_older_crates_toml() {
    let sandbox = Sandbox::new();
    sandbox.binary("root/bin/fd");
    sandbox.file("root/.crates.toml", b"[v1]\n\"fd-find 9.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = [\"fd\"]\n");
    let env = sandbox.env("", &[]);

    let resolved = sandbox.resolve(&env, "./root/bin/fd").unwrap();

    assert_eq!(resolved.package.unwrap().purl, "pkg:cargo/fd-find@9.0.0");
}

// --- escapes -------------------------------------------------------------------------

#[test]
fn escape_node_modules_bin_link_outside_every_package() {
    let sandbox = Sandbox::new();
    let evil = sandbox.executable("evil/evil.js", b"#!/usr/bin/env node\n");
    sandbox.file(
        "a/proj/node_modules/agent/package.json",
        br#"{"name": "agent", "version": "1.0.0"}"#,
    );
    let link = sandbox.link("a/proj/node_modules/.bin/agent", "../../../../evil/evil.js");
    let env = sandbox.env("a/proj", &["a/proj/node_modules/.bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(resolved.artifact, evil);
    assert_eq!(hows(&resolved), [StepKind::PathLookup, StepKind::NpmBin]);
    assert_eq!(resolved.escapes.len(), 1, "{:?}", resolved.escapes);
    let escape = &resolved.escapes[0];
    assert_eq!((&escape.at, &escape.points_to), (&link, &evil));
    assert_eq!(escape.package_root, sandbox.path("a/proj/node_modules"));
    sandbox
        .snapshots()
        .bind(|| insta::assert_json_snapshot!(resolved.escapes));
}

#[test]
fn escape_node_modules_bin_link_into_a_package_file_that_links_out() {
    let sandbox = Sandbox::new();
    let evil = sandbox.executable("evil.js", b"#!/usr/bin/env node\n");
    sandbox.file(
        "p/node_modules/agent/package.json",
        br#"{"name": "agent", "version": "1.0.0"}"#,
    );
    let inner = sandbox.link(
        "p/node_modules/agent/bin/cli.js",
        &evil.display().to_string(),
    );
    let bin = sandbox.link("p/node_modules/.bin/agent", "../agent/bin/cli.js");
    let env = sandbox.env("", &[]);

    let resolved = sandbox
        .resolve(&env, "./p/node_modules/.bin/agent")
        .unwrap();

    assert_eq!(resolved.artifact, evil);
    let at: Vec<&PathBuf> = resolved.escapes.iter().map(|e| &e.at).collect();
    assert_eq!(at, [&bin, &inner]);
    let package = sandbox.path("p/node_modules/agent");
    assert!(
        resolved.escapes.iter().all(|e| e.package_root == package),
        "{:?}",
        resolved.escapes
    );
}

#[test]
fn escape_cmd_shim_pointing_outside_node_modules() {
    let sandbox = Sandbox::new();
    let evil = sandbox.executable("evil/cli.js", b"#!/usr/bin/env node\n");
    let shim = sandbox.executable("g/bin/agent", cmd_shim("../../evil/cli.js").as_bytes());
    let env = sandbox.env("", &["g/bin"]);

    let resolved = sandbox.resolve(&env, "agent").unwrap();

    assert_eq!(resolved.artifact, evil);
    assert_eq!(
        hows(&resolved),
        [StepKind::PathLookup, StepKind::NpmCmdShim]
    );
    assert_eq!(resolved.escapes.len(), 1, "{:?}", resolved.escapes);
    assert_eq!(resolved.escapes[0].at, shim);
    assert_eq!(
        resolved.escapes[0].package_root,
        sandbox.path("g/lib/node_modules")
    );
    assert!(
        resolved.escapes[0]
            .detail
            .contains("in no node_modules package"),
        "{}",
        resolved.escapes[0].detail
    );
}

#[test]
fn escape_cmd_shim_in_node_modules_bin_pointing_outside() {
    let sandbox = Sandbox::new();
    let evil = sandbox.executable("tmp/evil.js", b"#!/usr/bin/env node\n");
    sandbox.file("p/node_modules/agent/package.json", br#"{"name": "agent"}"#);
    let shim = sandbox.executable(
        "p/node_modules/.bin/agent",
        cmd_shim("../../../tmp/evil.js").as_bytes(),
    );
    let env = sandbox.env("", &[]);

    let resolved = sandbox.resolve(&env, "p/node_modules/.bin/agent").unwrap();

    assert_eq!(resolved.artifact, evil);
    assert_eq!(resolved.escapes.len(), 1, "{:?}", resolved.escapes);
    assert_eq!(resolved.escapes[0].at, shim);
    assert_eq!(
        resolved.escapes[0].package_root,
        sandbox.path("p/node_modules")
    );
}

#[test]
fn a_workspace_package_linked_into_node_modules_is_not_an_escape() {
    // npm workspaces and `npm link`: node_modules/agent is a link to the source tree.
    let sandbox = Sandbox::new();
    sandbox.file(
        "src/agent/package.json",
        br#"{"name": "agent", "version": "0.0.1"}"#,
    );
    let cli = sandbox.executable("src/agent/cli.js", b"#!/usr/bin/env node\n");
    sandbox.link("p/node_modules/agent", "../../src/agent");
    sandbox.link("p/node_modules/.bin/agent", "../agent/cli.js");
    let env = sandbox.env("", &[]);

    let resolved = sandbox.resolve(&env, "p/node_modules/.bin/agent").unwrap();

    assert_eq!(resolved.artifact, cli);
    assert!(resolved.escapes.is_empty(), "{:?}", resolved.escapes);
    assert_eq!(resolved.package.unwrap().root, sandbox.path("src/agent"));
}

// --- find_installed ------------------------------------------------------------------

fn tool(name: &str) -> ToolName {
    name.parse().expect("a tool name")
}

fn purl(text: &str) -> Purl {
    text.parse().expect("a purl")
}

#[test]
fn find_installed_lists_every_path_command_and_sets_aside_other_packages() {
    let sandbox = Sandbox::new();
    let first = sandbox.binary("usr/local/bin/agent");
    sandbox.file(
        "p/node_modules/agent/package.json",
        br#"{"name": "agent", "version": "1.0.0"}"#,
    );
    let npm_one = sandbox.executable("p/node_modules/agent/cli.js", b"#!/usr/bin/env node\n");
    sandbox.link("p/node_modules/.bin/agent", "../agent/cli.js");
    sandbox.file(
        "q/node_modules/other/package.json",
        br#"{"name": "other", "version": "3.0.0"}"#,
    );
    sandbox.executable("q/node_modules/other/agent.js", b"#!/usr/bin/env node\n");
    sandbox.link("q/node_modules/.bin/agent", "../other/agent.js");
    let env = sandbox.env(
        "",
        &[
            "usr/local/bin",
            "p/node_modules/.bin",
            "q/node_modules/.bin",
            "usr/local/bin",
        ],
    );

    let found = find_installed(&tool("agent"), Some(&purl("pkg:npm/agent@1.0.0")), &env);

    let artifacts: Vec<&PathBuf> = found.found.iter().map(|r| &r.artifact).collect();
    assert_eq!(artifacts, [&first, &npm_one], "{found:?}");
    assert!(found.found.iter().all(|r| r.kind == TargetKind::Command));
    assert_eq!(found.other_packages.len(), 1);
    assert_eq!(
        found.other_packages[0].package.as_ref().unwrap().name,
        "other"
    );
    assert!(found.failed.is_empty(), "{:?}", found.failed);

    // Without a purl, nothing is set aside.
    let found = find_installed(&tool("agent"), None, &env);
    assert_eq!(found.found.len(), 3);
}

#[test]
fn find_installed_reports_candidates_that_do_not_resolve() {
    let sandbox = Sandbox::new();
    sandbox.link("bin/agent", "agent");
    let env = sandbox.env("", &["bin"]);
    // A link to itself is not an executable file: the shell would not run it either.
    assert!(find_installed(&tool("agent"), None, &env).found.is_empty());

    sandbox.link("p/node_modules/.bin/agent", "agent");
    let env = sandbox.env("p", &[]);
    let found = find_installed(&tool("agent"), None, &env);
    assert_eq!(found.failed.len(), 1, "{found:?}");
    assert_eq!(found.failed[0].kind(), "link-loop");
}
