//! `candor sigstore update-root` against a TUF repository built by python-tuf (the
//! reference implementation, `tests/interop/make_tuf_repo.py`) and served from
//! 127.0.0.1: the happy path, and what TUF exists to stop — a tampered target, expired
//! metadata, a rollback to older metadata, a repository signed by other keys.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use candor_sign::sigstore::{Instance, embedded_trusted_root};

use crate::support::{Run, Workspace};

/// Whether python-tuf can be imported (see `support::python_module_available`).
fn python_tuf_available() -> bool {
    crate::support::python_module_available("tuf.api.metadata", "tuf==6.0.0")
}

fn make_repo(ws: &Workspace, repo: &str, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/make_tuf_repo.py");
    let run = Run::of(
        assert_cmd::Command::new("python3")
            .arg(script)
            .arg(repo)
            .arg("target.json")
            .args(args)
            .current_dir(ws.path()),
    );
    run.code(0);
}

/// Serves the files under `dir` over HTTP on 127.0.0.1 (GET only); returns the base URL.
fn serve(dir: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
            let mut request = String::new();
            if reader.read_line(&mut request).unwrap_or(0) == 0 {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let file = dir.join(path.trim_start_matches('/'));
            let (status, body) = match fs_err::read(&file) {
                Ok(body) if !path.contains("..") => ("200 OK", body),
                _ => ("404 Not Found", Vec::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn update(ws: &Workspace, url: &str, root: &str) -> Run {
    ws.run(&[
        "sigstore",
        "update-root",
        "--tuf-url",
        url,
        "--tuf-root",
        root,
        "--cache-dir",
        "cache",
        "--out",
        "trusted_root.json",
    ])
}

#[test]
fn update_root_fetches_the_target_tuf_verified() {
    if !python_tuf_available() {
        return;
    }
    let ws = Workspace::new();
    ws.write("target.json", embedded_trusted_root(Instance::Staging));
    make_repo(&ws, "repo", &[]);
    let url = serve(ws.join("repo"));
    let run = update(&ws, &url, "repo/1.root.json");
    run.success();
    assert!(
        run.stdout
            .starts_with(&format!("updated: Sigstore trusted root from {url}\n")),
        "{run}"
    );
    // What was written is the staging root, and verification commands load it.
    let written: serde_json::Value = serde_json::from_str(&ws.read("trusted_root.json")).unwrap();
    let original: serde_json::Value =
        serde_json::from_str(embedded_trusted_root(Instance::Staging)).unwrap();
    assert_eq!(written["tlogs"], original["tlogs"]);
    assert_eq!(
        written["certificateAuthorities"].as_array().map(Vec::len),
        original["certificateAuthorities"].as_array().map(Vec::len)
    );
    assert!(
        candor_sign::sigstore::trusted_root(
            Some(&ws.join("trusted_root.json")),
            Instance::Production
        )
        .is_ok()
    );
}

#[test]
fn update_root_refuses_what_tuf_refuses() {
    if !python_tuf_available() {
        return;
    }
    let ws = Workspace::new();
    ws.write("target.json", embedded_trusted_root(Instance::Staging));
    make_repo(&ws, "repo", &[]);
    let url = serve(ws.join("repo"));

    // A tampered target: the bytes no longer match the signed length and hash.
    let targets = ws.join("repo/targets");
    let target = fs_err::read_dir(&targets)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = fs_err::read(&target).unwrap();
    bytes.extend_from_slice(b" ");
    fs_err::write(&target, &bytes).unwrap();
    let run = update(&ws, &url, "repo/1.root.json");
    run.code(2);
    assert!(
        run.stderr.contains("trusted root: the TUF repository at"),
        "{run}"
    );
    assert!(!ws.exists("trusted_root.json"));

    // Expired metadata.
    make_repo(&ws, "expired", &["--expired", "--keys", "expired-keys"]);
    let expired = serve(ws.join("expired"));
    let run = update(&ws, &expired, "expired/1.root.json");
    run.code(2);
    assert!(run.stderr.to_lowercase().contains("expired"), "{run}");

    // A repository signed by other keys than the trusted root names.
    make_repo(&ws, "other", &["--keys", "other-keys"]);
    let run = update(&ws, &url, "other/1.root.json");
    run.code(2);
    assert!(!ws.exists("trusted_root.json"));
}

#[test]
fn update_root_detects_a_rollback() {
    if !python_tuf_available() {
        return;
    }
    let ws = Workspace::new();
    ws.write("target.json", embedded_trusted_root(Instance::Staging));
    // Version 2 is published and fetched (the cache remembers it) …
    make_repo(&ws, "v2", &["--version", "2", "--keys", "keys"]);
    make_repo(&ws, "v1", &["--version", "1", "--keys", "keys"]);
    let mirror = ws.join("mirror");
    copy_dir(&ws.join("v2"), &mirror);
    let url = serve(mirror.clone());
    update(&ws, &url, "v2/1.root.json").success();
    // … then the same mirror serves version 1 again, validly signed by the same keys.
    fs_err::remove_dir_all(&mirror).unwrap();
    copy_dir(&ws.join("v1"), &mirror);
    fs_err::remove_file(ws.join("trusted_root.json")).unwrap();
    let run = update(&ws, &url, "v1/1.root.json");
    run.code(2);
    assert!(run.stderr.contains("trusted root: "), "{run}");
    assert!(run.stderr.contains("version"), "{run}");
    assert!(!ws.exists("trusted_root.json"));
}

fn copy_dir(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).expect("create the copy");
    for entry in fs_err::read_dir(from).expect("list the repository") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs_err::copy(entry.path(), target).expect("copy a file");
        }
    }
}
