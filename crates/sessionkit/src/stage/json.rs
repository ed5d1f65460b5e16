//! The json stage (docs/contract.md §2 step 6): the decoded body parsed under the contract's
//! rules, a top-level object whose `verification` is an object.

use crate::catalogue::ErrorKind;
use crate::diagnose::json as diagnose;
use crate::error::{Error, Rejection};
use crate::json::{Parsed, parse_shaped};
use crate::schema::{LISTED_AT_MOST, request_shape};

/// The decoded body as JSON, or the refusal naming why not. The members the strict schema can
/// never know are left out of the tree and named beside it (the schema stage reports them).
pub fn check(decoded: &[u8]) -> Result<Parsed, Rejection> {
    let parsed = parse_shaped(decoded, request_shape(), LISTED_AT_MOST).map_err(|e| {
        let pointer = e.pointer().to_owned();
        // Which text encoding the client used instead: a wide one shows in its NULs or byte order
        // mark (and is valid UTF-8 bytes when it is ASCII text without a mark); Latin-1 in bytes
        // that are not UTF-8 but are Windows-1252.
        let encoding = match e.kind() {
            ErrorKind::InvalidUtf8 => {
                diagnose::utf16_or_utf32(decoded).or_else(|| diagnose::body_not_utf8(decoded))
            }
            ErrorKind::InvalidJson => diagnose::utf16_or_utf32(decoded),
            _ => None,
        };
        Rejection::from(Error::new(e.kind(), e.to_string()).at(pointer)).naming(encoding)
    })?;
    let refuse =
        |kind, message: &str, pointer: &str| Err(Error::new(kind, message).at(pointer).into());
    let body = &parsed.value;
    match body.get("verification") {
        _ if !body.is_object() => {
            let twice = diagnose::json_encoded_twice(decoded);
            let not_object = Error::new(ErrorKind::NotAnObject, "body is not a JSON object");
            Err(Rejection::from(not_object).naming(twice))
        }
        None => refuse(
            ErrorKind::MissingVerification,
            "required property verification is missing",
            "/verification",
        ),
        Some(v) if !v.is_object() => refuse(
            ErrorKind::VerificationNotObject,
            "verification is not an object",
            "/verification",
        ),
        Some(_) => Ok(parsed),
    }
}
