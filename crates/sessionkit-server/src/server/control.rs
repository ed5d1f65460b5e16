//! The control API under `/__sessionkit/`, for test suites that run the reference server: what it
//! saw since the last reset, whether every request was acceptable (as wiremock and Pact verify
//! expectations, but failing on *invalid* requests: wrong bytes signed, mislabelled compression,
//! schema violations), and scripted answers to test a client's retries.
//!
//! - `GET /__sessionkit/health` → 200 with the version and the session store's size (stored, max,
//!   evicted) (every answer carries `Sessionkit-Version`);
//! - `GET /__sessionkit/requests` → every request since the reset, with its verdict;
//! - `POST /__sessionkit/reset` → forgets them and any scripted answers;
//! - `GET /__sessionkit/verify` → 200 when every request since the reset was accepted, else 422
//!   listing the others with their named mistakes; a request sent with `Sessionkit-Expect: N`
//!   that got status N does not count;
//! - `POST /__sessionkit/script` with `[429, 500, 201]` → the next answers to `POST /v1/sessions`
//!   (an entry may be `{"status": 201, "forge": "wrong-signature"}`: a 201 forged the way a
//!   client that verifies answers must refuse; see [`Forgery`])
//!   (429 with `Retry-After`, 500, then the contract's own answer).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::answer::{Answer, Signer};
use super::script::Scripted;
use super::sessions::SessionStats;

/// Requests kept for `requests` and `verify`: a test suite resets long before; a long-running
/// server (a load test) keeps only the latest.
const KEPT: usize = 10_000;

/// What the control API keeps.
#[derive(Default)]
pub(crate) struct Control {
    /// Oldest first; a full store drops its oldest in constant time.
    seen: Mutex<VecDeque<Value>>,
    script: Mutex<VecDeque<Scripted>>,
}

impl Control {
    /// Keeps the record of one request to the API (not to the control routes).
    pub(crate) fn record(&self, record: Value) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() == KEPT {
                seen.pop_front();
            }
            seen.push_back(record);
        }
    }

    /// Every request kept since the last reset.
    pub(crate) fn seen(&self) -> Vec<Value> {
        self.seen
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The requests `verify` reports: not accepted, and not expected to fail.
    pub(crate) fn failures(&self) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(is_unexpected_failure)
            .collect()
    }

    /// Replaces the script: the next answers to `POST /v1/sessions`. Refused, the script
    /// unchanged, when an answer is not one a script may hold.
    pub(crate) fn set_script(&self, answers: Vec<Scripted>) -> Result<(), Scripted> {
        if let Some(bad) = answers.iter().find(|a| !a.is_allowed()) {
            return Err(*bad);
        }
        if let Ok(mut script) = self.script.lock() {
            *script = answers.into();
        }
        Ok(())
    }

    /// The next scripted answer, if a script is running.
    pub(crate) fn next_scripted(&self) -> Option<Scripted> {
        self.script.lock().ok()?.pop_front()
    }

    /// Answers a control route, or `None` when `path` is not one.
    pub(crate) fn route(
        &self,
        signer: &Signer,
        method: &str,
        path: &str,
        body: &[u8],
        sessions: SessionStats,
    ) -> Option<Answer> {
        let ok = |value: Value| signer.answer(200, value.to_string().into_bytes());
        let bad = |status: u16, message: String| {
            let body = json!({"status": "fail", "code": status, "message": message});
            signer.answer(status, body.to_string().into_bytes())
        };
        Some(match (method, path.strip_prefix("/__sessionkit/")?) {
            ("GET", "health") => ok(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "sessions": sessions,
            })),
            ("GET", "requests") => ok(json!({"requests": self.seen()})),
            ("POST", "reset") => {
                if let (Ok(mut seen), Ok(mut script)) = (self.seen.lock(), self.script.lock()) {
                    seen.clear();
                    script.clear();
                }
                ok(json!({"status": "ok"}))
            }
            ("GET", "verify") => {
                let failed = self.failures();
                if failed.is_empty() {
                    ok(json!({"status": "ok"}))
                } else {
                    let body = json!({"status": "fail", "code": 422,
                        "message": format!("{} request(s) were not accepted", failed.len()),
                        "failed": failed});
                    signer.answer(422, body.to_string().into_bytes())
                }
            }
            ("POST", "script") => {
                let set = serde_json::from_slice::<Vec<Scripted>>(body)
                    .ok()
                    .filter(|answers| self.set_script(answers.clone()).is_ok());
                match set {
                    Some(_) => ok(json!({"status": "ok"})),
                    None => bad(
                        400,
                        "send a JSON array of answers, each 201, 429 or 500, or {\"status\": 201, \"forge\": KIND} with KIND one of wrong-signature, no-signature, reserialized-signature, other-secret, truncated-body, other-api-key".into(),
                    ),
                }
            }
            (_, route) => bad(
                404,
                format!("no control route {method} /__sessionkit/{route}"),
            ),
        })
    }
}

/// A request that was not accepted, unless it carried `Sessionkit-Expect` with the status it got,
/// or the answer was the server's own choice (a scripted answer, or one forced with `Prefer`):
/// those say nothing about the client's request.
fn is_unexpected_failure(record: &Value) -> bool {
    let status = record["status"].as_u64().unwrap_or_default();
    let expected = record["expected_status"].as_u64();
    let chosen_by_the_test = record.get("scripted").is_some() || record.get("forced").is_some();
    !(200..300).contains(&status) && expected != Some(status) && !chosen_by_the_test
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The latest [`KEPT`] requests are kept, the oldest dropped first.
    #[test]
    fn the_store_keeps_the_latest_requests() {
        let control = Control::default();
        for n in 0..KEPT + 2 {
            control.record(serde_json::json!({ "n": n }));
        }
        let seen = control.seen();
        assert_eq!(seen.len(), KEPT);
        assert_eq!(seen[0]["n"], 2);
        assert_eq!(seen[KEPT - 1]["n"], KEPT + 1);
    }
}
