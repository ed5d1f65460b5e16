//! The server's whole receive decision as a pure function: headers → size → decode → signature →
//! json → schema, in the order of docs/contract.md §2. The first failing step decides the answer.

use serde_json::Value;

use crate::diagnose;
use crate::encoding::{self, DecodeLimit, Encoding};
use crate::error::{Error, ErrorKind};
use crate::headers::{Headers, names};
use crate::json::{self, JsonError};
use crate::payload::{Diagnostic, FailureAnswer, SessionRequest};
use crate::schema::{self, Profile, Violation};
use crate::signature::{self, Signature};

/// Size limits of the receive path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted on the wire, in bytes (default 1 MiB).
    pub max_wire: usize,
    /// Largest body accepted after decoding, in bytes (default 1 MiB).
    pub max_decoded: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_wire: 1 << 20,
            max_decoded: 1 << 20,
        }
    }
}

/// What the server knows: its keys, secrets, profile and limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Known API keys (`X-AUTH-CLIENT`).
    pub api_keys: Vec<String>,
    /// Active shared secrets; a signature under any of them is accepted (key rotation).
    pub secrets: Vec<Vec<u8>>,
    /// Which schema profile the body is validated in.
    pub profile: Profile,
    /// Wire and decoded size limits.
    pub limits: Limits,
    /// When false, a request without `X-HMAC-SIGNATURE` is accepted (a present one is still checked).
    pub require_signature: bool,
    /// Decides the `compression_not_worth_it` advisory.
    pub cost: crate::cost::CostModel,
}

/// The API key of the seed's code examples, the reference server's default.
pub const EXAMPLE_API_KEY: &str = "your-api-key";
/// The shared secret of the seed's code examples, the reference server's default.
pub const EXAMPLE_SHARED_SECRET: &str = "your-shared-secret";

impl Default for Config {
    fn default() -> Self {
        Self {
            api_keys: vec![EXAMPLE_API_KEY.to_owned()],
            secrets: vec![EXAMPLE_SHARED_SECRET.as_bytes().to_vec()],
            profile: Profile::Documented,
            limits: Limits::default(),
            require_signature: true,
            cost: crate::cost::CostModel::DEFAULT,
        }
    }
}

/// The decision on one request.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// HTTP status: 201, 400, 401, 413 or 415.
    pub status: u16,
    /// Vendor error code; 0 on success.
    pub code: u16,
    /// The failure, if any.
    pub error: Option<Error>,
    /// Mistakes named by [`diagnose`], in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every schema violation (schema stage failures only).
    pub violations: Vec<Violation>,
    /// Schema warnings (unknown properties in the documented profile).
    pub warnings: Vec<Violation>,
    /// Advice that never changes the answer (`compression_not_worth_it`).
    pub advisories: Vec<Diagnostic>,
    /// Headers the answer must carry (`Accept-Encoding` on a 415 for the encoding).
    pub answer_headers: Vec<(&'static str, &'static str)>,
    /// The encoding, once the headers stage accepted it.
    pub encoding: Option<Encoding>,
    /// Decoded body length, once decoded.
    pub decoded_len: Option<usize>,
    /// The parsed body, on success.
    pub body: Option<Value>,
    /// The typed payload, on success.
    pub payload: Option<SessionRequest>,
    profile: Profile,
}

impl Outcome {
    fn new(profile: Profile) -> Self {
        Self {
            status: 201,
            code: 0,
            error: None,
            diagnostics: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
            advisories: Vec::new(),
            answer_headers: Vec::new(),
            encoding: None,
            decoded_len: None,
            body: None,
            payload: None,
            profile,
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.status = error.kind().status();
        self.code = error.kind().vendor_code();
        self.error = Some(error);
        self
    }

    /// True for 201.
    pub fn is_success(&self) -> bool {
        self.error.is_none()
    }

    /// The error kind's code, or `None` on success.
    pub fn error_code(&self) -> Option<&'static str> {
        self.error.as_ref().map(|e| e.kind().code())
    }

    /// The answer's message.
    pub fn message(&self) -> String {
        match &self.error {
            Some(error) => error.message().to_owned(),
            None => "session created".to_owned(),
        }
    }

    /// The failure answer of docs/contract.md §3: the error itself, the named mistakes, then every
    /// violation. `None` on success.
    pub fn failure_answer(&self) -> Option<FailureAnswer> {
        let error = self.error.as_ref()?;
        let mut diagnostics = vec![Diagnostic {
            code: error.kind().code().to_owned(),
            pointer: error.pointer().to_owned(),
            message: error.message().to_owned(),
            hint: hint(error.kind()).to_owned(),
        }];
        diagnostics.extend(self.diagnostics.iter().cloned());
        diagnostics.extend(
            self.violations
                .iter()
                .map(|v| diagnose::violation(v, self.profile)),
        );
        Some(FailureAnswer {
            status: "fail".to_owned(),
            code: self.code,
            message: error.message().to_owned(),
            diagnostics,
        })
    }
}

