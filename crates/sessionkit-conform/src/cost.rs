//! Cost checks of the unauthenticated path (docs/contract.md §2): a server decompresses bytes
//! nobody has authenticated yet, so what a stranger's request may cost it is part of conforming.
//! Three checks, each judged against the same server's answer to a small valid request measured
//! in the same run (a ratio, never a fixed time):
//!
//! - **bomb**: a gzip body of 960 MiB of zeros in under 1 MiB on the wire (15 members of 64 MiB,
//!   RFC 1952 multi-member). More than [`RATIO`] times the time of the same bytes sent without
//!   `Content-Encoding` (the same wire size, read and refused, nothing inflated): SHOULD,
//!   unbounded decompression, and so is no answer within the run's timeout. (Against a small request's time the ratio
//!   would also count the megabyte crossing the wire: about 35x on loopback for a server that
//!   stops at its limit, too close to call.)
//! - **liveness**: while bombs are in flight, a small valid request must still be answered (MUST)
//!   and within the same ratio (SHOULD).
//! - **declared length**: a `Content-Length` over any limit with a body that never comes must be
//!   refused (413) without waiting for the body (SHOULD, as nginx does).

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use sessionkit::codec::Encoding;
use sessionkit::corpus::{Level, Rule};
use sessionkit::{Profile, SignedRequest, Stage};

use crate::judge::{AnswerRule, Expected, Problem};
use crate::report::{CaseResult, Grade};
use crate::{Conform, client};
use sessionkit::headers::names;

/// How many times a small request's time a bomb may take before it is a finding: a server that
/// stops inflating at its limit answers within a few times that (the bomb's megabyte crosses the
/// wire too); one that inflates 960 MiB takes hundreds of times it.
pub const RATIO: f64 = 50.0;

/// Bombs in flight during the liveness probe.
const BOMBS_IN_FLIGHT: usize = 2;

/// A declared length over every limit the contract and common servers use (1 MiB).
const DECLARED: usize = 2 << 20;

/// How long the declared-length check waits for an answer before it calls it waiting.
const DECLARED_WAIT: Duration = Duration::from_secs(2);

/// The bomb: 15 gzip members of 64 MiB of zeros each, compressed once.
fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            // Writing into a Vec cannot fail.
            let _ = encoder.write_all(&zeros);
        }
        let member = encoder.finish().unwrap_or_default();
        member.repeat(15)
    })
}

/// The checks' names below `cost/`: a bomb, a small request among bombs, a declared length.
const CHECKS: [&str; 3] = [
    "bomb-960mib",
    "liveness-under-bombs",
    "declared-length-no-body",
];

/// The names of the checks, as a report shows them (`cost/{name}`).
pub(crate) fn names() -> impl Iterator<Item = String> {
    CHECKS.iter().map(|name| format!("cost/{name}"))
}

/// The three checks against `url` (the target in `profile`), as cases of the report.
pub(crate) fn check(run: &Conform, url: &str, profile: Profile) -> Vec<CaseResult> {
    let small = SignedRequest::build(
        br#"{"verification":{}}"#,
        &run.target.api_key,
        run.target.secret.as_bytes(),
        Encoding::Identity,
        6,
    );
    // Built before anything is timed (compressing 1 GiB of zeros takes a moment).
    bomb();
    let baseline = median_time(url, &small.headers, &small.body, run.timeout);
    let mut bomb_headers = small.headers.clone();
    let same_size = median_time(url, &bomb_headers, bomb(), run.timeout);
    bomb_headers.push(names::CONTENT_ENCODING, "gzip");
    let case = |name: &str, stage: Stage, status, rule: Rule| Case {
        name: format!("cost/{name}"),
        stage,
        profile: profile.name(),
        expected: Expected::status(status, rule),
    };
    let bomb_case = case(
        CHECKS[0],
        Stage::Decode,
        413,
        rule(AnswerRule::Bomb, BOMB_RULE),
    );
    let live_case = case(
        CHECKS[1],
        Stage::Decode,
        201,
        rule(AnswerRule::Liveness, LIVE_RULE),
    );
    let declared_case = case(
        CHECKS[2],
        Stage::Size,
        413,
        rule(AnswerRule::DeclaredLength, DECLARED_RULE),
    );
    vec![
        bomb_case.judge_bomb(url, &bomb_headers, [same_size, baseline], run.timeout),
        live_case.judge_liveness(url, &small, &bomb_headers, baseline, run.timeout),
        declared_case.judge_declared(url, &small),
    ]
}

