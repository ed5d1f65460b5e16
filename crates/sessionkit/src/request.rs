//! The client side: payload → json → signature → encode, in the documented order.
//!
//! [`SignedRequest::build`] takes the uncompressed JSON bytes and does the rest itself, so signing
//! the compressed bytes (the most common integration error) cannot be expressed through it.

use crate::codec::{self, Encoding};
use crate::crypto::{self, Signature};
use crate::headers::{Headers, names};
use crate::model::SessionRequest;

/// A request ready to send: headers and wire bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// `X-AUTH-CLIENT`, `X-HMAC-SIGNATURE`, `Content-Type` and, when compressing, `Content-Encoding`.
    pub headers: Headers,
    /// The bytes to send: the JSON, compressed when an encoding was chosen.
    pub body: Vec<u8>,
    /// The signature of the uncompressed JSON.
    pub signature: Signature,
    /// The encoding of `body`.
    pub encoding: Encoding,
    /// Length of the uncompressed JSON.
    pub json_len: usize,
}

impl SignedRequest {
    /// Signs `json` (the exact bytes the server will see once decoded), then compresses it.
    pub fn build(
        json: &[u8],
        api_key: &str,
        secret: &[u8],
        encoding: Encoding,
        level: u32,
    ) -> Self {
        let signature = crypto::sign(secret, json);
        let body = codec::encode(json, encoding, level);
        let mut headers = Headers::new()
            .with(names::API_KEY, api_key)
            .with(names::SIGNATURE, signature.to_string())
            .with(names::CONTENT_TYPE, "application/json");
        if let Some(value) = encoding.header_value() {
            headers.push(names::CONTENT_ENCODING, value);
        }
        Self {
            headers,
            body,
            signature,
            encoding,
            json_len: json.len(),
        }
    }

    /// Serializes `payload` compactly and builds the request from those bytes.
    pub fn from_payload(
        payload: &SessionRequest,
        api_key: &str,
        secret: &[u8],
        encoding: Encoding,
        level: u32,
    ) -> Self {
        Self::build(&payload.to_json_bytes(), api_key, secret, encoding, level)
    }

    /// A `curl` command that sends `body_file` (holding [`body`](Self::body)) with these headers.
    pub fn curl(&self, url: &str, body_file: &str) -> String {
        curl_command(&self.headers, url, body_file)
    }
}

/// A `curl` command posting `body_file` with `headers` to `url`, quoted for a POSIX shell.
pub fn curl_command(headers: &Headers, url: &str, body_file: &str) -> String {
    let mut out = format!("curl -sS -i --http1.1 -X POST {}", shell_quote(url));
    for (name, value) in headers.iter() {
        // `Name;` is curl's way to send a header with an empty value (`Name:` would remove it).
        let line = if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        };
        out.push_str(&format!(" -H {}", shell_quote(&line)));
    }
    // curl adds headers of its own; `Name:` removes each, so the request is the case's header
    // lines and nothing else (but Host and Content-Length, which HTTP/1.1 needs). Without this,
    // --data-binary would send Content-Type: application/x-www-form-urlencoded for a case with
    // none, and a large body Expect: 100-continue.
    for own in ["Content-Type", "Accept", "User-Agent", "Expect"] {
        if headers.get_all(own).is_empty() {
            out.push_str(&format!(" -H {}", shell_quote(&format!("{own}:"))));
        }
    }
    out.push_str(&format!(" --data-binary @{}", shell_quote(body_file)));
    out
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
