//! The server's whole receive decision as a pure function: headers → size → decode → signature →
//! json → schema, in the order of docs/contract.md §2, each stage a function of its own module.

use serde_json::Value;

use crate::catalogue::{Diagnostic, Stage};
use crate::codec::Encoding;
use crate::config::{Config, Profile};
use crate::crypto::Signed;
use crate::diagnose;
use crate::error::{Error, Rejection, Violation};
use crate::headers::Headers;
use crate::model::{FailureAnswer, Receipt, SessionRequest};
use crate::stage::{decode, headers, json, schema, signature, size};

/// The decision on one request.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// HTTP status: 201, 400, 401, 413 or 415.
    pub status: u16,
    /// Vendor error code; 0 on success.
    pub vendor_code: u16,
    /// The failure, if any.
    pub error: Option<Error>,
    /// Mistakes named by [`diagnose`], in the order found.
    pub mistakes: Vec<Diagnostic>,
    /// Every schema violation (schema stage failures only).
    pub violations: Vec<Violation>,
    /// Schema warnings (unknown properties in the documented profile).
    pub warnings: Vec<Violation>,
    /// Advice that never changes the answer (`compression_not_worth_it`).
    pub advisories: Vec<Diagnostic>,
    /// The encoding, once the headers stage accepted it.
    pub encoding: Option<Encoding>,
    /// Decoded body length, once decoded.
    pub decoded_len: Option<usize>,
    /// The parsed body, on success.
    pub body: Option<Value>,
    /// The typed payload, on success.
    pub payload: Option<SessionRequest>,
    /// What was received, safe to show, on failure.
    pub receipt: Option<Receipt>,
    profile: Profile,
}

/// Decides the answer to `POST /v1/sessions` with these headers and wire bytes: the stages in the
/// order of docs/contract.md §2; the first that refuses decides the answer.
pub fn receive(headers: &Headers, wire: &[u8], config: &Config) -> Outcome {
    let mut outcome = Outcome::new(config.profile);
    let mut decoded = None;
    match stages(headers, wire, config, &mut outcome, &mut decoded) {
        Ok(()) => outcome,
        Err(rejection) => {
            // Built from what the stages already have, only on the failure path.
            let receipt = Receipt::of(
                wire,
                decoded.as_ref().map(|d| d.bytes.as_slice()),
                decoded.as_ref().and_then(|d| d.gzip_members),
            );
            let mut refused = outcome.refuse(rejection);
            refused.receipt = Some(receipt);
            refused
        }
    }
}

/// The `?` chain of the stages; what each learns on the way is kept in `seen`, and the decoded
/// body in `decoded` (for the receipt of a later refusal).
fn stages(
    headers: &Headers,
    wire: &[u8],
    config: &Config,
    seen: &mut Outcome,
    decoded: &mut Option<decode::Decoded>,
) -> Result<(), Rejection> {
    let encoding = headers::check(headers, &config.api_keys)?;
    seen.encoding = Some(encoding);
    size::check(wire.len(), config.limits.max_wire)?;
    let decoded = decoded.insert(
        decode::check(wire, encoding, config.limits.max_decoded, &config.cost).map_err(|r| {
            r.naming(diagnose::doctor::intermediary_decompressed(
                headers,
                wire,
                &config.secrets,
            ))
        })?,
    );
    seen.decoded_len = Some(decoded.bytes.len());
    let signed = Signed::body(&decoded.bytes, wire, encoding);
    signature::check(headers, signed, config).map_err(|r| r.after(&decoded.mistakes))?;
    let body = json::check(&decoded.bytes).map_err(|r| r.after(&decoded.mistakes))?;
    let accepted = schema::check(&body, config.profile)?;
    seen.warnings = accepted.warnings;
    seen.payload = Some(accepted.payload);
    seen.advisories = std::mem::take(&mut decoded.advisories);
    seen.body = Some(body);
    Ok(())
}