const BOMB_RULE: &str =
    "a body that inflates past the limit is refused at the limit, without inflating the rest";
const LIVE_RULE: &str = "a small valid request is answered while bombs are in flight";
const DECLARED_RULE: &str =
    "a declared Content-Length over the limit is answered 413 without waiting for the body";
/// A cost check's rule, at the level and with the source of its answer rule.
fn rule(answer_rule: AnswerRule, rule: &str) -> Rule {
    Rule {
        level: answer_rule.binding().level(Level::Must),
        rule: rule.into(),
        reference: answer_rule.source().into(),
    }
}

/// The median time of five answers to the same request (a cold first answer is one of five).
fn median_time(
    url: &str,
    headers: &sessionkit::headers::Headers,
    body: &[u8],
    timeout: Duration,
) -> Option<Duration> {
    let mut times: Vec<Duration> = (0..5)
        .filter_map(|_| timed(url, headers, body, timeout).ok())
        .map(|(_, t)| t)
        .collect();
    times.sort_unstable();
    times.get(times.len() / 2).copied()
}

fn timed(
    url: &str,
    headers: &sessionkit::headers::Headers,
    body: &[u8],
    timeout: Duration,
) -> Result<(client::Reply, Duration), String> {
    let started = Instant::now();
    let reply = client::send("POST", url, headers, body, timeout)?;
    Ok((reply, started.elapsed()))
}

/// One cost case under construction.
struct Case {
    name: String,
    stage: Stage,
    profile: &'static str,
    expected: Expected,
}

impl Case {
    /// `baselines`: the same bytes sent uncompressed (what the verdict compares with), and a small
    /// valid request (reported beside it).
    fn judge_bomb(
        self,
        url: &str,
        headers: &sessionkit::headers::Headers,
        baselines: [Option<Duration>; 2],
        timeout: Duration,
    ) -> CaseResult {
        let [baseline, small] = baselines;
        let started = Instant::now();
        let reply = client::send("POST", url, headers, bomb(), timeout);
        let took = started.elapsed();
        let mut problems = Vec::new();
        match &reply {
            Err(e) => problems.push(Problem::always(
                AnswerRule::Bomb,
                format!(
                    "no answer to a 960 MiB gzip bomb within {timeout:?} ({e}): the server decompresses without a limit"
                ),
            )),
            Ok(reply) if reply.status < 400 => problems.push(Problem::always(
                AnswerRule::BombAccepted,
                format!("status {} for 960 MiB of zeros, which is not JSON", reply.status),
            )),
            Ok(reply) if reply.status != 413 => problems.push(Problem::always(
                AnswerRule::Bomb,
                format!("status {} where the decoded-size limit answers 413", reply.status),
            )),
            Ok(_) => {}
        }
        let what = "the bomb (against the same bytes sent uncompressed)";
        let answered = reply.is_ok();
        if answered {
            problems.extend(slower_than_ratio(what, took, baseline, AnswerRule::Bomb));
        }
        let mut result = self.result(reply.as_ref().ok(), problems, took);
        if answered {
            result.notes.push(cost_note(took, baseline, small));
        }
        result
    }

    fn judge_liveness(
        self,
        url: &str,
        small: &SignedRequest,
        bomb_headers: &sessionkit::headers::Headers,
        baseline: Option<Duration>,
        timeout: Duration,
    ) -> CaseResult {
        let (reply, took) = std::thread::scope(|scope| {
            for _ in 0..BOMBS_IN_FLIGHT {
                scope.spawn(|| client::send("POST", url, bomb_headers, bomb(), timeout));
            }
            // The bombs' bytes are on their way before the small request leaves.
            std::thread::sleep(Duration::from_millis(50));
            let started = Instant::now();
            let reply = client::send("POST", url, &small.headers, &small.body, timeout);
            (reply, started.elapsed())
        });
        let mut problems = Vec::new();
        match &reply {
            Err(e) => problems.push(Problem::always(
                AnswerRule::Liveness,
                format!(
                    "a small valid request got no answer within {timeout:?} while {BOMBS_IN_FLIGHT} bombs were in flight: {e}"
                ),
            )),
            Ok(reply) if reply.status != 201 => problems.push(Problem::always(
                AnswerRule::Liveness,
                format!(
                    "status {} for a small valid request while bombs were in flight",
                    reply.status
                ),
            )),
            Ok(_) => {}
        }
        if reply.is_ok() {
            problems.extend(slower_than_ratio(
                "the small request among bombs (against the same request alone)",
                took,
                baseline,
                AnswerRule::Bomb,
            ));
        }
        self.result(reply.as_ref().ok(), problems, took)
    }

