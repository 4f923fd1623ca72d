//! Reading TOML documents with errors that point at line:column.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{DocumentError, DocumentErrors, MAX_SHOWN_ERRORS, Violation};
use crate::location::{FieldPath, LineColumns, Location, PathSegment};

/// The largest TOML document candor reads (1 MiB): authoring files and policies are
/// kilobytes.
pub const MAX_TOML_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Deserialize `T` from TOML text; a syntax or type error names line:column.
pub(crate) fn from_toml_str<T: DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, DocumentError> {
    if let Some(error) = too_large(text, file) {
        return Err(error);
    }
    toml::from_str(text).map_err(|e| DocumentError {
        file: file.to_owned(),
        location: e.span().map_or(Location::Document, |span| {
            Location::of_offset(text, span.start)
        }),
        message: e.message().trim_end().to_owned(),
    })
}

/// A document over [`MAX_TOML_DOCUMENT_BYTES`] is refused unread.
fn too_large(text: &str, file: &str) -> Option<DocumentError> {
    (text.len() > MAX_TOML_DOCUMENT_BYTES).then(|| {
        DocumentError::whole(
            file,
            format!(
                "document is {} bytes; the limit is {MAX_TOML_DOCUMENT_BYTES} bytes (1 MiB)",
                text.len()
            ),
        )
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

/// A TOML document read as far as it can be: the value (where the faulty parts could be
/// dropped or filled in), every error found on the way, and the violations of the value's
/// rules that are not merely consequences of those repairs.
///
/// `toml::from_str` stops at the first error serde meets: a misspelt field hides every
/// other mistake until it is fixed. Here, after each error the offending part of the
/// parsed tree is repaired and the tree read again, so one run reports them all:
/// - an unknown key is dropped (it changes nothing else);
/// - an invalid element of an array is dropped;
/// - an invalid or missing value is replaced by a placeholder of whichever shape reads
///   (`""`, `"x"`, `false`, `[]`, `{}` with its own missing fields filled the same way),
///   or, when none does, the table it is in is dropped.
///
/// Placeholders carry spans past the end of the text, so an error about one is known
/// for what it is, never reported. Rule violations found in a repaired value are kept
/// only where no repair touched them (nor a claim whose table was dropped).
pub(crate) fn from_toml_str_with_rules<T: DeserializeOwned>(
    text: &str,
    file: &str,
    rules: impl FnOnce(&T) -> Vec<Violation>,
) -> Result<T, DocumentErrors> {
    if let Some(error) = too_large(text, file) {
        return Err(error.into());
    }
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // The tree of a document that does not parse is a guess: report the syntax.
        let mut found: Vec<(usize, String)> = syntax
            .iter()
            .map(|e| {
                let offset = e.span().map_or(0, |span| span.start);
                (offset, e.message().trim_end().to_owned())
            })
            .collect();
        found.sort_by_key(|(offset, _)| *offset);
        let mut lines = LineColumns::new(text);
        return Err(DocumentErrors(
            found
                .into_iter()
                .map(|(offset, message)| DocumentError {
                    file: file.to_owned(),
                    location: lines.at(offset),
                    message,
                })
                .collect(),
        ));
    }
    let mut repair = Repair::new(text, root);
    let value = repair.read::<T>();
    let violations = match &value {
        Some(value) => rules(value),
        None => Vec::new(),
    };
    if repair.errors.is_empty()
        && violations.is_empty()
        && let Some(value) = value
    {
        return Ok(value);
    }
    Err(repair.report(file, violations))
}

/// The offset of an error about the document as a whole (listed after the others).
const WHOLE_DOCUMENT: usize = usize::MAX;

/// Shapes a placeholder for a missing or invalid value is tried in.
const PLACEHOLDER_SHAPES: usize = 5;

/// How much re-reading one document may cost: the number of passes times its size stays
/// under this, so a megabyte of misspelt keys costs seconds, not minutes.
const REREAD_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// The parsed tree of a document being repaired, and what was found and done.
struct Repair<'i> {
    text: &'i str,
    /// The tree as parsed.
    parsed: Spanned<DeValue<'i>>,
    /// The tree as repaired so far.
    root: Spanned<DeValue<'i>>,
    /// Errors found: byte offset and message.
    errors: Vec<(usize, String)>,
    /// Paths (in the original document's indices) that were dropped or filled in.
    altered: Vec<FieldPath>,
    /// Tables (original indices) with a field filled in by a placeholder that could feed
    /// a rule comparing it with its siblings (`"x"` for a version a package URL names).
    filled_tables: Vec<FieldPath>,
    /// `id`s of tables dropped whole.
    dropped_ids: Vec<String>,
    /// Original indices dropped from each array (by the array's original path).
    dropped_elements: Vec<(FieldPath, usize)>,
    /// The placeholders being tried, outermost first (a table placeholder's missing
    /// fields are filled in turn): where (current indices) and which shape.
    pending: Vec<(FieldPath, usize)>,
    /// Missing keys that are missing because a repair removed them (not reported).
    removed_keys: Vec<FieldPath>,
    /// Set when the budget ran out before the document read.
    gave_up: bool,
}

impl<'i> Repair<'i> {
    fn new(text: &'i str, root: Spanned<DeTable<'i>>) -> Self {
        let span = root.span();
        let root = Spanned::new(span, DeValue::Table(root.into_inner()));
        Self {
            text,
            parsed: root.clone(),
            root,
            errors: Vec::new(),
            altered: Vec::new(),
            filled_tables: Vec::new(),
            dropped_ids: Vec::new(),
            dropped_elements: Vec::new(),
            pending: Vec::new(),
            removed_keys: Vec::new(),
            gave_up: false,
        }
    }

    /// Read `T`, repairing after each error, until it reads or cannot be repaired.
    fn read<T: DeserializeOwned>(&mut self) -> Option<T> {
        let passes = (REREAD_BUDGET_BYTES / self.text.len().max(1))
            .clamp(2, (MAX_SHOWN_ERRORS + 1) * PLACEHOLDER_SHAPES);
        for _ in 0..passes {
            let DeValue::Table(table) = self.root.get_ref() else {
                return None;
            };
            let tree = Spanned::new(self.root.span(), table.clone());
            let error = match T::deserialize(toml::de::Deserializer::from(tree)) {
                Ok(value) => {
                    self.settle();
                    return Some(value);
                }
                Err(error) => error,
            };
            if !self.repair(&error) {
                return None;
            }
            if self.errors.len() > MAX_SHOWN_ERRORS {
                self.gave_up = true;
                return None;
            }
        }
        self.gave_up = true;
        None
    }

    /// Repair the tree after `error`: whether reading it again can find more.
    fn repair(&mut self, error: &toml::de::Error) -> bool {
        let message = error.message().trim_end();
        let Some(span) = error.span() else {
            self.errors.push((0, message.to_owned()));
            return false;
        };
        if span.start > self.text.len() {
            // About a placeholder: a table placeholder lacks a field, or the shape is wrong.
            if let (Some(field), Some((path, shape))) =
                (missing_field(message), self.pending.last())
                && *shape == PLACEHOLDER_SHAPES - 1
            {
                let path = path.key(field);
                return self.fill(path, 0);
            }
            return self.reshape_placeholder();
        }
        // The document read past every placeholder: they all fit.
        self.settle();
        if let Some(field) = missing_field(message) {
            let Some(table) = find(&self.root, &span, &mut FieldPath::root()) else {
                self.errors.push((span.start, message.to_owned()));
                return false;
            };
            let path = table.key(field);
            if !self.removed_keys.contains(&path) {
                // A top-level field is missing from no line in particular.
                let at = if table.0.is_empty() {
                    WHOLE_DOCUMENT
                } else {
                    span.start
                };
                self.errors.push((at, message.to_owned()));
            }
            return self.fill(path, 0);
        }
        self.errors.push((span.start, with_suggestion(message)));
        let Some(mut path) = find(&self.root, &span, &mut FieldPath::root()) else {
            return false;
        };
        // An element that fails its own check is blamed on its array's span: the element
        // the message quotes is the one to drop, not the whole array.
        if let Some(index) = quoted_element(&self.root, &path, message) {
            path = path.index(index);
        }
        match path.0.last() {
            None => false,
            Some(PathSegment::Index(_)) => self.drop_node(&path),
            // An unknown key: its key's span. Dropping it changes nothing else.
            Some(PathSegment::Key(_)) if key_span(&self.root, &path) == Some(span.clone()) => {
                self.drop_node(&path)
            }
            Some(PathSegment::Key(_)) => self.fill(path, 0),
        }
    }

    /// The pending placeholders fit: a text one (`"x"`) may feed a rule comparing it
    /// with its siblings, whose violations are then not reported.
    fn settle(&mut self) {
        for (path, shape) in std::mem::take(&mut self.pending) {
            if shape == 1 {
                let table = self.original(&FieldPath(path.0[..path.0.len() - 1].to_vec()));
                self.filled_tables.push(table);
            }
        }
    }

    /// Put placeholder shape `shape` at `path` (current indices), replacing what is there.
    fn fill(&mut self, path: FieldPath, shape: usize) -> bool {
        let Some((last, parent)) = path.0.split_last() else {
            return false;
        };
        let PathSegment::Key(key) = last else {
            return self.drop_node(&path);
        };
        let Some(DeValue::Table(table)) =
            value_at_mut(&mut self.root, parent).map(Spanned::get_mut)
        else {
            return false;
        };
        // Past the end of the text: errors about it are recognised as a placeholder's.
        let at = self.text.len() + 1;
        let value = match shape {
            0 => DeValue::String("".into()),
            1 => DeValue::String("x".into()),
            2 => DeValue::Boolean(false),
            3 => DeValue::Array(toml::de::DeArray::new()),
            _ => DeValue::Table(DeTable::new()),
        };
        table.insert(
            Spanned::new(at..at, key.clone().into()),
            Spanned::new(at..at, value),
        );
        if shape == 0 {
            let original = self.original(&path);
            self.altered.push(original);
        }

        self.pending.push((path, shape));
        true
    }

    /// The latest placeholder did not read: try its next shape; when none reads, give up
    /// on the placeholders it is nested in and drop the table the outermost is in.
    fn reshape_placeholder(&mut self) -> bool {
        while let Some((path, shape)) = self.pending.pop() {
            if shape + 1 < PLACEHOLDER_SHAPES {
                return self.fill(path, shape + 1);
            }
            if !self.pending.is_empty() {
                // A field of a table placeholder that nothing fills: that table cannot be
                // filled either.
                continue;
            }
            let parent = FieldPath(path.0[..path.0.len() - 1].to_vec());
            let _ = self.drop_node(&path);
            // The parent's absence is this repair's doing, not the author's.
            self.removed_keys.push(parent.clone());
            return self.drop_node(&parent);
        }
        false
    }

    /// Remove the value at `path` (current indices) from the tree.
    fn drop_node(&mut self, path: &FieldPath) -> bool {
        let Some((last, parent)) = path.0.split_last() else {
            return false;
        };
        let original = self.original(path);
        let removed = match (
            last,
            value_at_mut(&mut self.root, parent).map(Spanned::get_mut),
        ) {
            (PathSegment::Key(key), Some(DeValue::Table(table))) => table.remove(key.as_str()),
            (PathSegment::Index(i), Some(DeValue::Array(array))) if *i < array.len() => {
                // DeArray has no `remove`: rebuild it without the element.
                let mut removed = None;
                let mut kept = toml::de::DeArray::new();
                for (j, item) in std::mem::replace(array, toml::de::DeArray::new())
                    .into_iter()
                    .enumerate()
                {
                    if j == *i {
                        removed = Some(item);
                    } else {
                        kept.push(item);
                    }
                }
                *array = kept;
                removed
            }
            _ => None,
        };
        let Some(removed) = removed else {
            return false;
        };
        // A dropped claim's id, as written (its value in the tree may be a placeholder).
        if matches!(removed.get_ref(), DeValue::Table(_))
            && let Some(id) =
                value_at(&self.parsed, &original.key("id")).and_then(|id| id.get_ref().as_str())
        {
            self.dropped_ids.push(id.to_owned());
        }
        if let (Some(PathSegment::Index(i)), Some(array)) =
            (original.0.last(), original.0.get(..original.0.len() - 1))
        {
            self.dropped_elements.push((FieldPath(array.to_vec()), *i));
        }
        self.altered.push(original);
        true
    }

    /// `path` in the tree as repaired, in the original document's indices.
    fn original(&self, path: &FieldPath) -> FieldPath {
        let mut out = FieldPath::root();
        for segment in &path.0 {
            match segment {
                PathSegment::Key(key) => out.0.push(PathSegment::Key(key.clone())),
                PathSegment::Index(current) => {
                    let mut dropped: Vec<usize> = self
                        .dropped_elements
                        .iter()
                        .filter(|(array, _)| *array == out)
                        .map(|(_, i)| *i)
                        .collect();
                    dropped.sort_unstable();
                    let mut index = *current;
                    for i in dropped {
                        if i <= index {
                            index += 1;
                        }
                    }
                    out.0.push(PathSegment::Index(index));
                }
            }
        }
        out
    }

    /// Whether a violation at `path` (original indices) with `message` could be a
    /// consequence of a repair.
    fn touched(&self, path: &FieldPath, message: &str) -> bool {
        let under = |a: &FieldPath, b: &FieldPath| a.0.starts_with(&b.0);
        self.altered
            .iter()
            .any(|a| under(path, a) || (!path.0.is_empty() && under(a, path)))
            || self
                .filled_tables
                .iter()
                .any(|table| path.0.len() == table.0.len() + 1 && under(path, table))
            || self
                .dropped_ids
                .iter()
                .any(|id| message.contains(&format!("`{id}`")))
    }

    /// Every error and every violation not caused by a repair, in document order.
    fn report(self, file: &str, violations: Vec<Violation>) -> DocumentErrors {
        let root = match self.root.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => None,
        };
        let mut found: Vec<(usize, String)> = self.errors.clone();
        for violation in violations {
            let original = self.original(&violation.path);
            let message = format!("{}: {}", original.to_dotted(), violation.message);
            if self.touched(&original, &message) {
                continue;
            }
            let offset = root
                .and_then(|root| span_of(root, &violation.path))
                .filter(|offset| *offset <= self.text.len())
                .unwrap_or(0);
            found.push((offset, message));
        }
        found.sort_by_key(|(offset, _)| *offset);
        let mut lines = LineColumns::new(self.text);
        let mut errors: Vec<DocumentError> = found
            .into_iter()
            .map(|(offset, message)| DocumentError {
                file: file.to_owned(),
                location: if offset == WHOLE_DOCUMENT {
                    Location::Document
                } else {
                    lines.at(offset)
                },
                message,
            })
            .collect();
        if self.gave_up {
            errors.push(DocumentError::whole(
                file,
                format!(
                    "stopped after {} errors; fix these and check again for any others",
                    self.errors.len()
                ),
            ));
        }
        DocumentErrors(errors)
    }
}

