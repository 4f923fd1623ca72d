//! Strict JSON reading for signed documents.
//!
//! Signed JSON is read once, strictly: the document must be UTF-8 without a byte-order
//! mark, within [`MAX_JSON_DOCUMENT_BYTES`], and may not repeat a key in any object
//! (`{"subject": [..], "subject": [..]}` is how two parsers are made to disagree about
//! what was signed). Errors carry the JSON path and, where the text is at hand, the line
//! and column.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::DocumentError;
use crate::location::{FieldPath, Location, PathSegment};

/// The largest JSON document candor reads: 16 MiB. Manifests, audits and responses are
/// kilobytes; anything near this size is an attack or a mistake.
pub const MAX_JSON_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// How large a JSON document may be: bytes, and values at every depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonLimits {
    /// The most bytes.
    pub max_bytes: usize,
    /// The most values (objects, arrays, strings, numbers, … at every depth).
    pub max_values: usize,
}

impl JsonLimits {
    /// The limits of signed documents: [`MAX_JSON_DOCUMENT_BYTES`], [`MAX_JSON_VALUES`].
    pub const DOCUMENT: JsonLimits = JsonLimits {
        max_bytes: MAX_JSON_DOCUMENT_BYTES,
        max_values: MAX_JSON_VALUES,
    };
}

/// Check the outer shape of a JSON document: size, encoding, no duplicate keys.
/// Returns the text.
pub fn check_text<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, DocumentError> {
    check_text_with(bytes, file, JsonLimits::DOCUMENT)
}

/// [`check_text`] with other limits (a feed index lists many files).
pub fn check_text_with<'a>(
    bytes: &'a [u8],
    file: &str,
    limits: JsonLimits,
) -> Result<&'a str, DocumentError> {
    if bytes.len() > limits.max_bytes {
        return Err(DocumentError::whole(
            file,
            format!(
                "document is {} bytes; the limit is {} bytes ({} MiB)",
                bytes.len(),
                limits.max_bytes,
                limits.max_bytes >> 20
            ),
        ));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(DocumentError {
            file: file.to_owned(),
            location: Location::LineColumn { line: 1, column: 1 },
            message: "starts with a UTF-8 byte-order mark; expected JSON text without one"
                .to_owned(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let prefix = std::str::from_utf8(valid).unwrap_or_default();
        DocumentError {
            file: file.to_owned(),
            location: Location::of_offset(prefix, prefix.len()),
            message: format!(
                "invalid UTF-8 at byte {}; expected UTF-8 JSON text",
                e.valid_up_to()
            ),
        }
    })?;
    if text.is_empty() {
        return Err(DocumentError::whole(
            file,
            "empty document; expected JSON text",
        ));
    }
    reject_duplicate_keys(text, file, limits.max_values)?;
    Ok(text)
}

/// Parse a JSON document strictly into `T` (see the module documentation).
pub fn from_slice_strict<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    file: &str,
) -> Result<T, DocumentError> {
    from_slice_strict_with(bytes, file, JsonLimits::DOCUMENT)
}

/// [`from_slice_strict`] with other limits.
pub fn from_slice_strict_with<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    file: &str,
    limits: JsonLimits,
) -> Result<T, DocumentError> {
    let text = check_text_with(bytes, file, limits)?;
    from_str_checked(text, file)
}

/// Deserialize `T` from text that already passed [`check_text`].
pub(crate) fn from_str_checked<T: DeserializeOwned + Serialize>(
    text: &str,
    file: &str,
) -> Result<T, DocumentError> {
    let input: Value = serde_json::from_str(text).map_err(|e| syntax_error(file, &e, None))?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = FieldPath::from_serde_path(e.path());
        let mut error = syntax_error(file, e.inner(), Some(&path));
        if let Some(message) = array_for_struct(&input, &path, &error.message) {
            error.message = message;
        }
        error
    })?;
    deserializer
        .end()
        .map_err(|e| syntax_error(file, &e, None))?;
    reject_arrays_for_objects(&input, &value, &FieldPath::root(), file)?;
    Ok(value)
}

/// Deserialize `T` from a JSON value found at `at` in `file`.
pub(crate) fn from_value_at<T: DeserializeOwned + Serialize>(
    value: Value,
    at: &FieldPath,
    file: &str,
) -> Result<T, DocumentError> {
    let input = value.clone();
    let typed = serde_path_to_error::deserialize(value).map_err(|e| {
        let relative = FieldPath::from_serde_path(e.path());
        let message = strip_position(&e.inner().to_string());
        DocumentError {
            file: file.to_owned(),
            location: Location::JsonPath(relative.under(at).to_json_path()),
            message: array_for_struct(&input, &relative, &message).unwrap_or(message),
        }
    })?;
    reject_arrays_for_objects(&input, &typed, at, file)?;
    Ok(typed)
}

