//! Routes: `POST /v1/sessions` through the core's stages, `GET /v1/sessions/{id}/decision`
//! through the same headers and signature stages, and the per-request log line and report.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{Value, json};
use sessionkit::headers::Headers;
use sessionkit::headers::names;
use sessionkit::{Config, Outcome};

use sessionkit::crypto::Signed;

use super::State;
use super::answer::{Answer, ServerError};
use super::request::{declared_length, drain_in_background, headers_of, read_body};
use super::script::Scripted;

/// What a route answers, and what it adds to the request's report record.
type Routed = (Result<Answer, ServerError>, Value);

pub(crate) async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Answer, Infallible> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    if path.starts_with("/__sessionkit/") {
        let limit = state.settings.receive.limits.max_wire.min(1 << 16);
        let timeout = state.settings.body_timeout;
        let body = read_body(request.into_body(), limit, timeout)
            .await
            .unwrap_or_default();
        if method == Method::POST && path == "/__sessionkit/decide" {
            return Ok(decide(&state, &body).await);
        }
        let routed = state.control.route(
            &state.signer,
            method.as_str(),
            &path,
            &body,
            state.sessions.stats(),
        );
        return Ok(
            routed.unwrap_or_else(|| ServerError::NotFound { path }.into_answer(&state.signer))
        );
    }
    let expected_status = request
        .headers()
        .get("sessionkit-expect")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok());
    // Every record carries the headers received, whatever became of the request.
    let received: Vec<(String, String)> = headers_of(&request)
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    // The bytes received, for the recordings: kept as bytes, never in the record's JSON.
    let mut wire = None;
    let (answer, record) = match (&method, segments.as_slice()) {
        (&Method::POST, ["v1", "sessions"]) => create_session(&state, request, &mut wire).await,
        (&Method::GET, ["v1", "sessions", id, "decision"]) => {
            decision(&state, &headers_of(&request), id)
        }
        (_, ["v1", "sessions"]) => (
            Err(ServerError::MethodNotAllowed { allow: "POST" }),
            json!({}),
        ),
        (_, ["v1", "sessions", _, "decision"]) => (
            Err(ServerError::MethodNotAllowed { allow: "GET" }),
            json!({}),
        ),
        _ => (Err(ServerError::NotFound { path: path.clone() }), json!({})),
    };
    let answer = answer.unwrap_or_else(|error| error.into_answer(&state.signer));
    let status = answer.status().as_u16();
    // The error code beside the status: a log read later says why, not only that.
    let error = record["outcome"]["error"]
        .as_str()
        .unwrap_or("-")
        .to_owned();
    tracing::info!(%peer, %method, %path, status, %error, elapsed_us = started.elapsed().as_micros() as u64, "request");
    let mut line = json!({
        "time_ms": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
        "peer": peer.to_string(),
        "method": method.as_str(),
        "path": path,
        "status": status,
        "expected_status": expected_status,
        "headers": received,
    });
    if let (Some(line), Some(extra)) = (line.as_object_mut(), record.as_object()) {
        line.extend(extra.clone());
    }
    let exchange = (method.as_str(), path.as_str(), received.as_slice());
    Ok(keep(&state, exchange, wire, line, answer, started).await)
}

/// Keeps the record of one exchange: in the report file with the request's wire bytes (which
/// `sessionkit check` reads back), in the HAR recording, and in the journal without them (its
/// 10,000 records would otherwise hold up to 10 GiB).
async fn keep(
    state: &State,
    (method, path, received): (&str, &str, &[(String, String)]),
    wire: Option<Vec<u8>>,
    line: Value,
    answer: Answer,
    started: Instant,
) -> Answer {
    // A refused request's body is kept up to a limit in both recordings (its length and
    // SHA-256 are in the record): strangers' large bodies cost a bounded disk.
    let refused = !line["status"]
        .as_u64()
        .is_some_and(|s| (200..300).contains(&s));
    if let Some(file) = &state.report {
        let mut full = line.clone();
        if let (Some(full), Some(wire)) = (full.as_object_mut(), &wire) {
            let (kept, cut) = crate::har::kept(wire, refused);
            let encoded = base64::engine::general_purpose::STANDARD.encode(kept);
            full.insert("wire_base64".into(), encoded.into());
            if cut {
                full.insert("wire_truncated".into(), true.into());
            }
        }
        if let Ok(mut file) = file.lock() {
            if let Ok(false) = file.write_line(&full.to_string()) {
                if file.dropped() == 1 {
                    tracing::warn!(
                        "the report reached its size cap: later exchanges are not recorded"
                    );
                }
            }
        }
    }
    let answer = match &state.har {
        Some(har) => {
            let wire = wire.unwrap_or_default();
            let url = format!("{}{path}", state.base_url);
            let headers: Headers = received
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let exchange = (method, url.as_str(), &headers, wire.as_slice(), refused);
            record_har(har, exchange, answer, started, &line).await
        }
        None => answer,
    };
    state.control.record(line);
    answer
}

