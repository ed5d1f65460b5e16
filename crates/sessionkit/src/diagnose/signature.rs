//! The signature stage's detectors that need no hypothesis: a malformed header value. The
//! hypotheses of what was signed instead are the [`doctor`](super::doctor)'s.

use crate::catalogue::{Diagnostic, Mistake};
use crate::crypto::SignatureFormatError;

/// `signature_not_lowercase_hex`.
pub fn malformed_signature(error: &SignatureFormatError) -> Diagnostic {
    Mistake::SignatureNotLowercaseHex.diagnostic(error.to_string())
}
