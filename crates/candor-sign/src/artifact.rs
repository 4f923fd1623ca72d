//! Artifact digests: what binds a document to the exact bytes installed.

use std::io::Read;
use std::path::Path;

use candor_model::digest::{DigestAlgorithm, DigestSet};
use sha2::{Digest as _, Sha256, Sha512};

use crate::file::FileError;

/// The digests (sha256 and sha512) of a file.
pub fn digest_file(path: &Path) -> Result<DigestSet, FileError> {
    digest_files(&[path])
        .pop()
        .unwrap_or_else(|| Err(std::io::Error::other("no digest computed").into()))
}

/// Bytes read per block while hashing.
const BLOCK: usize = 1 << 20;

/// How much slower sha512 is than sha256 here (sha256 has CPU instructions, sha512
/// not): it orders the work so the longest hashes start first.
const SHA512_COST: u64 = 3;

/// One hash of one file.
#[derive(Clone, Copy)]
struct Task {
    file: usize,
    algorithm: DigestAlgorithm,
    cost: u64,
}

/// The digests (sha256 and sha512) of several files: [`digest_files_with`] both
/// algorithms.
pub fn digest_files(paths: &[&Path]) -> Vec<Result<DigestSet, FileError>> {
    digest_files_with(paths, &DigestAlgorithm::ALL)
}

/// The `algorithms` digests of several files, each hash of each file a task on as
/// many threads as there are cores (at most one per algorithm per file), the longest first. One file's
/// two hashes run side by side; a release's several artifacts keep every core busy. Each
/// task streams its file in [`BLOCK`]s, so memory stays at a few MiB whatever the size
/// (a file is read once per hash; the second read comes from the page cache).
pub fn digest_files_with(
    paths: &[&Path],
    algorithms: &[DigestAlgorithm],
) -> Vec<Result<DigestSet, FileError>> {
    let mut tasks = Vec::with_capacity(paths.len() * algorithms.len());
    for (file, path) in paths.iter().enumerate() {
        let size = fs_err::metadata(path).map_or(0, |m| m.len());
        for &algorithm in algorithms {
            let weight = if algorithm == DigestAlgorithm::Sha512 {
                SHA512_COST
            } else {
                1
            };
            tasks.push(Task {
                file,
                algorithm,
                cost: size.saturating_mul(weight),
            });
        }
    }
    tasks.sort_by_key(|t| std::cmp::Reverse(t.cost));
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(tasks.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<std::io::Result<String>>>> =
        tasks.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = vec![0u8; BLOCK];
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { break };
                    let digest = hash_file(paths[task.file], task.algorithm, &mut buffer);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(digest);
                    }
                }
            });
        }
    });
    let mut by_file: Vec<Vec<(DigestAlgorithm, std::io::Result<String>)>> =
        paths.iter().map(|_| Vec::new()).collect();
    for (task, result) in tasks.iter().zip(results) {
        let result = result
            .into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| Err(std::io::Error::other("a digest thread stopped")));
        by_file[task.file].push((task.algorithm, result));
    }
    by_file
        .into_iter()
        .map(|hashes| {
            let mut pairs = Vec::with_capacity(hashes.len());
            for (algorithm, result) in hashes {
                pairs.push((algorithm, result?));
            }
            // Lowercase hex of the right lengths always passes the digest set's checks.
            Ok(DigestSet::from_pairs(pairs)
                .unwrap_or_else(|e| unreachable!("computed digests are valid: {e}")))
        })
        .collect()
}

/// The lowercase hex `algorithm` digest of the file at `path`.
fn hash_file(
    path: &Path,
    algorithm: DigestAlgorithm,
    buffer: &mut [u8],
) -> std::io::Result<String> {
    let mut file = fs_err::File::open(path)?;
    let mut sha256 = Sha256::new();
    let mut sha512 = Sha512::new();
    loop {
        let n = read_full(&mut file, buffer)?;
        if n == 0 {
            break;
        }
        match algorithm {
            DigestAlgorithm::Sha256 => sha256.update(&buffer[..n]),
            DigestAlgorithm::Sha512 => sha512.update(&buffer[..n]),
        }
    }
    Ok(match algorithm {
        DigestAlgorithm::Sha256 => hex::encode(sha256.finalize()),
        DigestAlgorithm::Sha512 => hex::encode(sha512.finalize()),
    })
}

/// The sha256 digest alone of a file: what a verification needs to find documents and
/// match subjects (a subject's other digests are compared only when computed).
pub fn sha256_file(path: &Path) -> Result<DigestSet, FileError> {
    let mut buffer = vec![0u8; BLOCK];
    let hex = hash_file(path, DigestAlgorithm::Sha256, &mut buffer)?;
    Ok(DigestSet::single(DigestAlgorithm::Sha256, &hex)
        .unwrap_or_else(|e| unreachable!("a computed digest is valid: {e}")))
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
