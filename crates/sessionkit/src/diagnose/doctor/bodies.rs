//! Other bytes than the body sent, under the right key: line endings, a byte order mark, another
//! text encoding, a placeholder signed before the body existed, line breaks removed, a JSON
//! string holding the object.

use std::borrow::Cow;

use serde_json::Value;

use super::Doctor;
use crate::catalogue::{Diagnostic, Mistake};
use crate::json::{STYLES, Style, reserialize};
use crate::text::{string_holding_object, to_cp1252};

impl<S: AsRef<[u8]>> Doctor<'_, S> {
    /// Other bytes than the body sent, under the right key: only the line-ending variants when
    /// `endings`, else all the others.
    pub(super) fn bodies(&mut self, body: &[u8], endings: bool) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let is_ending =
            |m: &Mistake| matches!(m, Mistake::BodyNewline | Mistake::LineEndingsConverted);
        for (bytes, mistake, message) in body_variants(body) {
            if is_ending(&mistake) == endings && self.signed(&bytes) {
                return Some(mistake.diagnostic(message));
            }
        }
        if !endings {
            return self.encoded_twice(body);
        }
        if let Some(pretty) = newlines_restored(body) {
            for bytes in [pretty.clone(), [&pretty[..], b"\n"].concat()] {
                if self.signed(&bytes) {
                    return Some(Mistake::NewlinesStripped.named());
                }
            }
        }
        None
    }

    /// A JSON string holding the signed JSON object.
    fn encoded_twice(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        if let Some(inner) = string_holding_object(body) {
            let compact = serde_json::from_str::<Value>(&inner)
                .map(|v| reserialize(&v, &Style::COMPACT))
                .unwrap_or_default();
            for bytes in [inner.into_bytes(), compact] {
                if self.signed(&bytes) {
                    return Some(Mistake::JsonEncodedTwice.named());
                }
            }
        }
        None
    }
}

/// A variant of the body: the bytes, the mistake they would name, its message.
type Variant<'a> = (Cow<'a, [u8]>, Mistake, String);

/// Byte-level variants of the body, each with the mistake it would name, in the order tried.
fn body_variants(body: &[u8]) -> Vec<Variant<'_>> {
    let mut out = Vec::new();
    trailing_bytes(body, &mut out);
    line_endings(body, &mut out);
    byte_order_mark(body, &mut out);
    text_encodings(body, &mut out);
    placeholders(body, &mut out);
    out
}

fn variant(out: &mut Vec<Variant<'_>>, bytes: Vec<u8>, mistake: Mistake, message: String) {
    out.push((Cow::Owned(bytes), mistake, message));
}

/// A trailing newline or CRLF added to the body sent, or missing from it.
fn trailing_bytes(body: &[u8], out: &mut Vec<Variant<'_>>) {
    for (end, name) in [(&b"\r\n"[..], "CRLF"), (b"\n", "newline")] {
        if let Some(stripped) = body.strip_suffix(end) {
            variant(
                out,
                stripped.to_vec(),
                Mistake::BodyNewline,
                format!(
                    "the signature matches the body without its trailing {name}: a tool added it to the body sent"
                ),
            );
        }
    }
    for (end, name) in [
        (&b"\n"[..], "newline (echo, Go's json.Encoder)"),
        (b"\r\n", "CRLF"),
    ] {
        variant(
            out,
            [body, end].concat(),
            Mistake::BodyNewline,
            format!(
                "the signature matches the body with a trailing {name}, which the body sent lacks"
            ),
        );
    }
}

/// Line endings converted on the way (LF to CRLF or back).
fn line_endings(body: &[u8], out: &mut Vec<Variant<'_>>) {
    if !body.contains(&b'\n') {
        return;
    }
    let crlf = body.contains(&b'\r');
    let swapped = if crlf {
        String::from_utf8_lossy(body).replace("\r\n", "\n")
    } else {
        String::from_utf8_lossy(body).replace('\n', "\r\n")
    };
    let how = if crlf { "CRLF→LF" } else { "LF→CRLF" };
    variant(
        out,
        swapped.into_bytes(),
        Mistake::LineEndingsConverted,
        format!("the signature matches the body with {how} line endings"),
    );
}

/// A UTF-8 byte order mark added or removed.
fn byte_order_mark(body: &[u8], out: &mut Vec<Variant<'_>>) {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let (bytes, message) = match body.strip_prefix(BOM) {
        Some(rest) => (
            rest.to_vec(),
            "the signature matches the body without the UTF-8 byte order mark it was sent with",
        ),
        None => (
            [BOM, body].concat(),
            "the signature matches the body with a UTF-8 byte order mark the body sent lacks",
        ),
    };
    variant(out, bytes, Mistake::ByteOrderMark, message.to_owned());
}

/// Non-ASCII text signed in another encoding than the UTF-8 sent: Latin-1, Windows-1252, or
/// with `?` for what ASCII cannot hold.
fn text_encodings(body: &[u8], out: &mut Vec<Variant<'_>>) {
    let Some(text) = std::str::from_utf8(body).ok().filter(|t| !t.is_ascii()) else {
        return;
    };
    let latin1 = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    let cp1252 = text.chars().map(to_cp1252).collect();
    let ascii = text.chars().map(|c| if c.is_ascii() { c } else { '?' });
    let forms: [(Option<Vec<u8>>, &str); 3] = [
        (
            latin1,
            "encoded as Latin-1 (ISO-8859-1), not the UTF-8 bytes sent",
        ),
        (cp1252, "encoded as Windows-1252, not the UTF-8 bytes sent"),
        (
            Some(ascii.collect::<String>().into_bytes()),
            "with its non-ASCII characters replaced by ?",
        ),
    ];
    for (bytes, how) in forms {
        if let Some(bytes) = bytes {
            let message = format!("the signature matches the body {how}");
            variant(out, bytes, Mistake::SignedOtherTextEncoding, message);
        }
    }
}

/// A signature computed before the body existed, over what stood for it.
fn placeholders(body: &[u8], out: &mut Vec<Variant<'_>>) {
    for placeholder in ["", "{}", "null", "undefined", "[object Object]"] {
        if placeholder.as_bytes() != body {
            variant(
                out,
                placeholder.as_bytes().to_vec(),
                Mistake::SignedPlaceholder,
                format!(
                    "the signature matches {placeholder:?}: it was computed before the body existed"
                ),
            );
        }
    }
}
/// For JSON with its line breaks removed (`curl -d @file`): the pretty-printed text whose line
/// breaks, removed, give exactly `body`.
fn newlines_restored(body: &[u8]) -> Option<Vec<u8>> {
    if body.contains(&b'\n') || !body.windows(3).any(|w| w == b"{  " || w == b",  ") {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    STYLES
        .iter()
        .filter(|(name, _)| name.starts_with("pretty"))
        .map(|(_, style)| reserialize(&value, style))
        .find(|pretty| pretty.iter().filter(|&&b| b != b'\n').eq(body.iter()))
}
