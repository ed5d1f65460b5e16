//! A received webhook delivery verified offline, as its receiver must verify it: the exact
//! stored bytes, `X-HMAC-SIGNATURE` (HMAC-SHA256 under the shared secret) by the same signature
//! stage and doctor as a request (a trailing newline added when the body was stored, a
//! re-serialization, the legacy digest in the HMAC's header are named), the legacy
//! `X-SIGNATURE` when present (the vendor sends both), and the payload against
//! `schemas/decision.json` or `schemas/event.json`.

use crate::codec::Encoding;
use crate::config::{Config, Unsigned};
use crate::crypto::{Algorithm, Signature, Signed};
use crate::error::{Rejection, Violation};
use crate::headers::{Headers, names};

/// Which webhook a payload is (the schema layer's, which checks it).
pub use crate::schema::DeliveryKind as Kind;

/// What was found in one delivery.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `X-HMAC-SIGNATURE` over the exact bytes: accepted, or refused with the mistake named.
    pub hmac: Result<(), Rejection>,
    /// `X-SIGNATURE`, when present: whether it is the legacy SHA-256 of the body followed by the
    /// secret.
    pub legacy: Option<bool>,
    /// The payload's kind, when it is JSON of one of the two shapes.
    pub kind: Option<Kind>,
    /// Why the payload is not JSON, when it is not.
    pub not_json: Option<String>,
    /// The payload's schema violations.
    pub violations: Vec<Violation>,
}

impl Verdict {
    /// Signed right in every header it carries, and a valid payload.
    pub fn is_valid(&self) -> bool {
        self.hmac.is_ok()
            && self.legacy != Some(false)
            && self.not_json.is_none()
            && self.kind.is_some()
            && self.violations.is_empty()
    }
}

/// Verifies one stored delivery: `headers` and the exact `body` bytes, under any of `secrets`.
pub fn verify(headers: &Headers, body: &[u8], secrets: &[Vec<u8>]) -> Verdict {
    // A delivery is always signed: the signature stage as for a request, no unsigned pass.
    let config = Config {
        secrets: secrets.to_vec(),
        unsigned: Unsigned::Refused,
        ..Config::default()
    };
    let signed = Signed::body(body, body, Encoding::Identity);
    let hmac = crate::stage::signature::check(headers, signed, &config).map(|_| ());
    let legacy = headers.get_one(names::LEGACY_SIGNATURE).map(|value| {
        Signature::from_hex(&value.trim().to_ascii_lowercase()).is_ok_and(|sig| {
            secrets
                .iter()
                .any(|s| Algorithm::LegacySha256.digest(s, body) == sig.as_bytes())
        })
    });
    let (kind, not_json, violations) = match crate::json::parse(body) {
        Err(e) => (None, Some(e.to_string()), Vec::new()),
        Ok(value) => {
            let kind = if value.get("verification").is_some() {
                Some(Kind::Decision)
            } else if value.get("action").is_some() {
                Some(Kind::Event)
            } else {
                None
            };
            let violations = kind
                .map(|k| crate::schema::validate_delivery(&value, k).errors)
                .unwrap_or_default();
            (kind, None, violations)
        }
    };
    Verdict {
        hmac,
        legacy,
        kind,
        not_json,
        violations,
    }
}

impl Verdict {
    /// As `sessionkit verify --webhook` prints it: one line per check, each failure with its
    /// named mistakes and their hints.
    pub fn render(&self, bytes: usize) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        match &self.hmac {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "X-HMAC-SIGNATURE: valid (HMAC-SHA256 of the {bytes} bytes)"
                );
            }
            Err(rejection) => {
                let _ = writeln!(
                    out,
                    "X-HMAC-SIGNATURE: INVALID ({}): {}",
                    rejection.error.kind().code(),
                    rejection.error.message()
                );
                for m in &rejection.mistakes {
                    let _ = writeln!(
                        out,
                        "  mistake[{}]: {}\n    hint: {}",
                        m.code, m.message, m.hint
                    );
                }
            }
        }
        let _ = match self.legacy {
            None => writeln!(out, "X-SIGNATURE: absent"),
            Some(true) => writeln!(
                out,
                "X-SIGNATURE: valid (the legacy SHA-256 of the body followed by the secret)"
            ),
            Some(false) => writeln!(
                out,
                "X-SIGNATURE: INVALID: not the legacy SHA-256 of these {bytes} bytes followed by the secret"
            ),
        };
        let _ = match (&self.not_json, self.kind) {
            (Some(why), _) => writeln!(out, "payload: INVALID: {why}"),
            (None, None) => writeln!(
                out,
                "payload: INVALID: neither a decision (verification) nor an event (action)"
            ),
            (None, Some(kind)) if self.violations.is_empty() => writeln!(
                out,
                "payload: a {} webhook, valid against schemas/{}",
                serde_json::to_value(kind)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or(""),
                kind.schema_file()
            ),
            (None, Some(kind)) => {
                let _ = writeln!(
                    out,
                    "payload: INVALID against schemas/{}",
                    kind.schema_file()
                );
                for v in &self.violations {
                    let _ = writeln!(out, "  {} {}: {}", v.code, v.pointer, v.message);
                }
                Ok(())
            }
        };
        out
    }

    /// As `--format json` prints it.
    pub fn report(&self) -> serde_json::Value {
        let hmac = match &self.hmac {
            Ok(()) => serde_json::json!({"valid": true}),
            Err(r) => serde_json::json!({
                "valid": false,
                "error": r.error.kind().code(),
                "message": r.error.message(),
                "diagnostics": r.mistakes,
            }),
        };
        serde_json::json!({
            "valid": self.is_valid(),
            "hmac": hmac,
            "legacy": self.legacy.map(|valid| serde_json::json!({"valid": valid})),
            "kind": self.kind,
            "schema": self.kind.map(|k| k.schema_file()),
            "not_json": self.not_json,
            "violations": self.violations.iter().map(|v| serde_json::json!({
                "code": v.code, "pointer": v.pointer, "message": v.message,
            })).collect::<Vec<_>>(),
        })
    }
}
