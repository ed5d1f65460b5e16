//! The signature stage's detectors that need no hypothesis of what was signed: a header value
//! not in the documented form, or the digest in a header of another name. The hypotheses of what
//! was signed instead are the [`doctor`](super::doctor)'s.

use crate::catalogue::{Diagnostic, Mistake};
use crate::crypto::{self, Algorithm, Signature, SignatureFormatError};
use crate::headers::{Headers, names};

/// `signature_not_lowercase_hex`.
pub fn malformed_signature(error: &SignatureFormatError) -> Diagnostic {
    Mistake::SignatureNotLowercaseHex.diagnostic(error.to_string())
}

/// Several signatures in one header line, `sig1, sig2`: what a shared HTTP client sends once a
/// signature was added to its default headers on every request (.NET's `DefaultRequestHeaders`
/// joins the accumulated values with commas). Says which of them, if any, is this body's.
fn signatures_in_one_line<S: AsRef<[u8]>>(
    value: &str,
    secrets: &[S],
    bytes: &[u8],
) -> Option<Diagnostic> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    if parts.len() < 2 {
        return None;
    }
    let signatures: Vec<Signature> = parts
        .iter()
        .map(|p| Signature::from_hex(p).ok())
        .collect::<Option<_>>()?;
    let matching = signatures
        .iter()
        .position(|sig| crypto::verify(secrets, bytes, sig));
    let which = match matching {
        Some(i) => format!("number {} of them matches this body", i + 1),
        None => "none of them matches this body".to_owned(),
    };
    Some(Mistake::SignaturesInOneLine.diagnostic(format!(
        "X-HMAC-SIGNATURE holds {} signatures in one line; {which}",
        signatures.len()
    )))
}

/// A header value that is not a signature in the documented form: a tool's output around a
/// valid digest, or HMAC-SHA1 / HMAC-SHA512 in hex. `None` leaves it to
/// `signature_not_lowercase_hex`.
pub fn digest_in_other_form<S: AsRef<[u8]>>(
    value: &str,
    secrets: &[S],
    bytes: &[u8],
) -> Option<Diagnostic> {
    let hex_run = |v: &str| -> Option<String> {
        let start = v.find(|c: char| c.is_ascii_hexdigit())?;
        let run: String = v[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        Some(run)
    };
    if let Some(accumulated) = signatures_in_one_line(value, secrets, bytes) {
        return Some(accumulated);
    }
    let trimmed = value.trim_matches(|c| c == '"' || c == '\'');
    let tool_prefix = [
        "(stdin)= ",
        "SHA2-256(stdin)= ",
        "SHA256(stdin)= ",
        "sha256= ",
    ]
    .iter()
    .find(|p| value.starts_with(**p));
    if tool_prefix.is_some() || trimmed.len() != value.len() {
        let digest = hex_run(trimmed.rsplit(' ').next().unwrap_or(trimmed))?;
        let sig = Signature::from_hex(&digest).ok()?;
        if crypto::verify(secrets, bytes, &sig) {
            let what = tool_prefix.map_or("quotes".to_owned(), |p| format!("{p:?}"));
            return Some(
                Mistake::SignatureToolOutput
                    .diagnostic(format!("X-HMAC-SIGNATURE holds {what} around the digest")),
            );
        }
        return None;
    }
    if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (algorithm, name) = match value.len() {
        40 => (Algorithm::HmacSha1, "HMAC-SHA1"),
        128 => (Algorithm::HmacSha512, "HMAC-SHA512"),
        _ => return None,
    };
    let lower = value.to_ascii_lowercase();
    secrets
        .iter()
        .any(|s| algorithm.hex(s.as_ref(), bytes) == lower)
        .then(|| wrong_algorithm(name))
}

/// What the legacy `X-SIGNATURE` header says of this body, when there is no `X-HMAC-SIGNATURE`.
pub enum Legacy {
    /// It is `sha256(body ‖ secret)` of this body under an active secret.
    Valid(Diagnostic),
    /// It is 64 hex characters, neither that digest nor this body's HMAC.
    Wrong,
}

/// The legacy header (vendor FAQ: "sha256 hash of payload and master secret (in this order)"):
/// `None` when absent, not a 64-character hex digest, or this body's HMAC sent under the old
/// name (which [`other_header`] names).
pub fn legacy_header<S: AsRef<[u8]>>(
    headers: &Headers,
    secrets: &[S],
    bytes: &[u8],
) -> Option<Legacy> {
    let value = headers.get_one(names::LEGACY_SIGNATURE)?.trim();
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let sig = Signature::from_hex(&value.to_ascii_lowercase()).ok()?;
    let legacy = secrets
        .iter()
        .any(|s| crypto::Algorithm::LegacySha256.digest(s.as_ref(), bytes) == sig.as_bytes());
    if legacy {
        return Some(Legacy::Valid(Mistake::LegacySignatureScheme.diagnostic(
            "X-SIGNATURE is the legacy SHA-256 of the body followed by the shared secret (the X-SIGNATURE scheme): valid in that scheme; the current one is HMAC-SHA256 in X-HMAC-SIGNATURE",
        )));
    }
    (!crypto::verify(secrets, bytes, &sig)).then_some(Legacy::Wrong)
}

/// No `X-HMAC-SIGNATURE`: a digest in a header of another name (`X-Signature`,
/// `X-Hub-Signature-256`, `Signature`, `X_HMAC_SIGNATURE`...), named in the answer.
pub fn other_header(headers: &Headers) -> Option<Diagnostic> {
    headers.iter().find_map(|(name, value)| {
        let lower = name.to_ascii_lowercase();
        let named = lower.contains("signature") || lower.contains("hmac") || lower == "digest";
        let digest_len = value
            .split(|c: char| !c.is_ascii_hexdigit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        let looks_like_digest = matches!(digest_len, 40 | 64 | 128) || value.len() == 44;
        (named && !name.eq_ignore_ascii_case(names::SIGNATURE) && looks_like_digest).then(|| {
            // (The legacy header holding the legacy digest is named by `legacy_header` instead.)
            Mistake::SignatureInOtherHeader.diagnostic(format!(
                "no X-HMAC-SIGNATURE, but header {name} holds a digest"
            ))
        })
    })
}

/// `wrong_algorithm`, naming what the signature is instead.
pub(crate) fn wrong_algorithm(what: &str) -> Diagnostic {
    Mistake::WrongAlgorithm.diagnostic(format!("the signature is {what}, not HMAC-SHA256"))
}
