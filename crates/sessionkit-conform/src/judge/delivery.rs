//! What a receiver owes one webhook delivery: to accept it or to refuse it, and under which
//! answer rule (which fixes the level). The one place that decides it: `webhook` for each
//! delivery it sends, `check` for each captured one.

use serde_json::Value;
use sessionkit::crypto::Algorithm;
use sessionkit::headers::{Headers, names};

use super::AnswerRule;

/// What a receiver owes a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    /// The rule its answer is judged by.
    pub rule: AnswerRule,
    /// Whether it is to be accepted (2xx).
    pub accept: bool,
}

/// What a receiver owes the delivery of `body` with `headers`, under any of `secrets`:
/// - the right HMAC of these bytes (and a right legacy `X-SIGNATURE`, when there is one):
///   accepted, at MUST in the vendor's compact ASCII serialization (`webhook_genuine`), at
///   SHOULD in another one (`webhook_raw_bytes`: a re-serializing receiver breaks on it);
/// - the right HMAC in another spelling (capitals, a `sha256=` prefix), the legacy digest in its
///   place, or the right legacy `X-SIGNATURE` alone: refusing or accepting it admits no forgery
///   (`webhook_spelling`, MAY);
/// - the right HMAC of the compact form of other bytes: a receiver that verifies a
///   re-serialization accepts it, and SHOULD not (`webhook_raw_bytes`);
/// - anything else is a forgery, refused at MUST (`webhook_forgery`).
pub fn owed(headers: &Headers, body: &[u8], secrets: &[Vec<u8>]) -> Owed {
    let digests = |algorithm: Algorithm, bytes: &[u8]| -> Vec<String> {
        secrets.iter().map(|s| algorithm.hex(s, bytes)).collect()
    };
    // The body's digests under every secret, each computed once.
    let hmacs = digests(Algorithm::HmacSha256, body);
    let legacies = digests(Algorithm::LegacySha256, body);
    let signatures = headers.get_all(names::SIGNATURE);
    let legacy_right = headers
        .get_one(names::LEGACY_SIGNATURE)
        .map(|v| legacies.contains(&v.trim().to_ascii_lowercase()));
    let owe = |rule, accept| Owed { rule, accept };
    let [signature] = signatures[..] else {
        // No HMAC line (or several): the legacy digest alone, when right, still takes the
        // secret to make (the vendor's older scheme): no forgery.
        return match (signatures.is_empty(), legacy_right) {
            (true, Some(true)) => owe(AnswerRule::WebhookSpelling, false),
            _ => owe(AnswerRule::WebhookForgery, false),
        };
    };
    let signature = signature.trim();
    let compact = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| serde_json::to_vec(&v).ok());
    if hmacs.iter().any(|h| h == signature) && legacy_right != Some(false) {
        // Compact and ASCII is the form every captured vendor delivery has; other bytes (raw
        // UTF-8 names, whitespace, `\/`) are accepted at SHOULD, as `webhook` sends them.
        return match compact.as_deref() == Some(body) && body.is_ascii() {
            true => owe(AnswerRule::WebhookGenuine, true),
            false => owe(AnswerRule::WebhookRawBytes, true),
        };
    }
    let respelled = signature.to_ascii_lowercase();
    let respelled = respelled.strip_prefix("sha256=").unwrap_or(&respelled);
    let right_digest = hmacs.iter().chain(&legacies).any(|d| d == respelled);
    if right_digest && legacy_right != Some(false) {
        return owe(AnswerRule::WebhookSpelling, false);
    }
    let signs_compact = |c: &[u8]| {
        digests(Algorithm::HmacSha256, c)
            .iter()
            .any(|h| h == signature)
    };
    if compact.is_some_and(|c| c != body && signs_compact(&c)) {
        return owe(AnswerRule::WebhookRawBytes, false);
    }
    owe(AnswerRule::WebhookForgery, false)
}
