//! The reference server: `POST /v1/sessions` and `GET /v1/sessions/{id}/decision` through the
//! core's stage functions, limits on body, headers, connections and time, client-testing knobs,
//! a per-request log line and NDJSON report. Split by concern: [`connection`] (accepting and
//! reading), [`routes`], [`answer`] (one error enum, one conversion into a response), [`knobs`]
//! (forced answers, rate limit, faults) and [`sessions`] (the store).

mod answer;
mod connection;
mod control;
mod framing;
mod knobs;
mod request;
mod routes;
mod script;
mod sessions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sessionkit::Config;
use tokio::net::TcpListener;
use tokio::sync::watch;

use answer::Signer;
use knobs::Knobs;
pub use script::{Forgery, Scripted};
use sessions::Sessions;
pub use sessions::{DEFAULT_MAX_SESSIONS, SessionStats};

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
    /// Record every exchange as HAR 1.2, with the request's exact bytes and its verdict.
    pub har: Option<PathBuf>,
    /// Where `POST /__sessionkit/decide` delivers the signed decision webhook (`http://`).
    pub webhook_url: Option<String>,
    /// Connections served at once. A socket takes a slot with its first byte; up to four times as
    /// many sockets are held open (idle ones until the header timeout), and past that a new one is
    /// answered 503 with `Retry-After` at once.
    pub max_connections: usize,
    /// Time allowed for a request's headers to arrive.
    pub header_timeout: Duration,
    /// Time allowed for a request's body to arrive, after its headers.
    pub body_timeout: Duration,
    /// Largest request head (request line and headers) in bytes.
    pub max_header_bytes: usize,
    /// Seed of the fault-rate draws, so a run can be repeated.
    pub seed: u64,
    /// Sessions kept for the decision endpoint; past it the oldest is evicted first (default
    /// [`DEFAULT_MAX_SESSIONS`], about 64 MiB).
    pub max_sessions: usize,
    /// A deliberately broken server for testing conformance runners: the signature is not checked.
    #[doc(hidden)]
    pub skip_signature_check: bool,
}

impl Settings {
    /// These settings, refusing `POST /v1/sessions` without `X-HMAC-SIGNATURE` in every profile
    /// (401 `missing_signature`), as `serve --require-signature` does. By default the documented
    /// profile accepts it, as the API does (its FAQ: "POST /sessions does not require an
    /// X-HMAC-SIGNATURE"); a team that means to sign wants a test that fails when its client
    /// forgot to.
    pub fn require_signature(mut self) -> Self {
        self.receive.unsigned = sessionkit::Unsigned::Refused;
        self
    }
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
            har: None,
            webhook_url: None,
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            seed: 0x5e55_10b1,
            max_sessions: DEFAULT_MAX_SESSIONS,
            skip_signature_check: false,
        }
    }
}

pub(crate) struct State {
    settings: Settings,
    base_url: String,
    signer: Signer,
    knobs: Knobs,
    sessions: Sessions,
    report: Option<Mutex<crate::har::CappedLines>>,
    har: Option<Mutex<crate::har::HarWriter>>,
    control: control::Control,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    state: Arc<State>,
}

impl Server {
    /// Every request since the last reset, as `GET /__sessionkit/requests` lists them.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.state.control.seen()
    }

    /// The requests that were not accepted (and not expected to fail), as
    /// `GET /__sessionkit/verify` lists them.
    pub fn failed_requests(&self) -> Vec<serde_json::Value> {
        self.state.control.failures()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sessions kept now (created, less those evicted past the cap).
    pub fn session_count(&self) -> usize {
        self.state.sessions.stats().stored
    }

    /// The next answers to `POST /v1/sessions`, as `POST /__sessionkit/script` sets them: statuses
    /// (201, 429, 500) or forged 201s. Refused with the first answer a script may not hold.
    pub fn script(&self, answers: Vec<Scripted>) -> Result<(), Scripted> {
        self.state.control.set_script(answers)
    }

    /// The session store's size, cap and evictions.
    pub fn session_stats(&self) -> SessionStats {
        self.state.sessions.stats()
    }

    /// Stops accepting, lets in-flight requests finish (up to 10 s), then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Binds and starts serving in the background of the current tokio runtime.
pub async fn start(settings: Settings) -> std::io::Result<Server> {
    // Each error names what it is about: the address, or the file.
    let named = |what: String| {
        move |e: std::io::Error| std::io::Error::new(e.kind(), format!("{what}: {e}"))
    };
    let listener = TcpListener::bind(settings.addr)
        .await
        .map_err(named(format!("cannot listen on {}", settings.addr)))?;
    let addr = listener.local_addr()?;
    let report = match &settings.report {
        Some(path) => Some(Mutex::new(crate::har::CappedLines::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(named(format!("cannot write {}", path.display())))?,
            crate::har::RECORDING_CAP,
        ))),
        None => None,
    };
    let state = Arc::new(State {
        base_url: settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        signer: Signer::new(&settings.receive),
        knobs: Knobs::new(settings.rate_limit, settings.fault_rate, settings.seed),
        sessions: Sessions::new(settings.max_sessions),
        har: match &settings.har {
            Some(path) => Some(Mutex::new(crate::har::HarWriter::create(path)?)),
            None => None,
        },
        settings,
        report,
        control: control::Control::default(),
    });
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(connection::accept_loop(listener, state.clone(), stopped));
    Ok(Server {
        addr,
        stop,
        task,
        state,
    })
}
