//! The six stages of the receive pipeline, one `check` function each, in the order data flows:
//! headers → size → decode → signature → json → schema (docs/contract.md §2). Each returns
//! `Result<_, Rejection>`; [`receive`](crate::receive()) composes them as a `?` chain, and every
//! other caller (the decision endpoint, the benches' sum of parts, the fuzz targets) calls the
//! same functions.

pub mod decode;
pub mod headers;
pub mod json;
pub mod schema;
pub mod signature;
pub mod size;
