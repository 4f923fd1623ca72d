//! Adversarial integration tests of the verifier, one test per case of
//! `ADVERSARIAL.md` (sections A, B and E as they apply to `candor-sign`), each named after
//! its case id. Every test asserts what a user would see: the error variant and its text.
//!
//! Not applicable here: A16 to A18 and A21 (Sigstore bundles and keyless signing are not
//! implemented), B1, B3, B4, B11 to B15, B17 (trust policy, handled where policies are
//! evaluated), E2, E3, E10 to E12 (bundles, logs, references, CLI arguments). A20 is a
//! property of the API's types, see `signatures::a20_threshold_zero_cannot_be_expressed`.

mod envelope;
mod keys;
mod policy_signers;
mod signatures;
mod statement;
mod subject;
mod support;
