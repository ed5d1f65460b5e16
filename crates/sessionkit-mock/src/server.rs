//! The reference server: `POST /v1/sessions`, `GET /v1/sessions/{id}/decision`, forced answers,
//! limits on body, headers, connections and time, a per-request log line and NDJSON report.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use sessionkit::headers::{Headers, names};
use sessionkit::payload::{CreatedVerification, Diagnostic, FailureAnswer, SessionCreated};
use sessionkit::receive::{self, Config, Outcome};
use sessionkit::signature::{self, Signature};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port. Loopback by default.
    pub addr: SocketAddr,
    /// Keys, secrets, profile and size limits of the receive decision.
    pub receive: Config,
    /// `baseUrl` of created sessions; the server's own URL when `None`.
    pub base_url: Option<String>,
    /// Requests per minute per API key before answering 429 with `Retry-After`.
    pub rate_limit: Option<u32>,
    /// Fraction (0 to 1) of `POST /v1/sessions` requests answered 500, for retry testing.
    pub fault_rate: f64,
    /// Append one NDJSON record per request to this file.
    pub report: Option<PathBuf>,
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// Time allowed for a request's headers to arrive.
    pub header_timeout: Duration,
    /// Time allowed for a request's body to arrive, after its headers.
    pub body_timeout: Duration,
    /// Largest request head (request line and headers) in bytes.
    pub max_header_bytes: usize,
    /// Seed of the fault-rate draws, so a run can be repeated.
    pub seed: u64,
    /// A deliberately broken server for testing conformance runners: the signature is not checked.
    #[doc(hidden)]
    pub skip_signature_check: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            receive: Config::default(),
            base_url: None,
            rate_limit: None,
            fault_rate: 0.0,
            report: None,
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            seed: 0x5e55_10b1,
            skip_signature_check: false,
        }
    }
}

/// A stored session.
#[derive(Debug, Clone)]
struct Session {
    api_key: String,
    answer: CreatedVerification,
}

struct State {
    settings: Settings,
    base_url: String,
    sessions: Mutex<HashMap<String, Session>>,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    report: Option<Mutex<std::fs::File>>,
    draws: AtomicU64,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    state: Arc<State>,
}

impl Server {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sessions created so far.
    pub fn session_count(&self) -> usize {
        self.state.sessions.lock().map_or(0, |s| s.len())
    }

    /// Stops accepting, lets in-flight requests finish (up to 10 s), then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Binds and starts serving in the background of the current tokio runtime.
pub async fn start(settings: Settings) -> std::io::Result<Server> {
    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let report = match &settings.report {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        )),
        None => None,
    };
    let state = Arc::new(State {
        base_url: settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        draws: AtomicU64::new(settings.seed),
        settings,
        sessions: Mutex::new(HashMap::new()),
        windows: Mutex::new(HashMap::new()),
        report,
    });
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, state.clone(), stopped));
    Ok(Server {
        addr,
        stop,
        task,
        state,
    })
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(state.settings.max_connections.max(1)));
    let header_timeout = state.settings.header_timeout;
    // hyper's smallest read buffer is 8 KiB; a head larger than the buffer is refused with 431.
    let max_head = state.settings.max_header_bytes.max(8192);
    loop {
        // Waiting for a slot before accepting keeps the connection count bounded.
        let permit = tokio::select! {
            _ = stopped.changed() => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        let service =
            hyper::service::service_fn(move |request| handle(state.clone(), peer, request));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(max_head)
            .keep_alive(true);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

type Answer = Response<Full<Bytes>>;

fn headers_of(request: &Request<Incoming>) -> Headers {
    request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Answer, Infallible> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (answer, record) = match (method.clone(), segments.as_slice()) {
        (Method::POST, ["v1", "sessions"]) => create_session(&state, request).await,
        (Method::GET, ["v1", "sessions", id, "decision"]) => {
            let id = (*id).to_owned();
            decision(&state, &headers_of(&request), &id)
        }
        (_, ["v1", "sessions"]) | (_, ["v1", "sessions", _, "decision"]) => {
            let mut answer = fail(
                &state,
                405,
                405,
                "method not allowed",
                "method_not_allowed",
                "use POST /v1/sessions or GET /v1/sessions/{id}/decision",
            );
            let allow = if segments.len() == 2 { "POST" } else { "GET" };
            answer
                .headers_mut()
                .insert("allow", HeaderValue::from_static(allow));
            (answer, json!({}))
        }
        _ => (
            fail(
                &state,
                404,
                404,
                &format!("no route for {path}"),
                "not_found",
                "the server serves /v1/sessions",
            ),
            json!({}),
        ),
    };
    let status = answer.status().as_u16();
    tracing::info!(%peer, %method, %path, status, elapsed_us = started.elapsed().as_micros() as u64, "request");
    if let Some(file) = &state.report {
        let mut line = json!({
            "time_ms": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
            "peer": peer.to_string(),
            "method": method.as_str(),
            "path": path,
            "status": status,
        });
        if let (Some(line), Some(extra)) = (line.as_object_mut(), record.as_object()) {
            line.extend(extra.clone());
        }
        if let Ok(mut file) = file.lock() {
            let _ = writeln!(file, "{line}");
        }
    }
    Ok(answer)
}

/// A JSON answer, signed like the 201 answer so that clients can check any answer they get.
fn answer(state: &State, status: u16, body: Vec<u8>) -> Answer {
    let settings = &state.settings;
    let signature = settings
        .receive
        .secrets
        .first()
        .map(|secret| signature::sign(secret, &body));
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let (Some(key), Some(signature)) = (settings.receive.api_keys.first(), signature) {
        if let Ok(key) = HeaderValue::from_str(key) {
            headers.insert("x-auth-client", key);
        }
        if let Ok(sig) = HeaderValue::from_str(&signature.to_string()) {
            headers.insert("x-hmac-signature", sig);
        }
    }
    response
}

fn fail(
    state: &State,
    status: u16,
    code: u16,
    message: &str,
    diagnostic: &str,
    hint: &str,
) -> Answer {
    let body = FailureAnswer {
        status: "fail".into(),
        code,
        message: message.into(),
        diagnostics: vec![Diagnostic {
            code: diagnostic.into(),
            pointer: String::new(),
            message: message.into(),
            hint: hint.into(),
        }],
    };
    answer(state, status, serde_json::to_vec(&body).unwrap_or_default())
}

/// A forced answer asked for with `Prefer: code=429` or `code=500` (as Prism does).
fn preferred_code(headers: &Headers) -> Option<u16> {
    headers
        .get_all("prefer")
        .iter()
        .flat_map(|v| v.split([',', ';']))
        .find_map(|part| {
            let (name, value) = part.split_once('=')?;
            (name.trim().eq_ignore_ascii_case("code"))
                .then(|| value.trim().trim_matches('"').parse().ok())?
        })
}

fn too_many(state: &State, retry_after: u64) -> Answer {
    let mut answer = fail(
        state,
        429,
        429,
        "too many requests",
        "rate_limited",
        "wait for the Retry-After seconds, then retry",
    );
    answer
        .headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after));
    answer
}

