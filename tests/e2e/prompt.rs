//! Passphrases typed at a terminal (issue 16): `key generate --encrypt` asks twice, every
//! command that signs with an encrypted key asks once, never echoing what is typed. Run
//! through a real pseudo-terminal: candor's stdin and stderr are its terminal side, the
//! test types at and reads the other side.

#![cfg(unix)]

use std::io::{Read as _, Write as _};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use candor_sign::keys::PrivateKey;
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;

use crate::support::{Run, Workspace};

/// How long a prompt or an exit may take (a debug build deriving a scrypt key).
const PATIENCE: Duration = Duration::from_secs(60);

/// `candor` running on a pseudo-terminal: stdin and stderr are the terminal, stdout a
/// pipe (what the command reports, kept apart from what the terminal shows).
struct Terminal {
    master: std::fs::File,
    output: Receiver<Vec<u8>>,
    shown: String,
    child: Child,
}

impl Terminal {
    fn spawn(mut command: std::process::Command) -> Self {
        let master = rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)
            .expect("open a pseudo-terminal");
        rustix::pty::grantpt(&master).expect("grantpt");
        rustix::pty::unlockpt(&master).expect("unlockpt");
        let name = rustix::pty::ptsname(&master, Vec::new()).expect("ptsname");
        let terminal = rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open the terminal side");
        let child = command
            .stdin(Stdio::from(terminal.try_clone().expect("dup the terminal")))
            .stderr(Stdio::from(terminal))
            .stdout(Stdio::piped())
            .spawn()
            .expect("run candor");
        // The command holds the terminal side until dropped: without this, reading the
        // master side would never end.
        drop(command);
        let master = std::fs::File::from(master);
        let mut reader = master.try_clone().expect("dup the master side");
        let (send, output) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // EIO once the last terminal-side descriptor (the child's) is closed.
            while let Ok(n @ 1..) = reader.read(&mut buffer) {
                if send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Self {
            master,
            output,
            shown: String::new(),
            child,
        }
    }

    /// Wait until the terminal has shown `text`.
    #[track_caller]
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.shown.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.shown.push_str(&String::from_utf8_lossy(&bytes)),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "the terminal never showed {text:?}; it showed:\n{}",
                    self.shown
                ),
            }
        }
    }

    /// Type `line` and Enter.
    fn type_line(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .expect("type at the terminal");
    }

    /// Wait for the exit: the run (stderr is what the terminal showed, `\r\n` as `\n`).
    fn finish(mut self) -> Run {
        let output = self.child.wait_with_output().expect("wait for candor");
        while let Ok(bytes) = self.output.recv_timeout(PATIENCE) {
            self.shown.push_str(&String::from_utf8_lossy(&bytes));
        }
        Run {
            code: output.status.code().expect("candor exited by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: self.shown.replace("\r\n", "\n"),
        }
    }
}

fn at_terminal(ws: &Workspace, args: &[&str]) -> Terminal {
    let mut command = ws.candor_std();
    command.args(args);
    Terminal::spawn(command)
}

