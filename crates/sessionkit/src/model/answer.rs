//! The answers of `POST /v1/sessions` as types: the 201 and the failure, with the receipt of what
//! was received.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::request::TextOrNumber;
use crate::catalogue::Diagnostic;
use crate::codec;

/// The 201 answer: `{"status":"success","verification":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCreated {
    /// Always `success`.
    pub status: String,
    /// The created session.
    pub verification: CreatedVerification,
    /// sessionkit's extension, as on refusals (contract §3): advice on how the request was
    /// signed (`unsigned_request`), when there is any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<crate::catalogue::Diagnostic>,
}

/// The `verification` object of the 201 answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedVerification {
    /// UUID v4 of the session.
    pub id: String,
    /// `<baseUrl>/v/<sessionToken>`: where the end-user is sent.
    pub url: String,
    /// Session-specific token.
    pub session_token: String,
    /// The base URL the token can be used for.
    pub base_url: String,
    /// Always `created`.
    pub status: String,
    /// Echo of the request's `endUserId`, or `null`. Always present.
    pub end_user_id: Option<String>,
    /// Echo of the request's `vendorData`, or `null`. Always present.
    pub vendor_data: Option<TextOrNumber>,
}

/// The failure answer: `{"status":"fail","code":...,"message":...,"diagnostics":[...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureAnswer {
    /// Always `fail`.
    pub status: String,
    /// Vendor error code (1102, 1104, 1819, ...).
    pub code: u16,
    /// What went wrong.
    pub message: String,
    /// Every finding, each naming the client's mistake where one is known.
    pub diagnostics: Vec<Diagnostic>,
    /// Facts about the bytes received that are safe to show (never a signature or a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// What the server received, as facts that are safe to show on a failure: lengths and SHA-256
/// digests of the wire and decoded bytes, what they look like, and the gzip member count. A
/// client compares them with what it meant to send. Never an expected signature, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Length of the body on the wire.
    pub wire_bytes: usize,
    /// Hex SHA-256 of the body on the wire.
    pub wire_sha256: String,
    /// What the wire bytes look like (gzip, zlib-wrapped deflate, uncompressed JSON, ...).
    pub wire_looks_like: String,
    /// Length of the decoded body, when it decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_bytes: Option<usize>,
    /// Hex SHA-256 of the decoded body, when it decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_sha256: Option<String>,
    /// What the decoded bytes look like, when they decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_looks_like: Option<String>,
    /// Members of a gzip body, when it decoded as gzip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip_members: Option<usize>,
}

impl Receipt {
    /// The receipt of `wire`, and of what the decode stage made of it when it got that far
    /// (the decoded bytes, and the gzip member count when gzip).
    pub fn of(wire: &[u8], decoded: Option<&[u8]>, gzip_members: Option<usize>) -> Self {
        let bytes = decoded;
        Self {
            wire_bytes: wire.len(),
            wire_sha256: format!("{:x}", Sha256::digest(wire)),
            wire_looks_like: codec::sniff(wire).describe().to_owned(),
            decoded_bytes: bytes.map(<[u8]>::len),
            decoded_sha256: bytes.map(|d| format!("{:x}", Sha256::digest(d))),
            decoded_looks_like: bytes.map(|d| codec::sniff(d).describe().to_owned()),
            gzip_members,
        }
    }
}
