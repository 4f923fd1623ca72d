//! A release repository built with the git command line, isolated from the developer's
//! configuration.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A git repository in a temporary directory.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// `git init` with `origin` set to the sample declaration's repository.
    pub fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main", "."]);
        repo.git(&[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/agent.git",
        ]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run git here; panics with its output if it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.path())
            .args([
                "-c",
                "user.name=Release Bot",
                "-c",
                "user.email=release@acme.example",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "tag.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Write `text` to `name` in the work tree.
    pub fn write(&self, name: &str, text: &str) {
        let path = self.path().join(name);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, text).unwrap();
    }

    /// Commit everything with `message`.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// An annotated tag.
    pub fn tag_annotated(&self, name: &str) {
        self.git(&["tag", "-a", name, "-m", &format!("release {name}")]);
    }

    /// A lightweight tag.
    pub fn tag_lightweight(&self, name: &str) {
        self.git(&["tag", name]);
    }

    /// A tag signed with a fresh SSH key (git's `gpg.format=ssh`).
    pub fn tag_signed(&self, name: &str) {
        let key = self.path().join(".git/signing-key");
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(status.success());
        self.git(&[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "tag",
            "-s",
            name,
            "-m",
            &format!("release {name}"),
        ]);
    }
}

/// The sample declaration at `version`, with `more` TOML appended.
pub fn declaration(version: &str, more: &str) -> String {
    let text = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/agent@{version}"),
        )
        .replace("tag = \"v1.4.0\"\n", "")
        .replace("https://api.acme.example/v1", "https://api.anthropic.com");
    format!("{text}\n{more}")
}

/// A built artifact in `dir`: the bundle, with or without the hidden logic.
pub fn artifact(dir: &Path, name: &str, hidden_logic: bool) -> PathBuf {
    let path = dir.join(name);
    let mut text = candor_test::bundle::bundle(256 * 1024, 11, hidden_logic);
    text.push_str("fetch(\"https://api.anthropic.com/v1/messages\");");
    fs_err::write(&path, text).unwrap();
    path
}
