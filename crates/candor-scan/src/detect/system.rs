//! The host system: processes spawned (with their command where visible), file-system
//! paths, and files or APIs that identify the machine.

use candor_model::claims::ClaimCategory;

use super::{Hit, hit, quoted_after};
use crate::indicator::Kind;

/// Longest path read: a longer run of path bytes is cut there.
const MAX_PATH_LEN: usize = 512;

/// Shortest path reported (`~/.x`): shorter ones (`~/`, `~/a`) name nothing in particular.
const MIN_PATH_LEN: usize = 4;

/// A process-spawning API: a call shows its command (`execSync("git status")`), a bare
/// name (`child_process`, `posix_spawn`) only itself.
pub(super) fn process(
    text: &[u8],
    anchor_text: &str,
    start: usize,
    end: usize,
    hits: &mut Vec<Hit>,
) {
    let command = anchor_text
        .ends_with('(')
        .then(|| quoted_after(text, end).map(|(c, _)| c))
        .flatten();
    let value = match command {
        Some(c) if !c.is_empty() => {
            format!("{} {c}", anchor_text.trim_end_matches('('))
        }
        _ => anchor_text.trim_end_matches('(').to_owned(),
    };
    hits.push(hit(
        ClaimCategory::Process,
        Kind::Process,
        value,
        start,
        end,
    ));
}

/// A file or API that identifies the machine (`/etc/machine-id`, `IOPlatformUUID`).
pub(super) fn machine_id(anchor_text: &str, start: usize, end: usize, hits: &mut Vec<Hit>) {
    hits.push(hit(
        ClaimCategory::Identifiers,
        Kind::MachineId,
        anchor_text.to_owned(),
        start,
        end,
    ));
}

/// An absolute or home-relative path starting at `start`, where a path anchor was found.
pub(super) fn path(text: &[u8], start: usize, hits: &mut Vec<Hit>) {
    // A path starts a string: after a quote, NUL, space, `(`, `=` or `,` — not in the
    // middle of a URL, a longer path, or random bytes.
    if let Some(prev) = start.checked_sub(1).map(|i| text[i])
        && !matches!(
            prev,
            b'"' | b'\'' | b'`' | 0 | b' ' | b'\t' | b'\n' | b'(' | b'=' | b','
        )
    {
        return;
    }
    let len = text[start..]
        .iter()
        .take(MAX_PATH_LEN)
        .take_while(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'"' | b'\'' | b'`' | b',' | b';' | b')' | b'(' | b'<' | b'>' | b'|'
                )
        })
        .count();
    let end = start + len;
    let value = String::from_utf8_lossy(&text[start..end]).into_owned();
    if value.len() < MIN_PATH_LEN {
        return;
    }
    hits.push(hit(
        ClaimCategory::Filesystem,
        Kind::Path,
        value,
        start,
        end,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::fixtures::values;

    #[test]
    fn processes_with_their_command() {
        let text =
            r#"require("child_process").execSync("git status --porcelain");Command::new("curl")"#;
        assert_eq!(
            values(text, Kind::Process),
            [
                "child_process",
                "execSync git status --porcelain",
                "Command::new curl"
            ]
        );
    }

    #[test]
    fn paths_and_machine_ids() {
        let text = r#"read("/etc/machine-id");open("~/.config/acme/config.json");"%APPDATA%\\Acme";"https://x.example/etc/passwd""#;
        assert_eq!(values(text, Kind::MachineId), ["/etc/machine-id"]);
        assert_eq!(
            values(text, Kind::Path),
            ["~/.config/acme/config.json", "%APPDATA%\\\\Acme"]
        );
    }
}
