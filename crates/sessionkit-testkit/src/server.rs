//! Spawns the reference server on a free loopback port for a test, and stops it when dropped.

use sessionkit_server::{Server, Settings};

/// A reference server running on its own runtime; blocking test code talks to it over TCP.
pub struct TestServer {
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<Server>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl TestServer {
    /// Starts the server with `settings`, on 127.0.0.1 and a free port.
    pub fn start(settings: Settings) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let settings = Settings {
            addr: ([127, 0, 0, 1], 0).into(),
            ..settings
        };
        let server = runtime
            .block_on(sessionkit_server::start(settings))
            .expect("server starts");
        let url = server.url();
        Self {
            runtime: Some(runtime),
            server: Some(server),
            url,
        }
    }

    /// The server with default settings (the documentation's key and secret).
    pub fn default_settings() -> Self {
        Self::start(Settings::default())
    }

    /// `URL/v1/sessions`.
    pub fn sessions_url(&self) -> String {
        format!("{}/v1/sessions", self.url)
    }

    /// The running server.
    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    /// Graceful shutdown, started from another thread while requests are in flight.
    pub fn shutdown_in_background(mut self) -> std::thread::JoinHandle<()> {
        let runtime = self.runtime.take().expect("running");
        let server = self.server.take().expect("running");
        std::thread::spawn(move || runtime.block_on(server.shutdown()))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let (Some(runtime), Some(server)) = (self.runtime.take(), self.server.take()) {
            runtime.block_on(server.shutdown());
        }
    }
}
