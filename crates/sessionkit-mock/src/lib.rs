//! sessionkit-mock: a reference server for `POST /v1/sessions` on loopback, serving the contract
//! through `sessionkit::receive` (never a second implementation of it), and the raw HTTP/1.1
//! client the conformance runner sends its exact bytes with.

pub mod client;
pub mod conform;
pub mod mock;
pub mod server;

pub use mock::{Mismatches, MockServer};
pub use server::{Server, Settings, start};
