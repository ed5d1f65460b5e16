//! sessionkit: the contract of the signed, optionally compressed `POST /v1/sessions` API as a
//! library with no I/O: typed payload, canonical JSON, signing, bounded codecs and the server's
//! receive decision.
//!
//! ```
//! use sessionkit::model::SessionRequest;
//! use sessionkit::{Profile, schema};
//!
//! let request = SessionRequest::builder()
//!     .person_name("John", "Smith")
//!     .date_of_birth("1990-01-01")
//!     .build();
//! let body: serde_json::Value = serde_json::from_slice(&request.to_json_bytes()).unwrap();
//! assert!(schema::validate(&body, Profile::Strict).is_valid());
//! ```
//!
//! The modules sit in layers, each using only those below it (docs/architecture.md): the
//! catalogue, errors, configuration and the cost model; the primitives (`headers`, `http1`,
//! `codec`, `crypto`, `json`, `model`, `schema`, `text`, `samples`); the detectors
//! (`diagnose`); the six stages (`stage`); and on top `receive`, `delivery`, the client side
//! (`request`) and the corpus types. What only tests and fuzz targets need is in [`internal`].

// Bottom layer: no imports but each other, in this order (tests/layers.rs holds the layers).
mod catalogue;
mod config;
pub mod cost;
mod error;

// Primitives.
pub mod codec;
pub mod crypto;
pub mod headers;
pub mod http1;
pub mod json;
pub mod model;
pub mod samples;
pub mod schema;
mod text;

// Detectors, then the stages that call them.
mod diagnose;
pub mod stage;

// On top.
pub mod corpus;
pub mod delivery;
mod receive;
mod request;

pub use catalogue::{Diagnostic, Entry, ErrorKind, Mistake, Stage, ViolationKind};
pub use config::{
    Config, EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, LabelledSecret, Limits, Profile, Unsigned,
};
pub use error::{Error, Facet, Rejection, Violation};
pub use http1::reason;
pub use receive::{Outcome, OutcomeReport, receive};
pub use request::{SignedRequest, curl_command};
pub use stage::schema::Accepted;

/// What only this workspace's tests, benches and fuzz targets need: test hooks and the README's
/// table builders. Not part of the API; it may change in any release.
#[doc(hidden)]
pub mod internal {
    pub use crate::catalogue::{errors_table, mistakes_table, violations_table};
    pub use crate::codec::{decode_members_streaming, refused_for_reserved_code};
    pub use crate::crypto::with_bit_flipped;
    pub use crate::diagnose::doctor::{budget, recompressions};
    pub use crate::text::{as_cp1252, hex_decode, hex_encode};
}

/// The README's library example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The crate's own README (the one crates.io shows), doctested the same way.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
