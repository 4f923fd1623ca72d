//! candor-scan end to end: realistic inputs built by the tests themselves.

mod archives;
mod bundle;
mod coverage;
mod inputs;
mod native;
mod occurrences;
mod output;
mod precision;
mod support;