/// `POST /__sessionkit/decide` with `{"id": SESSION, "status": "approved"}`: the session's
/// decision is made (the decision endpoint answers it from now on) and, with a webhook URL,
/// delivered there as a signed decision webhook, retried up to three times on a non-2xx answer
/// as the vendor retries. Answers the decision and each delivery's status.
async fn decide(state: &Arc<State>, body: &[u8]) -> Answer {
    let fail = |status: u16, message: String| {
        let body = json!({"status": "fail", "code": status, "message": message});
        state.signer.answer(status, body.to_string().into_bytes())
    };
    let Ok(asked) = serde_json::from_slice::<Value>(body) else {
        return fail(
            400,
            "the body is {\"id\": SESSION, \"status\": DECISION}".into(),
        );
    };
    let (Some(id), Some(status)) = (asked["id"].as_str(), asked["status"].as_str()) else {
        return fail(
            400,
            "the body is {\"id\": SESSION, \"status\": DECISION}".into(),
        );
    };
    let Some(code) = crate::decision::code_of(status) else {
        let known: Vec<&str> = crate::decision::DECISIONS.iter().map(|(s, _)| *s).collect();
        return fail(
            400,
            format!("{status:?} is not a decision: {}", known.join(", ")),
        );
    };
    let Some((api_key, payload)) = state.sessions.decide(id, status, code) else {
        return fail(
            404,
            format!("no session {id:?} (never created, or evicted)"),
        );
    };
    let deliveries = deliver_decision(state, &api_key, &payload).await;
    let answer = json!({"status": "ok", "decision": payload, "webhook": deliveries});
    state.control.record(
        json!({"method": "POST", "path": "/__sessionkit/decide", "session_id": id,
                                "decision": status, "webhook": deliveries}),
    );
    state.signer.answer(200, answer.to_string().into_bytes())
}

/// With a webhook URL, delivers `payload` there as a signed decision webhook, up to three
/// attempts until the receiver answers 2xx (as the vendor retries); each attempt's outcome.
async fn deliver_decision(state: &State, api_key: &str, payload: &Value) -> Vec<Value> {
    let mut deliveries = Vec::new();
    let Some(url) = state.settings.webhook_url.clone() else {
        return deliveries;
    };
    let secret = state
        .settings
        .receive
        .secrets
        .first()
        .cloned()
        .unwrap_or_default();
    let bytes = payload.to_string().into_bytes();
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let result = crate::decision::deliver(&url, api_key, &secret, bytes.clone()).await;
        let done = result.as_ref().is_ok_and(|s| (200..300).contains(s));
        deliveries.push(match result {
            Ok(status) => json!({"status": status}),
            Err(error) => json!({"error": error}),
        });
        if done {
            break;
        }
    }
    deliveries
}

/// The vendor's test integrations decide a session by its first name (its developer page):
/// `Approve`, `Decline` or `Resubmit`; client teams' end-to-end tests rely on it.
fn test_integration_decision(
    verification: Option<&sessionkit::model::Verification>,
) -> Option<&'static str> {
    let first = verification?.person.as_ref()?.first_name.as_deref()?;
    match first {
        "Approve" => Some("approved"),
        "Decline" => Some("declined"),
        "Resubmit" => Some("resubmission_requested"),
        _ => None,
    }
}