fn server_error(state: &State) -> Answer {
    fail(
        state,
        500,
        500,
        "internal server error (injected)",
        "injected_fault",
        "retry with backoff",
    )
}

/// Fixed one-minute windows per API key; returns the seconds to wait when over the limit.
fn over_rate_limit(state: &State, key: &str) -> Option<u64> {
    let limit = state.settings.rate_limit?;
    let mut windows = state.windows.lock().ok()?;
    let now = Instant::now();
    let window = windows.entry(key.to_owned()).or_insert((now, 0));
    if now.duration_since(window.0) >= Duration::from_secs(60) {
        *window = (now, 0);
    }
    window.1 += 1;
    (window.1 > limit).then(|| 60 - now.duration_since(window.0).as_secs().min(59))
}

/// A draw in [0, 1) from a seeded xorshift: the fault rate needs no cryptographic randomness.
fn draw(state: &State) -> f64 {
    let mut x = state
        .draws
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Bytes of an oversized body read and dropped before answering: closing a socket with unread
/// data makes the kernel send a reset, and the client may lose the 413 it was about to read.
const DRAIN: usize = 16 << 20;

/// Keeps at most `max + 1` bytes of the body: enough for `receive` to see it is too large,
/// never more, and never waits longer than the body timeout.
async fn read_body(body: Incoming, max: usize, timeout: Duration) -> Result<Vec<u8>, &'static str> {
    let mut body = body;
    let mut bytes = Vec::new();
    let mut drained = 0usize;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| "connection failed while reading the body")?;
            if let Some(data) = frame.data_ref() {
                let room = (max + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&data[..data.len().min(room)]);
                drained += data.len();
                if drained > max.saturating_add(DRAIN) {
                    break;
                }
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok(bytes),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("body not received in time"),
    }
}

