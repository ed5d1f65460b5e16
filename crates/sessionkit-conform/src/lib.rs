//! sessionkit-conform: the conformance run as a library: every corpus case sent to a server with its own credentials,
//! in every profile it applies to: the wire-level cases rebuilt from their recipes, and every
//! body-level case signed and sent in each encoding. Status, vendor code, the vendor's answer
//! shape, answer headers, the named mistake (when the answer names any), and on 201 the answer's
//! signature and echo are compared with the manifest. `sessionkit conform` is this plus a
//! progress bar and a report file; a server team runs it from `cargo test`:
//!
//! ```no_run
//! use sessionkit_conform::Conform;
//!
//! let report = Conform::against("http://127.0.0.1:8080/v1/sessions")
//!     .credentials("their-api-key", "their-secret")
//!     .run()
//!     .expect("the corpus is readable and the server reachable");
//! assert!(report.all_passed(), "{}", report.text());
//! ```
//!
//! Without a target, the reference server is started on `127.0.0.1:0` once per profile. The
//! corpus is `./corpus` when there is one, else the copy built into the crate.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sessionkit::{Profile, SignedRequest};
/// The raw HTTP/1.1 client (`sessionkit-http`), named here as the runner's own.
pub use sessionkit_http::client;
use sessionkit_http::endpoint;

pub mod capture;
mod cost;
pub mod framing;
mod fuzz;
mod junit;
mod page;
pub mod proxy;
pub mod webhook;

mod cases;
mod corpus_writer;
pub mod judge;
mod report;
mod rules;
mod send;
mod target;

pub use cases::embedded_corpus;
pub use fuzz::{
    Constraint, Coverage, EXAMPLES, Finding, Fuzz, FuzzProgress, FuzzReport, Group, Shard,
};
pub use judge::{AnswerRule, Expected, Judgement, Keys, Problem};
pub use report::{CaseResult, Grade};
pub use sessionkit::corpus::Level;
pub use target::Target;

use cases::{Corpus, load_cases};
use send::reachable;

/// Why a run could not take place (not a failed case: those are in the [`Report`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// A conformance run: where, with which credentials, which cases.
#[derive(Debug, Clone)]
pub struct Conform {
    /// The server under test and what it accepts. Without a URL the reference server is
    /// started in-process once per profile, and both profiles run.
    pub target: Target,
    /// Only the cases whose name contains this text (`decode/`, `seed/`).
    pub filter: Option<String>,
    /// Do not require the answer's diagnostics to name the client's mistake.
    pub skip_diagnostics: bool,
    /// The corpus folder (default: `./corpus` when it has a manifest, else the copy built in).
    pub corpus: Option<PathBuf>,
    /// How long to wait for each answer.
    pub timeout: Duration,
    /// The weakest level whose problems fail a case: MUST (the default: the documentation or a
    /// standard fixes the answer), or SHOULD (this project's hardening too). MAY never fails.
    pub fail_at: Level,
}

impl Default for Conform {
    fn default() -> Self {
        Self {
            target: Target::embedded(),
            filter: None,
            skip_diagnostics: false,
            corpus: None,
            timeout: Duration::from_secs(10),
            fail_at: Level::Must,
        }
    }
}

/// Progress of a run, given to the callback of [`Conform::run_with`] after each case.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Cases answered so far.
    pub done: usize,
    /// Cases in the run.
    pub total: usize,
    /// The case just answered.
    pub case: &'a CaseResult,
}

impl Conform {
    /// A run against the server at `url` (`http://host:port/v1/sessions`), with the
    /// documentation's credentials until [`Conform::credentials`] says otherwise.
    pub fn against(url: impl Into<String>) -> Self {
        Self {
            target: Target::at(url),
            ..Self::default()
        }
    }

    /// The API key and shared secret the target accepts.
    pub fn credentials(mut self, api_key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.target = self.target.credentials(api_key, secret);
        self
    }

