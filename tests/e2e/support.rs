//! Shared helpers: a temporary working directory, deterministic keys and fixtures, and
//! running `candor` in it the way a user would (relative paths, no passphrase set).

use std::fmt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use candor_sign::keys::{PrivateKey, PublicKey};
use tempfile::TempDir;

/// The repository root (the workspace), where `examples/` and `attestations/` live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The declaration the release fixtures use: a tool with a purl and one network claim.
pub use candor_test::AGENT_TOML;

/// The release artifact of the fixtures, and its digests (from `sha256sum`/`sha512sum`).
pub const TARBALL: &str = "dist/agent-1.4.0.tgz";
pub const TARBALL_CONTENT: &str = "hello\n";
pub const TARBALL_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
pub const TARBALL_SHA512: &str = "e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629";

/// A second artifact, named by an npm package URL in the fixtures.
pub const SCRIPT: &str = "dist/agent.js";
pub const SCRIPT_CONTENT: &str = "console.log('agent');\n";
pub const SCRIPT_SHA256: &str = "69bff0b76dad4d4789b2c7f539d191178d9a55ceae89f6b7d2ae7c1292308f5f";
pub const SCRIPT_SHA512: &str = "816712ba4bdeaaada7ea1822ee040411303dbbcb1f7d2cbb26281cdbdef3c2b64142faaeab686d513644a63e7dcfc04caadf1b31195807ecaadf6b1fcfb528ae";

/// A temporary directory that `candor` runs in.
#[derive(Debug)]
pub struct Workspace {
    dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("candor-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        Self { dir }
    }

    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The absolute path of `rel`.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Write `contents` to `rel`, creating parent directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).expect("create the parent directory");
        }
        fs_err::write(path, contents).expect("write a fixture");
    }

    pub fn read(&self, rel: &str) -> String {
        fs_err::read_to_string(self.join(rel)).expect("read a file")
    }

    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        fs_err::read(self.join(rel)).expect("read a file")
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.join(rel).exists()
    }

    /// A deterministic key pair from seed `[seed; 32]`: `<name>.key` (PKCS#8 PEM,
    /// unencrypted) and `<name>.pub` (SPKI PEM).
    pub fn key(&self, name: &str, seed: u8) -> PrivateKey {
        let key = PrivateKey::from_seed(&[seed; 32]);
        key.write_pem(&self.join(&format!("{name}.key")), None)
            .expect("write the private key");
        self.write(&format!("{name}.pub"), key.public_key().to_pem());
        key
    }

    /// The fixture release: `candor.toml`, the two artifacts, and `statement.json` made
    /// by `candor manifest statement`.
    pub fn release(&self) {
        self.write("candor.toml", AGENT_TOML);
        self.write(TARBALL, TARBALL_CONTENT);
        self.write(SCRIPT, SCRIPT_CONTENT);
        let artifact = format!("{SCRIPT}=pkg:npm/%40acme/agent@1.4.0");
        self.run(&[
            "manifest",
            "statement",
            "candor.toml",
            "--artifact",
            TARBALL,
            "--artifact",
            &artifact,
            "--out",
            "statement.json",
        ])
        .success();
    }

    /// `candor sign` the fixture statement with `<name>.key` for each name into `out`.
    pub fn sign(&self, names: &[&str], out: &str) {
        let mut args = vec!["sign".to_owned()];
        for name in names {
            args.push("--key".to_owned());
            args.push(format!("{name}.key"));
        }
        args.extend([
            "statement.json".to_owned(),
            "--out".to_owned(),
            out.to_owned(),
        ]);
        self.run(&args).success();
    }

    /// `candor` in this directory, with a clean environment for the things that change
    /// its output (passphrase, terminal width, forced colour).
    pub fn candor(&self) -> Command {
        Command::from_std(self.candor_std())
    }

    /// [`Self::candor`] as a plain `std::process::Command`, for runs that wire its
    /// standard streams themselves (a pseudo-terminal).
    pub fn candor_std(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_candor"));
        command
            .current_dir(self.path())
            .env_remove("CANDOR_PASSPHRASE")
            .env_remove("CANDOR_STORE")
            .env_remove("CANDOR_POLICY")
            .env_remove("CANDOR_FORMAT")
            .env_remove("CANDOR_COLOR")
            .env_remove("NO_COLOR")
            .env_remove("COLUMNS")
            .env_remove("CLICOLOR_FORCE");
        command
    }

    /// Run `candor args…` here.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Run {
        Run::of(self.candor().args(args))
    }

    /// Insta settings for this directory: its path (and canonical path) become `[TMP]`.
    pub fn settings(&self) -> insta::Settings {
        candor_test::snapshot_settings(self.path())
    }

    /// As [`Self::settings`], with each randomly generated key's id and `ed25519:` text
    /// shown as `[<label> KEY_ID]` and `[<label> PUBLIC_KEY]`.
    pub fn settings_redacting(&self, keys: &[(&str, &PublicKey)]) -> insta::Settings {
        let mut settings = self.settings();
        for (label, key) in keys {
            settings.add_filter(key.id().as_str(), format!("[{label} KEY_ID]"));
            // The 16-digit prefix messages and feed paths use.
            settings.add_filter(&key.id().as_str()[..16], format!("[{label} KEY_ID16]"));
            settings.add_filter(
                &regex_escape(&key.to_ed25519_text()),
                format!("[{label} PUBLIC_KEY]"),
            );
        }
        settings
    }
}