/// The field a "missing field" error names.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or variant), with "did you
/// mean" where `x` is a typo of one of them.
fn with_suggestion(message: &str) -> String {
    let Some((word, expected)) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
    else {
        return message.to_owned();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    format!(
        "{message}{}",
        crate::suggest::did_you_mean(word, candidates)
    )
}

/// The index of the string element of the array at `path` that `message` quotes
/// (`invalid claim id "netwrk.api": …`), if the path is an array and one is.
fn quoted_element(root: &Spanned<DeValue<'_>>, path: &FieldPath, message: &str) -> Option<usize> {
    let DeValue::Array(array) = value_at(root, path)?.get_ref() else {
        return None;
    };
    array.iter().position(|item| {
        item.get_ref()
            .as_str()
            .is_some_and(|text| message.contains(&format!("{text:?}")))
    })
}

/// The path of the deepest value (or key) whose span is `span`.
fn find(
    value: &Spanned<DeValue<'_>>,
    span: &Range<usize>,
    at: &mut FieldPath,
) -> Option<FieldPath> {
    // (step, the key's span for a table entry, the value)
    type Child<'a, 'i> = (PathSegment, Option<Range<usize>>, &'a Spanned<DeValue<'i>>);
    let children: Vec<Child<'_, '_>> = match value.get_ref() {
        DeValue::Table(table) => table
            .iter()
            .map(|(k, v)| (PathSegment::Key(k.get_ref().to_string()), Some(k.span()), v))
            .collect(),
        DeValue::Array(array) => array
            .iter()
            .enumerate()
            .map(|(i, v)| (PathSegment::Index(i), None, v))
            .collect(),
        _ => Vec::new(),
    };
    for (segment, key, child) in children {
        at.0.push(segment);
        if let Some(found) = find(child, span, at) {
            return Some(found);
        }
        if key.as_ref() == Some(span) || child.span() == *span {
            return Some(at.clone());
        }
        at.0.pop();
    }
    (at.0.is_empty() && value.span() == *span).then(FieldPath::root)
}

/// The span of the key at `path` (a table entry's key).
fn key_span(root: &Spanned<DeValue<'_>>, path: &FieldPath) -> Option<Range<usize>> {
    let (PathSegment::Key(key), parent) = path.0.split_last()? else {
        return None;
    };
    let DeValue::Table(table) = value_at(root, &FieldPath(parent.to_vec()))?.get_ref() else {
        return None;
    };
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key.as_str())
        .map(|(k, _)| k.span())
}