    /// The profile the target validates in.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.target.profile = profile;
        self
    }

    /// Fail on SHOULD problems too (`Level::Should`), not only on MUST ones.
    pub fn fail_at(mut self, level: Level) -> Self {
        self.fail_at = level;
        self
    }

    /// How long to wait for each answer, in seconds (default 10).
    pub fn timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout = Duration::from_secs(seconds);
        self
    }

    /// Only the cases whose name contains `pattern`.
    pub fn filter(mut self, pattern: impl Into<String>) -> Self {
        self.filter = Some(pattern.into());
        self
    }

    /// What this run asks of answers beyond the contract.
    fn ask(&self) -> judge::Ask {
        judge::Ask {
            skip_diagnostics: self.skip_diagnostics,
            status_only: false,
        }
    }

    /// Sends one case and grades its answer.
    fn send_case(&self, case: &cases::Case, url: &str, bodies: &cases::BodyDir) -> CaseResult {
        let started = Instant::now();
        let sent = client::send("POST", url, &case.headers, &case.body, self.timeout);
        let checked = match &sent {
            Ok(reply) => judge::judge(&case.expect, reply, self.target.keys(), self.ask()),
            Err(e) => Judgement::no_answer(e),
        };
        let path = client::split_url(url).map_or_else(|_| url.to_owned(), |(_, path)| path);
        let exchanged = report::Exchanged::of(&path, &case.headers, &case.body, sent.as_ref().ok());
        let grade = Grade::of(&checked.problems);
        let passed = checked.passes(self.fail_at);
        CaseResult {
            name: case.name.clone(),
            stage: case.stage,
            profile: case.profile.name(),
            passed,
            grade,
            level: case.expect.rule.level,
            expected: case.expect.clone(),
            got_status: checked.status,
            got_code: checked.vendor_code,
            got_diagnostics: checked.named,
            problems: checked.problems,
            notes: checked.notes,
            seconds: started.elapsed().as_secs_f64(),
            curl: (grade != Grade::Ok).then(|| case.curl(url, bodies)),
            exchanged: Some(exchanged),
        }
    }

    /// Sends the documentation's minimal body, signed with the target's credentials, before
    /// anything else: refused for them, the run stops here (see `send::refused_credentials`).
    fn probe_credentials(&self, url: &str) -> Result<(), Error> {
        let minimal = SignedRequest::build(
            br#"{"verification":{}}"#,
            &self.target.api_key,
            self.target.secret.as_bytes(),
            sessionkit::codec::Encoding::Identity,
            0,
        );
        let reply = client::send("POST", url, &minimal.headers, &minimal.body, self.timeout)
            .map_err(|e| Error(format!("{url}: the first request got no answer: {e}")))?;
        match send::refused_credentials(&reply, &self.target.api_key) {
            Some(refused) => Err(Error(refused)),
            None => Ok(()),
        }
    }

    /// Runs every case and returns the report. Blocking: call it from a plain `#[test]` or
    /// `spawn_blocking` (the embedded servers get a runtime of their own on their own thread).
    pub fn run(&self) -> Result<Report, Error> {
        self.run_with(|_| {})
    }

    /// The same, calling `progress` after each case.
    pub fn run_with(&self, mut progress: impl FnMut(Progress<'_>)) -> Result<Report, Error> {
        let corpus = Corpus::of(self);
        let servers = self.target.servers(&Profile::ALL)?;
        if let Some(url) = &self.target.url {
            let (authority, _) = client::split_url(url).map_err(Error)?;
            reachable(&authority, self.timeout)
                .map_err(|e| Error(format!("cannot reach {url} (is the server running?): {e}")))?;
            self.probe_credentials(url)?;
        }
        let targets = &servers.urls;
        let profiles: Vec<Profile> = targets.iter().map(|(p, _)| *p).collect();
        let mut cases = load_cases(self, &corpus, &profiles)?;
        if let Some(pattern) = &self.filter {
            cases.retain(|c| c.name.contains(pattern.as_str()));
        }
        // The cost checks run once, against the first target, all three when the filter names
        // any of them (they share the bomb's baseline); the framing checks (RFC 9112), those the
        // filter names.
        let filter = self.filter.as_deref().unwrap_or_default();
        let cost_checks = cost::names().any(|n| n.contains(filter));
        let framing_count = framing::names().filter(|n| n.contains(filter)).count();
        let total = cases.len() + if cost_checks { 3 } else { 0 } + framing_count;
        if total == 0 {
            let filter = self.filter.as_deref().unwrap_or_default();
            return Err(Error(format!("no case matched the filter {filter:?}")));
        }
        let mut results = Vec::with_capacity(total);
        let mut record = |result: CaseResult| {
            results.push(result);
            let case = results
                .last()
                .unwrap_or_else(|| unreachable!("just pushed"));
            progress(Progress {
                done: results.len(),
                total,
                case,
            });
        };
        let bodies = cases::BodyDir::default();
        for case in &cases {
            let url = targets
                .iter()
                .find(|(p, _)| *p == case.profile)
                .map(|(_, u)| u.as_str())
                .unwrap_or_default();
            record(self.send_case(case, url, &bodies));
        }
        if let (true, Some((profile, url))) = (cost_checks, targets.first()) {
            for mut result in cost::check(self, url, *profile) {
                result.passed = result.problems.iter().all(|p| p.level > self.fail_at);
                record(result);
            }
        }
        if let (true, Some((profile, url))) = (framing_count > 0, targets.first()) {
            for mut result in framing::check(self, url, *profile) {
                if result.name.contains(filter) {
                    result.passed = result.problems.iter().all(|p| p.level > self.fail_at);
                    record(result);
                }
            }
        }
        Ok(Report {
            target: self.target.describe(),
            results,
            bodies: bodies.made().cloned(),
        })
    }
}

