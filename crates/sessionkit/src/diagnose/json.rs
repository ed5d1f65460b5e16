//! The json stage's detectors: a body sent as Windows-1252 (`body_not_utf8`) and a JSON string
//! holding the object (`json_encoded_twice`).

use crate::catalogue::{Diagnostic, Mistake};
use crate::text;

/// `body_not_utf8`, for a body that is not UTF-8 but reads as Windows-1252.
pub fn body_not_utf8(body: &[u8]) -> Option<Diagnostic> {
    text::as_cp1252(body).map(|_| Mistake::BodyNotUtf8.named())
}

/// `json_encoded_twice`, for a body that is a JSON string holding the object.
pub fn json_encoded_twice(body: &[u8]) -> Option<Diagnostic> {
    text::string_holding_object(body).map(|_| Mistake::JsonEncodedTwice.named())
}