/// serde's derived structs also accept a JSON *array* of the field values in declaration
/// order (`["https://in-toto.io/Statement/v1", [..], "..", {..}]`). No other in-toto
/// reader does, so a document that used that form would be read differently by different
/// parsers. Wherever the typed result is an object, the input must have been one too.
fn reject_arrays_for_objects<T: Serialize>(
    input: &Value,
    typed: &T,
    at: &FieldPath,
    file: &str,
) -> Result<(), DocumentError> {
    fn walk(input: &Value, output: &Value, path: &FieldPath) -> Option<FieldPath> {
        match (input, output) {
            (Value::Array(_), Value::Object(_)) => Some(path.clone()),
            (Value::Object(inputs), Value::Object(outputs)) => {
                outputs.iter().find_map(|(key, out)| {
                    inputs
                        .get(key)
                        .and_then(|inp| walk(inp, out, &path.key(key)))
                })
            }
            (Value::Array(inputs), Value::Array(outputs)) => inputs
                .iter()
                .zip(outputs)
                .enumerate()
                .find_map(|(i, (inp, out))| walk(inp, out, &path.index(i))),
            _ => None,
        }
    }
    let output = serde_json::to_value(typed).unwrap_or(Value::Null);
    match walk(input, &output, &FieldPath::root()) {
        None => Ok(()),
        Some(path) => Err(DocumentError {
            file: file.to_owned(),
            location: Location::JsonPath(path.under(at).to_json_path()),
            message: "found an array; expected a JSON object".to_owned(),
        }),
    }
}

/// A clearer message when serde failed reading an array as a struct.
fn array_for_struct(input: &Value, path: &FieldPath, message: &str) -> Option<String> {
    let mut value = input;
    for segment in &path.0 {
        value = match segment {
            PathSegment::Key(key) => value.get(key)?,
            PathSegment::Index(i) => value.get(i)?,
        };
    }
    (value.is_array() && message.contains("expected struct"))
        .then(|| "found an array; expected a JSON object".to_owned())
}

fn syntax_error(file: &str, error: &serde_json::Error, path: Option<&FieldPath>) -> DocumentError {
    let message = strip_position(&error.to_string());
    let location = match (path, error.line()) {
        (Some(path), 0) => Location::JsonPath(path.to_json_path()),
        (Some(path), line) if !path.0.is_empty() => Location::JsonPathAt {
            path: path.to_json_path(),
            line,
            column: error.column().max(1),
        },
        (_, 0) => Location::Document,
        (_, line) => Location::LineColumn {
            line,
            column: error.column().max(1),
        },
    };
    DocumentError {
        file: file.to_owned(),
        location,
        message,
    }
}

/// `serde_json` appends " at line L column C"; we report the position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// Walk the whole document once, before anything is built from it: refuse repeated keys
/// and more than [`MAX_JSON_VALUES`] values. The walk itself keeps only the current path
/// and one object's keys, so this bounds the memory of everything after it.
fn reject_duplicate_keys(text: &str, file: &str, max_values: usize) -> Result<(), DocumentError> {
    let mut walk = Walk {
        max_values,
        ..Walk::default()
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = NoDuplicateKeys { walk: &mut walk }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    let Err(e) = result else {
        return Ok(());
    };
    let path = FieldPath(walk.path);
    let location = |path: &FieldPath| Location::JsonPathAt {
        path: path.to_json_path(),
        line: e.line(),
        column: e.column().max(1),
    };
    Err(match walk.stop {
        Some(Stop::Duplicate(key)) => DocumentError {
            file: file.to_owned(),
            location: location(&path.key(&key)),
            message: format!("duplicate key `{key}`; expected each key at most once per object"),
        },
        Some(Stop::TooManyValues) => DocumentError {
            file: file.to_owned(),
            location: location(&path),
            message: format!(
                "more than {max_values} JSON values; expected a smaller document \
                 (the limit bounds the memory a document can cost)"
            ),
        },
        None => syntax_error(file, &e, None),
    })
}

/// The most JSON values (objects, arrays, strings, numbers, …, counted at every depth)
/// one document may hold: 65,536. Real manifests and audits hold a few thousand; the
/// 16 MiB size cap alone would allow millions of tiny values, each costing far more
/// memory once parsed than the bytes that spelled it.
pub const MAX_JSON_VALUES: usize = 1 << 16;

#[derive(Default)]
struct Walk {
    /// Where the walk is.
    path: Vec<PathSegment>,
    /// Values seen so far.
    values: usize,
    /// The most values allowed.
    max_values: usize,
    /// Why it stopped early, if it did.
    stop: Option<Stop>,
}

enum Stop {
    Duplicate(String),
    TooManyValues,
}

/// Walks any JSON value; stops at the first repeated key or at the value limit, leaving
/// the path where it stopped in the walk.
struct NoDuplicateKeys<'a> {
    walk: &'a mut Walk,
}

