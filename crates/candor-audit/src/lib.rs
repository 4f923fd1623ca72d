//! candor's auditor side: the check on vendors.
//!
//! - [`draft`]: an editable audit of a release against its manifest, from a static scan
//!   matched with the claims (`candor audit draft`);
//! - [`sign`]: the draft checked again and signed, bound to the artifacts and the
//!   manifest's digest (`candor audit sign`);
//! - [`respond`]: the vendor's signed answer to an audit (`candor respond`);
//! - [`show`]: audits and responses for people (`candor audit show`).
//!
//! ```
//! use candor_audit::draft::default_severity;
//! use candor_model::audit::{FindingStatus, Severity};
//! use candor_model::claims::ClaimCategory;
//!
//! // Undeclared conditional behaviour starts high; an undeclared variable low.
//! assert_eq!(default_severity(FindingStatus::Undeclared, ClaimCategory::Conditional), Severity::High);
//! assert_eq!(default_severity(FindingStatus::Undeclared, ClaimCategory::Env), Severity::Low);
//! assert_eq!(default_severity(FindingStatus::Contradicted, ClaimCategory::Conditional), Severity::Critical);
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod draft;
pub mod respond;
pub mod schema;
pub mod show;
pub mod sign;
