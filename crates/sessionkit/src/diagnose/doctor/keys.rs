//! The right bytes under the wrong key: the secret with whitespace or decoded, the API key, a
//! secret labelled for another environment; or another digest than HMAC-SHA256.

use sha2::{Digest, Sha256};

use super::Doctor;
use crate::catalogue::{Diagnostic, Mistake};
use crate::crypto::Algorithm;
use crate::diagnose::signature::wrong_algorithm;
use crate::text;

impl<S: AsRef<[u8]>> Doctor<'_, S> {
    /// The right bytes under the wrong key.
    pub(super) fn keys(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let secrets = self.secrets;
        for secret in secrets {
            let secret = secret.as_ref();
            for (added, name) in [
                (&b"\n"[..], "a trailing newline"),
                (b"\r\n", "a trailing CRLF"),
                (b" ", "a trailing space"),
            ] {
                if self.matches(&[secret, added].concat(), body) {
                    return Some(Mistake::SecretWhitespace.diagnostic(format!(
                        "the signature is keyed with the secret plus {name}"
                    )));
                }
            }
            if self.matches(&[b"\n", secret].concat(), body) {
                return Some(
                    Mistake::SecretWhitespace.diagnostic(
                        "the signature is keyed with the secret plus a leading newline",
                    ),
                );
            }
            for (decoded, how) in decodings(secret) {
                if self.matches(&decoded, body) {
                    return Some(Mistake::SecretDecoded.diagnostic(format!(
                        "the signature is keyed with the secret {how}-decoded, not its UTF-8 bytes"
                    )));
                }
            }
        }
        if !self.api_key.is_empty() && self.matches(self.api_key.as_bytes(), body) {
            return Some(Mistake::SignedWithApiKey.named());
        }
        let api_key = self.api_key;
        for other in self.labelled {
            let same_key = other.api_key.as_deref().is_none_or(|k| k == api_key);
            if same_key && self.matches(&other.secret, body) {
                return Some(Mistake::SecretOfOtherEnvironment.diagnostic(format!(
                    "the signature is keyed with the secret labelled {:?}, not this server's",
                    other.label
                )));
            }
        }
        None
    }

    /// A digest of 64 hex characters that is not HMAC-SHA256: plain SHA-256 of the body, of
    /// secret and body concatenated, or the API's legacy scheme, of body and secret.
    pub(super) fn algorithms(&mut self, body: &[u8]) -> Option<Diagnostic> {
        let want = self.signature.as_bytes().as_slice();
        if Algorithm::Sha256.digest(b"", body) == want {
            return Some(wrong_algorithm("a plain SHA-256 of the body"));
        }
        let secrets = self.secrets;
        if secrets
            .iter()
            .any(|s| Algorithm::LegacySha256.digest(s.as_ref(), body) == want)
        {
            return Some(Mistake::LegacySignatureScheme.diagnostic(
                "the signature is the legacy SHA-256 of the body followed by the shared secret (the X-SIGNATURE scheme), not HMAC-SHA256",
            ));
        }
        secrets
            .iter()
            .any(|s| Sha256::digest([s.as_ref(), body].concat()).as_slice() == want)
            .then(|| wrong_algorithm("a SHA-256 of the secret and the body concatenated"))
    }
}

/// The secret read as hex and as base64, when it is either.
fn decodings(secret: &[u8]) -> Vec<(Vec<u8>, &'static str)> {
    use base64::Engine;
    let mut out = Vec::new();
    if let Some(hex) = std::str::from_utf8(secret)
        .ok()
        .filter(|s| !s.is_empty())
        .and_then(text::hex_decode)
    {
        out.push((hex, "hex"));
    }
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        if let Ok(bytes) = engine.decode(secret) {
            out.push((bytes, "base64"));
            break;
        }
    }
    out
}