#[test]
fn generate_encrypt_asks_for_the_passphrase_twice_on_a_terminal() {
    let ws = Workspace::new();
    let mut terminal = at_terminal(
        &ws,
        &["key", "generate", "--out", "release.key", "--encrypt"],
    );
    terminal.expect("Passphrase to encrypt release.key (not shown): ");
    terminal.type_line("correct horse");
    terminal.expect("The same passphrase again: ");
    terminal.type_line("correct horse");
    let run = terminal.finish();
    run.code(0);
    assert!(
        run.stdout
            .contains("\n  private key  release.key (encrypted, mode 0600)\n"),
        "{run}"
    );
    // Not echoed: the terminal shows the prompts and the newlines, never the passphrase.
    assert_eq!(
        run.stderr,
        "Passphrase to encrypt release.key (not shown): \nThe same passphrase again: \n",
        "{run}"
    );
    let key = PrivateKey::from_file(&ws.join("release.key"), Some(b"correct horse"));
    assert!(key.is_ok(), "the key is not encrypted with what was typed");

    // Two different passphrases: refused, nothing written.
    let mut terminal = at_terminal(&ws, &["key", "generate", "--out", "other.key", "--encrypt"]);
    terminal.expect("(not shown): ");
    terminal.type_line("correct horse");
    terminal.expect("again: ");
    terminal.type_line("correct hose");
    let run = terminal.finish();
    run.code(2);
    assert!(
        run.stderr.ends_with(
            "error: the two passphrases differ; no key was written\n\
             hint: run the command again and type the same passphrase twice\n"
        ),
        "{run}"
    );
    assert!(!ws.exists("other.key") && !ws.exists("other.key.pub"));

    // An empty passphrase: refused at once.
    let mut terminal = at_terminal(&ws, &["key", "generate", "--out", "other.key", "--encrypt"]);
    terminal.expect("(not shown): ");
    terminal.type_line("");
    let run = terminal.finish();
    run.code(2);
    assert!(
        run.stderr
            .ends_with("error: no passphrase entered (an empty passphrase is not accepted)\n"),
        "{run}"
    );
    assert!(!run.stderr.contains("again"), "{run}");
    assert!(!ws.exists("other.key"));

    // An existing key is refused before anything is typed.
    let terminal = at_terminal(
        &ws,
        &["key", "generate", "--out", "release.key", "--encrypt"],
    );
    let run = terminal.finish();
    run.code(2);
    assert!(!run.stderr.contains("Passphrase"), "{run}");
    assert!(run.stderr.contains("release.key already exists"), "{run}");

    // The environment variable still wins, on a terminal too: nothing is asked.
    let mut command = ws.candor_std();
    command
        .args(["key", "generate", "--out", "ci.key", "--encrypt"])
        .env("CANDOR_PASSPHRASE", "battery staple");
    let run = Terminal::spawn(command).finish();
    run.code(0);
    assert_eq!(run.stderr, "", "{run}");
    assert!(PrivateKey::from_file(&ws.join("ci.key"), Some(b"battery staple")).is_ok());
}

#[test]
fn an_encrypted_key_asks_for_its_passphrase_on_a_terminal() {
    let ws = Workspace::new();
    ws.release();
    PrivateKey::from_seed(&[7; 32])
        .write_pem(&ws.join("release.key"), Some(b"correct horse"))
        .expect("write an encrypted key");

    // Signing asks once.
    let mut terminal = at_terminal(
        &ws,
        &[
            "sign",
            "--key",
            "release.key",
            "statement.json",
            "--out",
            "m.dsse.json",
        ],
    );
    terminal.expect("Passphrase for release.key: ");
    terminal.type_line("correct horse");
    let run = terminal.finish();
    run.code(0);
    assert_eq!(run.stderr, "Passphrase for release.key: \n", "{run}");
    assert!(run.stdout.starts_with("signed statement.json"), "{run}");
    assert!(ws.exists("m.dsse.json"));

    // A wrong one is refused, naming the key.
    let mut terminal = at_terminal(
        &ws,
        &[
            "sign",
            "--key",
            "release.key",
            "statement.json",
            "--out",
            "n.dsse.json",
        ],
    );
    terminal.expect("Passphrase for release.key: ");
    terminal.type_line("correct hose");
    let run = terminal.finish();
    run.code(2);
    assert!(
        run.stderr
            .contains("release.key: the passphrase does not decrypt this key"),
        "{run}"
    );
    assert!(!ws.exists("n.dsse.json"));

    // `key public` of the encrypted key asks too.
    let mut terminal = at_terminal(
        &ws,
        &["key", "public", "release.key", "--encoding", "ed25519"],
    );
    terminal.expect("Passphrase for release.key: ");
    terminal.type_line("correct horse");
    let run = terminal.finish();
    run.code(0);
    assert!(run.stdout.starts_with("ed25519:"), "{run}");

    // Not on a terminal (stdin a pipe), the error stays what it was: set the variable.
    let run = ws.run(&["sign", "--key", "release.key", "statement.json"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("\nhint: export CANDOR_PASSPHRASE=<passphrase>"),
        "{run}"
    );
}

#[test]
fn a_dash_on_a_terminal_is_refused_rather_than_waiting_for_typing() {
    let ws = Workspace::new();
    let run = at_terminal(&ws, &["manifest", "validate", "-"]).finish();
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: FILE is `-` (standard input), but standard input is a terminal: nothing is \
         piped in\nhint: pipe the document in (… | candor …), or name its file\n"
    );
}