/// The outcome of a run: every case, and renderings for people, machines and CI.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target's URL, or `embedded reference server`.
    pub target: String,
    /// Every case, in the order sent.
    pub results: Vec<CaseResult>,
    /// The folder this run wrote its reproductions' request bodies into, when it wrote any.
    pub bodies: Option<PathBuf>,
}

impl Report {
    /// No case failed.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }

    /// The cases that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.results.iter().filter(|r| !r.passed)
    }

    /// A table per stage, every failure with its problems and a curl command, every note, and a
    /// last line with the counts.
    pub fn text(&self) -> String {
        let mut text = report::text_report(&self.results, &self.target);
        if let Some(dir) = &self.bodies {
            text.push_str(&format!(
                "request bodies of the reproductions: {}\n",
                dir.display()
            ));
        }
        text
    }

    /// One JSON object with the counts (per grade and per level of the cases' rules) and every
    /// case.
    pub fn json(&self) -> serde_json::Value {
        let count = |f: &dyn Fn(&CaseResult) -> bool| self.results.iter().filter(|r| f(r)).count();
        let levels: serde_json::Map<String, serde_json::Value> = Level::ALL
            .iter()
            .map(|&level| {
                let of = |r: &CaseResult| r.level == level;
                let key = level.name().to_ascii_lowercase();
                let value = serde_json::json!({
                    "cases": count(&|r| of(r)),
                    "ok": count(&|r| of(r) && r.grade == Grade::Ok),
                });
                (key, value)
            })
            .collect();
        serde_json::json!({
            "target": self.target,
            "passed": count(&|r| r.passed),
            "failed": count(&|r| !r.passed),
            "grades": {
                "ok": count(&|r| r.grade == Grade::Ok),
                "failed": count(&|r| r.grade == Grade::Failed),
                "non_strict": count(&|r| r.grade == Grade::NonStrict),
                "informational": count(&|r| r.grade == Grade::Informational),
            },
            "levels": levels,
            "distinct_cases": report::distinct_cases(&self.results),
            "requests": self.results.len(),
            "notes": self.results.iter().map(|r| r.notes.len()).sum::<usize>(),
            "cases": self.results,
        })
    }

    /// Markdown for a CI step summary: a table per stage, the score per level, and each case with
    /// problems with its rule, its problems and its reproduction.
    pub fn markdown(&self) -> String {
        report::markdown_report(&self.results, &self.target)
    }

    /// The report page: one self-contained HTML file (no network, no external asset) with the
    /// matrix of stages by outcome, the score per level, and every case expandable to its rule,
    /// problems, request, answer and reproduction, filtered by outcome, level and stage.
    pub fn html(&self) -> String {
        page::render(&self.results, &self.target)
    }

    /// JUnit XML, one test case per corpus case.
    pub fn junit(&self) -> String {
        report::junit_report(&self.results)
    }
}
