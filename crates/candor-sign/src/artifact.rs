//! Artifact digests: what binds a document to the exact bytes installed.

use std::io::Read;
use std::path::Path;

use candor_model::digest::{DigestAlgorithm, DigestSet};
use sha2::{Digest as _, Sha256, Sha512};

use crate::file::FileError;

/// The digests (sha256 and sha512) of a file, read once in 1 MiB blocks.
///
/// The two hashes run on two threads (sha512 has no CPU instructions of its own and is
/// the slower one), fed the same blocks through a short queue, so memory stays at a few
/// MiB whatever the file's size.
pub fn digest_file(path: &Path) -> Result<DigestSet, FileError> {
    const BLOCK: usize = 1 << 20;
    let mut file = fs_err::File::open(path)?;
    let (sha256, sha512) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<std::sync::Arc<Vec<u8>>>(4);
        let sha512_thread = scope.spawn(move || {
            let mut sha512 = Sha512::new();
            for block in receive {
                sha512.update(block.as_slice());
            }
            sha512.finalize()
        });
        let mut sha256 = Sha256::new();
        let read_result = (|| -> std::io::Result<()> {
            loop {
                let mut block = vec![0u8; BLOCK];
                let n = read_full(&mut file, &mut block)?;
                if n == 0 {
                    return Ok(());
                }
                block.truncate(n);
                let block = std::sync::Arc::new(block);
                sha256.update(block.as_slice());
                // The receiver only goes away if its thread panicked; join reports that.
                let _ = send.send(block);
            }
        })();
        drop(send);
        let sha512 = sha512_thread.join();
        read_result.map(|()| (sha256.finalize(), sha512))
    })?;
    let sha512 = sha512.map_err(|_| std::io::Error::other("the sha512 thread panicked"))?;
    Ok(digest_set(&sha256, &sha512))
}

/// Fill `buffer` as far as the file allows; 0 means end of file.
fn read_full(file: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The digests of bytes in memory.
pub fn digest_bytes(bytes: &[u8]) -> DigestSet {
    digest_set(&Sha256::digest(bytes), &Sha512::digest(bytes))
}

/// The sha256-only digest set of bytes (envelope references).
pub fn sha256_of(bytes: &[u8]) -> DigestSet {
    DigestSet::single(DigestAlgorithm::Sha256, &hex::encode(Sha256::digest(bytes)))
        .unwrap_or_else(|_| digest_bytes(bytes))
}

fn digest_set(sha256: &[u8], sha512: &[u8]) -> DigestSet {
    // Lowercase hex of the right lengths always passes the digest set's checks.
    DigestSet::from_pairs([
        (DigestAlgorithm::Sha256, hex::encode(sha256)),
        (DigestAlgorithm::Sha512, hex::encode(sha512)),
    ])
    .unwrap_or_else(|e| unreachable!("computed digests are valid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        let set = digest_bytes(b"abc");
        assert_eq!(
            set.sha256(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        fs_err::write(&path, b"abc").unwrap();
        assert_eq!(digest_file(&path).unwrap(), set);
    }
}
