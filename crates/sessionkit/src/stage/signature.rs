//! The signature stage (docs/contract.md §2 step 5): one `X-HMAC-SIGNATURE` line in the
//! documented form, matching the decoded body under one of the active secrets. The same stage
//! checks the session id of `GET /v1/sessions/{id}/decision`.

use crate::catalogue::{Diagnostic, ErrorKind, Mistake};
use crate::config::{Config, Unsigned};
use crate::crypto::{Covered, Signature, Signed, verify};
use crate::diagnose::doctor::Doctor;
use crate::diagnose::signature::{digest_in_other_form, malformed_signature, other_header};
use crate::error::{Error, Rejection};
use crate::headers::{Headers, names};

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
        [] if config.unsigned == Unsigned::Accepted
            || (signed.covers == Covered::Body && config.accepts_unsigned()) =>
        {
            let advice = std::iter::once(Mistake::UnsignedRequest.named());
            return Ok(advice.chain(other_header(headers)).collect());
        }
        [] => {
            let missing = Error::new(
                ErrorKind::MissingSignature,
                "missing X-HMAC-SIGNATURE header",
            );
            return Err(Rejection::from(missing).naming(other_header(headers)));
        }
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
