//! `candor scan` handed hostile or odd inputs (issue 15): a FIFO, symbolic links, a
//! directory it cannot list, a native executable whose section table points past the end
//! of the file. The scan returns, and what it did not read, or read in a degraded way, is
//! in the report with a reason naming what was found.

#![cfg(unix)]
// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::process::Command as StdCommand;
use std::time::Duration;

use crate::support::{Run, Workspace, snapshot};

/// Long enough for a debug build on a loaded machine; a scan that blocks fails the test
/// instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(120);

fn mkfifo(ws: &Workspace, rel: &str) {
    let status = StdCommand::new("mkfifo")
        .arg(ws.join(rel))
        .status()
        .unwrap();
    assert!(status.success());
}

/// `candor args…`, killed (and the test failed) if it runs past [`TIMEOUT`].
fn run_with_timeout(ws: &Workspace, args: &[&str]) -> Run {
    Run::of(ws.candor().args(args).timeout(TIMEOUT))
}

/// A 64-bit x86-64 ELF header and nothing else of an executable: no program headers, a
/// section header table (`e_shoff` 0xdead00) far past the end of the file, then the strings
/// a program reading `MY_SECRET_VAR` carries. Built by hand so the output is the same on
/// every machine; `crates/candor-scan/tests/it/native.rs` corrupts real compiled programs.
fn elf_with_its_section_table_past_the_end() -> Vec<u8> {
    let mut elf = vec![0u8; 64];
    elf[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    let mut put = |at: usize, bytes: &[u8]| elf[at..at + bytes.len()].copy_from_slice(bytes);
    put(0x10, &2u16.to_le_bytes()); // e_type: executable
    put(0x12, &62u16.to_le_bytes()); // e_machine: x86-64
    put(0x14, &1u32.to_le_bytes()); // e_version
    put(0x28, &0x00de_ad00_u64.to_le_bytes()); // e_shoff
    put(0x34, &64u16.to_le_bytes()); // e_ehsize
    put(0x36, &56u16.to_le_bytes()); // e_phentsize
    put(0x3a, &64u16.to_le_bytes()); // e_shentsize
    put(0x3c, &30u16.to_le_bytes()); // e_shnum
    put(0x3e, &29u16.to_le_bytes()); // e_shstrndx
    elf.extend_from_slice(b"\0getenv\0MY_SECRET_VAR\0");
    elf
}

/// A release directory with a FIFO (no writer: reading it would block forever), links
/// inside it (to `/` and to nothing), and a native executable whose sections cannot be
/// listed; given directly and through a link to it.
#[test]
fn scan_reports_what_it_did_not_read_and_what_it_read_in_a_degraded_way() {
    let ws = Workspace::new();
    ws.write("release/cli.js", "const u=process.env.ACME_BASE_URL;\n");
    ws.write(
        "release/bin/agent",
        elf_with_its_section_table_past_the_end(),
    );
    mkfifo(&ws, "release/pipe");
    symlink("/", ws.join("release/root")).unwrap();
    symlink("../gone", ws.join("release/bin/tool")).unwrap();
    symlink("release", ws.join("current")).unwrap();

    let run = run_with_timeout(&ws, &["scan", "release"]);
    run.success();
    snapshot!(ws, "scan_hostile_release", run);

    // The input given as a link is followed: the same report, under the link's name.
    let through_link = run_with_timeout(&ws, &["scan", "current"]);
    through_link.success();
    assert_eq!(
        through_link
            .stdout
            .replacen("scanned current:", "scanned release:", 1),
        run.stdout
    );

    // JSON (checked against schemas/scan-report.schema.json by `Run::of`).
    let run = run_with_timeout(&ws, &["scan", "release", "--format", "json"]);
    run.success();
    let report = &run.json()["reports"][0];
    assert_eq!(report["degraded"][0]["path"], "bin/agent");
    assert!(
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["path"].as_str().unwrap().is_empty())
    );

    // SARIF: one warning notification per entry not read or read in a degraded way.
    let run = run_with_timeout(&ws, &["scan", "release", "--format", "sarif"]);
    run.success();
    let notifications = run.json()["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(notifications.len(), 4, "{notifications:#?}");
    assert!(
        notifications.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("release: degraded bin/agent: native analysis without sections")),
        "{notifications:#?}"
    );
}

#[test]
fn scan_of_a_fifo_given_by_name_returns_instead_of_blocking() {
    let ws = Workspace::new();
    mkfifo(&ws, "agent.js");
    let run = run_with_timeout(&ws, &["scan", "agent.js"]);
    run.success();
    snapshot!(ws, "scan_fifo", run);
}

#[test]
fn scan_of_a_dangling_link_names_the_link_and_its_target() {
    let ws = Workspace::new();
    symlink("agent-1.4.0/bin/agent", ws.join("agent")).unwrap();
    let run = run_with_timeout(&ws, &["scan", "agent"]);
    run.code(2);
    snapshot!(ws, "scan_dangling_link", run);
}

/// A directory `candor` cannot list: mode 000, and `candor` run without the
/// capabilities that let root read it anyway (`setpriv` drops `CAP_DAC_OVERRIDE` and
/// `CAP_DAC_READ_SEARCH` from its bounding set) when this test runs as root. Inside the
/// input it is listed as skipped by its path, never an empty one; as the input itself it
/// is an error, as an unreadable input file is.
#[test]
fn scan_lists_a_directory_it_cannot_list_by_its_path() {
    let ws = Workspace::new();
    ws.write("release/cli.js", "const u=process.env.ACME_BASE_URL;\n");
    ws.write("release/locked/hidden.js", "x");
    let locked = ws.join("release/locked");
    fs_err::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = fs_err::read_dir(&locked).is_ok();
    let candor = |args: &[&str]| -> Option<Run> {
        if !privileged {
            return Some(run_with_timeout(&ws, args));
        }
        let drop = "--bounding-set=-dac_override,-dac_read_search";
        let usable = StdCommand::new("setpriv")
            .args([drop, "true"])
            .status()
            .is_ok_and(|s| s.success());
        if !usable {
            return None;
        }
        let mut command = assert_cmd::Command::new("setpriv");
        command
            .current_dir(ws.path())
            .arg(drop)
            .arg("--")
            .arg(assert_cmd::cargo::cargo_bin("candor"))
            .args(args)
            .timeout(TIMEOUT);
        Some(Run::of(&mut command))
    };
    let inside = candor(&["scan", "release"]);
    let input = candor(&["scan", "release/locked"]);
    fs_err::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (Some(inside), Some(input)) = (inside, input) else {
        eprintln!("SKIPPED: running as root, and setpriv cannot drop CAP_DAC_READ_SEARCH here");
        return;
    };
    inside.success();
    snapshot!(ws, "scan_unlistable_directory", inside);
    input.code(2);
    assert!(
        input.stderr.contains("cannot scan release/locked"),
        "{input}"
    );
    assert!(input.stderr.contains("Permission denied"), "{input}");
}

/// A file system mounted inside the release (here a tmpfs, in a private mount namespace
/// made with `unshare`; skipped where that is not permitted): the walk does not enter it,
/// as `find -xdev` does not. Mount points are how `/proc` (`/proc/kcore` says it holds
/// 128 TiB) and `/sys` would otherwise end up in a scan of a link to `/`.
#[test]
fn scan_does_not_enter_another_file_system() {
    let ws = Workspace::new();
    ws.write("release/cli.js", "const u=process.env.ACME_BASE_URL;\n");
    fs_err::create_dir_all(ws.join("release/mnt")).unwrap();
    let candor = assert_cmd::cargo::cargo_bin("candor");
    let script = format!(
        "mount -t tmpfs tmpfs release/mnt && echo 'process.env.INSIDE_MOUNT' > release/mnt/x.js \
         && exec '{}' scan release",
        candor.display()
    );
    let permitted = StdCommand::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !permitted {
        eprintln!("SKIPPED: unshare --mount is not permitted here");
        return;
    }
    let mut command = assert_cmd::Command::new("unshare");
    command
        .current_dir(ws.path())
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .timeout(TIMEOUT);
    let run = Run::of(&mut command);
    run.success();
    snapshot!(ws, "scan_mount_point", run);
}

/// Issue 16: a missing input says so, naming the path, not `failed to query … metadata`.
#[test]
fn scan_of_a_missing_file_says_it_is_missing() {
    let ws = Workspace::new();
    let run = ws.run(&["scan", "nope.tgz"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: cannot scan nope.tgz\n  caused by: nope.tgz: no such file or directory; expected a file, a directory or an archive to scan\n",
        "{run}"
    );
}
