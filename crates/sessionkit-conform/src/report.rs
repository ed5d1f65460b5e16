//! Reporting: a table per stage with every failure and its curl command, JSON, or JUnit XML.

use std::fmt::Write;

use serde::Serialize;
use sessionkit::Stage;
use sessionkit::corpus::Level;

use crate::judge::{Expected, Problem};
use crate::junit;

/// A case's grade, from the strongest level among its problems (Autobahn|Testsuite's grades).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// No problem.
    Ok,
    /// A MUST problem: the answer breaks a rule the documentation or a standard fixes.
    Failed,
    /// SHOULD problems only: this project's hardening, a warning with its reason.
    NonStrict,
    /// MAY problems only: where implementations differ, informational.
    Informational,
}

impl Grade {
    /// The grade of a case with these problems.
    pub fn of(problems: &[Problem]) -> Grade {
        match problems.iter().map(|p| p.level).min() {
            None => Grade::Ok,
            Some(Level::Must) => Grade::Failed,
            Some(Level::Should) => Grade::NonStrict,
            Some(Level::May) => Grade::Informational,
        }
    }

    /// As the report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Grade::Ok => "OK",
            Grade::Failed => "FAILED",
            Grade::NonStrict => "NON-STRICT",
            Grade::Informational => "INFORMATIONAL",
        }
    }
}

/// One case's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// `id path` of the corpus case, with the encoding for a body-level case.
    pub name: String,
    /// The stage it exercises (`headers`, `decode`, ..., `schema` for a body), by its name in
    /// the JSON report.
    #[serde(serialize_with = "stage_name")]
    pub stage: Stage,
    /// The profile it ran in.
    pub profile: &'static str,
    /// No problem at the level the run fails at (MUST unless asked for SHOULD).
    pub passed: bool,
    /// From the strongest level among its problems.
    pub grade: Grade,
    /// The level of the case's own rule.
    pub level: Level,
    /// What the contract requires, with the rule, its source and, for several faults, each.
    pub expected: Expected,
    /// The answer's status; `None` when none came.
    pub got_status: Option<u16>,
    /// The answer's vendor code.
    pub got_code: Option<u64>,
    /// The mistakes its diagnostics named.
    pub got_diagnostics: Vec<String>,
    /// Every way the answer departs from the contract, each with its level and source.
    pub problems: Vec<Problem>,
    /// What is allowed but worth knowing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Time to the answer.
    pub seconds: f64,
    /// For a case with problems: a curl command that sends the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// What was sent and what came back, cut for the report page (not in JSON: the corpus
    /// holds the bytes, and the reproduction sends them).
    #[serde(skip)]
    pub exchanged: Option<Exchanged>,
}

/// What a case sent and what came back, each body cut at [`Exchanged::PREVIEW`] bytes.
#[derive(Debug, Clone, Default)]
pub struct Exchanged {
    /// The request line and header lines.
    pub request_head: String,
    /// The request body's first bytes.
    pub request_body: Vec<u8>,
    /// The request body's whole length.
    pub request_len: usize,
    /// The status line and header lines of the answer; `None` when none came.
    pub answer_head: Option<String>,
    /// The answer body's first bytes.
    pub answer_body: Vec<u8>,
    /// The answer body's whole length.
    pub answer_len: usize,
}

impl Exchanged {
    /// Bytes of each body kept: enough to read any answer and most requests, while a report of
    /// the size cases (1 MiB bodies, three encodings) stays small.
    pub const PREVIEW: usize = 4096;