fn hint(kind: ErrorKind) -> &'static str {
    use ErrorKind::*;
    match kind {
        MissingApiKey => "send your API key in X-AUTH-CLIENT",
        UnknownApiKey => "check X-AUTH-CLIENT: the key is not one this server knows",
        UnsupportedMediaType => "send Content-Type: application/json",
        UnsupportedEncoding => "send Content-Encoding: gzip or deflate, or none",
        BodyTooLarge | DecodedTooLarge => "send a smaller body",
        NotEncoded | CorruptStream | TruncatedStream | BadChecksum | TrailingData => {
            "send the compressed bytes exactly as the compressor produced them, with the matching Content-Encoding"
        }
        MissingSignature => "send X-HMAC-SIGNATURE: the HMAC-SHA256 of the uncompressed body",
        MalformedSignature => "send 64 lowercase hex characters, no prefix",
        SignatureMismatch => {
            "sign the exact uncompressed bytes you send, with the shared secret, before compressing"
        }
        InvalidUtf8 | InvalidJson | DuplicateKey | TooDeep | NotAnObject => {
            "send one JSON object, UTF-8, without repeated keys"
        }
        MissingVerification | VerificationNotObject => {
            "send {\"verification\": {...}}; {\"verification\": {}} is the minimal body"
        }
        SchemaViolation => "fix every violation listed",
    }
}

