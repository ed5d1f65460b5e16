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
use crate::stage::schema::Accepted;
use crate::stage::{decode, headers, json, schema, signature, size};

/// The decision on one request: what the stages decided, and what they learnt on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The accepted body, or the refusal of the first stage that refused.
    pub result: Result<Accepted, Rejection>,
    /// The encoding, once the headers stage accepted it.
    pub encoding: Option<Encoding>,
    /// Decoded body length, once decoded.
    pub decoded_len: Option<usize>,
    /// Advice that never changes the answer (`compression_not_worth_it`).
    pub advisories: Vec<Diagnostic>,
    /// What was received, safe to show, on failure.
    pub receipt: Option<Receipt>,
    profile: Profile,
}

/// Decides the answer to `POST /v1/sessions` with these headers and wire bytes: the stages in the
/// order of docs/contract.md §2; the first that refuses decides the answer.
pub fn receive(headers: &Headers, wire: &[u8], config: &Config) -> Outcome {
    let mut seen = Seen::default();
    let result = stages(headers, wire, config, &mut seen);
    // Built from what the stages already have, only on the failure path.
    let receipt = result.is_err().then(|| {
        let decoded = seen.decoded.as_ref();
        Receipt::of(
            wire,
            decoded.map(|d| d.bytes.as_slice()),
            decoded.and_then(|d| d.gzip_members),
        )
    });
    Outcome {
        result,
        encoding: seen.encoding,
        decoded_len: seen.decoded.as_ref().map(|d| d.bytes.len()),
        advisories: seen.advisories,
        receipt,
        profile: config.profile,
    }
}

/// What the stages learn on the way, kept whether or not a later stage refuses.
#[derive(Default)]
struct Seen {
    encoding: Option<Encoding>,
    decoded: Option<decode::Decoded>,
    advisories: Vec<Diagnostic>,
}

/// The `?` chain of the stages.
fn stages(
    headers: &Headers,
    wire: &[u8],
    config: &Config,
    seen: &mut Seen,
) -> Result<Accepted, Rejection> {
    let encoding = headers::check(headers, &config.api_keys)?;
    seen.encoding = Some(encoding);
    size::check(wire.len(), config.limits.max_wire)?;
    let decoded = seen.decoded.insert(
        decode::check(wire, encoding, config.limits.max_decoded, &config.cost).map_err(|r| {
            r.naming(diagnose::decode::intermediary_decompressed(
                headers,
                wire,
                &config.secrets,
            ))
        })?,
    );
    let signed = Signed::body(&decoded.bytes, wire, encoding);
    // The signature's advice is kept whatever comes next: an unsigned request refused for its
    // body was still accepted unsigned (what a judge of another server's answer needs to know).
    seen.advisories =
        signature::check(headers, signed, config).map_err(|r| r.after(&decoded.mistakes))?;
    let body = json::check(&decoded.bytes).map_err(|r| r.after(&decoded.mistakes))?;
    let accepted = schema::check(body, config.profile)?;
    seen.advisories.append(&mut decoded.advisories);
    Ok(accepted)
}

impl Outcome {
    /// The decision of a stage called on its own (the reference server's early 413, the decision
    /// endpoint's API key and signature checks): `rejection`, answered as `receive` answers it.
    pub fn rejected(profile: Profile, rejection: Rejection) -> Self {
        Self {
            result: Err(rejection),
            encoding: None,
            decoded_len: None,
            advisories: Vec::new(),
            receipt: None,
            profile,
        }
    }

    /// The advice a 201 answer carries: how the request was signed (`unsigned_request`, a digest
    /// in another header). The cost advice stays in `verify` and the request report.
    pub fn answer_advice(&self) -> Vec<Diagnostic> {
        self.advisories
            .iter()
            .filter(|d| {
                crate::catalogue::Mistake::ALL
                    .iter()
                    .find(|m| m.code() == d.code)
                    .is_some_and(|m| m.entry().stage == crate::catalogue::Stage::Signature)
            })
            .cloned()
            .collect()
    }

    /// The error, or `None` on success.
    pub fn error(&self) -> Option<&Error> {
        self.result.as_ref().err().map(|r| &r.error)
    }

