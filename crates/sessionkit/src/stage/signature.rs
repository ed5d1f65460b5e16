//! The signature stage (docs/contract.md §2 step 5): one `X-HMAC-SIGNATURE` line in the
//! documented form, matching the decoded body under one of the active secrets. The same stage
//! checks the session id of `GET /v1/sessions/{id}/decision`.

use crate::catalogue::{Diagnostic, ErrorKind, Mistake};
use crate::config::{Config, Unsigned};
use crate::crypto::{Covered, Signature, Signed, verify};
use crate::diagnose::doctor::Doctor;
use crate::diagnose::signature::{
    Legacy, digest_in_other_form, legacy_header, malformed_signature, other_header,
};
use crate::error::{Error, Rejection};
use crate::headers::{Headers, names};

/// No `X-HMAC-SIGNATURE`. A legacy `X-SIGNATURE` that is not this body's digest is refused
/// (401, the vendor's code 1814: a signature that is sent must be right); otherwise the request
/// passes when unsigned requests are accepted, with the advice of what it carries (the legacy
/// digest, or a digest under another name), and is refused `missing_signature` naming it
/// when they are not.
fn unsigned(
    headers: &Headers,
    signed: Signed<'_>,
    config: &Config,
) -> Result<Vec<Diagnostic>, Rejection> {
    // (The legacy scheme of a session id, code 1813, is not modelled: bodies only.)
    let legacy = (signed.covers == Covered::Body)
        .then(|| legacy_header(headers, &config.secrets, signed.bytes))
        .flatten();
    if let Some(Legacy::Wrong) = legacy {
        let wrong = Error::new(
            ErrorKind::LegacySignatureMismatch,
            "X-SIGNATURE does not match the legacy SHA-256 of the decoded body followed by the shared secret",
        );
        return Err(wrong.into());
    }
    let named = match legacy {
        Some(Legacy::Valid(diagnostic)) => Some(diagnostic),
        _ => other_header(headers),
    };
    let accepted = config.unsigned == Unsigned::Accepted
        || (signed.covers == Covered::Body && config.accepts_unsigned());
    if accepted {
        let advice = std::iter::once(Mistake::UnsignedRequest.named());
        return Ok(advice.chain(named).collect());
    }
    let missing = Error::new(
        ErrorKind::MissingSignature,
        "missing X-HMAC-SIGNATURE header",
    );
    Err(Rejection::from(missing).naming(named))
}

/// The signature stage: one `X-HMAC-SIGNATURE` line, in the documented form, matching `signed`
/// under one of the active secrets. Without the header the request passes when the server
/// accepts unsigned requests ([`Config::accepts_unsigned`]), with the advice it returns (and a
/// digest found in another header named beside it). A failure is handed to the
/// [`doctor`](crate::diagnose::doctor), which names what the client signed instead when it can
/// tell.
pub fn check(
    headers: &Headers,
    signed: Signed<'_>,
    config: &Config,
) -> Result<Vec<Diagnostic>, Rejection> {
    let secrets = &config.secrets;
    let value = match headers.get_all(names::SIGNATURE).as_slice() {
        [] => return unsigned(headers, signed, config),
        [value] => value.trim(),
        values => {
            let message = format!(
                "{} X-HMAC-SIGNATURE header lines, exactly 1 expected",
                values.len()
            );
            return Err(Error::new(ErrorKind::MalformedSignature, message).into());
        }
    };
    let signature = Signature::from_hex(value).map_err(|format| {
        let mistake = digest_in_other_form(value, secrets, signed.bytes)
            .unwrap_or_else(|| malformed_signature(&format));
        Rejection::from(Error::new(
            ErrorKind::MalformedSignature,
            format.to_string(),
        ))
        .naming(Some(mistake))
    })?;
    if verify(secrets, signed.bytes, &signature) {
        return Ok(Vec::new());
    }
    let mismatch = Error::new(
        ErrorKind::SignatureMismatch,
        format!("signature does not match {}", signed.covers.describe()),
    );
    let api_key = headers.get_one(names::API_KEY).unwrap_or("").trim();
    let mut doctor = Doctor::new(
        secrets,
        api_key,
        &config.labelled_secrets,
        &signature,
        signed.bytes.len(),
    );
    Err(Rejection::from(mismatch).naming(doctor.mismatch(signed)))
}
