//! What reading one archive may cost.

/// Bytes in a kibibyte.
pub(super) const KIB: u64 = 1024;
/// Bytes in a mebibyte.
pub(super) const MIB: u64 = 1024 * KIB;
/// Bytes in a gibibyte.
pub(super) const GIB: u64 = 1024 * MIB;

/// Default [`ArchiveLimits::max_entry_size`]: room for the largest single files releases
/// carry (bundled CLIs, native executables), while bounding the memory one entry takes
/// (entries are read into memory, never to disk).
const DEFAULT_MAX_ENTRY_SIZE: u64 = 512 * MIB;
/// Default [`ArchiveLimits::max_total_size`]: what one archive may make the scanner read
/// in all, nested archives included.
const DEFAULT_MAX_TOTAL_SIZE: u64 = 4 * GIB;
/// Default [`ArchiveLimits::max_ratio`]: text and code compress well below 200:1 once
/// past [`DEFAULT_RATIO_FLOOR`]; a decompression bomb goes far above it.
const DEFAULT_MAX_RATIO: u64 = 200;
/// Default [`ArchiveLimits::ratio_floor`]: below this much output, small regular files
/// (a run of zeros, a repetitive manifest) legitimately pass any ratio.
const DEFAULT_RATIO_FLOOR: u64 = MIB;
/// Default [`ArchiveLimits::max_entries`]: more files than real packages hold, few enough
/// that listing them stays cheap.
const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// Default [`ArchiveLimits::max_depth`]: the archive itself and the archives in it (an npm
/// tarball inside a zip), no deeper.
const DEFAULT_MAX_DEPTH: usize = 2;

/// What reading one archive may cost. The defaults suit release artifacts (npm tarballs,
/// wheels, zipped bundles) and stop decompression bombs early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest entry read, decompressed (default 512 MiB): a larger one is skipped.
    pub max_entry_size: u64,
    /// Most bytes read out of the entries of one archive, its nested archives included
    /// (default 4 GiB; a nested archive counts once as an entry and again for its own
    /// entries): past it, the rest of the archive is skipped.
    pub max_total_size: u64,
    /// Highest compression ratio, decompressed to compressed, of one entry and of a
    /// whole archive (default 200, i.e. 200:1). Past it, decompression stops: a
    /// possible zip bomb.
    pub max_ratio: u64,
    /// Ratios are judged only once this many bytes have been decompressed (default
    /// 1 MiB): small, regular files legitimately compress far better than 200:1.
    pub ratio_floor: u64,
    /// Most entries in one archive, nested archives included (default 100 000): past
    /// it, the rest of the archive is skipped.
    pub max_entries: u64,
    /// How many levels of archives are opened (default 2: an npm tarball inside a zip).
    /// The archive given is level 1; an archive found deeper is listed as skipped.
    pub max_depth: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_entry_size: DEFAULT_MAX_ENTRY_SIZE,
            max_total_size: DEFAULT_MAX_TOTAL_SIZE,
            max_ratio: DEFAULT_MAX_RATIO,
            ratio_floor: DEFAULT_RATIO_FLOOR,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// `512 MiB`, `4 GiB`, `1000 bytes`.
pub(super) fn human(n: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

pub(super) fn over_ratio(out: u64, input: u64, limits: &ArchiveLimits) -> bool {
    out > limits.ratio_floor && out > limits.max_ratio.saturating_mul(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512 * MIB), "512 MiB");
        assert_eq!(human(4 * GIB), "4 GiB");
        assert_eq!(human(1000), "1000 bytes");
        assert_eq!(human(64 * KIB), "64 KiB");
    }
}
