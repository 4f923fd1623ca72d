//! Why `candor verify`, `candor policy` or `candor ledger` could not do their job: the
//! inputs were unusable (exit 2). A target that was examined and failed the policy is a
//! verdict, not an error.

use std::path::PathBuf;

use candor_feed::error::FeedError;
use candor_model::DocumentErrors;
use candor_sign::file::FileError;
use candor_sign::signing::SignError;
use candor_sign::verify::TrustError;

use crate::resolve::ResolveError;

/// Why a verification could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// The policy file cannot be read.
    #[error("cannot read the trust policy")]
    PolicyFile(#[source] FileError),
    /// The policy does not parse or breaks its rules (every problem, located).
    #[error("{0}")]
    Policy(DocumentErrors),
    /// A signer in the policy cannot be used (a malformed or weak key; identities
    /// without a trusted root).
    #[error("{file}: a signer cannot be used")]
    PolicySigner {
        /// The policy file.
        file: String,
        /// Why.
        #[source]
        source: TrustError,
    },
    /// The policy's version is lower than one this store has seen.
    #[error(
        "{file}: policy version {version} is older than version {highest}, seen in {highest_file} on {first_seen}: refused as a rollback"
    )]
    PolicyRollback {
        /// The policy file.
        file: String,
        /// Its version.
        version: u64,
        /// The highest version seen.
        highest: u64,
        /// Where that one was read from.
        highest_file: String,
        /// When it was first seen (RFC 3339).
        first_seen: String,
    },
    /// The policy has the version of one seen before, with other content.
    #[error(
        "{file}: policy version {version} was seen before with other content (in {seen_file} on {first_seen}); a changed policy needs a higher version"
    )]
    PolicyChanged {
        /// The policy file.
        file: String,
        /// Its version.
        version: u64,
        /// Where the other content was read from.
        seen_file: String,
        /// When that was first seen (RFC 3339).
        first_seen: String,
    },
    /// There is no store to verify against.
    #[error("no store at {}: nothing has been synced there", dir.display())]
    NoStore {
        /// The store directory.
        dir: PathBuf,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] FeedError),
    /// A target cannot be resolved.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// An artifact cannot be read.
    #[error("cannot read {}", path.display())]
    Artifact {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An artifact is not a regular file (a FIFO, a device).
    #[error("{}: not a regular file; expected an installed file or directory", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A directory target holds more files than candor digests.
    #[error("{}: more than {limit} files; expected an installed package or release", path.display())]
    TooManyFiles {
        /// The directory.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// `--all` found nothing to verify.
    #[error("no tool the store knows is installed here (searched PATH for {searched} tool(s))")]
    NothingInstalled {
        /// How many tools were looked for.
        searched: usize,
    },
    /// `candor ledger VENDOR` names a vendor no counted manifest in the store names.
    #[error("no vendor `{vendor}` in the store: {}", known_vendors(.known))]
    UnknownVendor {
        /// The vendor asked for.
        vendor: String,
        /// The vendors the store's counted manifests name.
        known: Vec<String>,
    },
    /// The verdict could not be signed.
    #[error("cannot sign the verification summary")]
    Attest(#[source] SignError),
    /// Where to write verification summaries is unusable.
    #[error("{}: {reason}", path.display())]
    AttestOut {
        /// The path given.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file cannot be written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The local scan (`--scan`) failed.
    #[error("cannot scan {}", path.display())]
    Scan {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: candor_scan::ScanError,
    },
}

impl VerificationError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            VerificationError::PolicyFile(error) | VerificationError::File(error) => error.kind(),
            VerificationError::Policy(_) => "invalid-policy",
            VerificationError::PolicySigner { .. } => "invalid-policy-signer",
            VerificationError::PolicyRollback { .. } => "policy-rollback",
            VerificationError::PolicyChanged { .. } => "policy-changed-without-version",
            VerificationError::NoStore { .. } => "no-store",
            VerificationError::Store(error) => error.kind(),
            VerificationError::Resolve(error) => error.kind(),
            VerificationError::Artifact { .. } => "unreadable-artifact",
            VerificationError::NotAFile { .. } => "not-a-file",
            VerificationError::TooManyFiles { .. } => "too-many-files",
            VerificationError::NothingInstalled { .. } => "nothing-installed",
            VerificationError::UnknownVendor { .. } => "unknown-vendor",
            VerificationError::Attest(error) => error.kind(),
            VerificationError::AttestOut { .. } => "usage",
            VerificationError::Scan { source, .. } => source.kind(),
        }
    }

    /// What the user can do about it, where something can be done.
    pub fn hint(&self) -> Option<String> {
        match self {
            VerificationError::PolicyRollback { .. } => Some(
                "use the current policy; if the newer one was a mistake, publish a fix with a higher version"
                    .to_owned(),
            ),
            VerificationError::PolicyChanged { version, .. } => {
                Some(format!("raise `version` above {version} in the policy"))
            }
            VerificationError::NoStore { .. } => Some(
                "`candor feed add NAME LOCATION` and `candor feed sync`, or --store DIR".to_owned(),
            ),
            VerificationError::UnknownVendor { known, .. } if !known.is_empty() => Some(
                "name one of the vendors listed (any case), or leave VENDOR out for all of them"
                    .to_owned(),
            ),
            VerificationError::UnknownVendor { .. } => Some(
                "sync a feed first (`candor feed add NAME LOCATION`, `candor feed sync`)"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// `known vendors: A, B` or why there are none.
fn known_vendors(known: &[String]) -> String {
    if known.is_empty() {
        "no manifest in it names a vendor".to_owned()
    } else {
        format!("the vendors it knows are {}", known.join(", "))
    }
}
