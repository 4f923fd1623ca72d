//! Reading TOML documents with errors that point at line:column.

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use crate::error::{DocumentError, DocumentErrors, Violation};
use crate::location::{FieldPath, LineColumns, Location, PathSegment};

/// The largest TOML document candor reads (1 MiB): authoring files and policies are
/// kilobytes.
pub const MAX_TOML_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Deserialize `T` from TOML text; a syntax or type error names line:column.
pub(crate) fn from_toml_str<T: DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, DocumentError> {
    if text.len() > MAX_TOML_DOCUMENT_BYTES {
        return Err(DocumentError::whole(
            file,
            format!(
                "document is {} bytes; the limit is {MAX_TOML_DOCUMENT_BYTES} bytes (1 MiB)",
                text.len()
            ),
        ));
    }
    toml::from_str(text).map_err(|e| DocumentError {
        file: file.to_owned(),
        location: e.span().map_or(Location::Document, |span| {
            Location::of_offset(text, span.start)
        }),
        message: e.message().trim_end().to_owned(),
    })
}

/// Turn rule violations into errors located in `text`.
pub(crate) fn locate_violations(
    text: &str,
    file: &str,
    violations: Vec<Violation>,
) -> DocumentErrors {
    let root = DeTable::parse(text).ok();
    let mut located: Vec<(usize, Violation)> = violations
        .into_iter()
        .map(|v| {
            let offset = root
                .as_ref()
                .and_then(|root| span_of(root.get_ref(), &v.path))
                .unwrap_or(0);
            (offset, v)
        })
        .collect();
    // In document order (stable: equal offsets keep the rules' order), which lets one
    // walk over the text find every line:column; locating each error from the start of
    // the text was quadratic (LineColumns).
    located.sort_by_key(|(offset, _)| *offset);
    let mut lines = LineColumns::new(text);
    DocumentErrors(
        located
            .into_iter()
            .map(|(offset, v)| DocumentError {
                file: file.to_owned(),
                location: if root.is_some() {
                    lines.at(offset)
                } else {
                    Location::Document
                },
                message: format!("{}: {}", v.path.to_dotted(), v.message),
            })
            .collect(),
    )
}

/// Byte offset of the value at `path`, or of the deepest ancestor that exists.
fn span_of(root: &DeTable<'_>, path: &FieldPath) -> Option<usize> {
    let mut segments = path.0.iter();
    let first = match segments.next()? {
        PathSegment::Key(key) => root.get(key.as_str())?,
        PathSegment::Index(_) => return None,
    };
    let mut current = first;
    for segment in segments {
        let next = match (segment, current.get_ref()) {
            (PathSegment::Key(key), DeValue::Table(table)) => table.get(key.as_str()),
            (PathSegment::Index(i), DeValue::Array(array)) => array.get(*i),
            _ => None,
        };
        match next {
            Some(value) => current = value,
            None => break,
        }
    }
    Some(current.span().start)
}
