//! The schema stage's detector: each violation as a diagnostic of the failure answer.

use crate::catalogue::Diagnostic;
use crate::config::Profile;
use crate::error::Violation;

/// A schema violation as a diagnostic of the failure answer.
pub fn violation(v: &Violation, profile: Profile) -> Diagnostic {
    Diagnostic {
        code: v.code.to_owned(),
        pointer: v.pointer.clone(),
        message: v.message.clone(),
        hint: format!("see schemas/request.{profile}.json"),
    }
}
