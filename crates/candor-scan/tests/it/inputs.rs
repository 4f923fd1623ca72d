//! What the scanner is handed on disk when the input is hostile or odd: FIFOs, sockets
//! and devices, symbolic links, directories it cannot list, files that change while they
//! are read. Everything in the input is read, or the report says what was not and why —
//! and nothing blocks or crashes the scan. (Issue 15; the scanner's own side of it is
//! documented in `candor_scan`'s `input` module.)

#![cfg(unix)]

use std::io::{Read as _, Write as _};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use candor_scan::{Kind, ScanReport, scan_path};

use crate::support::scanner;

/// `scan_path(path)` on another thread: a scan that blocks fails the test after 30 s
/// instead of hanging it.
fn scan_within_30s(path: &Path) -> Result<ScanReport, candor_scan::ScanError> {
    let (send, receive) = mpsc::channel();
    let owned = path.to_owned();
    std::thread::spawn(move || {
        let _ = send.send(scan_path(&scanner(), &owned));
    });
    receive
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("scanning {} blocked for 30 s", path.display()))
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn reason<'a>(report: &'a ScanReport, path: &str) -> &'a str {
    report.skipped.iter().find(|s| s.path == path).map_or_else(
        || panic!("{path} not skipped: {:#?}", report.skipped),
        |s| s.reason.as_str(),
    )
}

#[test]
fn a_fifo_given_by_name_is_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("agent.js");
    mkfifo(&fifo);
    let report = scan_within_30s(&fifo).unwrap();
    assert!(report.files.is_empty(), "{report:#?}");
    assert_eq!(
        reason(&report, "agent.js"),
        "not a regular file: a FIFO; never read"
    );
}

/// A FIFO in a release directory, with no writer (opening it for reading would wait for
/// one forever) and with a writer that has put bytes in it: neither blocks the scan, and
/// the bytes are still in the pipe afterwards — never read.
#[test]
fn a_fifo_inside_a_directory_is_skipped_unread_with_or_without_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(
        dir.path().join("cli.js"),
        "fetch(\"https://api.acme.example/v1\")",
    )
    .unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let report = scan_within_30s(dir.path()).unwrap();
    assert_eq!(report.files.len(), 1, "{report:#?}");
    assert_eq!(
        reason(&report, "pipe"),
        "not a regular file: a FIFO; never read"
    );

    // Read-write: opening does not wait for a reader, and the pipe holds what is written.
    let mut writer = fs_err::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    writer.write_all(b"https://exfil.evil.example/").unwrap();
    let report = scan_within_30s(dir.path()).unwrap();
    assert_eq!(
        reason(&report, "pipe"),
        "not a regular file: a FIFO; never read"
    );
    assert!(
        !report
            .indicators
            .iter()
            .any(|i| i.value.contains("exfil.evil.example")),
        "{:#?}",
        report.indicators
    );
    let mut left = [0u8; 27];
    writer.read_exact(&mut left).unwrap();
    assert_eq!(&left, b"https://exfil.evil.example/");
}

/// A link given as the input is followed once, as ripgrep and `find -H` follow theirs:
/// a link to a release directory scans that directory. Links inside it are not followed:
/// they are listed with their targets.
#[test]
fn a_link_given_by_name_is_followed_once_and_links_inside_are_listed_with_their_targets() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    fs_err::create_dir(&release).unwrap();
    fs_err::write(release.join("cli.js"), "process.env.ACME_TOKEN").unwrap();
    symlink("/", release.join("root")).unwrap();
    symlink("/etc/passwd", release.join("passwd")).unwrap();
    let link = dir.path().join("current");
    symlink(&release, &link).unwrap();

    let report = scan_within_30s(&link).unwrap();
    assert_eq!(report.input, link.display().to_string());
    let files: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["cli.js"]);
    assert!(
        report
            .indicators
            .iter()
            .any(|i| i.kind == Kind::EnvVar && i.value == "ACME_TOKEN")
    );
    assert_eq!(
        reason(&report, "root"),
        "a symbolic link to /; links inside a directory are not followed"
    );
    assert_eq!(
        reason(&report, "passwd"),
        "a symbolic link to /etc/passwd; links inside a directory are not followed"
    );

    // A link to a file: the file is scanned, under the link's name.
    let file_link = dir.path().join("agent.js");
    symlink(release.join("cli.js"), &file_link).unwrap();
    let report = scan_within_30s(&file_link).unwrap();
    let files: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["agent.js"]);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
}

#[test]
fn a_dangling_link_given_by_name_is_an_error_that_names_the_link_and_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("agent");
    symlink("agent-1.4.0/bin/agent", &link).unwrap();
    let error = scan_within_30s(&link).unwrap_err();
    assert_eq!(error.kind(), "unreadable");
    assert_eq!(
        error.to_string(),
        format!(
            "{} is a symbolic link to agent-1.4.0/bin/agent, which cannot be opened",
            link.display()
        )
    );
}