async fn create_session(state: &State, request: Request<Incoming>) -> (Answer, serde_json::Value) {
    let mut headers = headers_of(&request);
    let key = headers.get_one(names::API_KEY).unwrap_or("").to_owned();
    match preferred_code(&headers) {
        Some(429) => return (too_many(state, 1), json!({"forced": 429})),
        Some(500) => return (server_error(state), json!({"forced": 500})),
        _ => {}
    }
    if let Some(wait) = over_rate_limit(state, &key) {
        return (too_many(state, wait), json!({"rate_limited": true}));
    }
    if state.settings.fault_rate > 0.0 && draw(state) < state.settings.fault_rate {
        return (server_error(state), json!({"injected_fault": true}));
    }
    let settings = &state.settings;
    let wire = match read_body(
        request.into_body(),
        settings.receive.limits.max_wire,
        settings.body_timeout,
    )
    .await
    {
        Ok(wire) => wire,
        Err(why) => {
            return (
                fail(
                    state,
                    408,
                    408,
                    why,
                    "request_timeout",
                    "send the whole body promptly",
                ),
                json!({"incomplete": why}),
            );
        }
    };
    let mut config = settings.receive.clone();
    if settings.skip_signature_check {
        headers = headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(names::SIGNATURE))
            .collect();
        config.require_signature = false;
    }
    let outcome = receive::receive(&headers, &wire, &config);
    let mut record = json!({
        "headers": headers.iter().collect::<Vec<_>>(),
        "wire_bytes": wire.len(),
        "wire_sha256": format!("{:x}", Sha256::digest(&wire)),
        "decoded_bytes": outcome.decoded_len,
        "outcome": outcome.report(),
    });
    let response = match outcome.failure_answer() {
        Some(failure) => {
            let mut response = answer(
                state,
                outcome.status,
                serde_json::to_vec(&failure).unwrap_or_default(),
            );
            for (name, value) in outcome.answer_headers() {
                response
                    .headers_mut()
                    .insert(*name, HeaderValue::from_static(value));
            }
            response
        }
        None => {
            let created = new_session(state, &outcome, &key);
            record["session_id"] = json!(created.verification.id);
            answer(state, 201, serde_json::to_vec(&created).unwrap_or_default())
        }
    };
    (response, record)
}

fn new_session(state: &State, outcome: &Outcome, key: &str) -> SessionCreated {
    let verification = outcome.payload.as_ref().map(|p| &p.verification);
    let token = uuid::Uuid::new_v4().simple().to_string();
    let created = CreatedVerification {
        id: uuid::Uuid::new_v4().to_string(),
        url: format!("{}/v/{token}", state.base_url),
        session_token: token,
        base_url: state.base_url.clone(),
        status: "created".into(),
        end_user_id: verification.and_then(|v| v.end_user_id.clone()),
        vendor_data: verification.and_then(|v| v.vendor_data.clone()),
    };
    if let Ok(mut sessions) = state.sessions.lock() {
        sessions.insert(
            created.id.clone(),
            Session {
                api_key: key.to_owned(),
                answer: created.clone(),
            },
        );
    }
    SessionCreated {
        status: "success".into(),
        verification: created,
    }
}

/// `GET /v1/sessions/{id}/decision`: the signature is the HMAC of the session id.
fn decision(state: &State, headers: &Headers, id: &str) -> (Answer, serde_json::Value) {
    let config = &state.settings.receive;
    let key = match headers.get_all(names::API_KEY).as_slice() {
        [] => {
            return (
                fail(
                    state,
                    401,
                    1801,
                    "missing X-AUTH-CLIENT header",
                    "missing_api_key",
                    "send your API key",
                ),
                json!({}),
            );
        }
        [key] if config.api_keys.iter().any(|k| k == key.trim()) => key.trim().to_owned(),
        _ => {
            return (
                fail(
                    state,
                    401,
                    1803,
                    "unknown API key in X-AUTH-CLIENT",
                    "unknown_api_key",
                    "check X-AUTH-CLIENT",
                ),
                json!({}),
            );
        }
    };
    let hint = "sign the session id (the path segment) with HMAC-SHA256, lowercase hex";
    match headers
        .get_one(names::SIGNATURE)
        .map(|v| Signature::from_hex(v.trim()))
    {
        None => {
            return (
                fail(
                    state,
                    401,
                    1812,
                    "missing X-HMAC-SIGNATURE header",
                    "missing_signature",
                    hint,
                ),
                json!({}),
            );
        }
        Some(Err(e)) => {
            return (
                fail(
                    state,
                    401,
                    1812,
                    &e.to_string(),
                    "signature_not_lowercase_hex",
                    hint,
                ),
                json!({}),
            );
        }
        Some(Ok(sig))
            if !state.settings.skip_signature_check
                && !signature::verify(&config.secrets, id.as_bytes(), &sig) =>
        {
            return (
                fail(
                    state,
                    401,
                    1819,
                    "signature does not match the session id",
                    "signature_mismatch",
                    hint,
                ),
                json!({}),
            );
        }
        Some(Ok(_)) => {}
    }
    let session = state.sessions.lock().ok().and_then(|s| s.get(id).cloned());
    match session {
        Some(session) if session.api_key == key => {
            let body = json!({
                "status": "success",
                "verification": {
                    "id": session.answer.id,
                    "status": session.answer.status,
                    "code": null,
                    "decisionTime": null,
                    "endUserId": session.answer.end_user_id,
                    "vendorData": session.answer.vendor_data,
                },
            });
            (
                answer(state, 200, body.to_string().into_bytes()),
                json!({"session_id": id}),
            )
        }
        _ => (
            fail(
                state,
                404,
                404,
                "no session with this id",
                "session_not_found",
                "use the id from the 201 answer",
            ),
            json!({"session_id": id}),
        ),
    }
}
