//! Re-serializers: the same JSON value written the ways HTTP libraries and hand-written clients
//! write it (separators, indents, ASCII escaping, key order), for the doctor's hypotheses and the
//! fuzzer's mutations.

use serde_json::Value;

/// One way an HTTP library or a hand-written client may serialize the same JSON.
pub struct Style {
    item: &'static str,
    key: &'static str,
    indent: Option<usize>,
    ascii: bool,
    sorted: bool,
}

impl Style {
    /// `serde_json::to_vec`, `JSON.stringify`: no spaces, raw UTF-8.
    pub const COMPACT: Style = style(",", ":", None, false, false);
    /// Compact with every non-ASCII character as a `\\uXXXX` escape.
    pub const COMPACT_ASCII: Style = style(",", ":", None, true, false);
}

const fn style(
    item: &'static str,
    key: &'static str,
    indent: Option<usize>,
    ascii: bool,
    sorted: bool,
) -> Style {
    Style {
        item,
        key,
        indent,
        ascii,
        sorted,
    }
}

/// The serializations tried: compact and spaced separators (Python's `json.dumps` default is
/// spaced and ASCII-escaped), 2- and 4-space indents, with and without ASCII escaping and sorted
/// keys. Sixteen HMACs at most, only on the failure path, over a body already bounded by the limit.
pub const STYLES: [(&str, Style); 16] = [
    ("compact", Style::COMPACT),
    ("compact, ASCII-escaped", Style::COMPACT_ASCII),
    ("compact, sorted keys", style(",", ":", None, false, true)),
    (
        "compact, ASCII-escaped, sorted keys",
        style(",", ":", None, true, true),
    ),
    ("spaced separators", style(", ", ": ", None, false, false)),
    (
        "spaced separators, ASCII-escaped (Python json.dumps default)",
        style(", ", ": ", None, true, false),
    ),
    (
        "spaced separators, sorted keys",
        style(", ", ": ", None, false, true),
    ),
    (
        "spaced separators, ASCII-escaped, sorted keys",
        style(", ", ": ", None, true, true),
    ),
    (
        "pretty, 2-space indent",
        style(",", ": ", Some(2), false, false),
    ),
    (
        "pretty, 2-space indent, ASCII-escaped",
        style(",", ": ", Some(2), true, false),
    ),
    (
        "pretty, 2-space indent, sorted keys",
        style(",", ": ", Some(2), false, true),
    ),
    (
        "pretty, 2-space indent, ASCII-escaped, sorted keys",
        style(",", ": ", Some(2), true, true),
    ),
    (
        "pretty, 4-space indent",
        style(",", ": ", Some(4), false, false),
    ),
    (
        "pretty, 4-space indent, ASCII-escaped",
        style(",", ": ", Some(4), true, false),
    ),
    (
        "pretty, 4-space indent, sorted keys",
        style(",", ": ", Some(4), false, true),
    ),
    (
        "pretty, 4-space indent, ASCII-escaped, sorted keys",
        style(",", ": ", Some(4), true, true),
    ),
];

/// Serializes `value` in `style`. Hand-written because `serde_json` has no ASCII-escaping or
/// spaced-separator formatter, and those are what Python's `json.dumps` produces by default.
pub fn reserialize(value: &Value, style: &Style) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value, style, 0);
    out
}

fn newline(out: &mut Vec<u8>, style: &Style, depth: usize) {
    if let Some(width) = style.indent {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', width * depth));
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value, style: &Style, depth: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if style.sorted {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item.as_bytes());
                }
                newline(out, style, depth + 1);
                write_string(out, key, style.ascii);
                out.extend_from_slice(style.key.as_bytes());
                write_value(out, item, style, depth + 1);
            }
            newline(out, style, depth);
            out.push(b'}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item.as_bytes());
                }
                newline(out, style, depth + 1);
                write_value(out, item, style, depth + 1);
            }
            newline(out, style, depth);
            out.push(b']');
        }
        Value::String(s) => write_string(out, s, style.ascii),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn write_string(out: &mut Vec<u8>, s: &str, ascii: bool) {
    out.push(b'"');
    // Runs that need no escape are copied whole: a per-character loop made a 16 KiB body cost
    // 300 µs per style, more than the HMAC it is checked with.
    let needs_escape = |b: u8| b == b'"' || b == b'\\' || b < 0x20 || (ascii && b >= 0x80);
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&b| needs_escape(b)) {
        let at = start + offset;
        out.extend_from_slice(&bytes[start..at]);
        // `at` is on a character boundary: every byte that needs an escape starts a character
        // (ASCII, or the lead byte of a multi-byte one, since continuation bytes are skipped below).
        let c = s[at..].chars().next().unwrap_or_default();
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                }
            }
        }
        start = at + c.len_utf8().max(1);
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_default_style_is_reproduced() {
        let value: Value = serde_json::from_str(r#"{"b":{"x":[1,"é😀"]},"a":{}}"#).unwrap();
        let python = reserialize(&value, &STYLES[5].1);
        assert_eq!(
            String::from_utf8(python).unwrap(),
            r#"{"b": {"x": [1, "\u00e9\ud83d\ude00"]}, "a": {}}"#
        );
        let pretty = reserialize(&value, &STYLES[10].1);
        assert_eq!(
            String::from_utf8(pretty).unwrap(),
            "{\n  \"a\": {},\n  \"b\": {\n    \"x\": [\n      1,\n      \"é😀\"\n    ]\n  }\n}"
        );
    }
}
