//! Webhooks a client's receiver must handle (`sessionkit webhook --to URL`): the decision and
//! event webhooks of `schemas/decision.json` and `schemas/event.json`, signed as the API signs
//! them (lowercase hex HMAC-SHA256 of the raw body in `X-HMAC-SIGNATURE`, the API key in
//! `X-AUTH-CLIENT`), sent to the integrator's receiver, and its answers judged:
//!
//! Each delivery names the answer rule it checks (`judge::AnswerRule`), which fixes its level:
//!
//! - **MUST accept** (2xx, `webhook_genuine`): each decision and event code in the vendor's compact
//!   serialization, with `X-HMAC-SIGNATURE` and the legacy `X-SIGNATURE` as the vendor's deliveries
//!   carry them; with an old secret under rotation, one signed with it;
//! - **MUST refuse** (`webhook_forgery`): a tampered body under the original's signatures, another
//!   secret, no signature, another delivery's body under this one's signature;
//! - **SHOULD** (`webhook_raw_bytes`): accept the same payload serialized in other valid ways, each
//!   signed over its own bytes, and refuse pretty bytes under the compact form's signature (what a
//!   receiver that verifies `JSON.stringify(parsed)` accepts); (`webhook_retry`) accept a duplicate
//!   delivery and answer within a few seconds;
//! - **MAY** (`webhook_spelling`): uppercase or prefixed hex of the right HMAC, the legacy digest in
//!   both headers: no source fixes them, and accepting them admits no forgery.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use sessionkit::headers::{Headers, names};

use crate::judge::AnswerRule;
use crate::{Error, Level, client, junit};

pub use sessionkit_server::decision::DECISIONS;

/// The session the webhooks are about.
const SESSION: &str = "f04bdb47-d3be-4b28-b028-a652feb060b5";

/// A decision webhook's payload for a session created with `vendor_data` and `end_user_id`.
pub fn decision(status: &str, code: u16, vendor_data: &str, end_user_id: &str) -> Value {
    sessionkit_server::decision::payload(
        SESSION,
        status,
        code,
        &json!(vendor_data),
        &json!(end_user_id),
    )
}

/// An event webhook's payload (`started` 7001, `submitted` 7002).
pub fn event(action: &str, code: u16, vendor_data: &str) -> Value {
    sessionkit_server::decision::event(SESSION, action, code, &json!(vendor_data))
}

/// One delivery and what its answer must be.
#[derive(Debug, Clone)]
struct Delivery {
    name: String,
    /// The rule it checks, which fixes its level.
    rule: AnswerRule,
    accept: bool,
    why: &'static str,
    body: Vec<u8>,
    /// The `X-HMAC-SIGNATURE` value (`None`: no such line).
    signature: Option<String>,
    /// Another header line to add (the legacy `X-SIGNATURE`).
    extra: Option<(String, String)>,
}

/// The answer to one delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// What was sent.
    pub name: String,
    /// The rule it checks.
    pub answer_rule: AnswerRule,
    /// Its rule's level: MUST, SHOULD or MAY.
    pub level: Level,
    /// `accept` (2xx) or `refuse` (anything else).
    pub expected: &'static str,
    /// Why.
    pub rule: &'static str,
    /// The receiver's status; `None` when it did not answer.
    pub status: Option<u16>,
    /// What went wrong on the way, when no answer came.
    pub error: Option<String>,
    /// Milliseconds to the answer.
    pub millis: f64,
    /// The answer is what the rule asks.
    pub ok: bool,
}

/// A webhook run against a receiver.
#[derive(Debug, Clone)]
pub struct Webhook {
    to: String,
    api_key: String,
    secret: String,
    old_secret: Option<String>,
    vendor_data: String,
    end_user_id: String,
    timeout: Duration,
    ca: Option<std::path::PathBuf>,
}

/// Seconds a receiver has before the vendor takes its silence as a failure and retries.
const PROMPT: Duration = Duration::from_secs(5);

