//! Signed verdicts: `candor verify … --attest OUT --key KEY` writes each target's verdict
//! as a verification summary (SLSA VSA v1, see `candor_model::summary`), so one central
//! verifier can vouch for a fleet. `candor verify-envelope` verifies one like any other
//! candor document.
//!
//! Its subjects are the artifacts by the digests read; `resourceUri` is the release's
//! package URL; `policy` the policy file by URI and sha256; `inputAttestations` every
//! trusted document the verdict used, by its path in a feed and its sha256.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::ids::Purl;
use candor_model::summary::{
    CANDOR_VERIFIER_ID, Resource, VerdictDetail, VerificationResult, VerificationSummary, Verifier,
};
use candor_model::{AnyStatement, Statement, Subject};
use candor_sign::file::{FileMode, write_atomic};
use candor_sign::signing::{SignWith, sign_statement};

use crate::error::VerificationError;
use crate::report::{Outcome, TargetVerdict, Verdict, VerifyReport, WrittenSummary};

/// Where and how to write signed verdicts.
#[derive(Debug)]
pub struct AttestRequest {
    /// The file (one target), or a directory (several: one file per target).
    pub out: PathBuf,
    /// How to sign.
    pub with: SignWith,
    /// Replace existing summary files (otherwise an existing one is refused, before
    /// anything is signed or written).
    pub replace: bool,
}

fn digest(sha256: &str) -> Option<DigestSet> {
    DigestSet::single(DigestAlgorithm::Sha256, sha256).ok()
}

/// The verification summary Statement of one target's verdict.
pub fn summary(
    report: &VerifyReport,
    target: &TargetVerdict,
    policy_uri: &str,
) -> Statement<VerificationSummary> {
    let version = target
        .version
        .clone()
        .unwrap_or_else(|| "unknown".to_owned());
    let subject: Vec<Subject> = target
        .artifacts
        .iter()
        .filter_map(|a| {
            let name = a.subject.clone().unwrap_or_else(|| {
                let file = a.path.file_name().map_or_else(
                    || "artifact".to_owned(),
                    |n| n.to_string_lossy().into_owned(),
                );
                Purl::generic(&file, &version).map_or_else(
                    |_| format!("pkg:generic/artifact@{version}"),
                    |p| p.as_str().to_owned(),
                )
            });
            Some(Subject {
                name,
                digest: digest(&a.sha256)?,
            })
        })
        .collect();
    let resource_uri = subject
        .first()
        .map_or_else(|| target.target.clone(), |s| s.name.clone());
    let documents = &target.documents;
    let inputs = documents
        .manifests
        .iter()
        .map(|d| (&d.path, &d.sha256))
        .chain(documents.audits.iter().map(|d| (&d.path, &d.sha256)))
        .chain(documents.responses.iter().map(|d| (&d.path, &d.sha256)))
        .map(|(path, sha256)| Resource {
            uri: path.clone(),
            digest: digest(sha256),
        })
        .collect();
    let failed = target.verdict == Verdict::Fail;
    Statement {
        subject,
        predicate: VerificationSummary {
            verifier: Verifier {
                id: CANDOR_VERIFIER_ID.to_owned(),
                version: BTreeMap::from([(
                    "candor".to_owned(),
                    env!("CARGO_PKG_VERSION").to_owned(),
                )]),
            },
            time_verified: report.time.clone(),
            resource_uri,
            policy: Resource {
                uri: policy_uri.to_owned(),
                digest: digest(&report.policy.sha256),
            },
            input_attestations: inputs,
            verification_result: if failed {
                VerificationResult::Failed
            } else {
                VerificationResult::Passed
            },
            verified_levels: vec![target.verdict.level().to_owned()],
            slsa_version: None,
            candor: Some(VerdictDetail {
                verdict: target.verdict,
                tool: target.tool.clone(),
                version: target.version.clone(),
                policy_version: report.policy.version,
                reasons: target
                    .reasons
                    .iter()
                    .filter(|r| r.outcome != Outcome::Pass)
                    .map(|r| format!("{}: {}", r.rule.as_str(), r.message))
                    .collect(),
            }),
        },
    }
}

/// The file a target's summary goes to: `out` itself for one target, else
/// `out/<tool>-<version>.vsa.dsse.json` (or the target's file name).
fn destination(out: &Path, target: &TargetVerdict, several: bool) -> PathBuf {
    if !several {
        return out.to_owned();
    }
    let stem = match (&target.tool, &target.version) {
        (Some(tool), Some(version)) => format!("{tool}-{version}"),
        (Some(tool), None) => tool.clone(),
        _ => Path::new(&target.target)
            .file_name()
            .map_or_else(|| "target".to_owned(), |n| n.to_string_lossy().into_owned()),
    };
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.join(format!("{safe}.vsa.dsse.json"))
}

/// Sign each target's verdict and write it (atomically); the files are added to the
/// report.
pub fn attest(
    report: &mut VerifyReport,
    request: &AttestRequest,
    policy: &Path,
) -> Result<(), VerificationError> {
    let several = report.targets.len() > 1;
    if several && !request.out.is_dir() {
        return Err(VerificationError::AttestOut {
            path: request.out.clone(),
            reason: format!(
                "{} targets: --attest needs an existing directory to write one summary per target",
                report.targets.len()
            ),
        });
    }
    let policy_uri = std::fs::canonicalize(policy).map_or_else(
        |_| policy.display().to_string(),
        |p| format!("file://{}", p.display()),
    );
    for target in &report.targets {
        candor_sign::file::refuse_existing(
            &destination(&request.out, target, several),
            request.replace,
        )?;
    }
    let mut written = Vec::new();
    for target in &report.targets {
        let statement = summary(report, target, &policy_uri);
        let signed = sign_statement(AnyStatement::Summary(statement), &request.with)
            .map_err(VerificationError::Attest)?;
        let file = destination(&request.out, target, several);
        write_atomic(&file, signed.text.as_bytes(), FileMode::Public)?;
        written.push(WrittenSummary {
            target: target.target.clone(),
            file,
            sha256: signed.digest.sha256().unwrap_or_default().to_owned(),
        });
    }
    report.attestations = written;
    Ok(())
}
