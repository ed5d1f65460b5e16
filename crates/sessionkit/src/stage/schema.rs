//! The schema stage (docs/contract.md §2 step 7): the body valid in the profile, with every
//! violation listed when it is not, and read into the typed model.

use serde_json::Value;

use crate::catalogue::ErrorKind;
use crate::config::Profile;
use crate::error::{Error, Rejection, Violation};
use crate::json::Parsed;
use crate::model::SessionRequest;
use crate::schema::{Report, validate_parsed};

/// A body the schema stage accepted: the body, its typed payload, and the warnings found on the
/// way.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The parsed body, without the unknown members the json stage left out (they are in
    /// `warnings`).
    pub body: Value,
    /// The typed payload.
    pub payload: SessionRequest,
    /// Schema warnings (unknown properties in the documented profile).
    pub warnings: Vec<Violation>,
}

/// `body` valid in `profile` and read into the typed model, or every violation listed.
pub fn check(parsed: Parsed, profile: Profile) -> Result<Accepted, Rejection> {
    let report = validate_parsed(&parsed, profile);
    let body = parsed.value;
    let refuse = |message: String, report: Report| {
        let mut rejection = Rejection::from(Error::new(ErrorKind::SchemaViolation, message));
        if !report.errors.is_empty() {
            rejection.vendor_code = report.vendor_code();
        }
        rejection.violations = report.errors;
        rejection.warnings = report.warnings;
        rejection
    };
    if !report.is_valid() {
        let n = report.errors_found;
        let s = if n == 1 { "" } else { "s" };
        return Err(refuse(
            format!("{n} schema violation{s} ({profile} profile)"),
            report,
        ));
    }
    match SessionRequest::from_value(&body) {
        Ok(payload) => Ok(Accepted {
            body,
            payload,
            warnings: report.warnings,
        }),
        // The schema accepted what the typed model cannot hold: a gap between the two that the
        // fuzz target `schema` hunts for. Refuse rather than drop data.
        Err(e) => Err(refuse(
            format!("body passes the schema but not the typed model ({e})"),
            report,
        )),
    }
}