/// `insta::assert_snapshot!(name, value)` with [`Workspace::settings`] bound, so a
/// temporary path that leaks into the output shows as `[TMP]`.
macro_rules! snapshot {
    ($ws:expr, $name:expr, $value:expr $(,)?) => {
        $ws.settings()
            .bind(|| ::insta::assert_snapshot!($name, $value))
    };
}
pub(crate) use snapshot;

pub use candor_test::regex_escape;

/// What a user sees of one run: exit code, stdout, stderr.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Run `command`. A run with `--format json` that printed JSON is checked against
    /// the schema of that command's report (or of the error report, on exit 2): every
    /// JSON output any test sees is held to its published schema.
    pub fn of(command: &mut Command) -> Self {
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let output = command.output().expect("run candor");
        let run = Self {
            code: output.status.code().expect("candor exited by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        let json = args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
            || args.iter().any(|a| a == "--format=json");
        if json
            && !run.stdout.is_empty()
            && let Some(schema) = report_schema(&args, run.code)
        {
            assert_schema(&run.json(), schema);
        }
        run
    }

    /// Assert the exit code, showing everything the run printed if it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, expected, "unexpected exit code:\n{self}");
        self
    }

    /// Exit 0 and no `error` on stderr (progress such as `wrote …` is fine).
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.code(0);
        assert!(
            !self.stderr.contains("error"),
            "error output on success:\n{self}"
        );
        self
    }

    /// The stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

/// The snapshot form: everything the user sees, in order of importance.
impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "----- stdout -----")?;
        f.write_str(&self.stdout)?;
        if !self.stdout.is_empty() && !self.stdout.ends_with('\n') {
            writeln!(f, "\n[no newline at end of stdout]")?;
        }
        writeln!(f, "----- stderr -----")?;
        f.write_str(&self.stderr)?;
        if !self.stderr.is_empty() && !self.stderr.ends_with('\n') {
            writeln!(f, "\n[no newline at end of stderr]")?;
        }
        Ok(())
    }
}

/// Whether `python3 -c "import <module>"` works. Without it: a failure under CI (whose
/// runner installs `pip_spec`, see .ci/run), a visible skip elsewhere.
pub fn python_module_available(module: &str, pip_spec: &str) -> bool {
    let imported = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if imported {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{module} cannot be imported, but CI is set: .ci/run should have installed it \
         (python3 -m pip install '{pip_spec}')"
    );
    // Straight to stderr: libtest captures `eprintln!`, and a skip must be seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("skipped: {module} not installed (pip install '{pip_spec}')\n").as_bytes(),
    );
    false
}

/// Assert that `json` (what a command printed) is valid against `schemas/<schema>`, the
/// schema of that command's report: the typed output and its published schema agree.
#[track_caller]
pub fn assert_schema(json: &serde_json::Value, schema: &str) {
    let (_, generated) = crate::schemas::every_schema()
        .into_iter()
        .find(|(name, _)| *name == schema)
        .unwrap_or_else(|| panic!("no schema named {schema}"));
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(generated.as_value())
        .unwrap_or_else(|e| panic!("{schema} does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "output does not match {schema}:\n  {}\n{json:#}",
        errors.join("\n  ")
    );
}

/// The schema of what `candor args…` prints with `--format json` after exiting `code`,
/// or `None` where it prints a document of its own (a Statement, an envelope) or SARIF.
fn report_schema(args: &[String], code: i32) -> Option<&'static str> {
    if code == 2 {
        return Some("error.schema.json");
    }
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    match words.as_slice() {
        ["publish", ..] => Some("publish.schema.json"),
        ["audit", "draft", ..] => Some("audit-draft.schema.json"),
        ["audit", "show", ..] => Some("audit-show.schema.json"),
        ["audit", "sign", ..] | ["respond", ..] if has("--out") || has("-o") => {
            Some("sign.schema.json")
        }
        ["feed", "add", ..] => Some("feed-add.schema.json"),
        ["feed", "sync", ..] => Some("feed-sync.schema.json"),
        ["feed", "list", ..] => Some("feed-list.schema.json"),
        ["feed", "remove", ..] => Some("feed-remove.schema.json"),
        ["key", "generate", ..] => Some("key-generate.schema.json"),
        ["key", "public", ..] => Some("key-public.schema.json"),
        ["ledger", ..] => Some("ledger.schema.json"),
        ["manifest", "init", ..] => Some("manifest-init.schema.json"),
        ["manifest", "validate", ..] => Some("manifest-validate.schema.json"),
        ["manifest", "generate", ..] => Some("manifest-generate.schema.json"),
        ["sign", ..] if has("--out") || has("-o") => Some("sign.schema.json"),
        ["verify-envelope", ..] => Some("verify-envelope.schema.json"),
        ["verify", ..] if !has("sarif") => Some("verify.schema.json"),
        ["policy", "init", ..] => Some("policy-init.schema.json"),
        ["policy", "check", ..] => Some("policy-check.schema.json"),
        ["sigstore", "verify-bundle", ..] => Some("verify-bundle.schema.json"),
        ["sigstore", "update-root", ..] => Some("sigstore-update-root.schema.json"),
        ["scan", ..] if has("--diff") => Some("scan-diff.schema.json"),
        ["scan", ..] => Some("scan-report.schema.json"),
        _ => None,
    }
}