/// Appends the exchange to the HAR recording; the answer's body is read (it is whole in memory)
/// and put back.
async fn record_har(
    har: &std::sync::Mutex<crate::har::HarWriter>,
    (method, url, headers, wire, refused): (&str, &str, &Headers, &[u8], bool),
    answer: Answer,
    started: Instant,
    verdict: &Value,
) -> Answer {
    use http_body_util::BodyExt;
    let (parts, body) = answer.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let answer_headers: Headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Ok(mut har) = har.lock() {
        let entry = crate::har::HarEntry {
            method,
            url,
            headers,
            wire,
            refused,
            decoded: None,
            answer: Some(crate::har::HarAnswer {
                status: parts.status.as_u16(),
                headers: &answer_headers,
                body: &bytes,
            }),
            millis: started.elapsed().as_secs_f64() * 1000.0,
            verdict: verdict.clone(),
        };
        match har.add(&entry) {
            Ok(true) => {}
            Ok(false) if har.dropped() == 1 => {
                tracing::warn!(
                    "the HAR recording reached its size cap: later exchanges are not recorded"
                );
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot write the HAR recording"),
        }
    }
    Answer::from_parts(parts, http_body_util::Full::new(bytes))
}

async fn create_session(
    state: &Arc<State>,
    request: Request<Incoming>,
    received: &mut Option<Vec<u8>>,
) -> Routed {
    let settings = &state.settings;
    let mut headers = headers_of(&request);
    let key = headers
        .get_one(names::API_KEY)
        .unwrap_or("")
        .trim()
        .to_owned();
    let mut forgery = None;
    match state.control.next_scripted() {
        Some(Scripted::Status(429)) => {
            let forced = ServerError::RateLimited { retry_after: 1 };
            return (Err(forced), json!({"scripted": 429}));
        }
        Some(Scripted::Status(500)) => {
            return (Err(ServerError::InjectedFault), json!({"scripted": 500}));
        }
        Some(Scripted::Forged { forge, .. }) => forgery = Some(forge),
        _ => {}
    }
    if let Some(forced) = state.knobs.forced(&headers, &key) {
        return (Err(forced), json!({"forced": true}));
    }
    // A declared length over the limit is refused before the body is read (nginx does the same),
    // after the checks that come before size in the contract's order.
    let max_wire = settings.receive.limits.max_wire;
    if let Some(declared) = declared_length(&request).filter(|n| *n > max_wire) {
        let early = sessionkit::stage::headers::check(&headers, &settings.receive.api_keys)
            .and_then(|_| sessionkit::stage::size::check(declared, max_wire));
        if let Err(rejection) = early {
            drain_in_background(request.into_body(), settings.body_timeout);
            let record = json!({"declared_bytes": declared, "outcome": {"error": rejection.error.kind().code()}});
            return (
                Err(ServerError::rejected(&settings.receive, rejection)),
                record,
            );
        }
    }
    let wire = match read_body(request.into_body(), max_wire, settings.body_timeout).await {
        Ok(wire) => wire,
        Err(why) => {
            return (
                Err(ServerError::BodyIncomplete(why)),
                json!({"incomplete": why.message()}),
            );
        }
    };
    let mut config = settings.receive.clone();
    if settings.skip_signature_check {
        headers = headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(names::SIGNATURE))
            .collect();
        config.unsigned = sessionkit::Unsigned::Accepted;
    }
    let (outcome, wire) = judge(headers, wire, config).await;
    let mut record = json!({
        "wire_bytes": wire.len(),
        "wire_sha256": crate::har::sha256_hex(&wire),
        "decoded_bytes": outcome.decoded_len,
        "outcome": outcome.report(),
    });
    *received = Some(wire);
    if !outcome.is_success() {
        return (Err(Box::new(outcome).into()), record);
    }
    let verification = outcome.payload().map(|p| &p.verification);
    let mut created = state.sessions.create(&state.base_url, &key, verification);
    created.diagnostics = outcome.answer_advice();
    if let Some(status) = test_integration_decision(verification) {
        // Decided at once (the decision endpoint answers it), delivered in the background as
        // the vendor delivers: after the 201.
        let code = crate::decision::code_of(status).unwrap_or_default();
        if let Some((api_key, payload)) =
            state
                .sessions
                .decide(&created.verification.id, status, code)
        {
            let state = Arc::clone(state);
            record["test_integration"] = json!(status);
            tokio::spawn(async move {
                let _ = deliver_decision(&state, &api_key, &payload).await;
            });
        }
    }
    record["session_id"] = json!(created.verification.id);
    let body = serde_json::to_vec(&created).unwrap_or_default();
    match forgery {
        Some(forgery) => {
            record["scripted"] = json!({"status": 201, "forge": forgery.name()});
            (Ok(state.signer.forged(body, forgery)), record)
        }
        None => (Ok(state.signer.answer(201, body)), record),
    }
}

/// `receive`'s verdict on a body: a large one on a judging thread ([`crate::judging`]),
/// waited for as a task.
async fn judge(headers: Headers, wire: Vec<u8>, config: Config) -> (Outcome, Vec<u8>) {
    crate::judging::large(wire.len(), move || {
        (sessionkit::receive(&headers, &wire, &config), wire)
    })
    .await
}

/// `GET /v1/sessions/{id}/decision`: the API key and the signature of the session id, checked by
/// the same stage functions as `POST /v1/sessions`.
fn decision(state: &State, headers: &Headers, id: &str) -> Routed {
    let config = &state.settings.receive;
    let record = json!({"session_id": id});
    let key = match sessionkit::stage::headers::api_key(headers, &config.api_keys) {
        Ok(key) => key,
        Err(rejection) => return (Err(ServerError::rejected(config, rejection)), record),
    };
    if !state.settings.skip_signature_check {
        let signed = Signed::session_id(id);
        if let Err(rejection) = sessionkit::stage::signature::check(headers, signed, config) {
            return (Err(ServerError::rejected(config, rejection)), record);
        }
    }
    let Some(session) = state.sessions.get(id, key) else {
        return (Err(ServerError::SessionNotFound), record);
    };
    if let Some(decided) = state.sessions.decision(id) {
        return (
            Ok(state.signer.answer(200, decided.to_string().into_bytes())),
            record,
        );
    }
    let body = json!({
        "status": "success",
        "verification": {
            "id": session.id,
            "status": session.status,
            "code": null,
            "decisionTime": null,
            "endUserId": session.end_user_id,
            "vendorData": session.vendor_data,
        },
    });
    (
        Ok(state.signer.answer(200, body.to_string().into_bytes())),
        record,
    )
}
