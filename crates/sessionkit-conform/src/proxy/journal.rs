//! What the proxy keeps of each exchange: a record with its verdict in a capped journal (the
//! control API reads it), one NDJSON line with the exact bytes (`--report`), one HAR entry
//! (`--har`). The journal holds no body bytes, so its 10,000 records stay small.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sessionkit::headers::Headers;
use sessionkit::{Config, Outcome};

use super::{ProxySettings, own_answer, reply_of};
use crate::Error;
use crate::capture::{HarAnswer, HarEntry, HarWriter};
use crate::client::Reply;
use sessionkit_http::Message;
use sessionkit_server::har::CappedLines;

/// Records kept for the control API, oldest dropped first (as `serve` keeps its requests).
const KEPT: usize = 10_000;

/// One exchange: what was sent, the verdicts, what came back.
pub(crate) struct Record {
    value: Value,
    method: String,
    url: String,
    headers: sessionkit::headers::Headers,
    /// Shared with the judging thread that judges a large body.
    wire: std::sync::Arc<[u8]>,
    answer: Option<Reply>,
    millis: f64,
}

impl Record {
    pub(crate) fn new(peer: &str, request: &Message, settings: &ProxySettings) -> Self {
        let headers: Vec<Value> = request.headers.iter().map(|(n, v)| json!([n, v])).collect();
        let target = &request.first[1];
        Record {
            value: json!({
                "time_ms": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
                "peer": peer,
                "method": request.first[0],
                "path": target,
                "headers": headers,
                "wire_bytes": request.body.len(),
                "ok": true,
            }),
            method: request.first[0].clone(),
            url: format!("{}{target}", settings.upstream.trim_end_matches('/')),
            headers: request.headers.clone(),
            wire: request.body.as_slice().into(),
            answer: None,
            millis: 0.0,
        }
    }

    /// `receive`'s verdict on a `POST /v1/sessions` (`None` for other requests, not judged).
    pub(crate) fn judge(&mut self, request: &Message, config: &Config) -> Option<Outcome> {
        let path = request.first[1].split('?').next().unwrap_or("");
        if !request.first[0].eq_ignore_ascii_case("POST")
            || !path.trim_end_matches('/').ends_with("/v1/sessions")
        {
            self.value["verdict"] = json!("not judged: not POST /v1/sessions");
            return None;
        }
        let outcome = if self.wire.len() < sessionkit_server::judging::LARGE {
            sessionkit::receive(&request.headers, &self.wire, config)
        } else {
            // Moved to a judging thread: the headers and settings are copied (small), the
            // body shared.
            let (headers, body, config) = (
                request.headers.clone(),
                std::sync::Arc::clone(&self.wire),
                config.clone(),
            );
            sessionkit_server::judging::large_blocking(body.len(), move || {
                sessionkit::receive(&headers, &body, &config)
            })
        };
        self.value["verdict"] = serde_json::to_value(outcome.report()).unwrap_or(Value::Null);
        self.value["ok"] = json!(outcome.is_success());
        Some(outcome)
    }

    /// The answer held to the rules `conform` checks, against the verdict.
    pub(crate) fn answer_check(
        &mut self,
        answer: &Message,
        request_headers: &Headers,
        config: &Config,
        verdict: Option<&Outcome>,
    ) {
        let Some(outcome) = verdict else { return };
        let judgement =
        // The proxy holds every answer whole: an empty 201 is judged as one.
            crate::capture::judge_answer(&reply_of(answer), false, request_headers, outcome, config);
        self.value["answer_problems"] = json!(judgement.problems);
    }

    pub(crate) fn answered(&mut self, answer: &Message, started: Instant) {
        self.millis = started.elapsed().as_secs_f64() * 1000.0;
        let reply = reply_of(answer);
        self.value["status"] = json!(reply.status);
        self.value["millis"] = json!(self.millis);
        self.answer = Some(reply);
    }

    pub(crate) fn answered_by_proxy(&mut self, answer: &Message, started: Instant) {
        self.value["enforced"] = json!("answered by the proxy, not forwarded (--enforce)");
        self.answered(answer, started);
    }