impl Webhook {
    /// Deliveries to the receiver at `to` (`https://`, as the vendor allows, or `http://` for a
    /// receiver under test on loopback), signed with `secret`, from `api_key`.
    pub fn to(
        to: impl Into<String>,
        api_key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            to: to.into(),
            api_key: api_key.into(),
            secret: secret.into(),
            old_secret: None,
            vendor_data: "customer-123".into(),
            end_user_id: "a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d6".into(),
            timeout: Duration::from_secs(10),
            ca: None,
        }
    }

    /// A PEM file of CA certificates trusted beside the system's, for an `https://` receiver
    /// whose certificate a private CA signed.
    pub fn ca(mut self, pem: impl Into<std::path::PathBuf>) -> Self {
        self.ca = Some(pem.into());
        self
    }

    /// A previous secret still active during rotation: one delivery is signed with it.
    pub fn old_secret(mut self, secret: impl Into<String>) -> Self {
        self.old_secret = Some(secret.into());
        self
    }

    /// How long each delivery may take in all, from connecting to the answer's last byte.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `vendorData` and `endUserId` the session was created with.
    pub fn session(
        mut self,
        vendor_data: impl Into<String>,
        end_user_id: impl Into<String>,
    ) -> Self {
        self.vendor_data = vendor_data.into();
        self.end_user_id = end_user_id.into();
        self
    }

    fn sign(&self, secret: &str, bytes: &[u8]) -> String {
        sessionkit::crypto::sign(secret.as_bytes(), bytes).to_string()
    }

    /// The legacy `X-SIGNATURE`: hex SHA-256 of the body followed by the secret, which the
    /// vendor's deliveries carry beside the HMAC (a captured production webhook).
    fn legacy(&self, secret: &str, bytes: &[u8]) -> String {
        let mut signed = bytes.to_vec();
        signed.extend_from_slice(secret.as_bytes());
        sessionkit::crypto::Algorithm::Sha256.hex(b"", &signed)
    }

    /// Every delivery, in order: the genuine ones, then the forgeries.
    fn deliveries(&self) -> Vec<Delivery> {
        let mut out = self.genuine();
        out.extend(self.forged());
        out
    }

    /// What a receiver must accept (and, SHOULD, a second delivery of the same).
    fn genuine(&self) -> Vec<Delivery> {
        let accept = |name: String, body: Vec<u8>, why| Delivery {
            signature: Some(self.sign(&self.secret, &body)),
            extra: Some(("X-SIGNATURE".into(), self.legacy(&self.secret, &body))),
            name,
            rule: AnswerRule::WebhookGenuine,
            accept: true,
            why,
            body,
        };
        let mut out = Vec::new();
        for (status, code) in DECISIONS {
            let body = decision(status, code, &self.vendor_data, &self.end_user_id).to_string();
            out.push(accept(
                format!("decision {status} ({code})"),
                body.into_bytes(),
                "a signed decision is accepted (seed: webhooks are the primary way to get results)",
            ));
        }
        for (action, code) in [("started", 7001), ("submitted", 7002)] {
            let body = event(action, code, &self.vendor_data).to_string();
            out.push(accept(
                format!("event {action} ({code})"),
                body.into_bytes(),
                "a signed event is accepted",
            ));
        }
        let approved = decision("approved", 9001, &self.vendor_data, &self.end_user_id);
        let compact = approved.to_string();
        let why = "the signature covers the exact bytes: any valid serialization, signed over its own bytes, is accepted";
        // Compact ASCII bytes are what the vendor sends (MUST); the others SHOULD: the one judge
        // of deliveries says which (`check` owes a captured one the same).
        let secrets = [self.secret.as_bytes().to_vec()];
        for (name, body) in variants(&approved) {
            let signed = accept(format!("approved, {name}"), body, why);
            let mut headers = Headers::new();
            headers.push(names::SIGNATURE, signed.signature.as_deref().unwrap_or(""));
            let rule = crate::judge::owed(&headers, &signed.body, &secrets).rule;
            out.push(Delivery { rule, ..signed });
        }
        if let Some(old) = &self.old_secret {
            out.push(Delivery {
                signature: Some(self.sign(old, compact.as_bytes())),
                ..accept(
                    "approved, signed with the old secret (rotation)".into(),
                    compact.clone().into_bytes(),
                    "both secrets are active during a rotation",
                )
            });
        }
        out.push(Delivery {
            rule: AnswerRule::WebhookRetry,
            ..accept(
                "approved, delivered a second time".into(),
                compact.into_bytes(),
                "a duplicate delivery is accepted again (idempotent): the vendor retries",
            )
        });
        out
    }

    /// What a receiver must refuse.
    fn forged(&self) -> Vec<Delivery> {
        let approved = decision("approved", 9001, &self.vendor_data, &self.end_user_id);
        let compact = approved.to_string();
        let mut out = Vec::new();
        let refuse = |name: &str, body: Vec<u8>, signature: Option<String>, why| Delivery {
            name: name.into(),
            rule: AnswerRule::WebhookForgery,
            accept: false,
            why,
            body,
            signature,
            extra: None,
        };
        let spelling = |name: &str, signature: String, why| Delivery {
            rule: AnswerRule::WebhookSpelling,
            ..refuse(name, compact.clone().into_bytes(), Some(signature), why)
        };
        let good = self.sign(&self.secret, compact.as_bytes());
        let tampered = compact.replacen("\"approved\"", "\"declined\"", 1);
        out.push(Delivery {
            extra: Some((
                "X-SIGNATURE".into(),
                self.legacy(&self.secret, compact.as_bytes()),
            )),
            ..refuse(
                "tampered body, the original's signature",
                tampered.into_bytes(),
                Some(good.clone()),
                "a body that is not the one signed is refused",
            )
        });
        let started = event("started", 7001, &self.vendor_data).to_string();
        out.push(refuse(
            "another delivery's body under this one's signature",
            started.into_bytes(),
            Some(good.clone()),
            "a signature authenticates one body: another delivery's is refused",
        ));
        out.push(refuse(
            "signed with another secret",
            compact.clone().into_bytes(),
            Some(self.sign("not-the-secret", compact.as_bytes())),
            "only the shared secret signs",
        ));
        out.push(refuse(
            "no signature",
            compact.clone().into_bytes(),
            None,
            "an unsigned webhook is refused",
        ));
        out.push(spelling(
            "uppercase hex",
            good.to_uppercase(),
            "the sender writes lowercase hex; accepting another spelling of the right HMAC admits no forgery",
        ));
        out.push(spelling(
            "prefixed hex (sha256=...)",
            format!("sha256={good}"),
            "the sender writes the bare hex digest; accepting a prefix admits no forgery",
        ));
        let legacy = self.legacy(&self.secret, compact.as_bytes());
        out.push(Delivery {
            extra: Some(("X-SIGNATURE".into(), legacy.clone())),
            ..spelling(
                "legacy sha256(payload || secret) in both headers",
                legacy,
                "the vendor's own deliveries carry the legacy X-SIGNATURE beside the HMAC; a receiver that verifies it instead admits no forgery (the legacy scheme)",
            )
        });
        let pretty = serde_json::to_vec_pretty(&approved).unwrap_or_default();
        out.push(Delivery {
            rule: AnswerRule::WebhookRawBytes,
            ..refuse(
                "pretty bytes under the compact form's signature",
                pretty,
                Some(good.clone()),
                "the signature covers the bytes received, not a re-serialization of them (a receiver that verifies JSON.stringify(parsed) accepts this, and breaks the day the vendor's bytes differ)",
            )
        });
        out
    }

    /// Sends every delivery and judges each answer.
    pub fn run(&self) -> Result<Vec<Outcome>, Error> {
        let receiver =
            crate::endpoint::Endpoint::parse(&self.to, self.ca.as_deref()).map_err(Error)?;
        let mut outcomes = Vec::new();
        for delivery in self.deliveries() {
            let mut headers = Headers::new();
            headers.push(names::API_KEY, &self.api_key);
            if let Some(signature) = &delivery.signature {
                headers.push(names::SIGNATURE, signature);
            }
            if let Some((name, value)) = &delivery.extra {
                headers.push(name, value);
            }
            headers.push(names::CONTENT_TYPE, "application/json");
            let started = Instant::now();
            let reply = client::send_to(&receiver, "POST", &headers, &delivery.body, self.timeout);
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            // Only a receiver that cannot be connected to ends the run; one that answers badly
            // (a head without end, an answer that drips past the timeout) is graded.
            if let (true, Err(e)) = (outcomes.is_empty(), &reply) {
                if e.starts_with(client::CONNECT_FAILED) {
                    return Err(Error(format!(
                        "cannot reach {} (is the receiver running?): {e}",
                        self.to
                    )));
                }
            }
            let status = reply.as_ref().ok().map(|r| r.status);
            let accepted = status.is_some_and(|s| (200..300).contains(&s));
            let ok = status.is_some() && accepted == delivery.accept;
            outcomes.push(Outcome {
                name: delivery.name,
                answer_rule: delivery.rule,
                level: delivery.rule.binding().level(Level::Must),
                expected: if delivery.accept { "accept" } else { "refuse" },
                rule: delivery.why,
                status,
                error: reply.err(),
                millis,
                ok,
            });
        }
        // Every answer within a few seconds: one more rule, over all of them.
        let slowest = outcomes.iter().map(|o| o.millis).fold(0.0, f64::max);
        outcomes.push(Outcome {
            name: format!(
                "every answer within {} s (slowest {slowest:.0} ms)",
                PROMPT.as_secs()
            ),
            answer_rule: AnswerRule::WebhookRetry,
            level: AnswerRule::WebhookRetry.binding().level(Level::Must),
            expected: "accept",
            rule: "the vendor retries an answer that is slow or not 200",
            status: None,
            error: None,
            millis: slowest,
            ok: slowest <= PROMPT.as_secs_f64() * 1000.0,
        });
        Ok(outcomes)
    }
}

