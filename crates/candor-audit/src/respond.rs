//! `candor respond`: the vendor's signed answer to an audit, naming the audit by its
//! digest and answering each finding.

use std::path::PathBuf;

use candor_model::audit::FindingStatus;
use candor_model::ids::{FindingId, Timestamp, Version};
use candor_model::response::{AnsweredAudit, FindingResponse, ResponsePredicate, ResponseStatus};
use candor_model::{AnyStatement, DocumentErrors, Statement};
use candor_sign::file::{FileError, read_capped};
use candor_sign::signing::{Destination, SignError, SignWith, SignedDocument, sign_statement};
use candor_sign::verify::VerifyError;

/// One finding answered otherwise than the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingAnswer {
    /// The finding.
    pub finding: FindingId,
    /// The vendor's position on it.
    pub status: ResponseStatus,
    /// Its own statement, if not the general one.
    pub statement: Option<String>,
}

/// What to respond.
#[derive(Debug)]
pub struct RespondRequest {
    /// The audit (envelope or bundle) answered.
    pub audit: PathBuf,
    /// The vendor answering.
    pub vendor: String,
    /// The position on every finding answered (all but confirmed ones).
    pub status: ResponseStatus,
    /// The release that fixes them (with `fixed`).
    pub fixed_in: Option<Version>,
    /// The vendor's words.
    pub statement: String,
    /// Findings answered otherwise.
    pub answers: Vec<FindingAnswer>,
    /// How to sign.
    pub with: SignWith,
    /// Where the signed response goes.
    pub out: Destination,
}

/// Why a response could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RespondError {
    /// The audit could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The audit is not a candor attestation.
    #[error("{} is not a candor attestation", file.display())]
    Audit {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: Box<VerifyError>,
    },
    /// The document is another kind of document.
    #[error("{}: a {kind}, not an audit", file.display())]
    NotAnAudit {
        /// The file.
        file: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// An answer names a finding the audit does not have.
    #[error("the audit has no finding {finding}; its findings: {known}")]
    UnknownFinding {
        /// The id given.
        finding: String,
        /// The audit's ids.
        known: String,
    },
    /// The response breaks a rule (a `fixed` answer without `--fixed-in`, …).
    #[error("the response is not valid:\n{0}")]
    Invalid(DocumentErrors),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl RespondError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            RespondError::File(error) => error.kind(),
            RespondError::Audit { source, .. } => source.kind(),
            RespondError::NotAnAudit { .. } => "not-an-audit",
            RespondError::UnknownFinding { .. } => "unknown-finding",
            RespondError::Invalid(_) => "invalid-response",
            RespondError::Sign(error) => error.kind(),
        }
    }
}

/// Make and sign a response.
pub fn respond(request: &RespondRequest) -> Result<SignedDocument, RespondError> {
    let bytes = read_capped(
        &request.audit,
        candor_sign::dsse::MAX_ENVELOPE_BYTES,
        "a DSSE envelope or Sigstore bundle",
    )?;
    let name = request.audit.display().to_string();
    let inspected = candor_sign::verify::inspect_attestation(&bytes, &name).map_err(|source| {
        RespondError::Audit {
            file: request.audit.clone(),
            source: Box::new(source),
        }
    })?;
    let AnyStatement::Audit(audit) = inspected.statement else {
        return Err(RespondError::NotAnAudit {
            file: request.audit.clone(),
            kind: inspected.statement.kind_name(),
        });
    };
    let known: Vec<&FindingId> = audit.predicate.findings.iter().map(|f| &f.id).collect();
    for answer in &request.answers {
        if !known.contains(&&answer.finding) {
            return Err(RespondError::UnknownFinding {
                finding: answer.finding.to_string(),
                known: known
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let responses = audit
        .predicate
        .findings
        .iter()
        .filter_map(|finding| {
            let answer = request.answers.iter().find(|a| a.finding == finding.id);
            if answer.is_none() && finding.status == FindingStatus::Confirmed {
                return None;
            }
            let status = answer.map_or(request.status, |a| a.status);
            Some(FindingResponse {
                finding: finding.id.clone(),
                status,
                fixed_in: (status == ResponseStatus::Fixed)
                    .then(|| request.fixed_in.clone())
                    .flatten(),
                statement: answer
                    .and_then(|a| a.statement.clone())
                    .unwrap_or_else(|| request.statement.clone()),
            })
        })
        .collect();
    let statement = Statement {
        subject: audit.subject.clone(),
        predicate: ResponsePredicate {
            vendor: request.vendor.clone(),
            audit: AnsweredAudit {
                envelope_digest: candor_sign::artifact::sha256_of(&bytes),
                tool: audit.predicate.manifest.tool.clone(),
                version: audit.predicate.manifest.version.clone(),
            },
            date: Timestamp::from_offset_date_time(
                time::OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            ),
            responses,
        },
    };
    let violations = statement.violations();
    if !violations.is_empty() {
        return Err(RespondError::Invalid(DocumentErrors(
            violations
                .into_iter()
                .map(|v| candor_model::DocumentError {
                    file: "(response)".to_owned(),
                    location: candor_model::location::Location::JsonPath(v.path.to_json_path()),
                    message: v.message,
                })
                .collect(),
        )));
    }
    let signed = sign_statement(AnyStatement::Response(statement), &request.with)?;
    if let Destination::File(path) = &request.out {
        candor_sign::file::write_atomic(
            path,
            signed.text.as_bytes(),
            candor_sign::file::FileMode::Public,
        )?;
    }
    Ok(signed)
}