impl<'de> DeserializeSeed<'de> for NoDuplicateKeys<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.walk.values += 1;
        if self.walk.values > self.walk.max_values {
            self.walk.stop = Some(Stop::TooManyValues);
            return Err(de::Error::custom("too many values"));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            self.walk.path.push(PathSegment::Index(index));
            let more = seq.next_element_seed(NoDuplicateKeys { walk: self.walk })?;
            self.walk.path.pop();
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                let message = format!("duplicate key `{key}`");
                self.walk.stop = Some(Stop::Duplicate(key));
                return Err(de::Error::custom(message));
            }
            self.walk.path.push(PathSegment::Key(key.clone()));
            map.next_value_seed(NoDuplicateKeys { walk: self.walk })?;
            self.walk.path.pop();
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_rejected_with_their_path() {
        let text = br#"{"a": {"b": [1, {"c": 1, "c": 2}]}}"#;
        let err = check_text(text, "doc.json").unwrap_err();
        assert_eq!(
            err.location,
            Location::JsonPathAt {
                path: "$.a.b[1].c".to_owned(),
                line: 1,
                column: 28
            }
        );
        assert!(err.message.contains("duplicate key `c`"), "{err}");
    }

    #[test]
    fn same_key_in_sibling_objects_is_fine() {
        check_text(br#"[{"a": 1}, {"a": 2}]"#, "doc.json").unwrap();
    }

    #[test]
    fn escaped_duplicate_is_still_a_duplicate() {
        // "\u0061" is "a": two spellings of one key.
        let err = check_text(br#"{"a": 1, "\u0061": 2}"#, "doc.json").unwrap_err();
        assert!(err.message.contains("duplicate key `a`"), "{err}");
    }

    #[test]
    fn byte_order_mark_and_bad_utf8_are_rejected() {
        let err = check_text(b"\xEF\xBB\xBF{}", "doc.json").unwrap_err();
        assert!(err.message.contains("byte-order mark"), "{err}");
        let err = check_text(b"{\"a\": \"\xFF\"}", "doc.json").unwrap_err();
        assert!(err.message.contains("invalid UTF-8 at byte 7"), "{err}");
    }

    #[test]
    fn oversized_documents_are_rejected_before_parsing() {
        let big = vec![b' '; MAX_JSON_DOCUMENT_BYTES + 1];
        let err = check_text(&big, "doc.json").unwrap_err();
        assert!(err.message.contains("limit is 16777216 bytes"), "{err}");
    }

    #[test]
    fn documents_with_too_many_values_are_refused_by_the_walk() {
        let mut text = String::from("{\"a\": [");
        text.push_str(&vec!["0"; MAX_JSON_VALUES].join(","));
        text.push_str("]}");
        let err = check_text(text.as_bytes(), "doc.json").unwrap_err();
        assert!(
            err.message.starts_with("more than 65536 JSON values"),
            "{err}"
        );
        assert!(
            matches!(err.location, Location::JsonPathAt { ref path, .. } if path.starts_with("$.a[")),
            "{err}"
        );
        // One fewer fits: the object, the array and MAX - 2 numbers.
        let mut text = String::from("{\"a\": [");
        text.push_str(&vec!["0"; MAX_JSON_VALUES - 2].join(","));
        text.push_str("]}");
        check_text(text.as_bytes(), "doc.json").unwrap();
    }

    #[test]
    fn trailing_content_is_rejected() {
        let err = from_slice_strict::<serde_json::Value>(b"{} {}", "doc.json").unwrap_err();
        assert!(err.message.contains("trailing characters"), "{err}");
    }

    #[test]
    fn typed_errors_name_the_json_path_and_position() {
        #[derive(serde::Deserialize, serde::Serialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            items: Vec<Item>,
        }
        #[derive(serde::Deserialize, serde::Serialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            n: u8,
        }
        let err = from_slice_strict::<Doc>(b"{\"items\": [{\"n\": 1},\n {\"n\": 300}]}", "d.json")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.json:2:10 ($.items[1].n): invalid value: integer `300`, expected u8"
        );
    }
}
