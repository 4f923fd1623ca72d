//! The checks a verification makes, each recorded as it is made: what `-v` prints.

use std::fmt;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// It passed.
    Passed,
    /// It failed; the verification ends with it.
    Failed,
    /// It decided nothing: a signature no trusted signer made (not counted), or a check
    /// that was not asked for (no artifact given).
    Skipped,
}

/// One check of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked: `document`, `signature`, `threshold`, `payload type`,
    /// `statement`, `subject`, `certificate`, `sct`, `transparency log`, `time`,
    /// `identity` … (a failed Sigstore check is named as
    /// [`crate::sigstore::SigstoreError::check`] names it).
    pub what: &'static str,
    /// How it came out.
    pub outcome: CheckOutcome,
    /// What was found.
    pub detail: String,
}

impl Check {
    /// A check that passed.
    pub fn passed(what: &'static str, detail: impl Into<String>) -> Self {
        Self {
            what,
            outcome: CheckOutcome::Passed,
            detail: detail.into(),
        }
    }

    /// A check that failed.
    pub fn failed(what: &'static str, detail: impl Into<String>) -> Self {
        Self {
            what,
            outcome: CheckOutcome::Failed,
            detail: detail.into(),
        }
    }

    /// A check that decided nothing.
    pub fn skipped(what: &'static str, detail: impl Into<String>) -> Self {
        Self {
            what,
            outcome: CheckOutcome::Skipped,
            detail: detail.into(),
        }
    }
}

/// `ok   signature   by trusted key …`: a word for the outcome, the check, the detail.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match self.outcome {
            CheckOutcome::Passed => "ok",
            CheckOutcome::Failed => "FAIL",
            CheckOutcome::Skipped => "--",
        };
        // Continuation lines of a long detail (a subject list) line up under its start.
        let detail = self.detail.replace('\n', &format!("\n{:24}", ""));
        write!(f, "{outcome:<4} {:<18} {detail}", self.what)
    }
}
