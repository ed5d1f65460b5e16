//! Reporting: a table per stage with every failure and its curl command, JSON, or JUnit XML.

use serde::Serialize;

use crate::cases::Expected;
use crate::junit;

/// One case's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// `id path` of the corpus case, with the encoding for a body-level case.
    pub name: String,
    /// The stage it exercises (`headers`, `decode`, ..., `schema` for a body).
    pub stage: String,
    /// The profile it ran in.
    pub profile: &'static str,
    /// No problem found.
    pub passed: bool,
    /// The contract fixes this case's answer (not an acceptable case).
    pub must: bool,
    /// What the contract requires.
    pub expected: Expected,
    /// The answer's status; `None` when none came.
    pub got_status: Option<u16>,
    /// The answer's vendor code.
    pub got_code: Option<u64>,
    /// The mistakes its diagnostics named.
    pub got_diagnostics: Vec<String>,
    /// Every way the answer departs from the contract.
    pub problems: Vec<String>,
    /// What is allowed but worth knowing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Time to the answer.
    pub seconds: f64,
    /// For a failure: a curl command that sends the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
}

pub(crate) fn text_report(results: &[CaseResult], target: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut stages: Vec<&str> = results.iter().map(|r| r.stage.as_str()).collect();
    stages.dedup();
    stages.sort_unstable();
    stages.dedup();
    let _ = writeln!(out, "sessionkit conform: {target}\n");
    let _ = writeln!(out, "{:<12} {:>7} {:>7}", "stage", "passed", "failed");
    for stage in &stages {
        let of_stage = results.iter().filter(|r| r.stage == *stage);
        let failed = of_stage.clone().filter(|r| !r.passed).count();
        let _ = writeln!(
            out,
            "{:<12} {:>7} {:>7}",
            stage,
            of_stage.count() - failed,
            failed
        );
    }
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    let _ = writeln!(
        out,
        "{:<12} {:>7} {:>7}",
        "total",
        results.len() - failed.len(),
        failed.len()
    );
    for r in &failed {
        let _ = writeln!(out, "\nFAIL {} ({} profile)", r.name, r.profile);
        for p in &r.problems {
            let _ = writeln!(out, "  - {p}");
        }
        if let Some(curl) = &r.curl {
            let _ = writeln!(out, "  reproduce: {curl}");
        }
    }
    let noted: Vec<&CaseResult> = results.iter().filter(|r| !r.notes.is_empty()).collect();
    for r in &noted {
        let _ = writeln!(out, "\nNOTE {} ({} profile)", r.name, r.profile);
        for n in &r.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    let must: Vec<&CaseResult> = results.iter().filter(|r| r.must).collect();
    let _ = writeln!(
        out,
        "\n{} passed, {} failed; MUST cases: {} of {} passed; {} case(s) with notes",
        results.len() - failed.len(),
        failed.len(),
        must.iter().filter(|r| r.passed).count(),
        must.len(),
        noted.len()
    );
    out
}

pub(crate) fn junit_report(results: &[CaseResult]) -> String {
    let cases: Vec<junit::TestCase> = results
        .iter()
        .map(|r| junit::TestCase {
            classname: r.stage.clone(),
            name: r.name.clone(),
            seconds: r.seconds,
            failure: (!r.passed).then(|| {
                let detail = r.problems.join("\n") + "\n" + r.curl.as_deref().unwrap_or("");
                (r.problems.join("; "), detail)
            }),
        })
        .collect();
    junit::write("sessionkit conform", &cases)
}
