//! Building file-system layouts for resolution tests: a sandbox directory, files, scripts,
//! links, and the environment to resolve in.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use candor_verify::resolve::{
    ResolveEnv, ResolveError, ResolveRequest, Resolved, StepKind, resolve,
};

/// A temporary directory, by its canonical path (so expected paths compare equal to the
/// canonical artifacts resolution reports).
pub struct Sandbox {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path().canonicalize().expect("canonical tempdir");
        Self { _dir: dir, root }
    }

    /// `ROOT/relative`.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Write a file (parents created), mode 644.
    pub fn file(&self, relative: &str, content: &[u8]) -> PathBuf {
        let path = self.path(relative);
        fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs_err::write(&path, content).expect("write");
        path
    }

    /// Write an executable file (parents created), mode 755.
    pub fn executable(&self, relative: &str, content: &[u8]) -> PathBuf {
        let path = self.file(relative, content);
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// A native-looking executable (ELF magic).
    pub fn binary(&self, relative: &str) -> PathBuf {
        self.executable(relative, b"\x7fELF\x02\x01\x01\0 not really a program")
    }

    /// A directory (parents created).
    pub fn dir(&self, relative: &str) -> PathBuf {
        let path = self.path(relative);
        fs_err::create_dir_all(&path).expect("mkdir");
        path
    }

    /// A symbolic link at `relative` whose text is `text` (parents created).
    pub fn link(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::os::unix::fs::symlink(text, &path).expect("symlink");
        path
    }

    /// An environment with the working directory `cwd`, `PATH` of `path` (relative to
    /// the sandbox) and no home.
    pub fn env(&self, cwd: &str, path: &[&str]) -> ResolveEnv {
        let dirs: Vec<PathBuf> = path.iter().map(|p| self.path(p)).collect();
        ResolveEnv {
            path_var: Some(std::env::join_paths(dirs).expect("PATH")),
            cwd: self.path(cwd),
            home: None,
        }
    }

    /// Resolve `target` in `env` (a method so tests read `sandbox.resolve(…)`).
    #[allow(clippy::unused_self)]
    pub fn resolve(&self, env: &ResolveEnv, target: &str) -> Result<Resolved, ResolveError> {
        resolve(&ResolveRequest {
            target: target.to_owned(),
            env: env.clone(),
        })
    }

    /// Insta settings showing the sandbox as `[TMP]` and Python's minor version as `X`.
    pub fn snapshots(&self) -> insta::Settings {
        let mut settings = candor_test::snapshot_settings(&self.root);
        settings.add_filter(r"python3\.\d+", "python3.X");
        settings
    }
}

/// Resolve on another thread and give up after `seconds`: a resolution that blocks (on a
/// FIFO) fails the test instead of hanging it.
pub fn resolve_within(
    seconds: u64,
    env: ResolveEnv,
    target: &str,
) -> Result<Resolved, ResolveError> {
    let (send, receive) = mpsc::channel();
    let target = target.to_owned();
    std::thread::spawn(move || {
        let result = resolve(&ResolveRequest { target, env });
        let _ = send.send(result);
    });
    receive
        .recv_timeout(Duration::from_secs(seconds))
        .expect("resolution blocked")
}

/// The kinds of a resolution's steps, in order.
pub fn hows(resolved: &Resolved) -> Vec<StepKind> {
    resolved.steps.iter().map(|s| s.how).collect()
}

/// Whether `program --version` runs.
pub fn have(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Say that a test is skipped, and why; `false`, for `have(…) || skip(…)`. Under CI
/// (`CI` set) a missing tool fails the test instead: CI must install it.
pub fn skip(why: &str) -> bool {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}, but CI is set: CI must install it"
    );
    // Straight to stderr: libtest captures `eprintln!`, and a skip must be seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("skipped: {why}\n").as_bytes(),
    );
    false
}

/// Run a command in `dir`, failing the test (with its output) if it fails.
pub fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) {
    let output = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
        .output()
        .expect("spawn");
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
