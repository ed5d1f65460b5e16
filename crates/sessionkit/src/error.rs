//! The one error type of the receive pipeline, classified by stage.

use std::fmt;

/// What went wrong, in pipeline order: headers → size → decode → signature → json → schema.
///
/// Each kind has a stable snake_case [`code`](ErrorKind::code) carried by the corpus manifest, the
/// CLI's `--format json`, the server's answers and the snapshots. Codes are never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// headers: no `X-AUTH-CLIENT` header.
    MissingApiKey,
    /// headers: the API key is not one the server knows.
    UnknownApiKey,
    /// headers: `Content-Type` is missing or not `application/json`.
    UnsupportedMediaType,
    /// headers: `Content-Encoding` is not absent, `gzip` or `deflate` (a list, `br`, two lines...).
    UnsupportedEncoding,
    /// size: the body on the wire exceeds the limit.
    BodyTooLarge,
    /// decode: the decoded body exceeds the limit (a decompression bomb stops here).
    DecodedTooLarge,
    /// decode: the body does not start as the declared encoding does.
    NotEncoded,
    /// decode: the compressed data is corrupt.
    CorruptStream,
    /// decode: the compressed stream ends early.
    TruncatedStream,
    /// decode: CRC-32, ISIZE or Adler-32 does not match the data.
    BadChecksum,
    /// decode: bytes follow the end of the compressed stream.
    TrailingData,
    /// signature: no `X-HMAC-SIGNATURE` header.
    MissingSignature,
    /// signature: not 64 lowercase hex characters.
    MalformedSignature,
    /// signature: does not match the decoded body under any active secret.
    SignatureMismatch,
    /// json: the decoded body is not UTF-8.
    InvalidUtf8,
    /// json: the decoded body is not JSON.
    InvalidJson,
    /// json: an object repeats a key.
    DuplicateKey,
    /// json: nesting deeper than 64 levels.
    TooDeep,
    /// json: the top level is not an object.
    NotAnObject,
    /// json: the top-level object has no `verification`.
    MissingVerification,
    /// json: `verification` is not an object.
    VerificationNotObject,
    /// schema: the body violates the profile's schema; the violations list says where.
    SchemaViolation,
}

impl ErrorKind {
    /// Every kind, in pipeline order.
    pub const ALL: [ErrorKind; 22] = [
        ErrorKind::MissingApiKey,
        ErrorKind::UnknownApiKey,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::UnsupportedEncoding,
        ErrorKind::BodyTooLarge,
        ErrorKind::DecodedTooLarge,
        ErrorKind::NotEncoded,
        ErrorKind::CorruptStream,
        ErrorKind::TruncatedStream,
        ErrorKind::BadChecksum,
        ErrorKind::TrailingData,
        ErrorKind::MissingSignature,
        ErrorKind::MalformedSignature,
        ErrorKind::SignatureMismatch,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidJson,
        ErrorKind::DuplicateKey,
        ErrorKind::TooDeep,
        ErrorKind::NotAnObject,
        ErrorKind::MissingVerification,
        ErrorKind::VerificationNotObject,
        ErrorKind::SchemaViolation,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::MissingApiKey => "missing_api_key",
            ErrorKind::UnknownApiKey => "unknown_api_key",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::UnsupportedEncoding => "unsupported_encoding",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::DecodedTooLarge => "decoded_too_large",
            ErrorKind::NotEncoded => "not_encoded",
            ErrorKind::CorruptStream => "corrupt_stream",
            ErrorKind::TruncatedStream => "truncated_stream",
            ErrorKind::BadChecksum => "bad_checksum",
            ErrorKind::TrailingData => "trailing_data",
            ErrorKind::MissingSignature => "missing_signature",
            ErrorKind::MalformedSignature => "malformed_signature",
            ErrorKind::SignatureMismatch => "signature_mismatch",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::InvalidJson => "invalid_json",
            ErrorKind::DuplicateKey => "duplicate_key",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::NotAnObject => "not_an_object",
            ErrorKind::MissingVerification => "missing_verification",
            ErrorKind::VerificationNotObject => "verification_not_object",
            ErrorKind::SchemaViolation => "schema_violation",
        }
    }

    /// The pipeline stage the kind belongs to.
    pub fn stage(self) -> &'static str {
        use ErrorKind::*;
        match self {
            MissingApiKey | UnknownApiKey | UnsupportedMediaType | UnsupportedEncoding => "headers",
            BodyTooLarge => "size",
            DecodedTooLarge | NotEncoded | CorruptStream | TruncatedStream | BadChecksum
            | TrailingData => "decode",
            MissingSignature | MalformedSignature | SignatureMismatch => "signature",
            InvalidUtf8
            | InvalidJson
            | DuplicateKey
            | TooDeep
            | NotAnObject
            | MissingVerification
            | VerificationNotObject => "json",
            SchemaViolation => "schema",
        }
    }

    /// The HTTP status of the answer (docs/contract.md §2).
    pub fn status(self) -> u16 {
        match self.stage() {
            "headers" => match self {
                ErrorKind::MissingApiKey | ErrorKind::UnknownApiKey => 401,
                _ => 415,
            },
            "size" => 413,
            "decode" if self == ErrorKind::DecodedTooLarge => 413,
            "signature" => 401,
            _ => 400,
        }
    }

    /// The vendor error code of the answer. Where the vendor's tables have none (413, 415), the
    /// HTTP status stands in, so clients can still switch on `code` alone.
    pub fn vendor_code(self) -> u16 {
        match self {
            ErrorKind::MissingApiKey => 1801,
            ErrorKind::UnknownApiKey => 1803,
            ErrorKind::MissingSignature | ErrorKind::MalformedSignature => 1812,
            ErrorKind::SignatureMismatch => 1819,
            ErrorKind::MissingVerification => 1102,
            _ => match self.status() {
                413 => 413,
                415 => 415,
                _ => 1104,
            },
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failure of one pipeline stage: its kind, a lowercase message with the numbers that matter
/// and, where there is one, the JSON pointer of the fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    pointer: String,
}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            pointer: String::new(),
        }
    }

    /// The same error, pointing into the body.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = pointer.into();
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// JSON pointer of the fault, or empty.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}
