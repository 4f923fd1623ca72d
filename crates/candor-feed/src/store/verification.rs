//! What verifications remember in the store: the trust policies seen (so an older one is
//! refused as a rollback) and the digests of installed files by their stamp.

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};

use super::{Store, insert_event, now};
use crate::error::FeedError;

impl Store {
    /// Check a trust policy's `version` and content (`sha256`) against the policies this
    /// store has seen, and remember it when it is new; all in one transaction.
    ///
    /// A version lower than the highest seen is a rollback; the highest version with
    /// other content is a change without a new version. Neither is recorded.
    pub fn check_policy(
        &mut self,
        version: u64,
        sha256: &str,
        file: &str,
    ) -> Result<PolicyCheck, FeedError> {
        let error = self.error();
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&error)?;
        let highest: Option<(i64, String, String, i64)> = tx
            .query_row(
                "SELECT version, sha256, file, first_seen FROM policies \
                 ORDER BY version DESC, first_seen LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(&error)?;
        let seen = |(v, sha256, file, first_seen): (i64, String, String, i64)| PolicySeen {
            version: u64::try_from(v).unwrap_or(0),
            sha256,
            file,
            first_seen,
        };
        let check = match highest {
            Some(h) if h.0 > version => PolicyCheck::Rollback { highest: seen(h) },
            Some(h) if h.0 == version && h.1 != sha256 => {
                // The same content may have been seen at this version before.
                let known: bool = tx
                    .query_row(
                        "SELECT 1 FROM policies WHERE version = ?1 AND sha256 = ?2",
                        params![version, sha256],
                        |_| Ok(true),
                    )
                    .optional()
                    .map_err(&error)?
                    .unwrap_or(false);
                if known {
                    PolicyCheck::Known
                } else {
                    PolicyCheck::ChangedWithoutVersion { seen: seen(h) }
                }
            }
            Some(h) if h.0 == version => PolicyCheck::Known,
            previous => {
                tx.execute(
                    "INSERT INTO policies (version, sha256, file, first_seen) VALUES (?1, ?2, ?3, ?4)",
                    params![version, sha256, file, now()],
                )
                .map_err(&error)?;
                insert_event(
                    &tx,
                    "policy",
                    None,
                    None,
                    None,
                    None,
                    &serde_json::json!({ "version": version, "sha256": sha256, "file": file }),
                )
                .map_err(&error)?;
                PolicyCheck::New {
                    previous: previous.map(seen),
                }
            }
        };
        tx.commit().map_err(&error)?;
        Ok(check)
    }

    /// The highest policy version this store has seen.
    pub fn highest_policy(&self) -> Result<Option<PolicySeen>, FeedError> {
        self.conn
            .query_row(
                "SELECT version, sha256, file, first_seen FROM policies \
                 ORDER BY version DESC, first_seen LIMIT 1",
                [],
                |r| {
                    Ok(PolicySeen {
                        version: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        sha256: r.get(1)?,
                        file: r.get(2)?,
                        first_seen: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(self.error())
    }

    /// The sha256 remembered for the file at `path`, if its stamp is unchanged.
    pub fn cached_sha256(
        &self,
        path: &str,
        stamp: &FileStamp,
    ) -> Result<Option<String>, FeedError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT sha256 FROM digest_cache WHERE path = ?1 AND device = ?2 AND inode = ?3 \
                 AND size = ?4 AND mtime_ns = ?5 AND ctime_ns = ?6",
            )
            .map_err(self.error())?;
        statement
            .query_row(
                params![
                    path,
                    stamp.device_sql(),
                    stamp.inode_sql(),
                    stamp.size_sql(),
                    stamp.mtime_ns,
                    stamp.ctime_ns
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.error())
    }

    /// Remember the sha256 of the file at `path` with this stamp.
    pub fn cache_sha256(
        &mut self,
        path: &str,
        stamp: &FileStamp,
        sha256: &str,
    ) -> Result<(), FeedError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO digest_cache \
                 (path, device, inode, size, mtime_ns, ctime_ns, sha256, checked) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    path,
                    stamp.device_sql(),
                    stamp.inode_sql(),
                    stamp.size_sql(),
                    stamp.mtime_ns,
                    stamp.ctime_ns,
                    sha256,
                    now()
                ],
            )
            .map_err(self.error())?;
        Ok(())
    }
}

/// What [`Store::check_policy`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyCheck {
    /// Not seen before, now remembered; `previous` is the highest seen until now.
    New {
        /// The highest version seen before, if any.
        previous: Option<PolicySeen>,
    },
    /// Seen before, with this content.
    Known,
    /// Older than the highest version seen.
    Rollback {
        /// The highest version seen.
        highest: PolicySeen,
    },
    /// The highest version seen, with other content.
    ChangedWithoutVersion {
        /// The policy first seen at this version.
        seen: PolicySeen,
    },
}

/// A policy a store has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySeen {
    /// Its version.
    pub version: u64,
    /// sha256 of its bytes.
    pub sha256: String,
    /// The file it was read from.
    pub file: String,
    /// When it was first seen (Unix seconds).
    pub first_seen: i64,
}

/// What identifies one state of a file's content without reading it: its device,
/// inode, size, and modification and status-change times in nanoseconds. Writing a
/// file changes its ctime, which unprivileged users cannot set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Device id.
    pub device: u64,
    /// Inode number.
    pub inode: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status-change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
}

impl FileStamp {
    // SQLite integers are signed 64-bit; the bits are stored as they are.
    #[allow(clippy::cast_possible_wrap)]
    fn device_sql(&self) -> i64 {
        self.device as i64
    }

    #[allow(clippy::cast_possible_wrap)]
    fn inode_sql(&self) -> i64 {
        self.inode as i64
    }

    #[allow(clippy::cast_possible_wrap)]
    fn size_sql(&self) -> i64 {
        self.size as i64
    }
}
