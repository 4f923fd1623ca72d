//! gzip streams: a compressed tar archive (`.tgz`), or one compressed file; the ratio of
//! what comes out to what goes in is watched as the stream is read.
//!
//! A gzip stream may be several members one after the other (`cat a.gz b.gz`): `gzip -d`,
//! tar and Node's zlib read them all as one stream, and so does this reader. Bytes after
//! the last member that do not start another (trailing garbage, which `gzip -d` ignores
//! with a warning) are reported as not scanned, with their offset and length. The limits
//! apply to all members together.

use std::io::{self, BufRead, Cursor, Read};

use super::limits::{ArchiveLimits, over_ratio};
use super::tar::{PastEnd, TarEnd, missing_marker};
use super::walker::{Ctx, EntryInput, Flow, Level, Opened, Walker, after};
use super::{TAR_BLOCK, base_name, has_extension, has_ustar_magic};

/// The extension of a gzip-compressed file, left out of the name of what it holds.
const GZ_EXTENSION: &str = ".gz";

/// The first bytes of every gzip member: after a member, what starts with them is read as
/// the next member (as `gzip -d` does), anything else is trailing data.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The compressed bytes under a gzip decoder, counting what it consumes.
struct CountIn<'a> {
    rest: &'a [u8],
    level: &'a Level,
}

impl Read for CountIn<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest.read(buf)?;
        self.level
            .consumed
            .set(self.level.consumed.get() + n as u64);
        Ok(n)
    }
}

impl BufRead for CountIn<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.rest)
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.rest.len());
        self.rest = &self.rest[amt..];
        self.level
            .consumed
            .set(self.level.consumed.get() + amt as u64);
    }
}

/// The members of a gzip stream, decompressed one after the other into one stream. Each
/// member's trailer (checksum and size) is checked before the next is started; what
/// follows the last member without the gzip magic is left unread, its length noted in
/// [`Level::trailing`].
struct Members<'a> {
    decoder: flate2::bufread::GzDecoder<CountIn<'a>>,
    level: &'a Level,
    /// A member failed: the stream ends there, for good (the decoder would go on to
    /// report an end, and what follows would pass for another member).
    broken: bool,
}

impl<'a> Members<'a> {
    fn new(bytes: &'a [u8], level: &'a Level) -> Self {
        Self {
            decoder: flate2::bufread::GzDecoder::new(CountIn { rest: bytes, level }),
            level,
            broken: false,
        }
    }
}

impl Read for Members<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.broken {
            return Err(io::Error::other("gzip stream already broken"));
        }
        loop {
            let n = self.decoder.read(buf).inspect_err(|_| self.broken = true)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member is complete, its trailer checked: the decoder consumed exactly
            // up to its end.
            let rest = self.decoder.get_ref().rest;
            if rest.is_empty() {
                return Ok(0);
            }
            if !rest.starts_with(&GZIP_MAGIC) {
                self.level.trailing.set(rest.len() as u64);
                return Ok(0);
            }
            self.decoder = flate2::bufread::GzDecoder::new(CountIn {
                rest,
                level: self.level,
            });
        }
    }
}

/// The decompressed side of a gzip stream: counts what comes out and stops the stream
/// (with an error, for good) once the ratio to what went in is past the limit.
struct Inflate<'a, R> {
    inner: R,
    level: &'a Level,
    limits: &'a ArchiveLimits,
}

impl<R: Read> Read for Inflate<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.level.ratio_tripped.get() {
            return Err(io::Error::other("compression ratio limit"));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.level.stream_failed.set(true);
                }
                return Err(e);
            }
        };
        if n == 0 && !buf.is_empty() {
            self.level.eof.set(true);
        }
        let inflated = self.level.inflated.get() + n as u64;
        self.level.inflated.set(inflated);
        if over_ratio(inflated, self.level.consumed.get(), self.limits) {
            self.level.ratio_tripped.set(true);
            return Err(io::Error::other("compression ratio limit"));
        }
        Ok(n)
    }
}

