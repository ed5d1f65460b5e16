//! The signature doctor: after a signature check failed, hypotheses of what the client actually
//! signed, tried one HMAC each, to name the real-world mistake behind a 401.
//!
//! Guardrails (docs/contract.md §5): hypotheses run only after the normal check failed; a match
//! never changes the answer (still 401 or 400); the work per failed request is bounded by a
//! budget of HMAC computations that shrinks as the body grows; secrets labelled for another
//! environment are tried only for the API key they are labelled with. A hypothesis that matches
//! proves the sender already holds the secret it names, so naming it reveals nothing, and no
//! expected signature is ever shown.
//!
//! One file per family of hypotheses, each a method of [`Doctor`] spending its budget: the
//! [`keys`] (and digests) the right bytes were signed with, the other [`bodies`] signed under the
//! right key, other [`serializations`] and [`compressions`] of the same JSON; [`budget`] says what
//! one refusal may cost.

mod bodies;
mod budget;
mod compressions;
mod keys;
mod serializations;

pub use budget::{budget, recompressions};

use crate::catalogue::{Diagnostic, Mistake};
use crate::codec::Encoding;
use crate::config::LabelledSecret;
use crate::crypto::{self, Covered, Signature, Signed};

/// The keys and bytes the doctor may try, and what is left of its budget.
pub struct Doctor<'a, S> {
    secrets: &'a [S],
    api_key: &'a str,
    labelled: &'a [LabelledSecret],
    signature: &'a Signature,
    left: usize,
}

impl<'a, S: AsRef<[u8]>> Doctor<'a, S> {
    /// A doctor for one failed request.
    pub fn new(
        secrets: &'a [S],
        api_key: &'a str,
        labelled: &'a [LabelledSecret],
        signature: &'a Signature,
        len: usize,
    ) -> Self {
        Self {
            secrets,
            api_key,
            labelled,
            signature,
            left: budget(len),
        }
    }

    /// HMAC of `bytes` under `key` is the signature sent; one unit of budget.
    fn matches(&mut self, key: &[u8], bytes: &[u8]) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        crypto::verify(&[key], bytes, self.signature)
    }

    /// Any active secret signs `bytes` into the signature sent (one unit per secret).
    fn signed(&mut self, bytes: &[u8]) -> bool {
        let secrets = self.secrets;
        secrets.iter().any(|s| self.matches(s.as_ref(), bytes))
    }

    /// The first hypothesis that explains the mismatch, in order of how common the mistake is.
    pub fn mismatch(&mut self, signed: Signed<'_>) -> Option<Diagnostic> {
        let body = signed.bytes;
        if signed.encoding != Encoding::Identity && self.signed(signed.wire) {
            return Some(Mistake::SignedCompressedBytes.named());
        }
        if body.is_empty() && signed.covers == Covered::Body {
            return Some(Mistake::BodyDropped.named());
        }
        // Line endings first (a re-serialization would explain them less precisely), then the
        // documentation's own common mistake (json= re-serializing), keys, other bytes and
        // compressions; the budget cuts the rest short on large bodies.
        self.bodies(body, true)
            .or_else(|| self.serializations(body))
            .or_else(|| self.keys(body))
            .or_else(|| self.bodies(body, false))
            .or_else(|| self.compressions(signed))
            .or_else(|| self.algorithms(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(api_key: Option<&str>) -> LabelledSecret {
        LabelledSecret {
            label: "sandbox".into(),
            api_key: api_key.map(str::to_owned),
            secret: b"sandbox-secret".to_vec(),
        }
    }

    #[test]
    fn labelled_secrets_are_tried_only_for_their_api_key() {
        let body = br#"{"verification":{}}"#;
        let sig = crypto::sign(b"sandbox-secret", body);
        let secrets = [b"live-secret".to_vec()];
        for (owner, named) in [(Some("key-a"), true), (Some("key-b"), false), (None, true)] {
            let others = [labelled(owner)];
            let mut doctor = Doctor::new(&secrets, "key-a", &others, &sig, body.len());
            let found = doctor.mismatch(Signed::body(body, body, Encoding::Identity));
            let code = found.map(|d| d.code);
            assert_eq!(
                code.as_deref() == Some("secret_of_other_environment"),
                named,
                "{owner:?}: {code:?}"
            );
        }
    }
}
