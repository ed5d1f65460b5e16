//! JSON under the contract's rules: parse a decoded body into a value, refusing what `serde_json` alone would accept
//! but the contract does not (duplicate keys, nesting deeper than the limit), and locate pointers.
//!
//! `serde_json` keeps the last of two duplicate keys silently and recurses up to 128 levels; the
//! contract wants duplicates rejected (two parsers reading one signed body differently is how
//! signature bypasses happen) and 64 levels at most. `tree` builds the value with both rules
//! checked in the same pass; a small scanner, bounded by the same depth limit so it can never
//! overflow the stack, finds the line a pointer is on for the messages.

use std::borrow::Cow;

use serde_json::Value;

use crate::catalogue::ErrorKind;

mod styles;
mod tree;

pub use styles::{STYLES, Style, reserialize};
pub use tree::{Shape, Unknown, UnknownMembers};

/// The deepest nesting of arrays and objects the contract accepts.
pub const MAX_DEPTH: usize = 64;

/// Why a body is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// The bytes are not UTF-8; `offset` is the first bad byte.
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Not JSON at all; the message comes from `serde_json` with its line and column.
    Syntax(String),
    /// A number beyond the range of a double: JSON by its grammar, past the limit RFC 8259 §6
    /// lets a reader set (`serde_json` reads numbers as doubles or 64-bit integers).
    NumberOutOfRange {
        /// Its line, from 1.
        line: usize,
        /// Its column, from 1.
        column: usize,
    },
    /// An object repeats a key.
    DuplicateKey {
        /// Pointer of the repeated member.
        pointer: String,
    },
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Pointer of the first container past the limit.
        pointer: String,
    },
}

impl JsonError {
    /// The error kind of the answer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            JsonError::InvalidUtf8 { .. } => ErrorKind::InvalidUtf8,
            JsonError::Syntax(_) => ErrorKind::InvalidJson,
            JsonError::NumberOutOfRange { .. } => ErrorKind::NumberOutOfRange,
            JsonError::DuplicateKey { .. } => ErrorKind::DuplicateKey,
            JsonError::TooDeep { .. } => ErrorKind::TooDeep,
        }
    }

    /// Stable snake_case code (the error kind's).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// JSON pointer of the fault, or empty.
    pub fn pointer(&self) -> &str {
        match self {
            JsonError::DuplicateKey { pointer } | JsonError::TooDeep { pointer } => pointer,
            _ => "",
        }
    }
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::InvalidUtf8 { offset } => {
                write!(
                    f,
                    "body is not valid UTF-8 (first bad byte at offset {offset})"
                )
            }
            JsonError::Syntax(message) => write!(f, "body is not valid JSON ({message})"),
            JsonError::NumberOutOfRange { line, column } => write!(
                f,
                "a number beyond the range of a double at line {line} column {column}"
            ),
            JsonError::DuplicateKey { pointer } => write!(f, "duplicate key at {pointer}"),
            JsonError::TooDeep { pointer } => write!(
                f,
                "nesting deeper than {MAX_DEPTH} levels at {}",
                if pointer.is_empty() { "/" } else { pointer }
            ),
        }
    }
}

impl std::error::Error for JsonError {}

/// Parses `bytes` as one JSON value under the contract's rules.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    tree::build(utf8(bytes)?, None, 0).map(|(value, _)| value)
}

/// A value parsed against a [`Shape`]: the members the shape does not know left out of it (but
/// the first of each object, kept as `null`) and named beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The value without its unknown members, but the first of each object.
    pub value: Value,
    /// The unknown members, by object: the first few by name, and their count.
    pub unknown: UnknownMembers,
}

/// Parses `bytes` under the contract's rules as [`parse`] does, leaving out of the value the
/// members `shape` does not know (their values checked for the same rules, not built; the first
/// of each object kept as `null`) and naming the first `list_at_most` of each object.
pub fn parse_shaped(bytes: &[u8], shape: &Shape, list_at_most: usize) -> Result<Parsed, JsonError> {
    let (value, unknown) = tree::build(utf8(bytes)?, Some(shape), list_at_most)?;
    Ok(Parsed { value, unknown })
}

