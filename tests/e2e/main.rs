//! End-to-end tests of the `candor` binary: every command as a user runs it, with the exit
//! code and the output they see. Snapshots live in `tests/e2e/snapshots/`
//! (`INSTA_UPDATE=always cargo test -p candor-cli --test e2e` rewrites them; review the
//! diff).

mod audits;
mod bundles;
mod feeds;
mod generate;
mod help;
mod hostile;
mod interop;
mod key;
mod keyless;
mod ledger;
mod manifest;
mod prompt;
mod sample;
mod scan_corpus;
mod scan_inputs;
mod scan_memory;
mod scan_output;
mod scan_roles;
mod schemas;
mod sign_verify;
mod sigstore_conformance;
mod stdin;
mod support;
mod tuf_update;
mod verbosity;
mod verify;