/// The approved decision serialized in other valid ways, each its own bytes.
fn variants(approved: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let compact = approved.to_string();
    let mut reordered = approved.clone();
    if let Some(map) = reordered["verification"].as_object_mut() {
        let reversed: serde_json::Map<String, Value> =
            std::mem::take(map).into_iter().rev().collect();
        *map = reversed;
    }
    let mut non_ascii = approved.clone();
    non_ascii["verification"]["person"]["firstName"] = json!("João");
    non_ascii["verification"]["person"]["lastName"] = json!("Conceição 中村");
    let raw_utf8 = non_ascii.to_string();
    let escaped: String = raw_utf8
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    let mut large = approved.clone();
    large["verification"]["comments"] = json!((0..40)
        .map(|i| json!({"type": "note", "comment": format!("reviewed document page {i}: {}", "all fields legible and consistent. ".repeat(4))}))
        .collect::<Vec<_>>());
    vec![
        (
            "members in another order",
            serde_json::to_vec(&reordered).unwrap_or_default(),
        ),
        (
            "pretty-printed",
            serde_json::to_vec_pretty(approved).unwrap_or_default(),
        ),
        (
            "`/` escaped as `\\/`",
            compact.replace('/', "\\/").into_bytes(),
        ),
        ("non-ASCII as raw UTF-8", raw_utf8.into_bytes()),
        ("non-ASCII as \\uXXXX escapes", escaped.into_bytes()),
        (
            "a number written 9.001e3",
            compact
                .replacen("\"code\":9001", "\"code\":9.001e3", 1)
                .into_bytes(),
        ),
        ("several KB", large.to_string().into_bytes()),
    ]
}

