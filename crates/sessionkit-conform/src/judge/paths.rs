//! One judge on every path: the same exchanges judged the way `conform`, `check`, the proxy and
//! `fuzz` judge them get the same problems at the same levels.
//!
//! Each path is called through the function its command uses: `conform` grades a case's answer
//! against the case's own expectation (`lib.rs`, `send_case`); `check` and the proxy derive the
//! expectation from `receive` and the request's headers (`capture::judge_answer`, which the
//! proxy's journal calls for every forwarded answer); the fuzzer derives it the same way and
//! grades its first problem (`oracle::Run::compare`, then `grade`).

use std::time::Duration;

use sessionkit::corpus::Level;
use sessionkit::{Config, Profile};

use super::tests::{KEYS, LEVEL_NOT_IN_THE_OUTCOME, reply};
use super::*;
use crate::fuzz::generate::{Credentials, Request};
use crate::fuzz::oracle::{self, Run};

/// How broken servers answer: every request the same way, or with the right status and another
/// vendor code (the one a conform run and a fuzz run once graded at two levels).
fn answers(expected: &Expected) -> Vec<(&'static str, Reply)> {
    let other_code = br#"{"status":"fail","code":9999,"message":"no"}"#;
    vec![
        (
            "500 text/html",
            reply(
                500,
                "text/html",
                b"<html><body>Internal Server Error</body></html>",
            ),
        ),
        ("400 text/plain", reply(400, "text/plain", b"Bad Request")),
        ("201 empty", reply(201, "application/json", b"")),
        ("200 {}", reply(200, "application/json", b"{}")),
        (
            "right status, another code",
            reply(expected.status, "application/json", other_code),
        ),
    ]
}

/// A problem as two paths compare it. `mistake_not_named` is left out: diagnostics are
/// sessionkit's extension, asked of its own server only (conform skips them for another server,
/// `check` and the proxy ask them of the reference server's captures).
fn graded(problems: &[Problem]) -> Vec<(AnswerRule, Level)> {
    problems
        .iter()
        .filter(|p| p.rule != AnswerRule::MistakeNotNamed)
        .map(|p| (p.rule, p.level))
        .collect()
}

#[test]
fn every_path_gives_an_exchange_the_same_problems_at_the_same_levels() {
    let run = crate::Conform::default();
    let corpus = crate::cases::Corpus::Embedded;
    let cases = crate::cases::load_cases(&run, &corpus, &[Profile::Documented]).unwrap();
    let config = Config::default();
    let fuzz = Run {
        url: String::new(),
        seed: 1,
        credentials: Credentials {
            api_key: KEYS.api_key.into(),
            secret: KEYS.secret.into(),
        },
        config: config.clone(),
        bases: Vec::new(),
        timeout: Duration::from_secs(1),
        coverage: None,
        probes: Vec::new(),
    };
    let conform_ask = Ask {
        skip_diagnostics: true,
        status_only: false,
    };
    let blind: Vec<&str> = LEVEL_NOT_IN_THE_OUTCOME.iter().map(|(id, _)| *id).collect();
    let mut compared = 0;
    let mut differ = Vec::new();
    for case in &cases {
        // A case with several faults, or one whose level nothing in the request tells, is
        // graded by its own expectation only (the test beside this one lists them).
        if blind.contains(&&case.name[..3]) || !case.expect.faults.is_empty() {
            continue;
        }
        let outcome = sessionkit::receive(&case.headers, &case.body, &config);
        let request = Request {
            headers: case.headers.clone(),
            body: case.body.clone(),
            signed: None,
        };
        let fuzz_expected = fuzz.expected(&request);
        for (answer, got) in answers(&case.expect) {
            let conform = judge(&case.expect, &got, KEYS, conform_ask).problems;
            // As the proxy calls it (an answer held whole; `check` judges a capture that kept
            // no answer body by its status only, and every other capture the same way).
            let check = crate::capture::judge_answer(&got, false, &case.headers, &outcome, &config);
            if graded(&conform) != graded(&check.problems) {
                differ.push(format!(
                    "{} / {answer}: conform {:?}, check and the proxy {:?}",
                    case.name,
                    graded(&conform),
                    graded(&check.problems)
                ));
            }
            // The fuzzer reports the first problem (the status first) at the level it grades.
            let (fuzz_got, finding) = fuzz.compare(&fuzz_expected, &got);
            let fuzz_level = finding.map(|_| oracle::grade(&fuzz_expected, &fuzz_got).0);
            let first = graded(&conform).first().map(|(_, level)| *level);
            if fuzz_level != first {
                differ.push(format!(
                    "{} / {answer}: conform's first problem at {first:?}, fuzz at {fuzz_level:?}",
                    case.name
                ));
            }
            compared += 1;
        }
    }
    assert!(compared > 1000, "{compared} exchanges compared");
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
