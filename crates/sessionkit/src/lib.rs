//! sessionkit: the contract of the signed, optionally compressed `POST /v1/sessions` API as a
//! library with no I/O: typed payload, canonical JSON, signing, bounded codecs and the server's
//! receive decision.
//!
//! ```
//! use sessionkit::payload::SessionRequest;
//! use sessionkit::schema::{validate, Profile};
//!
//! let request = SessionRequest::builder()
//!     .person_name("John", "Smith")
//!     .date_of_birth("1990-01-01")
//!     .build();
//! let body: serde_json::Value = serde_json::from_slice(&request.to_json_bytes()).unwrap();
//! assert!(validate(&body, Profile::Strict).is_valid());
//! ```

pub mod encoding;
pub mod error;
pub mod json;
pub mod payload;
pub mod schema;
pub mod signature;

pub use catalogue::{Mistake, Stage};
pub use error::{Error, ErrorKind, Rejection};

pub mod catalogue;
pub mod corpus;
pub mod cost;
pub mod decode;
pub mod diagnose;
pub mod doctor;
pub mod headers;
mod inflate;
pub mod prose;
pub mod receive;
pub mod request;
pub mod size;

/// The README's library example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The crate's own README (the one crates.io shows), doctested the same way.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
