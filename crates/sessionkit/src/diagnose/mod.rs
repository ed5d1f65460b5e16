//! The detectors of the named mistakes (docs/contract.md §5), one file per stage: each looks at
//! the request and, when it recognises the client's mistake, returns its catalogue diagnostic
//! ([`Mistake`](crate::catalogue::Mistake)). The signature doctor tries hypotheses of what the
//! client signed instead.
//!
//! None of them reveals an expected signature or a secret: they say *which bytes* the client
//! signed, never what the right signature would have been, so the server is no signing oracle.

pub mod decode;
pub mod doctor;
pub mod json;
pub mod schema;
pub mod signature;