fn utf8(bytes: &[u8]) -> Result<&str, JsonError> {
    std::str::from_utf8(bytes).map_err(|e| JsonError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// The 1-based line on which the value at `pointer` starts in `text`, if it is there.
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let mut scanner = Scanner::new(text, Some(pointer));
    match scanner.value(0) {
        Err(Stop::Found) => {
            let offset = scanner.found?;
            Some(text[..offset].bytes().filter(|&b| b == b'\n').count() + 1)
        }
        _ => None,
    }
}

/// Escapes one pointer segment (RFC 6901).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

enum Stop {
    /// Not JSON, or nested past the limit: no line to give.
    Syntax,
    Found,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    path: Vec<Cow<'a, str>>,
    target: Option<&'a str>,
    found: Option<usize>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, target: Option<&'a str>) -> Self {
        Self {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            path: Vec::new(),
            target,
            found: None,
        }
    }

    fn pointer(&self) -> String {
        self.path
            .iter()
            .map(|s| format!("/{}", escape_segment(s)))
            .collect()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), Stop> {
        self.skip_ws();
        if let Some(target) = self.target {
            if self.pointer() == target {
                self.found = Some(self.pos);
                return Err(Stop::Found);
            }
        }
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.skip_string(),
            Some(_) => {
                // Numbers and literals: serde_json checks their exact form afterwards.
                let start = self.pos;
                while let Some(b) = self.bytes.get(self.pos) {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    Err(Stop::Syntax)
                } else {
                    Ok(())
                }
            }
            None => Err(Stop::Syntax),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Syntax);
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<(), Stop> {
        self.enter(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(Stop::Syntax);
            }
            let key = self.string()?;
            self.path.push(key);
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(Stop::Syntax);
            }
            self.pos += 1;
            self.value(depth)?;
            self.path.pop();
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Stop> {
        self.enter(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0usize;
        loop {
            self.path.push(Cow::Owned(index.to_string()));
            self.value(depth)?;
            self.path.pop();
            index += 1;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// Moves past a string value; only keys need decoding. Consent texts are long, so the scan
    /// jumps from one quote or backslash to the next (memchr) instead of stepping byte by byte.
    fn skip_string(&mut self) -> Result<(), Stop> {
        self.pos += 1;
        while let Some(found) = self
            .bytes
            .get(self.pos..)
            .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
        {
            let at = self.pos + found;
            self.pos = at + 1;
            if self.bytes[at] == b'"' {
                return Ok(());
            }
            self.pos += 1; // the escaped byte
        }
        Err(Stop::Syntax)
    }

    /// Reads a string starting at the opening quote and returns its decoded text, so that
    /// `"a"` and `"\u0061"` count as the same key. A key without escapes (nearly all of them) is
    /// borrowed from the body: a body of many members costs no allocation per member here.
    fn string(&mut self) -> Result<Cow<'a, str>, Stop> {
        let start = self.pos;
        self.skip_string()?;
        let literal = &self.text[start..self.pos];
        let inner = &literal[1..literal.len() - 1];
        if inner.contains('\\') {
            serde_json::from_str(literal)
                .map(Cow::Owned)
                .map_err(|_| Stop::Syntax)
        } else if inner.bytes().any(|b| b < 0x20) {
            // A control character: the syntax error serde_json words afterwards.
            Err(Stop::Syntax)
        } else {
            Ok(Cow::Borrowed(inner))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaped(text: &str) -> Result<Parsed, JsonError> {
        parse_shaped(text.as_bytes(), crate::schema::request_shape(), 2)
    }

    #[test]
    fn unknown_members_are_left_out_but_the_first_of_each_object() {
        let parsed = shaped(
            r#"{"verification":{"a":1,"callback":"x","b":{"c":[1]},"c":"z"},"z":[{"q":1}]}"#,
        )
        .unwrap();
        let want = serde_json::json!({"verification": {"a": null, "callback": "x"}, "z": null});
        assert_eq!(parsed.value, want);
        let at = |p: &str| parsed.unknown.get(p).cloned().unwrap();
        assert_eq!(at("/verification").first, ["a", "b"]);
        assert_eq!(at("/verification").count, 3);
        assert_eq!(at("").first, ["z"]);
        assert_eq!(parsed.unknown.len(), 2);
        // Where the schema knows nothing (vendorData may be anything), everything is kept.
        let open = shaped(r#"{"verification":{"vendorData":{"k":{"j":1}}}}"#).unwrap();
        assert_eq!(open.value["verification"]["vendorData"]["k"]["j"], 1);
        assert!(open.unknown.is_empty());
    }

    #[test]
    fn unknown_members_keep_the_contracts_rules() {
        let fault = |text: &str| shaped(text).unwrap_err();
        let dup = |p: &str| JsonError::DuplicateKey { pointer: p.into() };
        assert_eq!(
            fault(r#"{"verification":{"a":1,"b":2,"a":3}}"#),
            dup("/verification/a")
        );
        assert_eq!(
            fault(r#"{"verification":{"b":2,"b":3}}"#),
            dup("/verification/b")
        );
        let inside = r#"{"verification":{"a":[0,{"x":1,"x\u0000":1,"x":2}]}}"#;
        assert_eq!(fault(inside), dup("/verification/a/1/x"));
        let deep = format!(
            r#"{{"verification":{{"a":{}{}}}}}"#,
            "[".repeat(70),
            "]".repeat(70)
        );
        let JsonError::TooDeep { pointer } = fault(&deep) else {
            panic!("not too deep")
        };
        assert!(pointer.starts_with("/verification/a/0/0/"), "{pointer}");
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err(),
            JsonError::TooDeep { pointer }
        );
    }

    #[test]
    fn a_flood_of_unknown_members_still_finds_its_repeat_and_tells_objects_apart() {
        // Past the count where the table of names grows at once (1024), in two objects that
        // share every name, and with one name escaped (an owned name beside borrowed ones).
        let members = |n: usize| {
            (0..n)
                .map(|i| format!(r#""k{i}":1"#))
                .collect::<Vec<_>>()
                .join(",")
        };
        let both = format!(
            r#"{{"verification":{{{m},"\u006b0x":1,"person":{{{m}}}}}}}"#,
            m = members(3000)
        );
        let parsed = shaped(&both).unwrap();
        assert_eq!(parsed.unknown["/verification"].count, 3001);
        assert_eq!(parsed.unknown["/verification/person"].count, 3000);
        let repeat = format!(r#"{{"verification":{{{},"k2999":2}}}}"#, members(3000));
        assert_eq!(
            shaped(&repeat).unwrap_err(),
            JsonError::DuplicateKey {
                pointer: "/verification/k2999".into()
            }
        );
        let escaped = format!(r#"{{"verification":{{{},"\u006b7":2}}}}"#, members(3000));
        assert_eq!(
            shaped(&escaped).unwrap_err(),
            JsonError::DuplicateKey {
                pointer: "/verification/k7".into()
            }
        );
    }

    #[test]
    fn duplicate_keys_are_found_after_unescaping() {
        let error = parse(br#"{"verification":{"tag":"a","t\u0061g":"b"}}"#).unwrap_err();
        assert_eq!(
            error,
            JsonError::DuplicateKey {
                pointer: "/verification/tag".into()
            }
        );
    }

    #[test]
    fn values_with_escapes_are_skipped_whole() {
        // An escaped quote or backslash inside a value does not end it, so the key after it is
        // still seen (and found repeated).
        let error = parse(br#"{"a":"say \"hi\" \\","b":"\\\"","a":1}"#).unwrap_err();
        assert_eq!(
            error,
            JsonError::DuplicateKey {
                pointer: "/a".into()
            }
        );
        assert!(parse(br#"{"a":"x\"y\\","b":1}"#).is_ok());
        for unterminated in [&br#"{"a":"abc\"#[..], br#"{"a":"abc\""#, br#"{"a":"abc"#] {
            assert_eq!(parse(unterminated).unwrap_err().code(), "invalid_json");
        }
    }

    /// A number past a double is JSON by its grammar: refused under a kind of its own, which
    /// the corpus grades SHOULD (RFC 8259 §6 lets a reader limit range), not as a syntax error.
    #[test]
    fn a_number_beyond_a_double_is_its_own_fault() {
        for text in [&br#"{"a":1e400}"#[..], br#"{"a":[-1e999999]}"#] {
            let error = parse(text).unwrap_err();
            assert_eq!(error.code(), "number_out_of_range", "{error}");
            assert!(error.to_string().contains("line 1 column"), "{error}");
        }
        assert!(parse(br#"{"a":1e308,"b":12345678901234567890123}"#).is_ok());
        assert_eq!(parse(br#"{"a":1e}"#).unwrap_err().code(), "invalid_json");
    }

    #[test]
    fn faults_are_pointed_at_through_arrays_and_escaped_keys() {
        let error = parse(br#"{"a/b":[1,{"c":0,"c":1}]}"#).unwrap_err();
        assert_eq!(error.pointer(), "/a~1b/1/c");
        let deep = format!(
            r#"{{"x":[{}{}]}}"#,
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let error = parse(deep.as_bytes()).unwrap_err();
        // The object is level 1 and `x` level 2: the first past the limit is the 63rd array inside.
        let expected = format!("/x{}", "/0".repeat(MAX_DEPTH - 1));
        assert_eq!(error, JsonError::TooDeep { pointer: expected });
        // Text after the value is a syntax error, as serde_json words it.
        assert_eq!(parse(br#"{"a":1} x"#).unwrap_err().code(), "invalid_json");
    }

    #[test]
    fn depth_limit_is_inclusive() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn a_million_brackets_do_not_overflow_the_stack() {
        let deep = "[".repeat(1_000_000);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn lines_are_located() {
        let text = "{\n \"verification\": {\n  \"tag\": \"x\"\n }\n}";
        assert_eq!(line_of(text, "/verification/tag"), Some(3));
        assert_eq!(line_of(text, "/verification"), Some(2));
        assert_eq!(line_of(text, "/nope"), None);
    }

    #[test]
    fn invalid_utf8_names_its_offset() {
        assert_eq!(
            parse(b"{\"a\":\"\xff\"}"),
            Err(JsonError::InvalidUtf8 { offset: 6 })
        );
    }
}
