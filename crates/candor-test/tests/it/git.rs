//! git's smart-HTTP backend behind the test server, driven by the command-line git:
//! clone, push (small and chunked), protocol v0 and v2, gzip-encoded fetch requests, and
//! HTTPS with the test CA.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use candor_test::Rng;
use candor_test::http::{Request, TestServer, TlsIdentity, git_http_backend, serve, serve_tls};

/// Runs git in `dir` without the developer's configuration, proxies or prompts, and
/// returns its standard output; panics with its standard error when it fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = git_command(dir, args).output().unwrap();
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn git_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env("NO_PROXY", "*")
        .env("no_proxy", "*");
    for proxy in [
        "http_proxy",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    command
}

/// An empty bare repository `root/name`.
fn bare(root: &Path, name: &str) {
    git(
        root,
        &["init", "--quiet", "--bare", "--initial-branch=main", name],
    );
}

fn posts_to<'a>(server: &'a TestServer, service: &'a str) -> impl Iterator<Item = Request> + 'a {
    server
        .requests()
        .into_iter()
        .filter(move |r| r.method == "POST" && r.path.ends_with(service))
}

#[test]
fn push_then_clone_back_gives_the_same_commits() {
    let dir = tempfile::tempdir().unwrap();
    let projects = dir.path().join("projects");
    let work = dir.path().join("work");
    fs_err::create_dir_all(&projects).unwrap();
    fs_err::create_dir_all(&work).unwrap();
    bare(&projects, "repo.git");
    let server = serve(git_http_backend(projects.clone()));
    let url = format!("{}/repo.git", server.url());

    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    fs_err::write(work.join("feed.txt"), "first\n").unwrap();
    git(&work, &["add", "feed.txt"]);
    git(&work, &["commit", "--quiet", "-m", "first"]);
    git(&work, &["push", "--quiet", &url, "main"]);

    // A second push larger than git's post buffer goes out chunked.
    fs_err::write(work.join("noise.bin"), Rng::new(3).bytes(200_000)).unwrap();
    git(&work, &["add", "noise.bin"]);
    git(&work, &["commit", "--quiet", "-m", "second"]);
    git(
        &work,
        &[
            "-c",
            "http.postBuffer=65536",
            "push",
            "--quiet",
            &url,
            "main",
        ],
    );
    let pushes: Vec<_> = posts_to(&server, "/git-receive-pack").collect();
    assert!(pushes.len() >= 2, "{pushes:?}");
    assert!(
        pushes
            .iter()
            .any(|r| r.header("transfer-encoding") == Some("chunked")),
        "no chunked push among {:?}",
        pushes.iter().map(|r| &r.headers).collect::<Vec<_>>()
    );

    let head = git(&work, &["rev-parse", "HEAD"]);
    let served_repo = projects.join("repo.git");
    assert_eq!(git(&served_repo, &["rev-parse", "main"]), head);

    git(dir.path(), &["clone", "--quiet", &url, "clone"]);
    let clone = dir.path().join("clone");
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        fs_err::read(clone.join("noise.bin")).unwrap(),
        Rng::new(3).bytes(200_000)
    );
    assert_eq!(
        fs_err::read_to_string(clone.join("feed.txt")).unwrap(),
        "first\n"
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/repo.git/"))
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Forty branches on forty root commits, written into `repo` with one fast-import.
fn forty_branches(repo: &Path) {
    let mut stream = String::new();
    for i in 0..40 {
        let message = format!("branch {i}\n");
        writeln!(
            stream,
            "commit refs/heads/b{i}\ncommitter T <t@example.invalid> 1700000000 +0000\n\
             data {}\n{message}",
            message.len()
        )
        .unwrap();
    }
    let mut child = git_command(repo, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn clones_speak_protocol_v2_and_v0_and_gzip_large_requests() {
    let dir = tempfile::tempdir().unwrap();
    bare(dir.path(), "many.git");
    forty_branches(&dir.path().join("many.git"));
    let server = serve(git_http_backend(dir.path().to_path_buf()));
    let url = format!("{}/many.git", server.url());

    git(dir.path(), &["clone", "--quiet", "--bare", &url, "v2.git"]);
    let v2 = server.requests();
    assert!(
        v2.iter()
            .any(|r| r.header("git-protocol") == Some("version=2")),
        "the client asks for v2"
    );
    assert!(
        v2.iter().any(|r| contains(&r.body, b"command=ls-refs")),
        "v2 lists refs with a command, not in the advertisement"
    );
    // Forty wants are more than the 1 KiB above which git gzips a fetch request.
    assert!(
        v2.iter()
            .any(|r| r.header("content-encoding") == Some("gzip")),
        "no gzip-encoded request"
    );
    let branches = git(
        &dir.path().join("v2.git"),
        &["for-each-ref", "--format=%(refname)", "refs/heads"],
    );
    assert_eq!(branches.lines().count(), 40);

    let before = server.requests().len();
    git(
        dir.path(),
        &[
            "-c",
            "protocol.version=0",
            "clone",
            "--quiet",
            "--bare",
            &url,
            "v0.git",
        ],
    );
    let v0 = &server.requests()[before..];
    assert!(v0.iter().all(|r| r.header("git-protocol").is_none()));
    assert_eq!(
        git(&dir.path().join("v0.git"), &["rev-parse", "b39"]),
        git(&dir.path().join("many.git"), &["rev-parse", "b39"])
    );
}

#[test]
fn missing_repositories_and_refused_pushes_fail() {
    let dir = tempfile::tempdir().unwrap();
    bare(dir.path(), "locked.git");
    git(
        &dir.path().join("locked.git"),
        &["config", "http.receivepack", "false"],
    );
    let server = serve(git_http_backend(dir.path().to_path_buf()));

    let missing = format!("{}/missing.git", server.url());
    let output = git_command(dir.path(), &["ls-remote", &missing])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let response = crate::client()
        .build()
        .unwrap()
        .get(format!("{missing}/info/refs?service=git-upload-pack"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);

    let work = dir.path().join("work");
    fs_err::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    git(&work, &["commit", "--quiet", "--allow-empty", "-m", "x"]);
    let locked = format!("{}/locked.git", server.url());
    let output = git_command(&work, &["push", &locked, "main"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        git_command(
            &dir.path().join("locked.git"),
            &["rev-parse", "--verify", "main"]
        )
        .output()
        .unwrap()
        .status
        .code()
            != Some(0)
    );
}

#[test]
fn clone_over_https_with_the_test_ca() {
    let dir = tempfile::tempdir().unwrap();
    bare(dir.path(), "repo.git");
    forty_branches(&dir.path().join("repo.git"));
    let identity = TlsIdentity::new();
    let ca = dir.path().join("ca.pem");
    identity.write_ca(&ca).unwrap();
    let server = serve_tls(&identity, git_http_backend(dir.path().to_path_buf()));
    let url = format!("{}/repo.git", server.url());
    // The CA goes in through GIT_SSL_CAINFO: with this machine's git (curl on GnuTLS),
    // `-c http.sslCAInfo=…` did not reach curl.
    let output = git_command(
        dir.path(),
        &["clone", "--quiet", "--bare", &url, "clone.git"],
    )
    .env("GIT_SSL_CAINFO", &ca)
    .output()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        git(&dir.path().join("clone.git"), &["rev-parse", "b7"]),
        git(&dir.path().join("repo.git"), &["rev-parse", "b7"])
    );
    // Without the CA, git refuses the certificate.
    let output = git_command(dir.path(), &["ls-remote", &url])
        .output()
        .unwrap();
    assert!(!output.status.success());
}