/// The report for a person: one line per delivery, then the totals per level.
pub fn text(to: &str, outcomes: &[Outcome]) -> String {
    use std::fmt::Write;
    let mut out = format!("sessionkit webhook: {to}\n");
    for o in outcomes {
        let got = match (o.status, &o.error) {
            (Some(s), _) => format!("answered {s}"),
            (None, Some(e)) => format!("no answer ({e})"),
            (None, None) => String::new(),
        };
        let grade = match (o.ok, o.level) {
            (true, _) => "OK           ",
            (false, Level::Must) => "FAILED       ",
            (false, Level::Should) => "NON-STRICT   ",
            (false, Level::May) => "INFORMATIONAL",
        };
        let _ = writeln!(
            out,
            "{grade} [{}] {}: {} {} {got}",
            o.level,
            o.name,
            o.level.name().to_lowercase(),
            o.expected
        );
        if !o.ok {
            let _ = writeln!(out, "  rule: {}", o.rule);
        }
    }
    for level in Level::ALL {
        let of: Vec<&Outcome> = outcomes.iter().filter(|o| o.level == level).collect();
        let _ = writeln!(
            out,
            "{level:<6} {} of {} OK",
            of.iter().filter(|o| o.ok).count(),
            of.len()
        );
    }
    out
}