/// The value at `path`.
fn value_at<'a, 'i>(
    root: &'a Spanned<DeValue<'i>>,
    path: &FieldPath,
) -> Option<&'a Spanned<DeValue<'i>>> {
    let mut current = root;
    for segment in &path.0 {
        current = match (segment, current.get_ref()) {
            (PathSegment::Key(k), DeValue::Table(t)) => t.get(k.as_str())?,
            (PathSegment::Index(i), DeValue::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The value at `path`, to change.
fn value_at_mut<'a, 'i>(
    value: &'a mut Spanned<DeValue<'i>>,
    path: &[PathSegment],
) -> Option<&'a mut Spanned<DeValue<'i>>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let next = match (first, value.get_mut()) {
        (PathSegment::Key(key), DeValue::Table(table)) => table.get_mut(key.as_str())?,
        (PathSegment::Index(i), DeValue::Array(array)) => array.get_mut(*i)?,
        _ => return None,
    };
    value_at_mut(next, rest)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use crate::manifest::Declaration;

    fn errors(text: &str) -> Vec<String> {
        match Declaration::from_toml(text, "c.toml") {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    const HEAD: &str = "[tool]\nname = \"agent\"\nversion = \"1.0.0\"\n\
        [vendor]\nname = \"Acme\"\n[source]\nrepository = \"https://x.example\"\n\
        [completeness]\nexhaustive = []\n";

    #[test]
    fn every_kind_of_error_is_reported_in_one_run_in_document_order() {
        let text = "[tool]\nname = \"agent\"\nversion = \"1.0.0\"\nvresion = \"2\"\n\
            [vendor]\n\
            [source]\nrepository = \"https://x.example\"\n\
            [completeness]\nexhaustive = [\"netwrok\"]\n\
            [[claims.network]]\nid = \"network.api\"\nendpoint = \"https://a\"\npurpsoe = \"x\"\n\
            [[claims.telemetry]]\nid = \"telemetry.usage\"\nendpoint = \"https://t\"\n\
            purpose = \"\"\nenabled_by_default = \"yes\"\n";
        assert_eq!(
            errors(text),
            [
                "c.toml:4:1: unknown field `vresion`, expected one of `name`, `version`, \
                 `purl`; did you mean `version`?",
                "c.toml:5:1: missing field `name`",
                "c.toml:9:15: unknown variant `netwrok`, expected one of `network`, \
                 `telemetry`, `env`, `filesystem`, `process`, `conditional`, `identifiers`, \
                 `output-marking`, `obfuscation`, `update`; did you mean `network`?",
                // The missing purpose is reported; the placeholder filled in for it is not
                // reported as empty.
                "c.toml:10:1: missing field `purpose`",
                "c.toml:13:1: unknown field `purpsoe`, expected one of `id`, `endpoint`, \
                 `purpose`, `data_sent`, `condition`; did you mean `purpose`?",
                "c.toml:17:11: claims.telemetry[0].purpose: empty purpose; expected a description",
                "c.toml:18:22: invalid type: string \"yes\", expected a boolean",
            ]
        );
    }

    #[test]
    fn consequences_of_a_repair_are_not_reported_and_later_elements_keep_their_place() {
        // The invalid id is reported once (not again as missing), the claim it was in is
        // dropped, and the claim after it is still `claims.network[1]` at its own line.
        let text = format!(
            "{HEAD}[[claims.network]]\nid = \"netwrk.api\"\nendpoint = \"https://a\"\n\
             purpose = \"x\"\n[[claims.network]]\nid = \"network.b\"\n\
             endpoint = \"https://b\"\npurpose = \" \"\n\
             [[claims.identifiers]]\nid = \"identifiers.i\"\nidentifier = \"x\"\n\
             purpose = \"y\"\nsent_via = [\"netwrk.api\", \"network.bb\"]\n"
        );
        assert_eq!(
            errors(&text),
            [
                "c.toml:11:6: invalid claim id \"netwrk.api\": `netwrk` is not a claim \
                 category; did you mean `network`? (one of network, telemetry, env, \
                 filesystem, process, conditional, identifiers, output-marking, obfuscation, \
                 update); expected `<category>.<name>` such as `network.api` or \
                 `env.base-url`: a claim category, a dot, then lowercase words of a-z 0-9 \
                 joined by `-` or `.`",
                "c.toml:17:11: claims.network[1].purpose: empty purpose; expected a description",
                "c.toml:22:12: invalid claim id \"netwrk.api\": `netwrk` is not a claim \
                 category; did you mean `network`? (one of network, telemetry, env, \
                 filesystem, process, conditional, identifiers, output-marking, obfuscation, \
                 update); expected `<category>.<name>` such as `network.api` or \
                 `env.base-url`: a claim category, a dot, then lowercase words of a-z 0-9 \
                 joined by `-` or `.`",
                "c.toml:22:27: claims.identifiers[0].sent_via[1]: `network.bb` names no claim \
                 in this manifest; expected the id of a network or telemetry claim; did you \
                 mean `network.b`?",
            ]
        );
    }

    #[test]
    fn missing_tables_are_each_reported() {
        assert_eq!(
            errors("[tool]\nname = \"agent\"\n"),
            [
                "c.toml:1:1: missing field `version`",
                "c.toml: missing field `vendor`",
                "c.toml: missing field `source`",
                "c.toml: missing field `completeness`",
            ]
        );
        // Syntax errors: each, and nothing guessed from a tree that did not parse.
        assert_eq!(
            errors("[tool]\nname = agent\n[x\n"),
            [
                "c.toml:2:8: string values must be quoted, expected literal string",
                "c.toml:3:3: unclosed table, expected `]`",
            ]
        );
    }

    #[test]
    fn thousands_of_unknown_keys_stop_after_the_first_hundred() {
        let mut text = HEAD.replace("[vendor]", &{
            let mut keys = String::new();
            for i in 0..5000 {
                let _ = writeln!(keys, "unknown{i} = 1");
            }
            format!("{keys}[vendor]")
        });
        text.push('\n');
        let start = std::time::Instant::now();
        let found = errors(&text);
        assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
        assert_eq!(found.len(), 102, "{found:?}");
        assert!(
            found[0].starts_with("c.toml:4:1: unknown field `unknown0`"),
            "{}",
            found[0]
        );
        assert_eq!(
            found[101],
            "c.toml: stopped after 101 errors; fix these and check again for any others"
        );
    }
}