    /// `POST path` with `headers` and `body`, and the reply when one came.
    pub fn of(
        path: &str,
        headers: &sessionkit::headers::Headers,
        body: &[u8],
        reply: Option<&crate::client::Reply>,
    ) -> Self {
        let lines = |first: String, headers: &sessionkit::headers::Headers| {
            headers.iter().fold(first, |mut head, (name, value)| {
                let _ = write!(head, "\n{name}: {value}");
                head
            })
        };
        Exchanged {
            request_head: lines(format!("POST {path} HTTP/1.1"), headers),
            request_body: body[..body.len().min(Self::PREVIEW)].to_vec(),
            request_len: body.len(),
            answer_head: reply.map(|r| lines(format!("HTTP/1.1 {}", r.status), &r.headers)),
            answer_body: reply.map_or_else(Vec::new, |r| {
                r.body[..r.body.len().min(Self::PREVIEW)].to_vec()
            }),
            answer_len: reply.map_or(0, |r| r.body.len()),
        }
    }
}

/// How many of `of` got each grade: OK, FAILED, NON-STRICT, INFORMATIONAL.
fn grade_counts(of: &[&CaseResult]) -> [usize; 4] {
    let count = |g: Grade| of.iter().filter(|r| r.grade == g).count();
    [
        count(Grade::Ok),
        count(Grade::Failed),
        count(Grade::NonStrict),
        count(Grade::Informational),
    ]
}

fn stage_name<S: serde::Serializer>(stage: &Stage, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(stage.name())
}

/// Each stage's cases, in the pipeline's order, then all of them under the name `total`.
fn by_stage<'a>(results: &'a [CaseResult], total: &'a str) -> Vec<(&'a str, Vec<&'a CaseResult>)> {
    let mut stages: Vec<Stage> = results.iter().map(|r| r.stage).collect();
    stages.sort_unstable();
    stages.dedup();
    let mut rows: Vec<(&str, Vec<&CaseResult>)> = stages
        .into_iter()
        .map(|stage| {
            let of = results.iter().filter(|r| r.stage == stage).collect();
            (stage.name(), of)
        })
        .collect();
    rows.push((total, results.iter().collect()));
    rows
}

/// Per level of the cases' rules: how many cases of it are OK, and how many there are.
fn level_scores(results: &[CaseResult]) -> Vec<(Level, usize, usize)> {
    Level::ALL
        .into_iter()
        .map(|level| {
            let of = results.iter().filter(|r| r.level == level);
            let ok = of.clone().filter(|r| r.grade == Grade::Ok).count();
            (level, ok, of.count())
        })
        .collect()
}

/// Distinct corpus cases: a case counts once per profile it ran in (a body-level case is sent in
/// three encodings; several cases may share one file).
pub(crate) fn distinct_cases(results: &[CaseResult]) -> usize {
    let ids: std::collections::HashSet<(&str, &str)> = results
        .iter()
        // `007 schema/seed/x gzip`: the case's id; a cost check's name is its own.
        .map(|r| (r.name.split(' ').next().unwrap_or(""), r.profile))
        .collect();
    ids.len()
}

