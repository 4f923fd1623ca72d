//! zip archives (and `.jar`, `.whl`, `.vsix` …): entries through the central directory,
//! or from their local headers when the central directory is damaged.

use std::io::{Cursor, Read};

use super::walker::{Ctx, EntryInput, EntryPath, Flow, Level, Opened, Walker, after, normalise};

/// Most bytes of a symbolic link entry's target read, to name the target in the report.
const MAX_LINK_TARGET: u64 = 4096;

impl Walker<'_> {
    pub(super) fn zip(
        &mut self,
        prefix: &str,
        bytes: &[u8],
        by_magic: bool,
        depth: usize,
    ) -> Opened {
        let level = Level::new(bytes.len());
        let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => archive,
            Err(e) if by_magic => {
                self.skip(
                    prefix,
                    format!("corrupt zip central directory ({e}); entries read from their local headers instead"),
                );
                return self.zip_stream(prefix, bytes, &level, depth);
            }
            Err(_) => return Opened::NotArchive,
        };
        for index in 0..archive.len() {
            if self.count_entry(prefix) {
                return Opened::Halted;
            }
            let raw = archive.name_for_index(index).unwrap_or_default().to_owned();
            let flow = match archive.by_index(index) {
                Ok(file) => self.zip_entry(prefix, file, &level, depth, Ctx::Zip),
                Err(e) => {
                    self.skip(format!("{prefix}!{raw}"), zip_entry_error(&e));
                    Flow::Next
                }
            };
            match flow {
                Flow::Next => {}
                Flow::StopLevel => return Opened::Scanned,
                Flow::Halt => return Opened::Halted,
            }
        }
        Opened::Scanned
    }

    /// A zip read from its local headers, for when its central directory is damaged.
    fn zip_stream(&mut self, prefix: &str, bytes: &[u8], level: &Level, depth: usize) -> Opened {
        let mut cursor = Cursor::new(bytes);
        let mut last: Option<String> = None;
        loop {
            let file = match zip::read::read_zipfile_from_stream(&mut cursor) {
                Ok(Some(file)) => file,
                Ok(None) => return Opened::Scanned,
                Err(e) => {
                    let reason = format!(
                        "unreadable zip local header {} ({e})",
                        after(last.as_deref())
                    );
                    self.skip(prefix, reason);
                    return Opened::Scanned;
                }
            };
            if self.count_entry(prefix) {
                return Opened::Halted;
            }
            last = Some(file.name().to_owned());
            match self.zip_entry(prefix, file, level, depth, Ctx::ZipStream) {
                Flow::Next => {}
                Flow::StopLevel => return Opened::Scanned,
                Flow::Halt => return Opened::Halted,
            }
        }
    }

    fn zip_entry<R: Read>(
        &mut self,
        prefix: &str,
        mut file: zip::read::ZipFile<'_, R>,
        level: &Level,
        depth: usize,
        ctx: Ctx,
    ) -> Flow {
        let raw = file.name().to_owned();
        let name = format!("{prefix}!{raw}");
        if file.is_dir() {
            return Flow::Next;
        }
        if file.is_symlink() {
            let mut target = Vec::new();
            // The target is the entry's content; a short one, or none if unreadable.
            let _ = (&mut file).take(MAX_LINK_TARGET).read_to_end(&mut target);
            let target = String::from_utf8_lossy(&target).into_owned();
            self.skip(
                name,
                format!("link entry, never followed (symbolic link to {target})"),
            );
            return Flow::Next;
        }
        let path = match normalise(&raw) {
            EntryPath::Safe(path) => path,
            EntryPath::Unsafe(reason) => {
                self.skip(name, reason);
                return Flow::Next;
            }
            EntryPath::Empty => return Flow::Next,
        };
        let name = format!("{prefix}!{path}");
        let (size, compressed) = (file.size(), file.compressed_size());
        let result = self.read_entry(&mut file, Some(size), EntryInput::Known(compressed), level);
        drop(file);
        match result {
            Ok(bytes) => self.entry_bytes(name, &bytes, depth),
            Err(stop) => self.refuse(name, &path, stop, ctx),
        }
    }
}

fn zip_entry_error(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::UnsupportedArchive(m)
            if *m == zip::result::ZipError::PASSWORD_REQUIRED =>
        {
            "encrypted entry, not scanned".to_owned()
        }
        zip::result::ZipError::UnsupportedArchive(m) => {
            format!("unsupported zip entry ({m}), not scanned")
        }
        e => format!("corrupt zip entry ({e})"),
    }
}
