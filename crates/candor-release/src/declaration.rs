//! The vendor's `candor.toml`: the template, reading, validation.

use std::path::Path;

use candor_model::claims::ClaimCategory;
use candor_model::error::LocatedError;
use candor_model::manifest::Declaration;
use candor_model::{DocumentErrors, MAX_TOML_DOCUMENT_BYTES};
use candor_sign::file::{FileError, FileMode, Input, write_atomic};
use schemars::JsonSchema;
use serde::Serialize;

/// The commented template `candor manifest init` writes.
pub const TEMPLATE: &str = include_str!("../templates/candor.toml");

/// Why a declaration could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeclarationError {
    /// The file could not be read or written, or is too large.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not UTF-8.
    #[error("{file}: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The file.
        file: String,
        /// Offset of the first invalid byte.
        offset: usize,
    },
}

impl DeclarationError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            DeclarationError::File(error) => error.kind(),
            DeclarationError::NotUtf8 { .. } => "not-utf8",
        }
    }
}

/// Write the template to `out` (atomically), refusing to replace a file unless `force`.
pub fn write_template(out: &Path, force: bool) -> Result<InitReport, DeclarationError> {
    candor_sign::file::refuse_existing(out, force)?;
    write_atomic(out, TEMPLATE.as_bytes(), FileMode::Public)?;
    Ok(InitReport {
        ok: true,
        written: out.display().to_string(),
    })
}

/// What `candor manifest init` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct InitReport {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub ok: bool,
    /// The file written.
    pub written: String,
}

/// Read and parse a declaration: the outer error means the file could not be read, the
/// inner one that it does not validate (every error, located).
pub fn read_declaration(
    input: &Input,
) -> Result<Result<Declaration, DocumentErrors>, DeclarationError> {
    let bytes = input.read_capped(MAX_TOML_DOCUMENT_BYTES as u64, "a candor.toml")?;
    let file = input.to_string();
    let text = String::from_utf8(bytes).map_err(|e| DeclarationError::NotUtf8 {
        file: file.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    Ok(Declaration::from_toml(&text, &file))
}

/// A declaration that validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Valid {
    /// The file.
    pub file: String,
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub valid: bool,
    /// The tool's name.
    pub tool: String,
    /// The release.
    pub version: String,
    /// Number of claims.
    pub claims: usize,
    /// Categories with at least one claim.
    pub categories: Vec<String>,
    /// Categories the vendor asserts are declared exhaustively.
    pub exhaustive: Vec<String>,
    /// Always empty.
    pub errors: Vec<LocatedError>,
}

/// A declaration that did not validate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Invalid {
    /// The file.
    pub file: String,
    /// Always `false`.
    #[schemars(schema_with = "candor_model::schema::always_false")]
    pub valid: bool,
    /// The errors, located, in document order: the first
    /// [`candor_model::error::MAX_SHOWN_ERRORS`] of them.
    pub errors: Vec<LocatedError>,
    /// How many more errors there were than `errors` lists.
    pub more_errors: usize,
}

/// What `candor manifest validate` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ValidationReport {
    /// It is valid.
    Valid(Valid),
    /// It is not; every error.
    Invalid(Invalid),
}

/// Validate the declaration in `input` (a file or standard input).
pub fn validate(input: &Input) -> Result<ValidationReport, DeclarationError> {
    let file = input.to_string();
    Ok(match read_declaration(input)? {
        Ok(declaration) => ValidationReport::Valid(Valid {
            file,
            valid: true,
            tool: declaration.tool.name.to_string(),
            version: declaration.tool.version.to_string(),
            claims: declaration.claims.ids().len(),
            categories: ClaimCategory::ALL
                .into_iter()
                .filter(|c| declaration.claims.count(*c) > 0)
                .map(|c| c.as_str().to_owned())
                .collect(),
            exhaustive: declaration
                .completeness
                .exhaustive
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            errors: Vec::new(),
        }),
        Err(errors) => {
            let (errors, more_errors) = errors.located();
            ValidationReport::Invalid(Invalid {
                file,
                valid: false,
                errors,
                more_errors,
            })
        }
    })
}