    pub(crate) fn fault(&mut self, fault: &str, answer: &Message, started: Instant) {
        self.value["fault"] = json!(fault);
        self.value["ok"] = json!(false);
        self.answered(answer, started);
    }

    pub(crate) fn refused_by_proxy(mut self, answer: &Message) -> Self {
        self.value["fault"] =
            json!("the body is larger than the proxy holds; answered 413, not forwarded");
        self.value["ok"] = json!(false);
        self.answered(answer, Instant::now());
        self
    }

    pub(crate) fn refused_framing(
        mut self,
        fault: &sessionkit::http1::FramingFault,
        answer: &Message,
    ) -> Self {
        self.value["fault"] = json!(format!(
            "ambiguous framing ({}): {fault}; answered 400, not forwarded",
            fault.code()
        ));
        self.value["framing"] = json!(fault.code());
        self.value["ok"] = json!(false);
        self.answered(answer, Instant::now());
        self
    }

    /// As a person watching reads it.
    pub(crate) fn exchange(&self) -> Exchange {
        let v = &self.value;
        let status = v["status"]
            .as_u64()
            .map_or("no answer".to_owned(), |s| s.to_string());
        let mut line = format!(
            "{} {} -> {status} | {}",
            v["method"].as_str().unwrap_or("?"),
            v["path"].as_str().unwrap_or("?"),
            self.verdict_line()
        );
        if let Some(fault) = v["fault"].as_str() {
            line.push_str(&format!(" | {fault}"));
        }
        let signature_refused = matches!(
            v["verdict"]["error"].as_str(),
            Some("signature_mismatch" | "malformed_signature" | "missing_signature")
        );
        let accepted = v["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s));
        Exchange {
            line,
            contradicts_signature: signature_refused && accepted && v["enforced"].is_null(),
        }
    }

    /// The `Sessionkit-Verdict` value: `accepted`, `refused 401 signature_mismatch (mistakes:
    /// ...)`, or `not judged`.
    pub(crate) fn verdict_line(&self) -> String {
        let verdict = &self.value["verdict"];
        match verdict["error"].as_str() {
            _ if verdict.is_string() || verdict.is_null() => "not judged".into(),
            None => "accepted".into(),
            Some(error) => {
                let mistakes: Vec<&str> = verdict["diagnostics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d["code"].as_str())
                    .collect();
                let mut line = format!("refused {} {error}", verdict["status"]);
                if !mistakes.is_empty() {
                    line.push_str(&format!(" (mistakes: {})", mistakes.join(", ")));
                }
                line
            }
        }
    }
}

/// The journal, the report file and the HAR recording.
pub struct Journal {
    records: Mutex<std::collections::VecDeque<Value>>,
    report: Option<Mutex<CappedLines>>,
    har: Option<Mutex<HarWriter>>,
    /// Who is told of each exchange, for a person watching (`Proxy::watch`): called on the
    /// connection's own thread, so that telling costs no thread wake-up per exchange.
    talk: std::sync::RwLock<Option<Watcher>>,
}

/// Told of each exchange (`Proxy::watch`).
pub type Watcher = std::sync::Arc<dyn Fn(Exchange) + Send + Sync>;

/// One exchange as a person watching the proxy reads it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `POST /v1/sessions -> 201 | refused 401 signature_mismatch (mistakes: ...)`.
    pub line: String,
    /// The upstream accepted (2xx) what the proxy refused for its signature: the proxy's
    /// credentials may not be the upstream's.
    pub contradicts_signature: bool,
}

impl Journal {
    pub(crate) fn open(report: Option<&Path>, har: Option<&Path>) -> Result<Self, Error> {
        let report = match report {
            Some(path) => Some(Mutex::new(CappedLines::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Error(format!("cannot open {}: {e}", path.display())))?,
                sessionkit_server::har::RECORDING_CAP,
            ))),
            None => None,
        };
        let har = har
            .map(HarWriter::create)
            .transpose()
            .map_err(|e| Error(e.to_string()))?
            .map(Mutex::new);
        Ok(Self {
            records: Mutex::new(std::collections::VecDeque::new()),
            report,
            har,
            talk: std::sync::RwLock::new(None),
        })
    }

    /// `watcher` is told of every exchange from now on.
    pub(crate) fn watch(&self, watcher: Watcher) {
        if let Ok(mut talk) = self.talk.write() {
            *talk = Some(watcher);
        }
    }

    pub(crate) fn add(&self, record: Record) {
        if let Ok(talk) = self.talk.read() {
            if let Some(watcher) = talk.as_ref() {
                watcher(record.exchange());
            }
        }
        // A refused request's body is kept up to a limit, with its length and SHA-256.
        let refused = !record
            .answer
            .as_ref()
            .is_some_and(|a| (200..300).contains(&a.status));
        if let Some(file) = &self.report {
            let mut line = record.value.clone();
            let (kept, cut) = sessionkit_server::har::kept(&record.wire, refused);
            line["wire_base64"] = json!(STANDARD.encode(kept));
            if cut {
                line["wire_truncated"] = json!(true);
                line["wire_bytes"] = json!(record.wire.len());
                line["wire_sha256"] = json!(sessionkit_server::har::sha256_hex(&record.wire));
            }
            if let Some(answer) = &record.answer {
                let headers: Vec<Value> =
                    answer.headers.iter().map(|(n, v)| json!([n, v])).collect();
                line["answer"] = json!({"status": answer.status, "headers": headers,
                                        "body_base64": STANDARD.encode(&answer.body)});
            }
            if let Ok(mut file) = file.lock() {
                let _ = file.write_line(&line.to_string());
            }
        }
        if let Some(har) = &self.har {
            if let Ok(mut har) = har.lock() {
                let _ = har.add(&HarEntry {
                    method: &record.method,
                    url: &record.url,
                    headers: &record.headers,
                    wire: &record.wire,
                    refused,
                    decoded: None,
                    answer: record.answer.as_ref().map(|a| HarAnswer {
                        status: a.status,
                        headers: &a.headers,
                        body: &a.body,
                    }),
                    millis: record.millis,
                    verdict: record.value.clone(),
                });
            }
        }
        if let Ok(mut records) = self.records.lock() {
            if records.len() == KEPT {
                records.pop_front();
            }
            records.push_back(record.value);
        }
    }

    /// Every record since the last reset.
    pub fn records(&self) -> Vec<Value> {
        self.records
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The control API, as `serve` has it: `GET /__sessionkit/requests`, `verify`, `health`,
    /// `POST /__sessionkit/reset`. `None` for any other request (it is forwarded).
    pub(crate) fn control(&self, method: &str, target: &str, _body: &[u8]) -> Option<Message> {
        let path = target.strip_prefix("/__sessionkit/")?;
        let ok = |value: Value| {
            super::message_of(
                200,
                &[("Content-Type", "application/json")],
                value.to_string().into_bytes(),
            )
        };
        Some(match (method, path) {
            ("GET", "health") => {
                ok(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "mode": "proxy"}))
            }
            ("GET", "requests") => ok(json!({"requests": self.records()})),
            ("POST", "reset") => {
                if let Ok(mut records) = self.records.lock() {
                    records.clear();
                }
                ok(json!({"status": "ok"}))
            }
            ("GET", "verify") => {
                let failed: Vec<Value> = self
                    .records()
                    .into_iter()
                    .filter(|r| {
                        r["ok"] == json!(false)
                            // (A SHOULD or MAY problem is a warning, as in conform.)
                            || r["answer_problems"]
                                .as_array()
                                .is_some_and(|p| p.iter().any(|p| p["level"] == "must"))
                    })
                    .collect();
                if failed.is_empty() {
                    ok(json!({"status": "ok"}))
                } else {
                    let body = json!({"status": "fail", "code": 422,
                        "message": format!("{} exchange(s) failed", failed.len()), "failed": failed});
                    super::message_of(
                        422,
                        &[("Content-Type", "application/json")],
                        body.to_string().into_bytes(),
                    )
                }
            }
            _ => own_answer(
                404,
                404,
                &format!("no control route {method} /__sessionkit/{path}"),
            ),
        })
    }
}
