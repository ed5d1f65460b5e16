//! `MockServer`: the reference server inside a Rust test suite, in the style of wiremock-rs. It
//! fails a test not on an *unexpected* request but on an *invalid* one: signed over the wrong
//! bytes, mislabelled compression, a schema violation, each named with its hint.
//!
//! ```
//! use sessionkit::codec::Encoding;
//! use sessionkit::SignedRequest;
//! use sessionkit_http::client;
//! use sessionkit_server::MockServer;
//!
//! let server = MockServer::start_blocking();
//! let body = br#"{"verification":{}}"#;
//! let request = SignedRequest::build(body, "your-api-key", b"your-shared-secret", Encoding::Gzip, 6);
//! let url = format!("{}/v1/sessions", server.url());
//! let reply = client::send("POST", &url, &request.headers, &request.body, std::time::Duration::from_secs(5)).unwrap();
//! assert_eq!(reply.status, 201);
//! server.verify().unwrap(); // dropping an unverified server with bad requests panics
//! ```
//!
//! An unsigned request is accepted, as the API accepts session creation unsigned (its FAQ), and
//! named `unsigned_request` in the answer; a client meant to sign is held to it with
//! `MockServer::start_blocking_with(Settings::default().require_signature())`.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::server::{self, Server, Settings};

/// A reference server on a free loopback port for one test.
pub struct MockServer {
    server: Option<Server>,
    /// Runs the server when started with [`MockServer::start_blocking`].
    runtime: Option<tokio::runtime::Runtime>,
    verified: AtomicBool,
    allow_failures: bool,
}

impl MockServer {
    /// Starts on `127.0.0.1:0` in the current tokio runtime, with the documentation's credentials.
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    /// The same with `settings` (its address is replaced by a free loopback port).
    pub async fn start_with(settings: Settings) -> Self {
        let settings = Settings {
            addr: ([127, 0, 0, 1], 0).into(),
            ..settings
        };
        // Binding a free loopback port fails only when the machine has no loopback.
        let server = server::start(settings)
            .await
            .expect("a free port on 127.0.0.1");
        Self {
            server: Some(server),
            runtime: None,
            verified: AtomicBool::new(false),
            allow_failures: false,
        }
    }

    /// Starts outside any async runtime (a plain `#[test]`), on a runtime of its own.
    pub fn start_blocking() -> Self {
        Self::start_blocking_with(Settings::default())
    }

    /// [`start_blocking`](Self::start_blocking) with `settings`.
    pub fn start_blocking_with(settings: Settings) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the mock server");
        let mut mock = runtime.block_on(Self::start_with(settings));
        mock.runtime = Some(runtime);
        mock
    }

    /// Lets bad requests go unverified: dropping the server then does not panic.
    pub fn allow_failures(mut self) -> Self {
        self.allow_failures = true;
        self
    }

    fn server(&self) -> &Server {
        // Invariant: `server` is `Some` until drop.
        self.server.as_ref().expect("the server runs until drop")
    }

    /// `http://127.0.0.1:PORT`; the API is at `{url}/v1/sessions`.
    pub fn url(&self) -> String {
        self.server().url()
    }

    /// Every request it received, with its verdict, named mistakes and receipt.
    pub fn requests(&self) -> Vec<Value> {
        self.server().requests()
    }

    /// The next answers to `POST /v1/sessions`: statuses (429, 500, 201), or forged 201s a client
    /// that verifies answers must refuse (`Scripted::forged(Forgery::WrongSignature)`).
    pub fn script(
        &self,
        answers: Vec<crate::server::Scripted>,
    ) -> Result<(), crate::server::Scripted> {
        self.server().script(answers)
    }

    /// `Ok` when every request was accepted (or expected to fail with `Sessionkit-Expect`), else
    /// the mismatches, each with its named mistakes and hints.
    pub fn verify(&self) -> Result<(), Mismatches> {
        self.verified.store(true, Ordering::Relaxed);
        let failed = self.server().failed_requests();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Mismatches(failed))
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let unverified = !self.verified.load(Ordering::Relaxed) && !self.allow_failures;
        let failed = self
            .server
            .as_ref()
            .map(Server::failed_requests)
            .unwrap_or_default();
        // Stop the server before the runtime it runs on.
        drop(self.server.take());
        drop(self.runtime.take());
        if unverified && !failed.is_empty() && !std::thread::panicking() {
            panic!("{}", Mismatches(failed));
        }
    }
}

/// The requests a [`MockServer`] did not accept.
#[derive(Debug, Clone)]
pub struct Mismatches(pub Vec<Value>);

impl fmt::Display for Mismatches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} request(s) to the sessionkit mock server were not accepted:",
            self.0.len()
        )?;
        for r in &self.0 {
            let outcome = &r["outcome"];
            writeln!(
                f,
                "- {} {} -> {} {}: {}",
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?"),
                r["status"],
                outcome["error"].as_str().unwrap_or("-"),
                outcome["message"].as_str().unwrap_or(""),
            )?;
            for d in outcome["diagnostics"].as_array().into_iter().flatten() {
                writeln!(
                    f,
                    "    mistake[{}]: {}\n      hint: {}",
                    d["code"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or(""),
                    d["hint"].as_str().unwrap_or("")
                )?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Mismatches {}
