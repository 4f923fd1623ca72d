//! Every way a command can fail to do its job (exit 2), and how each is named.
//!
//! A rejection (a document that was examined and found wanting) is not an error: it is a
//! report, and the command exits 1. Everything here is an input or usage error. The
//! mapping is exhaustive: each library error type names its own variants
//! (`kind()`, matched without a wildcard in its crate), and [`CliError`] names every
//! library error type the commands can return, so a new variant or type is a compile
//! error until it is named.

use candor_release::declaration::DeclarationError;
use candor_release::statement::StatementError;
use candor_scan::ScanRequestError;
use candor_sign::file::FileError;
use candor_sign::keys::KeyError;
use candor_sign::signing::SignError;
use candor_sign::sigstore::SigstoreError;
use candor_verify::bundle::BundleError;
use candor_verify::envelope::EnvelopeError;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage error found after argument parsing, or an input error the command
    /// describes itself, with what to do.
    #[error("{message}")]
    Usage {
        /// A stable, kebab-case name.
        kind: &'static str,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A key could not be loaded or written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A key could not be loaded, with the file named.
    #[error("cannot load {what} {path}")]
    KeyFile {
        /// Which kind of key (`private key`).
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// A feed could not be published to, synced or read.
    #[error(transparent)]
    Feed(#[from] candor_feed::FeedError),
    /// A declaration could not be read or written.
    #[error(transparent)]
    Declaration(#[from] DeclarationError),
    /// A Statement could not be made.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// An audit could not be drafted.
    #[error(transparent)]
    AuditDraft(#[from] candor_audit::draft::DraftError),
    /// An audit could not be signed.
    #[error(transparent)]
    AuditSign(#[from] candor_audit::sign::SignAuditError),
    /// A response could not be made.
    #[error(transparent)]
    Respond(#[from] candor_audit::respond::RespondError),
    /// Audits could not be shown.
    #[error(transparent)]
    AuditShow(#[from] candor_audit::show::ShowError),
    /// A release manifest could not be generated.
    #[error(transparent)]
    Generate(#[from] candor_release::generate::GenerateError),
    /// A Statement could not be signed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A Sigstore operation failed for want of usable input.
    #[error(transparent)]
    Sigstore(#[from] SigstoreError),
    /// An envelope verification could not be attempted.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A bundle verification could not be attempted.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A scan could not be done.
    #[error(transparent)]
    Scan(#[from] ScanRequestError),
    /// An installed tool could not be verified, or a policy could not be used.
    #[error(transparent)]
    Verification(#[from] candor_verify::error::VerificationError),
}

impl CliError {
    /// A usage error with a hint.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage {
            kind: "usage",
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// A stable, kebab-case name of the failure, for `--format json`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage { kind, .. } => kind,
            CliError::File(error) => error.kind(),
            CliError::Key(error) | CliError::KeyFile { source: error, .. } => error.kind(),
            CliError::Feed(error) => error.kind(),
            CliError::Declaration(error) => error.kind(),
            CliError::Statement(error) => error.kind(),
            CliError::AuditDraft(error) => error.kind(),
            CliError::AuditSign(error) => error.kind(),
            CliError::Respond(error) => error.kind(),
            CliError::AuditShow(error) => error.kind(),
            CliError::Generate(error) => error.kind(),
            CliError::Sign(error) => error.kind(),
            CliError::Sigstore(error) => error.kind(),
            CliError::Envelope(error) => error.kind(),
            CliError::Bundle(error) => error.kind(),
            CliError::Scan(error) => error.kind(),
            CliError::Verification(error) => error.kind(),
        }
    }

    /// The exit code: 1 when a feed's content or a publication was refused (a possible
    /// attack, a conflicting manifest), 2 for every other input or usage error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Feed(error) if error.is_refusal() => 1,
            CliError::AuditDraft(error) if error.is_rejection() => 1,
            CliError::AuditSign(error) if error.is_refusal() => 1,
            _ => 2,
        }
    }

    /// What the user can do about it, where the error says something actionable.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Usage { hint, .. } => hint.clone(),
            CliError::File(FileError::Exists { .. })
            | CliError::Key(KeyError::File(FileError::Exists { .. }))
            | CliError::Declaration(DeclarationError::File(FileError::Exists { .. })) => {
                Some("pass --force to replace it".to_owned())
            }
            CliError::Statement(StatementError::InvalidDeclaration { file, .. }) => {
                Some(format!("run `candor manifest validate {file}` for details"))
            }
            CliError::Statement(StatementError::NoSubjects) => Some(
                "name the release's artifacts with --artifact PATH (or list [[subject]] in candor.toml)"
                    .to_owned(),
            ),
            CliError::Generate(candor_release::generate::GenerateError::Git(
                candor_release::git::GitError::Shallow { .. },
            )) => Some(
                "fetch the whole history (git fetch --unshallow; in GitHub Actions, \
                 actions/checkout with fetch-depth: 0)"
                    .to_owned(),
            ),
            CliError::Generate(candor_release::generate::GenerateError::InvalidDeclaration {
                ..
            }) => Some(
                "the declaration is read from the tag: fix candor.toml, commit, and tag again"
                    .to_owned(),
            ),
            CliError::Sign(SignError::Statement { .. }) => {
                Some("make Statements with `candor manifest statement`".to_owned())
            }
            CliError::Sign(SignError::BundleNeedsOneKey { .. }) => Some(
                "sign with one key, or drop --bundle to write a DSSE envelope with every signature"
                    .to_owned(),
            ),
            CliError::Sign(SignError::Keyless(candor_sign::keyless::KeylessError::NoToken)) => {
                Some(format!(
                    "in GitHub Actions grant `permissions: id-token: write`; elsewhere export {}",
                    candor_sign::signing::ID_TOKEN_ENV
                ))
            }
            CliError::Feed(candor_feed::FeedError::Conflict { .. }) => Some(
                "to replace it, make the new Statement with `candor manifest statement … \
                 --supersedes <the published envelope>`, sign it, and publish with --supersede"
                    .to_owned(),
            ),
            CliError::Feed(candor_feed::FeedError::Rollback { .. } | candor_feed::FeedError::Withdrawn { .. }) => Some(
                "if the feed's owner really rewrote it, sync with --allow-rewrite (recorded in the ledger)"
                    .to_owned(),
            ),
            CliError::Scan(ScanRequestError::DiffNeedsTwo { .. }) => {
                Some("candor scan --diff OLD NEW".to_owned())
            }
            CliError::Verification(error) => error.hint(),
            CliError::Envelope(EnvelopeError::UnmeetableThreshold { .. }) => Some(
                "pass one --key per required signer (the same key given twice counts once)"
                    .to_owned(),
            ),
            _ => None,
        }
    }

    /// The error and each cause, outermost first.
    pub fn chain(&self) -> Vec<String> {
        let mut chain = vec![self.to_string()];
        let mut source = std::error::Error::source(self);
        while let Some(error) = source {
            chain.push(error.to_string());
            source = error.source();
        }
        chain
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::File(FileError::Io(error))
    }
}