/// JUnit XML: one test case per delivery.
pub fn junit(outcomes: &[Outcome]) -> String {
    let cases: Vec<junit::TestCase> = outcomes
        .iter()
        .map(|o| junit::TestCase {
            classname: format!("webhook.{}", o.level.name().to_lowercase()),
            name: o.name.clone(),
            seconds: o.millis / 1000.0,
            failure: (!o.ok && o.level == Level::Must).then(|| {
                let got = o
                    .status
                    .map_or_else(|| "no answer".to_owned(), |s| format!("answered {s}"));
                (o.rule.to_owned(), format!("must {}; {got}", o.expected))
            }),
        })
        .collect();
    junit::write("sessionkit webhook", &cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    use sessionkit_testkit::schema_validator as validator;

    /// One judge for deliveries: what `check` owes a captured delivery (`judge::owed`, from its
    /// headers and bytes alone) is the rule and the answer `webhook` grades the same delivery by,
    /// for every delivery it sends but the retry (a second delivery of one before it, which only
    /// the sender knows).
    #[test]
    fn check_and_webhook_owe_each_delivery_the_same() {
        let run = Webhook::to("http://127.0.0.1:1/", "k", "their-secret").old_secret("old");
        let secrets = vec![b"their-secret".to_vec(), b"old".to_vec()];
        let mut compared = 0;
        for delivery in run.deliveries() {
            if delivery.rule == AnswerRule::WebhookRetry {
                continue;
            }
            let mut headers = Headers::new();
            if let Some(signature) = &delivery.signature {
                headers.push(names::SIGNATURE, signature);
            }
            if let Some((name, value)) = &delivery.extra {
                headers.push(name, value);
            }
            let owed = crate::judge::owed(&headers, &delivery.body, &secrets);
            assert_eq!(
                (owed.rule, owed.accept),
                (delivery.rule, delivery.accept),
                "{}",
                delivery.name
            );
            compared += 1;
        }
        assert!(compared >= 15, "{compared}");
    }

    /// Every payload sent holds to the schemas of `schemas/`, and each serialization variant is
    /// the same JSON as the compact one.
    #[test]
    fn payloads_hold_to_the_schemas() {
        let decisions = validator("decision.json");
        for (status, code) in DECISIONS {
            let body = decision(
                status,
                code,
                "customer-123",
                "a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d6",
            );
            let errors: Vec<String> = decisions
                .iter_errors(&body)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{status}: {errors:?}");
        }
        let events = validator("event.json");
        for (action, code) in [("started", 7001), ("submitted", 7002)] {
            assert!(
                events.is_valid(&event(action, code, "customer-123")),
                "{action}"
            );
        }
        assert!(!decisions.is_valid(
            &json!({"status": "success", "verification": {"id": "x", "status": "ok", "code": 1}})
        ));
        let approved = decision(
            "approved",
            9001,
            "v",
            "a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d6",
        );
        for (name, bytes) in variants(&approved) {
            let parsed: Value = serde_json::from_slice(&bytes).unwrap();
            assert!(decisions.is_valid(&parsed), "{name}");
            assert_ne!(
                bytes,
                approved.to_string().into_bytes(),
                "{name} is another serialization"
            );
        }
    }
}