/// Decides the answer to `POST /v1/sessions` with these headers and wire bytes.
pub fn receive(headers: &Headers, wire: &[u8], config: &Config) -> Outcome {
    let mut outcome = Outcome::new(config.profile);

    // headers: API key, then Content-Type, then Content-Encoding.
    match headers.get_all(names::API_KEY).as_slice() {
        [] => {
            return outcome.fail(Error::new(
                ErrorKind::MissingApiKey,
                "missing X-AUTH-CLIENT header",
            ));
        }
        [key] if config.api_keys.iter().any(|k| k == key.trim()) => {}
        keys => {
            let why = if keys.len() > 1 {
                "repeated"
            } else {
                "unknown"
            };
            return outcome.fail(Error::new(
                ErrorKind::UnknownApiKey,
                format!("{why} API key in X-AUTH-CLIENT"),
            ));
        }
    }
    let content_type = headers.get_all(names::CONTENT_TYPE);
    let media_type_ok = matches!(content_type.as_slice(), [value]
        if value.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if !media_type_ok {
        let found = match content_type.as_slice() {
            [] => "missing Content-Type".to_owned(),
            values => format!(
                "Content-Type {:?} is not application/json",
                values.join(", ")
            ),
        };
        return outcome.fail(Error::new(ErrorKind::UnsupportedMediaType, found));
    }
    let encoding = match Encoding::from_header(&headers.get_all(names::CONTENT_ENCODING)) {
        Ok(encoding) => encoding,
        Err(rejection) => {
            outcome
                .answer_headers
                .push(("Accept-Encoding", "gzip, deflate"));
            outcome
                .diagnostics
                .push(diagnose::unsupported_encoding(&rejection));
            return outcome.fail(Error::new(
                ErrorKind::UnsupportedEncoding,
                rejection.to_string(),
            ));
        }
    };
    outcome.encoding = Some(encoding);

    // size
    if wire.len() > config.limits.max_wire {
        return outcome.fail(Error::new(
            ErrorKind::BodyTooLarge,
            format!(
                "body exceeds limit ({} > {} bytes)",
                wire.len(),
                config.limits.max_wire
            ),
        ));
    }

    // decode
    let limit = DecodeLimit {
        max_decoded: config.limits.max_decoded,
    };
    let decoded = match encoding::decode(wire, encoding, limit) {
        Ok(decoded) => decoded,
        Err(error) => {
            if error.kind() == ErrorKind::NotEncoded {
                outcome.diagnostics.push(diagnose::not_of_declared_encoding(
                    encoding,
                    encoding::sniff(wire),
                ));
            }
            return outcome.fail(error);
        }
    };
    outcome.decoded_len = Some(decoded.len());
    // A body still compressed after decoding fails later (signature or json); say why up front.
    outcome.diagnostics.extend(diagnose::still_compressed(
        encoding,
        encoding::sniff(&decoded),
    ));

    // signature
    match headers.get_all(names::SIGNATURE).as_slice() {
        [] if !config.require_signature => {}
        [] => {
            return outcome.fail(Error::new(
                ErrorKind::MissingSignature,
                "missing X-HMAC-SIGNATURE header",
            ));
        }
        [value] => match Signature::from_hex(value.trim()) {
            Err(format) => {
                outcome
                    .diagnostics
                    .push(diagnose::malformed_signature(&format));
                return outcome.fail(Error::new(
                    ErrorKind::MalformedSignature,
                    format.to_string(),
                ));
            }
            Ok(sig) if signature::verify(&config.secrets, &decoded, &sig) => {}
            Ok(sig) => {
                outcome.diagnostics.extend(diagnose::signature_mismatch(
                    &config.secrets,
                    &sig,
                    wire,
                    encoding,
                    &decoded,
                ));
                return outcome.fail(Error::new(
                    ErrorKind::SignatureMismatch,
                    "signature does not match the decoded body",
                ));
            }
        },
        values => {
            return outcome.fail(Error::new(
                ErrorKind::MalformedSignature,
                format!(
                    "{} X-HMAC-SIGNATURE header lines, exactly 1 expected",
                    values.len()
                ),
            ));
        }
    }

    // json
    let body = match json::parse(&decoded) {
        Ok(body) => body,
        Err(error) => {
            let kind = match error {
                JsonError::InvalidUtf8 { .. } => ErrorKind::InvalidUtf8,
                JsonError::Syntax(_) => ErrorKind::InvalidJson,
                JsonError::DuplicateKey { .. } => ErrorKind::DuplicateKey,
                JsonError::TooDeep { .. } => ErrorKind::TooDeep,
            };
            let pointer = error.pointer().to_owned();
            return outcome.fail(Error::new(kind, error.to_string()).at(pointer));
        }
    };
    match body.get("verification") {
        _ if !body.is_object() => {
            return outcome.fail(Error::new(
                ErrorKind::NotAnObject,
                "body is not a JSON object",
            ));
        }
        None => {
            return outcome.fail(
                Error::new(
                    ErrorKind::MissingVerification,
                    "required property verification is missing",
                )
                .at("/verification"),
            );
        }
        Some(v) if !v.is_object() => {
            return outcome.fail(
                Error::new(
                    ErrorKind::VerificationNotObject,
                    "verification is not an object",
                )
                .at("/verification"),
            );
        }
        Some(_) => {}
    }

    // schema
    let report = schema::validate(&body, config.profile);
    outcome.warnings = report.warnings.clone();
    if !report.is_valid() {
        let n = report.errors.len();
        let code = report.vendor_code();
        outcome.violations = report.errors;
        let mut failed = outcome.fail(Error::new(
            ErrorKind::SchemaViolation,
            format!(
                "{n} schema violation{} ({} profile)",
                if n == 1 { "" } else { "s" },
                config.profile
            ),
        ));
        failed.code = code;
        return failed;
    }
    match SessionRequest::from_value(&body) {
        Ok(payload) => outcome.payload = Some(payload),
        Err(e) => {
            // The schema accepted what the typed model cannot hold: a gap between the two that
            // the fuzz target `schema` hunts for. Refuse rather than drop data.
            return outcome.fail(Error::new(
                ErrorKind::SchemaViolation,
                format!("body passes the schema but not the typed model ({e})"),
            ));
        }
    }
    outcome
        .advisories
        .extend(diagnose::compression_not_worth_it(
            encoding,
            decoded.len(),
            wire.len(),
            &config.cost,
        ));
    outcome.body = Some(body);
    outcome
}

/// The reason phrase of the statuses `receive` produces.
pub fn reason(status: u16) -> &'static str {
    match status {
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// The machine-readable report of an [`Outcome`] (`sessionkit verify --format json`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutcomeReport {
    /// HTTP status.
    pub status: u16,
    /// Vendor error code, `null` on success.
    pub code: Option<u16>,
    /// The error kind's code, `null` on success.
    pub error: Option<&'static str>,
    /// The answer's message.
    pub message: String,
    /// Named mistakes.
    pub diagnostics: Vec<Diagnostic>,
    /// Schema violations.
    pub violations: Vec<Violation>,
    /// Schema warnings.
    pub warnings: Vec<Violation>,
    /// Advice that does not change the answer.
    pub advisories: Vec<Diagnostic>,
}

impl Outcome {
    /// The machine-readable report.
    pub fn report(&self) -> OutcomeReport {
        OutcomeReport {
            status: self.status,
            code: (self.code != 0).then_some(self.code),
            error: self.error_code(),
            message: self.message(),
            diagnostics: self.diagnostics.clone(),
            violations: self.violations.clone(),
            warnings: self.warnings.clone(),
            advisories: self.advisories.clone(),
        }
    }

    /// The text rendering: the status line, then every finding with its hint.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = match &self.error {
            None => writeln!(out, "201 Created: {}", self.message()),
            Some(e) => writeln!(
                out,
                "{} {} (code {}, {}): {}",
                self.status,
                reason(self.status),
                self.code,
                e.kind().code(),
                e.message()
            ),
        };
        let lines = self.diagnostics.iter().map(|d| ("mistake", d));
        for (label, d) in lines.chain(self.advisories.iter().map(|d| ("advice", d))) {
            let _ = writeln!(out, "  {label}[{}]: {}", d.code, d.message);
            let _ = writeln!(out, "    hint: {}", d.hint);
        }
        let violations = self.violations.iter().map(|v| ("error", v));
        for (label, v) in violations.chain(self.warnings.iter().map(|v| ("warning", v))) {
            let _ = writeln!(out, "  {label}[{}] {}: {}", v.code, v.pointer, v.message);
        }
        out
    }
}
