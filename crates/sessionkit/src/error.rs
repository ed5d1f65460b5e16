//! The one error type of the receive pipeline, classified by stage.

use std::fmt;

use crate::catalogue::{ERRORS, Entry, Stage};
use crate::payload::Diagnostic;
use crate::schema::Violation;

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

    /// Its catalogue entry: code, stage, status, vendor code, message shape and hint.
    pub fn entry(self) -> &'static Entry {
        &ERRORS[self as usize]
    }

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    /// The pipeline stage the kind belongs to.
    pub fn stage(self) -> Stage {
        self.entry().stage
    }

    /// The HTTP status of the answer (docs/contract.md §2).
    pub fn status(self) -> u16 {
        // Every error entry has a status; only mistakes may leave it to the request.
        self.entry().status.unwrap_or(400)
    }

    /// The vendor error code of the answer (docs/contract.md §3).
    pub fn vendor_code(self) -> u16 {
        // Every error entry has a vendor code; only mistakes may leave it to the request.
        self.entry().vendor_code.unwrap_or(1104)
    }

    /// The kind of that code.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Headers the answer must carry: `Accept-Encoding` on a 415 for the encoding (RFC 9110
    /// §12.5.3, docs/contract.md §1).
    pub fn answer_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            ErrorKind::UnsupportedEncoding => &[("Accept-Encoding", "gzip, deflate")],
            _ => &[],
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

    /// The error as the first diagnostic of a failure answer, with its catalogue hint.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic {
            code: self.kind.code().to_owned(),
            pointer: self.pointer.clone(),
            message: self.message.clone(),
            hint: self.kind.entry().hint.to_owned(),
        }
    }
}

/// Why a stage refused a request: the error that decides the answer, the mistakes named beside
/// it, and for the schema stage every violation and warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The error that decides status and vendor code.
    pub error: Error,
    /// The vendor code of the answer: the error kind's, or for the schema stage the first
    /// violation's.
    pub vendor_code: u16,
    /// Named mistakes, in the order found.
    pub mistakes: Vec<Diagnostic>,
    /// Every schema violation (schema stage only).
    pub violations: Vec<Violation>,
    /// Schema warnings (schema stage only).
    pub warnings: Vec<Violation>,
}

impl Rejection {
    /// The same rejection with `mistakes` named before its own (found by an earlier stage).
    pub fn after(mut self, mistakes: &[Diagnostic]) -> Self {
        self.mistakes.splice(0..0, mistakes.iter().cloned());
        self
    }

    /// The same rejection with its mistakes replaced by `mistake`, when a more precise one was
    /// found (the doctor refining `encoding_mismatch` into `intermediary_decompressed`).
    pub fn refined(mut self, mistake: Option<Diagnostic>) -> Self {
        if let Some(mistake) = mistake {
            self.mistakes = vec![mistake];
        }
        self
    }

    /// The same rejection naming `mistake` too, when there is one.
    pub fn naming(mut self, mistake: Option<Diagnostic>) -> Self {
        self.mistakes.extend(mistake);
        self
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Self {
            vendor_code: error.kind().vendor_code(),
            error,
            mistakes: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}
