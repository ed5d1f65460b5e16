//! The headers stage (docs/contract.md §2 steps 1-2): the API key, then `Content-Type`, then
//! `Content-Encoding`.

use crate::catalogue::ErrorKind;
use crate::codec::Encoding;
use crate::error::{Error, Rejection};
use crate::headers::{Headers, names};

/// The headers stage of `POST /v1/sessions`: a known API key, `application/json`, and at most one
/// supported `Content-Encoding`, which it returns.
pub fn check(headers: &Headers, api_keys: &[String]) -> Result<Encoding, Rejection> {
    api_key(headers, api_keys)?;
    media_type(headers)?;
    Encoding::from_header(&headers.get_all(names::CONTENT_ENCODING)).map_err(|rejection| {
        Error::new(ErrorKind::UnsupportedEncoding, rejection.to_string()).into()
    })
}

/// The API key check alone (every route of the API starts with it): the one `X-AUTH-CLIENT` line,
/// trimmed, when it is one of `api_keys`.
pub fn api_key<'h>(headers: &'h Headers, api_keys: &[String]) -> Result<&'h str, Rejection> {
    match headers.get_all(names::API_KEY).as_slice() {
        [] => Err(Error::new(ErrorKind::MissingApiKey, "missing X-AUTH-CLIENT header").into()),
        [key] if api_keys.iter().any(|k| k == key.trim()) => Ok(key.trim()),
        keys => {
            let why = if keys.len() > 1 {
                "repeated"
            } else {
                "unknown"
            };
            Err(Error::new(
                ErrorKind::UnknownApiKey,
                format!("{why} API key in X-AUTH-CLIENT"),
            )
            .into())
        }
    }
}

/// One `Content-Type` line whose media type is `application/json`, compared case-insensitively;
/// parameters such as `; charset=utf-8` are allowed.
fn media_type(headers: &Headers) -> Result<(), Rejection> {
    let content_type = headers.get_all(names::CONTENT_TYPE);
    let is_json = |value: &str| {
        let media_type = value.split(';').next().unwrap_or("");
        media_type.trim().eq_ignore_ascii_case("application/json")
    };
    match content_type.as_slice() {
        [value] if is_json(value) => Ok(()),
        [] => Err(Error::new(ErrorKind::UnsupportedMediaType, "missing Content-Type").into()),
        values => Err(Error::new(
            ErrorKind::UnsupportedMediaType,
            format!(
                "Content-Type {:?} is not application/json",
                values.join(", ")
            ),
        )
        .into()),
    }
}
