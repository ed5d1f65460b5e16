//! The json stage's detectors: a body sent as Windows-1252 (`body_not_utf8`) and a JSON string
//! holding the object (`json_encoded_twice`).

use crate::catalogue::{Diagnostic, Mistake};
use crate::text;

/// `body_utf16_or_utf32`, for a body in one of the wide encodings: named by its byte order mark,
/// or by where the NUL bytes of ASCII text sit (JSON starts with an ASCII character).
pub fn utf16_or_utf32(body: &[u8]) -> Option<Diagnostic> {
    let (encoding, bom) = match body {
        [0xff, 0xfe, 0, 0, ..] => ("UTF-32LE", true),
        [0, 0, 0xfe, 0xff, ..] => ("UTF-32BE", true),
        [0xff, 0xfe, ..] => ("UTF-16LE", true),
        [0xfe, 0xff, ..] => ("UTF-16BE", true),
        [a, 0, 0, 0, ..] if *a != 0 => ("UTF-32LE", false),
        [0, 0, 0, a, ..] if *a != 0 => ("UTF-32BE", false),
        [a, 0, ..] if *a != 0 => ("UTF-16LE", false),
        [0, a, ..] if *a != 0 => ("UTF-16BE", false),
        _ => return None,
    };
    let with = if bom { ", with a byte order mark" } else { "" };
    Some(Mistake::BodyUtf16OrUtf32.diagnostic(format!("the body is {encoding}{with}, not UTF-8")))
}

/// `body_not_utf8`, for a body that is not UTF-8 but reads as Windows-1252.
pub fn body_not_utf8(body: &[u8]) -> Option<Diagnostic> {
    text::as_cp1252(body).map(|_| Mistake::BodyNotUtf8.named())
}

/// `json_encoded_twice`, for a body that is a JSON string holding the object.
pub fn json_encoded_twice(body: &[u8]) -> Option<Diagnostic> {
    text::string_holding_object(body).map(|_| Mistake::JsonEncodedTwice.named())
}
