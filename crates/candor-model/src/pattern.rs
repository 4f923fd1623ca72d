//! Anchored wildcard patterns for policy identities and endpoints.
//!
//! One small syntax, the same everywhere a policy matches text:
//!
//! | written | matches |
//! |---|---|
//! | `*` | any run of characters, including none and including `/` and `.` |
//! | `?` | exactly one character |
//! | `\x` | the character `x` literally (`\*`, `\?`, `\\`, `\[`) |
//! | anything else | itself, case-sensitively |
//!
//! A pattern matches the *whole* text (it is anchored at both ends). Character classes
//! (`[a-z]`, `[!a]`, `[^a]`) are rejected when the policy is loaded rather than given
//! one of the conflicting meanings glob libraries disagree on (ADVERSARIAL.md B17).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::ids::InvalidValue;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
}

/// A validated wildcard pattern (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pattern {
    text: String,
    tokens: Vec<Token>,
}

impl Pattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no wildcards (matches exactly one text).
    pub fn is_exact(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Literal(_)))
    }

    /// The pattern that matches exactly `text` and nothing else (its `*`, `?`, `\\`, `[`
    /// and `]` escaped). An empty `text` gives a pattern that matches only the empty text.
    pub fn exact(text: &str) -> Self {
        let mut written = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '*' | '?' | '\\' | '[' | ']') {
                written.push('\\');
            }
            written.push(c);
        }
        Pattern {
            text: written,
            tokens: text.chars().map(Token::Literal).collect(),
        }
    }

    /// The one text an exact pattern matches (escapes removed), or `None` when the
    /// pattern has wildcards.
    pub fn literal(&self) -> Option<String> {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::Literal(c) => Some(*c),
                Token::AnyOne | Token::AnyRun => None,
            })
            .collect()
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0, 0);
        // Where the last `*` was, and where in the text it started matching.
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(Token::AnyOne) => {
                    p += 1;
                    t += 1;
                }
                Some(Token::Literal(c)) if *c == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match backtrack {
                    Some((star, start)) => {
                        p = star + 1;
                        t = start + 1;
                        backtrack = Some((star, start + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|t| *t == Token::AnyRun)
    }
}

impl TryFrom<String> for Pattern {
    type Error = InvalidValue;

    fn try_from(text: String) -> Result<Self, InvalidValue> {
        if text.is_empty() {
            return Err(InvalidValue::new(
                "empty pattern; expected text, optionally with `*` or `?`",
            ));
        }
        let mut tokens = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyOne,
                '\\' => match chars.next() {
                    Some(escaped) => Token::Literal(escaped),
                    None => {
                        return Err(InvalidValue::new(format!(
                            "pattern {text:?} ends in a lone `\\`; expected a character after it"
                        )));
                    }
                },
                '[' | ']' => {
                    return Err(InvalidValue::new(format!(
                        "pattern {text:?}: character classes (`[...]`) are not supported; \
                         expected only `*`, `?` and `\\` escapes (write `\\{c}` for a literal `{c}`)"
                    )));
                }
                c => Token::Literal(c),
            });
        }
        Ok(Pattern { text, tokens })
    }
}

impl FromStr for Pattern {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Self::try_from(s.to_owned())
    }
}

impl From<Pattern> for String {
    fn from(p: Pattern) -> String {
        p.text
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl JsonSchema for Pattern {
    fn schema_name() -> Cow<'static, str> {
        "Pattern".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "Anchored wildcard pattern: `*` any run, `?` one character, `\\` escapes; no character classes"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::from_str(pattern).unwrap().matches(text)
    }

    #[test]
    fn truth_table() {
        let cases = [
            // (pattern, text, matches)
            ("abc", "abc", true),
            ("abc", "abcd", false), // anchored at the end
            ("abc", "xabc", false), // anchored at the start
            ("abc", "ABC", false),  // case-sensitive
            ("*", "", true),
            ("*", "anything/at all", true),
            ("a*", "a", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("*.acme.example", "api.acme.example", true),
            ("*.acme.example", "acme.example", false),
            ("*.acme.example", "evil.example/x.acme.example", true), // `*` crosses `/`: documented
            ("*.acme.example", "api.acme.example.evil", false),
            ("?", "", false),
            ("?", "é", true), // one character, not one byte
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a\\*c", "a*c", true),
            ("a\\*c", "abc", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b*", "xxbxxaxx", false),
            (
                "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*",
                "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v1.4.0",
                true,
            ),
            (
                "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*",
                "https://github.com/acme/agent/.github/workflows/other.yml@refs/tags/v1.4.0",
                false,
            ),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(m(pattern, text), want, "{pattern:?} vs {text:?}");
        }
    }

    #[test]
    fn b17_character_classes_are_rejected_not_guessed() {
        for pattern in ["[!a]bc", "[^a]bc", "[a-z]", "a]"] {
            let err = Pattern::from_str(pattern).unwrap_err();
            assert!(
                err.message.contains("character classes"),
                "{pattern}: {err}"
            );
        }
        assert!(m("\\[!a\\]", "[!a]"));
    }

    #[test]
    fn empty_and_dangling_escape_are_rejected() {
        assert!(Pattern::from_str("").is_err());
        assert!(Pattern::from_str("abc\\").is_err());
    }

    #[test]
    fn exactness() {
        assert!(Pattern::from_str("a\\*").unwrap().is_exact());
        assert!(!Pattern::from_str("a*").unwrap().is_exact());
    }

    #[test]
    fn exact_patterns_match_their_text_only() {
        for text in ["a*b?c", "x\\y", "[!a]", "plain", "https://x.example/?q=*"] {
            let pattern = Pattern::exact(text);
            assert!(pattern.is_exact(), "{text}");
            assert!(pattern.matches(text), "{text}");
            assert!(!pattern.matches(&format!("{text}x")), "{text}");
            assert_eq!(pattern.literal().as_deref(), Some(text));
            // What it writes parses back to the same pattern.
            assert_eq!(Pattern::from_str(pattern.as_str()).unwrap(), pattern);
        }
        assert_eq!(Pattern::from_str("a*").unwrap().literal(), None);
    }
}
