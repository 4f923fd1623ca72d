//! Artifact digests: what binds a document to the exact bytes installed.

use std::io::Read;
use std::path::Path;

use candor_model::digest::{DigestAlgorithm, DigestSet};
use sha2::{Digest as _, Sha256, Sha512};

use crate::file::FileError;
use crate::keys::hex;

/// The digests (sha256 and sha512) of a file, read once in 1 MiB blocks.
pub fn digest_file(path: &Path) -> Result<DigestSet, FileError> {
    let mut file = fs_err::File::open(path)?;
    let mut sha256 = Sha256::new();
    let mut sha512 = Sha512::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        sha256.update(&buffer[..n]);
        sha512.update(&buffer[..n]);
    }
    Ok(digest_set(&sha256.finalize(), &sha512.finalize()))
}

/// The digests of bytes in memory.
pub fn digest_bytes(bytes: &[u8]) -> DigestSet {
    digest_set(&Sha256::digest(bytes), &Sha512::digest(bytes))
}

/// The sha256-only digest set of bytes (envelope references).
pub fn sha256_of(bytes: &[u8]) -> DigestSet {
    DigestSet::single(DigestAlgorithm::Sha256, &hex(&Sha256::digest(bytes)))
        .unwrap_or_else(|_| digest_bytes(bytes))
}

fn digest_set(sha256: &[u8], sha512: &[u8]) -> DigestSet {
    // Lowercase hex of the right lengths always passes the digest set's checks.
    DigestSet::from_pairs([
        (DigestAlgorithm::Sha256, hex(sha256)),
        (DigestAlgorithm::Sha512, hex(sha512)),
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
