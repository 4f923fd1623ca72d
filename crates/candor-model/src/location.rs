//! Where in a document something is: field paths, JSON paths, TOML line:column.

use std::fmt;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A key of a table / object.
    Key(String),
    /// An index into an array.
    Index(usize),
}

/// A path from the root of a document to one value, e.g. `claims.network[1].id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathSegment>);

impl FieldPath {
    /// The root of the document.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path extended by an array index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        Self(segments)
    }

    /// This path below `prefix`.
    #[must_use]
    pub fn under(&self, prefix: &FieldPath) -> Self {
        let mut segments = prefix.0.clone();
        segments.extend(self.0.iter().cloned());
        Self(segments)
    }

    /// Parse the dotted form `serde_path_to_error` produces (`a.b[1].c`).
    pub(crate) fn from_serde_path(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut segments = Vec::new();
        for segment in path {
            match segment {
                Segment::Seq { index } => segments.push(PathSegment::Index(*index)),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    segments.push(PathSegment::Key(key.clone()));
                }
                Segment::Unknown => {}
            }
        }
        Self(segments)
    }

    /// The path as a JSON path: `$.predicate.claims.network[1].id`.
    pub fn to_json_path(&self) -> String {
        let mut out = String::from("$");
        for segment in &self.0 {
            match segment {
                PathSegment::Key(key) if is_plain_key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                PathSegment::Key(key) => {
                    out.push_str("[\"");
                    for c in key.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            c => out.push(c),
                        }
                    }
                    out.push_str("\"]");
                }
                PathSegment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// The path as TOML readers write it: `claims.network[1].id`.
    pub fn to_dotted(&self) -> String {
        let json = self.to_json_path();
        json.strip_prefix("$.")
            .or_else(|| json.strip_prefix('$'))
            .unwrap_or(&json)
            .to_owned()
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_path())
    }
}

/// A place in a source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// 1-based line and column (TOML documents, JSON syntax errors).
    LineColumn {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A JSON path into the document (`$.subject[0].digest.sha256`).
    JsonPath(String),
    /// Both: a JSON path and where in the text it is.
    JsonPathAt {
        /// The JSON path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The document as a whole.
    Document,
}

impl Location {
    /// Line and column of a byte offset into `text` (an offset inside a character is
    /// that character's). For many offsets into one text use [`LineColumns`].
    pub fn of_offset(text: &str, offset: usize) -> Self {
        LineColumns::new(text).at(offset)
    }
}

/// Line and column of byte offsets into one text, in one pass over it when the offsets
/// come in increasing order.
///
/// Locating each offset from the start of the text costs the whole text before it every
/// time: quadratic over the errors of a large document. A 1 MiB `candor.toml` with 17,000
/// duplicate claims took 21 s to report them that way.
#[derive(Debug, Clone)]
pub(crate) struct LineColumns<'a> {
    text: &'a str,
    /// How far the walk has come (a character boundary), and the line and column there.
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> LineColumns<'a> {
    /// A walk from the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The 1-based line and column (in characters) of `offset`. An offset before the
    /// previous one starts the walk again from the beginning.
    pub(crate) fn at(&mut self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            *self = Self::new(self.text);
        }
        for c in self
            .text
            .get(self.offset..offset)
            .unwrap_or_default()
            .chars()
        {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = offset;
        Location::LineColumn {
            line: self.line,
            column: self.column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::LineColumn { line, column } => write!(f, "{line}:{column}"),
            Location::JsonPath(path) => write!(f, "{path}"),
            Location::JsonPathAt { path, line, column } => write!(f, "{line}:{column} ({path})"),
            Location::Document => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_quotes_keys_that_need_it() {
        let path = FieldPath::root()
            .key("predicate")
            .key("claims")
            .key("output-marking")
            .index(2)
            .key("a.b");
        assert_eq!(
            path.to_json_path(),
            "$.predicate.claims.output-marking[2][\"a.b\"]"
        );
        assert_eq!(FieldPath::root().to_json_path(), "$");
    }

    #[test]
    fn offsets_become_line_and_column() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location::LineColumn { line: 1, column: 1 }
        );
        // The byte after "bé " on line 2 is column 4 in characters.
        let offset = text.find("= 2").unwrap();
        assert_eq!(
            Location::of_offset(text, offset),
            Location::LineColumn { line: 2, column: 4 }
        );
    }

    #[test]
    fn one_walk_locates_increasing_offsets_like_each_from_the_start() {
        let text = "a = 1\nbé = 2\n\nc = [\n  \"ü\",\n]\n";
        let mut walk = LineColumns::new(text);
        for offset in 0..=text.len() + 2 {
            let expected = {
                // Inside a character: that character's place.
                let mut start = offset.min(text.len());
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let before = &text[..start];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                Location::LineColumn {
                    line: before.matches('\n').count() + 1,
                    column: before[line_start..].chars().count() + 1,
                }
            };
            assert_eq!(walk.at(offset), expected, "offset {offset}");
            assert_eq!(
                Location::of_offset(text, offset),
                expected,
                "offset {offset}"
            );
        }
        // Going back starts again.
        assert_eq!(walk.at(0), Location::LineColumn { line: 1, column: 1 });
    }
}
