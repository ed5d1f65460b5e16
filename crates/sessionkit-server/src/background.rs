//! The reference server on a thread and runtime of its own, for code that is not async (a plain
//! `#[test]`, the conformance run, the live fuzzer) and for async code that must not block its own
//! runtime: the one way this workspace starts it outside a caller's runtime.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::server::{self, Server, Settings};

/// A reference server on 127.0.0.1 and a free port. Its runtime lives on a thread of its own, so
/// it can be started and dropped from synchronous and asynchronous callers alike; dropping it shuts
/// the server down gracefully and waits for that.
pub struct Background {
    server: Option<Server>,
    /// Hands the server back to its thread for the shutdown.
    stop: Option<mpsc::Sender<Server>>,
    thread: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Background {
    /// Starts the server with `settings`; its address is replaced by a free loopback port.
    pub fn start(settings: Settings) -> io::Result<Self> {
        let settings = Settings {
            addr: ([127, 0, 0, 1], 0).into(),
            ..settings
        };
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<Server>>();
        let (stop_tx, stop_rx) = mpsc::channel::<Server>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let started = runtime.block_on(server::start(settings));
            let ok = started.is_ok();
            let _ = ready_tx.send(started);
            // The server's tasks run on the runtime's workers; this thread only waits for the
            // server to come back for its shutdown (or for the handle to be gone).
            if let (true, Ok(server)) = (ok, stop_rx.recv()) {
                runtime.block_on(server.shutdown());
            }
        });
        let server = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the reference server's thread ended"))??;
        let url = server.url();
        Ok(Self {
            server: Some(server),
            stop: Some(stop_tx),
            thread: Some(thread),
            url,
        })
    }

    /// `URL/v1/sessions`.
    pub fn sessions_url(&self) -> String {
        format!("{}/v1/sessions", self.url)
    }

    /// The running server.
    pub fn server(&self) -> &Server {
        // `Some` from `start` until `shutdown_in_background` or drop takes it.
        self.server.as_ref().expect("running until dropped")
    }

    /// Starts the graceful shutdown and returns at once; join the handle to wait for it (requests
    /// in flight are answered first).
    pub fn shutdown_in_background(mut self) -> JoinHandle<()> {
        self.hand_back();
        self.thread
            .take()
            .unwrap_or_else(|| std::thread::spawn(|| {}))
    }

    fn hand_back(&mut self) {
        if let (Some(server), Some(stop)) = (self.server.take(), self.stop.take()) {
            let _ = stop.send(server);
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.hand_back();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