pub(crate) fn text_report(results: &[CaseResult], target: &str) -> String {
    let mut out = format!("sessionkit conform: {target}\n\n");
    stage_table(&mut out, results);
    for grade in [Grade::Failed, Grade::NonStrict, Grade::Informational] {
        for r in results.iter().filter(|r| r.grade == grade) {
            case_details(&mut out, r);
        }
    }
    let noted: Vec<&CaseResult> = results.iter().filter(|r| !r.notes.is_empty()).collect();
    for r in &noted {
        let _ = writeln!(out, "\nNOTE {} ({} profile)", r.name, r.profile);
        for n in &r.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out.push('\n');
    for (level, ok, of) in level_scores(results) {
        let _ = writeln!(out, "{:<7} rules: {ok} of {of} cases OK", level.name());
    }
    let count = |g: Grade| results.iter().filter(|r| r.grade == g).count();
    let _ = writeln!(
        out,
        "{} distinct cases, {} requests sent: {} OK, {} FAILED (MUST), {} NON-STRICT (SHOULD), {} INFORMATIONAL (MAY); {} with notes",
        distinct_cases(results),
        results.len(),
        count(Grade::Ok),
        count(Grade::Failed),
        count(Grade::NonStrict),
        count(Grade::Informational),
        noted.len()
    );
    out
}

/// Per stage: cases OK, FAILED, NON-STRICT and INFORMATIONAL.
fn stage_table(out: &mut String, results: &[CaseResult]) {
    let _ = writeln!(
        out,
        "{:<12} {:>6} {:>7} {:>11} {:>14}",
        "stage", "OK", "FAILED", "NON-STRICT", "INFORMATIONAL"
    );
    for (name, of) in by_stage(results, "total") {
        let [ok, failed, non_strict, informational] = grade_counts(&of);
        let _ = writeln!(
            out,
            "{name:<12} {ok:>6} {failed:>7} {non_strict:>11} {informational:>14}"
        );
    }
}

/// One case with problems: its grade, the rule it checks with its source, its faults, each
/// problem with its level and source, and the reproduction.
fn case_details(out: &mut String, r: &CaseResult) {
    let rule = &r.expected.rule;
    let _ = writeln!(
        out,
        "\n{} {} ({} profile)",
        r.grade.name(),
        r.name,
        r.profile
    );
    let _ = writeln!(
        out,
        "  rule ({}): {} [{}]",
        rule.level, rule.rule, rule.reference
    );
    for fault in &r.expected.faults {
        let _ = writeln!(
            out,
            "  fault: {} -> {} ({}; {})",
            fault.error, fault.status, fault.rule, fault.reference
        );
    }
    for p in &r.problems {
        let _ = writeln!(out, "  - [{}] {} ({})", p.level, p.message, p.reference);
    }
    if let Some(curl) = &r.curl {
        let _ = writeln!(out, "  reproduce: {curl}");
    }
}

/// The report as Markdown, for a CI step summary: a table per stage and grade, the score per
/// level, and each case with problems, its rule, its problems and its reproduction.
pub(crate) fn markdown_report(results: &[CaseResult], target: &str) -> String {
    let mut out = format!("## sessionkit conform: {target}\n\n");
    out.push_str("| stage | OK | FAILED (MUST) | NON-STRICT (SHOULD) | INFORMATIONAL (MAY) |\n|---|---|---|---|---|\n");
    for (name, of) in by_stage(results, "**total**") {
        let [ok, failed, non_strict, informational] = grade_counts(&of);
        let _ = writeln!(
            out,
            "| {name} | {ok} | {failed} | {non_strict} | {informational} |"
        );
    }
    out.push('\n');
    for (level, ok, of) in level_scores(results) {
        let _ = writeln!(out, "- {} rules: {ok} of {of} cases OK", level.name());
    }
    for grade in [Grade::Failed, Grade::NonStrict, Grade::Informational] {
        for r in results.iter().filter(|r| r.grade == grade) {
            let rule = &r.expected.rule;
            let _ = writeln!(
                out,
                "\n### {} `{}` ({} profile)\n\nrule ({}): {} — {}\n",
                r.grade.name(),
                r.name,
                r.profile,
                rule.level,
                rule.rule,
                rule.reference
            );
            for p in &r.problems {
                let _ = writeln!(out, "- **{}** {} ({})", p.level, p.message, p.reference);
            }
            if let Some(curl) = &r.curl {
                let _ = writeln!(out, "\n```sh\n{curl}\n```");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} distinct cases, {} requests sent.",
        distinct_cases(results),
        results.len()
    );
    out
}

pub(crate) fn junit_report(results: &[CaseResult]) -> String {
    let cases: Vec<junit::TestCase> = results
        .iter()
        .map(|r| junit::TestCase {
            classname: r.stage.name().to_owned(),
            // A wire case runs in each profile: the profile makes the name unique (CI systems
            // merge test cases of one name).
            name: format!("{} ({} profile)", r.name, r.profile),
            seconds: r.seconds,
            failure: (!r.passed).then(|| {
                let problems: Vec<String> = r.problems.iter().map(Problem::to_string).collect();
                let detail = problems.join("\n") + "\n" + r.curl.as_deref().unwrap_or("");
                (problems.join("; "), detail)
            }),
        })
        .collect();
    junit::write("sessionkit conform", &cases)
}