    /// HTTP status: 201, 400, 401, 413 or 415.
    pub fn status(&self) -> u16 {
        self.error().map_or(201, |e| e.kind().status())
    }

    /// Vendor error code; 0 on success.
    pub fn vendor_code(&self) -> u16 {
        self.result.as_ref().err().map_or(0, |r| r.vendor_code)
    }

    /// Mistakes named by the detectors, in the order found (none on success).
    pub fn mistakes(&self) -> &[Diagnostic] {
        self.result.as_ref().err().map_or(&[], |r| &r.mistakes)
    }

    /// Every schema violation (schema stage refusals only).
    pub fn violations(&self) -> &[Violation] {
        self.result.as_ref().err().map_or(&[], |r| &r.violations)
    }

    /// Schema warnings (unknown properties in the documented profile), accepted or refused.
    pub fn warnings(&self) -> &[Violation] {
        match &self.result {
            Ok(accepted) => &accepted.warnings,
            Err(rejection) => &rejection.warnings,
        }
    }

    /// The parsed body, on success.
    pub fn body(&self) -> Option<&Value> {
        self.result.as_ref().ok().map(|a| &a.body)
    }

    /// The typed payload, on success.
    pub fn payload(&self) -> Option<&SessionRequest> {
        self.result.as_ref().ok().map(|a| &a.payload)
    }

    /// The schema profile the body was judged in.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// True for 201.
    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }

    /// The error kind's code, or `None` on success.
    pub fn error_code(&self) -> Option<&'static str> {
        self.error().map(|e| e.kind().code())
    }

    /// The stage that refused the request, or `None` on success.
    pub fn stage(&self) -> Option<Stage> {
        self.error().map(|e| e.kind().stage())
    }

    /// Headers the answer must carry (`Accept-Encoding` on a 415 for the encoding).
    pub fn answer_headers(&self) -> &'static [(&'static str, &'static str)] {
        self.error().map_or(&[], |e| e.kind().answer_headers())
    }

    /// The answer's message.
    pub fn message(&self) -> String {
        match self.error() {
            Some(error) => error.message().to_owned(),
            None => "session created".to_owned(),
        }
    }

    /// The failure answer of docs/contract.md §3: the error itself, the named mistakes, then every
    /// violation, each code once. `None` on success.
    pub fn failure_answer(&self) -> Option<FailureAnswer> {
        let error = self.error()?;
        let violations = self
            .violations()
            .iter()
            .map(|v| diagnose::schema::violation(v, self.profile));
        Some(FailureAnswer {
            status: "fail".to_owned(),
            code: self.vendor_code(),
            message: error.message().to_owned(),
            diagnostics: std::iter::once(error.diagnostic())
                .chain(self.mistakes().iter().cloned())
                .chain(violations)
                .collect(),
            receipt: self.receipt.clone(),
        })
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
            status: self.status(),
            code: (self.vendor_code() != 0).then_some(self.vendor_code()),
            error: self.error_code(),
            message: self.message(),
            diagnostics: self.mistakes().to_vec(),
            violations: self.violations().to_vec(),
            warnings: self.warnings().to_vec(),
            advisories: self.advisories.clone(),
            receipt: self.receipt.clone(),
        }
    }

    /// The text rendering: the status line, then every finding with its hint.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let status = self.status();
        let _ = match self.error() {
            None => writeln!(out, "201 Created: {}", self.message()),
            Some(e) => writeln!(
                out,
                "{status} {} (code {}, {}): {}",
                crate::http1::reason(status),
                self.vendor_code(),
                e.kind().code(),
                e.message()
            ),
        };
        let lines = self.mistakes().iter().map(|d| ("mistake", d));
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
        let violations = self.violations().iter().map(|v| ("error", v));
        for (label, v) in violations.chain(self.warnings().iter().map(|v| ("warning", v))) {
            let at = if v.pointer.is_empty() {
                "(body)"
            } else {
                &v.pointer
            };
            let _ = writeln!(out, "  {label}[{}] {at}: {}", v.code, v.message);
        }
        out
    }
}
