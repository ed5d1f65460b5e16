//! Another compressed copy of the same JSON: the stream sent rewrapped, or the JSON compressed
//! anew at other levels.

use super::{Doctor, recompressions};
use crate::catalogue::{Diagnostic, Mistake};
use crate::codec;
use crate::crypto::Signed;

impl<S: AsRef<[u8]>> Doctor<'_, S> {
    /// Another compressed copy of the same JSON: cheap and exact rewraps of the stream sent.
    pub(super) fn compressions(&mut self, signed: Signed<'_>) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        for (what, bytes) in codec::rewraps(signed.wire, signed.encoding, signed.bytes) {
            if self.signed(&bytes) {
                return Some(Mistake::SignedOtherCompression.diagnostic(format!(
                    "the signature matches {what} of the compressed body, not the decoded JSON"
                )));
            }
        }
        // Then the same JSON compressed anew at other levels by the C zlib (what Python, Java
        // and libcurl compress with; Node's and Go's compressors write other bytes and are not
        // reproduced). A compression costs more than an HMAC, so fewer are tried as bodies grow.
        let levels = codec::RECOMPRESSION_LEVELS
            .into_iter()
            .take(recompressions(signed.bytes.len()));
        for level in levels {
            if self.left == 0 {
                return None;
            }
            let Some(bytes) =
                codec::recompressed(signed.wire, signed.encoding, signed.bytes, level)
            else {
                continue;
            };
            if self.signed(&bytes) {
                return Some(Mistake::SignedOtherCompression.diagnostic(format!(
                    "the signature matches the same JSON compressed anew at level {level}, not the decoded JSON"
                )));
            }
        }
        None
    }
}