/// Every kind of entry that is not scanned is listed by its path relative to the input,
/// never an empty one, with a reason naming what was found.
#[test]
fn skipped_entries_name_what_was_found_and_never_have_an_empty_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs_err::create_dir_all(root.join("lib/deep")).unwrap();
    fs_err::write(root.join("lib/deep/index.js"), "x").unwrap();
    mkfifo(&root.join("lib/fifo"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("lib/socket")).unwrap();
    symlink("missing", root.join("lib/dangling")).unwrap();
    symlink("/", root.join("lib/deep/root")).unwrap();
    // A character device (1, 3: /dev/null), where the file system and privileges allow.
    let device = Command::new("mknod")
        .arg(root.join("lib/null"))
        .args(["c", "1", "3"])
        .output()
        .is_ok_and(|o| o.status.success());

    let report = scan_within_30s(root).unwrap();
    assert!(
        report.skipped.iter().all(|s| !s.path.is_empty()),
        "{:#?}",
        report.skipped
    );
    assert_eq!(
        reason(&report, "lib/fifo"),
        "not a regular file: a FIFO; never read"
    );
    assert_eq!(
        reason(&report, "lib/socket"),
        "not a regular file: a socket; never read"
    );
    assert_eq!(
        reason(&report, "lib/dangling"),
        "a symbolic link to missing; links inside a directory are not followed"
    );
    assert_eq!(
        reason(&report, "lib/deep/root"),
        "a symbolic link to /; links inside a directory are not followed"
    );
    if device {
        assert_eq!(
            reason(&report, "lib/null"),
            "not a regular file: a character device; never read"
        );
    } else {
        eprintln!("SKIPPED: the character-device entry (mknod is not permitted here)");
    }
    let paths: Vec<&str> = report.skipped.iter().map(|s| s.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "skipped entries are listed in path order");

    // A device given by name is not even opened.
    let report = scan_within_30s(Path::new("/dev/zero")).unwrap();
    assert!(report.files.is_empty());
    assert_eq!(
        reason(&report, "zero"),
        "not a regular file: a character device; never read"
    );
}

/// A directory made unlistable (mode 000), unless this process reads it anyway: root
/// does (`CAP_DAC_READ_SEARCH`). `None` then (said on stderr); the e2e tests run `candor`
/// without that capability to cover the case.
#[allow(clippy::print_stderr)]
fn unlistable(path: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    if fs_err::read_dir(path).is_ok() {
        restore(path);
        eprintln!(
            "SKIPPED: this process lists a mode-000 directory (root); \
             tests/e2e runs candor without CAP_DAC_READ_SEARCH for this case"
        );
        return None;
    }
    Some(path.to_owned())
}

fn restore(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

#[test]
fn a_directory_that_cannot_be_listed_is_skipped_by_its_path_and_an_input_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("release/locked");
    fs_err::create_dir_all(&locked).unwrap();
    fs_err::write(locked.join("hidden.js"), "x").unwrap();
    let Some(locked) = unlistable(&locked) else {
        return;
    };
    let report = scan_within_30s(&dir.path().join("release"));
    let error = scan_within_30s(&locked);
    restore(&locked);
    let report = report.unwrap();
    let why = reason(&report, "locked");
    assert!(
        why.starts_with("a directory that cannot be listed (Permission denied"),
        "{why}"
    );
    assert!(why.ends_with("nothing in it was scanned"), "{why}");
    let error = error.unwrap_err();
    assert!(error.to_string().contains("locked"), "{error}");
}

/// A file truncated and rewritten over and over while it is scanned. With the file
/// memory-mapped, a truncation under the scan killed the process (SIGBUS, no message);
/// read into memory, the bytes scanned cannot change, and a scan that saw the file change
/// says so. Nothing here can crash the scan, whatever the timing.
#[test]
fn a_file_truncated_while_it_is_scanned_never_crashes_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.js");
    let content = format!(
        "{}const u=process.env.ACME_TOKEN;\n",
        "// a line of a bundled file, padding it to a megabyte\n".repeat(20_000)
    );
    fs_err::write(&path, &content).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let truncator = {
        let (path, stop, content) = (path.clone(), stop.clone(), content.clone());
        std::thread::spawn(move || {
            let file = fs_err::OpenOptions::new().write(true).open(&path).unwrap();
            let mut rounds = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                file.set_len(0).unwrap();
                (&file).write_all(content.as_bytes()).unwrap();
                std::io::Seek::rewind(&mut &file).unwrap();
                rounds += 1;
            }
            rounds
        })
    };
    let mut changed = 0;
    for _ in 0..10 {
        let report = scan_path(&scanner(), &path).unwrap();
        assert_eq!(report.files.len(), 1, "{report:#?}");
        let size = report.files[0].size;
        assert!(size <= content.len() as u64);
        for degraded in &report.degraded {
            assert!(
                degraded.reason.starts_with("changed while it was read"),
                "{degraded:#?}"
            );
            changed += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = truncator.join().unwrap();
    eprintln!("{rounds} truncations during 10 scans; {changed} scan(s) saw the file change");
}

/// A regular file whose size when opened is not what reading it gives: a /proc file
/// says 0 bytes and holds more. The scan reads the size it was told, notices the rest,
/// and says the file changed while it was read.
#[test]
fn a_file_larger_than_its_size_says_is_reported_as_changed_while_read() {
    let status = Path::new("/proc/self/status");
    if !status.exists() {
        eprintln!("SKIPPED: no /proc here");
        return;
    }
    let report = scan_within_30s(status).unwrap();
    assert_eq!(report.files.len(), 1, "{report:#?}");
    assert_eq!(report.degraded.len(), 1, "{report:#?}");
    assert_eq!(report.degraded[0].path, "status");
    assert_eq!(
        report.degraded[0].reason,
        "changed while it was read: 0 bytes when opened, more to read after them (it grew); \
         the first 0 bytes were scanned"
    );
}