    fn judge_declared(self, url: &str, small: &SignedRequest) -> CaseResult {
        let started = Instant::now();
        let reply =
            client::send_declared("POST", url, &small.headers, DECLARED, b"", DECLARED_WAIT);
        let took = started.elapsed();
        let problems = match &reply {
            Ok(reply) if reply.status == 413 => Vec::new(),
            Ok(reply) => vec![Problem::always(
                AnswerRule::DeclaredLength,
                format!(
                    "status {} for a declared {DECLARED}-byte body",
                    reply.status
                ),
            )],
            Err(_) => vec![Problem::always(
                AnswerRule::DeclaredLength,
                format!(
                    "no answer within {DECLARED_WAIT:?} to a declared {DECLARED}-byte body that never came: the server waits for a body it will refuse"
                ),
            )],
        };
        self.result(reply.as_ref().ok(), problems, took)
    }

    fn result(
        self,
        reply: Option<&client::Reply>,
        problems: Vec<Problem>,
        took: Duration,
    ) -> CaseResult {
        let body: Option<Value> = reply.and_then(|r| serde_json::from_slice(&r.body).ok());
        let grade = Grade::of(&problems);
        CaseResult {
            name: self.name,
            stage: self.stage,
            profile: self.profile,
            passed: true,
            grade,
            level: self.expected.rule.level,
            expected: self.expected,
            got_status: reply.map(|r| r.status),
            got_code: body.as_ref().and_then(|b| b["code"].as_u64()),
            got_diagnostics: Vec::new(),
            problems,
            notes: Vec::new(),
            seconds: took.as_secs_f64(),
            curl: None,
            exchanged: Some(crate::report::Exchanged {
                request_head: "(built by the cost check: its rule says what it sends)".into(),
                answer_head: reply.map(|r| format!("HTTP/1.1 {}", r.status)),
                answer_body: reply.map_or_else(Vec::new, |r| {
                    r.body[..r.body.len().min(crate::report::Exchanged::PREVIEW)].to_vec()
                }),
                answer_len: reply.map_or(0, |r| r.body.len()),
                ..crate::report::Exchanged::default()
            }),
        }
    }
}

/// What the bomb cost, against both baselines: `answered in 4.9 ms: 2.1x the same bytes sent
/// uncompressed (2.3 ms), 35x a small valid request (0.14 ms)`.
fn cost_note(took: Duration, same_size: Option<Duration>, small: Option<Duration>) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let against = |base: Option<Duration>, what: &str| {
        base.map_or(format!("{what}: not measured"), |b| {
            let ratio = took.as_secs_f64() / b.as_secs_f64().max(1e-6);
            format!("{ratio:.1}x {what} ({:.2} ms)", ms(b))
        })
    };
    format!(
        "answered in {:.1} ms: {}, {}",
        ms(took),
        against(same_size, "the same bytes sent uncompressed"),
        against(small, "a small valid request")
    )
}

/// A SHOULD problem when `took` is more than [`RATIO`] times `baseline`.
fn slower_than_ratio(
    what: &str,
    took: Duration,
    baseline: Option<Duration>,
    rule: AnswerRule,
) -> Option<Problem> {
    let baseline = baseline?.max(Duration::from_micros(100));
    let ratio = took.as_secs_f64() / baseline.as_secs_f64();
    (ratio > RATIO).then(|| {
        Problem::always(
            rule,
            format!(
                "{what} took {:.1} ms, {ratio:.0}x the {:.2} ms of its baseline (more than {RATIO:.0}x): the server decompresses without a limit, or one stranger's request stalls the rest",
                took.as_secs_f64() * 1e3,
                baseline.as_secs_f64() * 1e3
            ),
        )
    })
}
