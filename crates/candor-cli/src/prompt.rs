//! Passphrases typed at a terminal: asked on stderr, read from the terminal on stdin with
//! echo off, so they never reach the screen, the shell history or the process list.
//!
//! Only where stdin is a terminal: in a pipe or in CI the passphrase comes from an
//! environment variable, and a command that needs one and has none fails saying so.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use zeroize::Zeroizing;

/// The longest passphrase read (bytes); the buffer is reserved up front so that the
/// passphrase is never copied by a reallocation and left behind unzeroed.
const MAX_PASSPHRASE_BYTES: usize = 1024;

/// Whether a passphrase can be asked for: stdin is a terminal (and the platform can turn
/// its echo off).
pub fn available() -> bool {
    cfg!(unix) && std::io::stdin().is_terminal()
}

/// Ask for a passphrase: `prompt` on stderr, one line read from the terminal on stdin
/// with echo off (the newline is echoed, so what follows starts on its own line). The
/// terminal's settings are restored however reading ends.
#[cfg(unix)]
pub fn read_hidden(prompt: &str) -> std::io::Result<Zeroizing<Vec<u8>>> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};

    /// Puts the terminal's settings back when dropped.
    struct Restore(rustix::termios::Termios);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.0);
        }
    }

    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin)?;
    let mut hidden = saved.clone();
    hidden.local_modes.remove(LocalModes::ECHO);
    hidden.local_modes.insert(LocalModes::ECHONL);
    // Flush: what was typed ahead of the prompt is not taken as the passphrase.
    tcsetattr(&stdin, OptionalActions::Flush, &hidden)?;
    let _restore = Restore(saved);
    {
        let mut err = std::io::stderr().lock();
        err.write_all(prompt.as_bytes())?;
        err.flush()?;
    }
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_PASSPHRASE_BYTES + 2));
    let mut input = stdin.lock();
    loop {
        let available = input.fill_buf()?;
        let Some(&byte) = available.first() else {
            // End of input (Ctrl-D) before a newline.
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "input ended before a passphrase was entered",
            ));
        };
        input.consume(1);
        if byte == b'\n' {
            break;
        }
        if line.len() == MAX_PASSPHRASE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("passphrase longer than {MAX_PASSPHRASE_BYTES} bytes"),
            ));
        }
        line.push(byte);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// Not a Unix terminal: never called, as [`available`] is false.
#[cfg(not(unix))]
pub fn read_hidden(_prompt: &str) -> std::io::Result<Zeroizing<Vec<u8>>> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "passphrase prompts need a Unix terminal",
    ))
}
