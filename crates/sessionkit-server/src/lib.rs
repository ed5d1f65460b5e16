//! sessionkit-server: the reference server for `POST /v1/sessions` on loopback, serving the
//! contract through `sessionkit::receive` (never a second implementation of it), with its control
//! API for test suites (`/__sessionkit/...`), and `MockServer` for Rust tests.

mod background;
pub mod decision;
pub mod har;
pub mod judging;
pub mod mock;
pub mod server;

pub use background::Background;
pub use mock::{Mismatches, MockServer};
pub use server::{Forgery, Scripted, Server, Settings, start};
