//! The same JSON written another way: the contract's styles, PHP's and HTML-safe escapes, and
//! the other float style.

use serde_json::Value;

use super::Doctor;
use crate::catalogue::{Diagnostic, Mistake};
use crate::json::{STYLES, Style, reserialize};

impl<S: AsRef<[u8]>> Doctor<'_, S> {
    /// The same JSON written another way (the contract's 16 styles, PHP's `\/`, HTML-safe).
    pub(super) fn serializations(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let value: Value = serde_json::from_slice(body).ok()?;
        let found = |name: &str| {
            Some(Mistake::SignedOtherSerialization.diagnostic(format!(
                "the signature matches the same JSON serialized differently ({name}), not the bytes sent"
            )))
        };
        for (name, style) in &STYLES {
            // Re-serializing costs more than the HMAC over it: stop before building one the
            // budget could not check.
            if self.left == 0 {
                return None;
            }
            let bytes = reserialize(&value, style);
            if bytes != body && self.signed(&bytes) {
                return found(name);
            }
        }
        let compact = reserialize(&value, &Style::COMPACT);
        let text = String::from_utf8_lossy(&compact);
        // In JSON, `/`, `&`, `<` and `>` only occur inside strings, so replacing them everywhere
        // escapes exactly the string contents.
        let php = text.replace('/', "\\/");
        // PHP's json_encode by default escapes `/` and writes non-ASCII as `\uXXXX` (surrogate
        // pairs beyond the BMP), as an ASCII-escaped serializer does; on an ASCII body the two
        // PHP forms are the same bytes, so only a body with non-ASCII text needs the second.
        let ascii = reserialize(&value, &Style::COMPACT_ASCII);
        let php_default = String::from_utf8_lossy(&ascii).replace('/', "\\/");
        let html = text
            .replace('&', "\\u0026")
            .replace('<', "\\u003c")
            .replace('>', "\\u003e");
        let mut written = vec![
            ("PHP's escaped slashes \\/", php.into_bytes()),
            (
                "PHP's json_encode default, \\/ and \\uXXXX",
                php_default.into_bytes(),
            ),
            ("HTML-safe \\u0026 \\u003c \\u003e", html.into_bytes()),
        ];
        // On an ASCII body both PHP forms are the same bytes: one HMAC of the budget, not two.
        written.dedup_by(|b, a| a.1 == b.1);
        for (name, bytes) in written.into_iter().chain(float_styles(body)) {
            if bytes != body && self.signed(&bytes) {
                return found(name);
            }
        }
        None
    }
}

/// The body with its numbers written in the other float style, each only when it changes a
/// number: whole floats as integers (`1.0` → `1`: JavaScript's `JSON.stringify`, which has one
/// number type) and integers as floats (`1` → `1.0`: Python's `json.dumps` of a `float`). The
/// rest of the bytes are kept, so the hypothesis is independent of spacing and key order.
fn float_styles(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut as_integers = Vec::with_capacity(body.len());
    let mut as_floats = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let mut at = 0;
    while at < body.len() {
        let b = body[at];
        if in_string {
            (escaped, in_string) = (!escaped && b == b'\\', escaped || b != b'"');
        } else if b == b'"' {
            in_string = true;
        } else if b == b'-' || b.is_ascii_digit() {
            let end = at
                + body[at..]
                    .iter()
                    .position(|c| !(c.is_ascii_digit() || b"+-.eE".contains(c)))
                    .unwrap_or(body.len() - at);
            let number = &body[at..end];
            as_integers.extend_from_slice(whole_float_as_integer(number).unwrap_or(number));
            as_floats.extend_from_slice(number);
            if number.iter().all(|c| c.is_ascii_digit() || *c == b'-') {
                as_floats.extend_from_slice(b".0");
            }
            at = end;
            continue;
        }
        as_integers.push(b);
        as_floats.push(b);
        at += 1;
    }
    [
        ("whole floats written as integers, 1.0 as 1", as_integers),
        ("integers written as floats, 1 as 1.0", as_floats),
    ]
    .into_iter()
    .filter(|(_, bytes)| bytes != body)
    .collect()
}

/// `1.0` or `-20.000` without its zero fraction; `None` for any other number.
fn whole_float_as_integer(number: &[u8]) -> Option<&[u8]> {
    let dot = number.iter().position(|&c| c == b'.')?;
    let (whole, fraction) = number.split_at(dot);
    (fraction.len() > 1 && fraction[1..].iter().all(|&c| c == b'0') && !whole.is_empty())
        .then_some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_styles_change_only_numbers_outside_strings() {
        let body = br#"{"a":1.0,"b":"1.0 and 2","c":[-20.00,3,1e5,0.5],"d\"":7}"#;
        let styles = float_styles(body);
        assert_eq!(styles.len(), 2);
        assert_eq!(
            styles[0].1,
            br#"{"a":1,"b":"1.0 and 2","c":[-20,3,1e5,0.5],"d\"":7}"#
        );
        assert_eq!(
            styles[1].1,
            br#"{"a":1.0,"b":"1.0 and 2","c":[-20.00,3.0,1e5,0.5],"d\"":7.0}"#
        );
        // Nothing to change: no variant is built.
        assert!(float_styles(br#"{"a":"1","b":0.5}"#).is_empty());
    }
}