impl Walker<'_> {
    pub(super) fn gzip(&mut self, prefix: &str, bytes: &[u8], depth: usize) -> Opened {
        let level = Level::new(bytes.len());
        let mut inflate = Inflate {
            inner: Members::new(bytes, &level),
            level: &level,
            limits: self.limits,
        };
        // The first block tells a tarball (a tar header) from a single compressed file.
        let mut head = Vec::with_capacity(TAR_BLOCK);
        if let Err(e) = (&mut inflate).take(TAR_BLOCK as u64).read_to_end(&mut head) {
            let reason = stream_break(&e, &level, None, self.limits);
            self.skip(prefix, reason);
            return Opened::Scanned;
        }
        let is_tar = has_ustar_magic(&head) || has_extension(prefix, &[".tgz", ".tar.gz", ".taz"]);
        let mut reader = Cursor::new(head).chain(inflate);
        let opened = if is_tar {
            self.gzip_tar(prefix, reader, &level, depth)
        } else {
            self.gzip_single(prefix, &mut reader, &level, depth)
        };
        let trailing = level.trailing.get();
        if trailing > 0 {
            let offset = level.input_len - trailing;
            self.skip(
                prefix,
                format!(
                    "trailing data after the last gzip member: {trailing} bytes at offset \
                     {offset}, not scanned"
                ),
            );
        }
        opened
    }

    /// A gzip stream holding a tar archive (`.tgz`), read to the end of its last member.
    fn gzip_tar<R: Read>(
        &mut self,
        prefix: &str,
        reader: R,
        level: &Level,
        depth: usize,
    ) -> Opened {
        let mut archive = tar::Archive::new(reader);
        let end = match archive.entries() {
            Ok(entries) => self.tar_entries(prefix, entries, level, depth, Ctx::TarGz, true),
            Err(e) => {
                self.skip(prefix, format!("unreadable tar archive ({e})"));
                return Opened::Scanned;
            }
        };
        match end {
            TarEnd::NotArchive | TarEnd::Stopped => Opened::Scanned,
            TarEnd::Halted => Opened::Halted,
            TarEnd::Finished { last } => {
                // The decompressed bytes ran out where a header was due: no marker.
                let unmarked = level.eof.get() && last.is_some();
                // Read the stream to its end: a truncated or corrupt tail (its checksum)
                // shows only there, and so does data after the marker. The tar reader
                // reads no further than it needs: it stopped where the output stands.
                let mut past = PastEnd::starting_at(level.inflated.get());
                if let Err(e) = io::copy(&mut archive.into_inner(), &mut past) {
                    let reason = stream_break(&e, level, last.as_deref(), self.limits);
                    self.skip(prefix, reason);
                } else if unmarked {
                    self.skip(prefix, missing_marker(last.as_deref()));
                } else if let Some(reason) = past.reason(" of the decompressed stream") {
                    self.skip(prefix, reason);
                }
                Opened::Scanned
            }
        }
    }

    /// A gzip stream that is not a tar archive: one compressed file, scanned under its
    /// name without `.gz`.
    fn gzip_single<R: Read>(
        &mut self,
        prefix: &str,
        reader: &mut R,
        level: &Level,
        depth: usize,
    ) -> Opened {
        if self.count_entry(prefix) {
            return Opened::Halted;
        }
        let base = base_name(prefix);
        let inner = if base.len() > GZ_EXTENSION.len()
            && base.to_ascii_lowercase().ends_with(GZ_EXTENSION)
        {
            &base[..base.len() - GZ_EXTENSION.len()]
        } else {
            base
        };
        let name = format!("{prefix}!{inner}");
        let flow = match self.read_entry(reader, None, EntryInput::Delta(0), level) {
            Ok(bytes) => self.entry_bytes(name, &bytes, depth),
            Err(stop) => {
                let inner = inner.to_owned();
                self.refuse(name, &inner, stop, Ctx::Gz)
            }
        };
        if flow == Flow::Halt {
            Opened::Halted
        } else {
            Opened::Scanned
        }
    }
}

/// Why a gzip stream stopped between entries (or before the first).
pub(super) fn stream_break(
    e: &io::Error,
    level: &Level,
    last: Option<&str>,
    limits: &ArchiveLimits,
) -> String {
    if level.ratio_tripped.get() {
        format!(
            "compression ratio above {}:1 across the archive (possible zip bomb) {}; the rest \
             of the archive is not scanned",
            limits.max_ratio,
            after(last)
        )
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        format!("truncated gzip stream {}", after(last))
    } else {
        format!("corrupt gzip stream {} ({e})", after(last))
    }
}
