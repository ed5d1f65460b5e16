//! The reference server on a free loopback port for a test, stopped when dropped: the server
//! crate's [`Background`](sessionkit_server::Background), under the name the tests use.

use sessionkit_server::{Background, Settings};

/// A reference server running on its own runtime; blocking test code talks to it over TCP.
pub type TestServer = Background;

/// Starts the server with `settings`, on 127.0.0.1 and a free port.
pub fn start(settings: Settings) -> TestServer {
    Background::start(settings).expect("the reference server starts on a free loopback port")
}

/// The server with default settings (the documentation's key and secret).
pub fn default_settings() -> TestServer {
    start(Settings::default())
}