impl Outcome {
    fn new(profile: Profile) -> Self {
        Self {
            status: 201,
            vendor_code: 0,
            error: None,
            mistakes: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
            advisories: Vec::new(),
            encoding: None,
            decoded_len: None,
            body: None,
            payload: None,
            receipt: None,
            profile,
        }
    }

    /// The decision of a stage called on its own (the reference server's early 413, the decision
    /// endpoint's API key and signature checks): `rejection`, answered as `receive` answers it.
    pub fn rejected(profile: Profile, rejection: Rejection) -> Self {
        Self::new(profile).refuse(rejection)
    }

    fn refuse(mut self, rejection: Rejection) -> Self {
        self.status = rejection.error.kind().status();
        self.vendor_code = rejection.vendor_code;
        self.mistakes = rejection.mistakes;
        self.violations = rejection.violations;
        self.warnings = rejection.warnings;
        self.error = Some(rejection.error);
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

    /// The stage that refused the request, or `None` on success.
    pub fn stage(&self) -> Option<Stage> {
        self.error.as_ref().map(|e| e.kind().stage())
    }

    /// Headers the answer must carry (`Accept-Encoding` on a 415 for the encoding).
    pub fn answer_headers(&self) -> &'static [(&'static str, &'static str)] {
        self.error
            .as_ref()
            .map_or(&[], |e| e.kind().answer_headers())
    }

    /// The answer's message.
    pub fn message(&self) -> String {
        match &self.error {
            Some(error) => error.message().to_owned(),
            None => "session created".to_owned(),
        }
    }

    /// The failure answer of docs/contract.md §3: the error itself, the named mistakes, then every
    /// violation, each code once. `None` on success.
    pub fn failure_answer(&self) -> Option<FailureAnswer> {
        let error = self.error.as_ref()?;
        let violations = self
            .violations
            .iter()
            .map(|v| diagnose::schema::violation(v, self.profile));
        Some(FailureAnswer {
            status: "fail".to_owned(),
            code: self.vendor_code,
            message: error.message().to_owned(),
            diagnostics: std::iter::once(error.diagnostic())
                .chain(self.mistakes.iter().cloned())
                .chain(violations)
                .collect(),
            receipt: self.receipt.clone(),
        })
    }
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
    /// What was received, safe to show, on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

impl Outcome {
    /// The machine-readable report.
    pub fn report(&self) -> OutcomeReport {
        OutcomeReport {
            status: self.status,
            code: (self.vendor_code != 0).then_some(self.vendor_code),
            error: self.error_code(),
            message: self.message(),
            diagnostics: self.mistakes.clone(),
            violations: self.violations.clone(),
            warnings: self.warnings.clone(),
            advisories: self.advisories.clone(),
            receipt: self.receipt.clone(),
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
                self.vendor_code,
                e.kind().code(),
                e.message()
            ),
        };
        let lines = self.mistakes.iter().map(|d| ("mistake", d));
        for (label, d) in lines.chain(self.advisories.iter().map(|d| ("advice", d))) {
            let _ = writeln!(out, "  {label}[{}]: {}", d.code, d.message);
            let _ = writeln!(out, "    hint: {}", d.hint);
        }
        if let Some(r) = &self.receipt {
            let _ = writeln!(
                out,
                "  receipt: {} wire bytes ({}), sha256 {}",
                r.wire_bytes, r.wire_looks_like, r.wire_sha256
            );
            if let (Some(n), Some(sha), Some(like)) =
                (r.decoded_bytes, &r.decoded_sha256, &r.decoded_looks_like)
            {
                let members = r
                    .gzip_members
                    .map_or(String::new(), |m| format!(", {m} gzip member(s)"));
                let _ = writeln!(
                    out,
                    "           {n} decoded bytes ({like}{members}), sha256 {sha}"
                );
            }
        }
        let violations = self.violations.iter().map(|v| ("error", v));
        for (label, v) in violations.chain(self.warnings.iter().map(|v| ("warning", v))) {
            let _ = writeln!(out, "  {label}[{}] {}: {}", v.code, v.pointer, v.message);
        }
        out
    }
}
