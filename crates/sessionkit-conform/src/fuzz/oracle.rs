//! The oracle: what the contract requires of the answer to one generated request (from
//! `sessionkit::receive` with the target's credentials), and the finding when the target's
//! answer departs from it.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sessionkit::Config;

use super::generate::{self, Credentials, Input};
use crate::{AnswerProblem, AnswerRules, answer_problems, client};

/// What the contract requires of one answer, from `receive`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Expected {
    pub(crate) status: u16,
    /// Any of these vendor codes (a body with several violations may report any); empty on 201.
    pub(crate) codes: Vec<u16>,
    /// The stage that decides: the refusing stage, or `accepted`.
    pub(crate) stage: &'static str,
    pub(crate) error: Option<&'static str>,
    /// The JSON a 201 echoes: the accepted body.
    #[serde(skip)]
    pub(crate) sent: Option<Value>,
}

/// What came back, reduced to what is compared.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Got {
    /// `None`: no answer.
    pub(crate) status: Option<u16>,
    pub(crate) code: Option<u64>,
    pub(crate) problem: Option<String>,
}

/// A disagreement: its group key says what kind.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The stage that decides, the rule broken and the mutation family: one bug shows once.
    pub group: String,
    /// What the answer did, for a person.
    pub what: String,
    /// The case number (with the seed, the request is rebuilt from it).
    pub case: u64,
    /// The stage its mutation aimed at.
    pub mutation_stage: &'static str,
    pub(crate) input: Input,
    pub(crate) expected: Expected,
    pub(crate) got: Got,
    /// The body's length once shrunk.
    pub shrunk_bytes: Option<usize>,
    /// A curl command that sends it, once written out.
    pub curl: Option<String>,
    /// The file it was written to.
    pub file: Option<String>,
}

/// Everything a worker needs.
pub(crate) struct Run {
    pub(crate) url: String,
    pub(crate) seed: u64,
    pub(crate) credentials: Credentials,
    pub(crate) config: Config,
    pub(crate) bases: Vec<Value>,
    pub(crate) timeout: Duration,
}

impl Run {
    pub(crate) fn expected(&self, request: &generate::Request) -> Expected {
        let outcome = sessionkit::receive(&request.headers, &request.body, &self.config);
        let mut codes: Vec<u16> = Vec::new();
        if outcome.status != 201 {
            codes.push(outcome.vendor_code);
            codes.extend(outcome.violations.iter().map(|v| v.vendor_code));
            codes.sort_unstable();
            codes.dedup();
        }
        Expected {
            status: outcome.status,
            codes,
            stage: outcome
                .error
                .as_ref()
                .map_or("accepted", |e| e.kind().stage().name()),
            error: outcome.error.as_ref().map(|e| e.kind().code()),
            sent: outcome.body,
        }
    }

    /// Sends one input; `Some` when the answer departs from the contract.
    pub(crate) fn judge(&self, case: u64, input: &Input) -> Option<Finding> {
        let request = generate::build(input, &self.credentials);
        let expected = self.expected(&request);
        let reply = client::send(
            "POST",
            &self.url,
            &request.headers,
            &request.body,
            self.timeout,
        );
        let (got, what) = match reply {
            Err(e) => (
                Got {
                    status: None,
                    code: None,
                    problem: Some(e.clone()),
                },
                Some(format!("no answer ({e})")),
            ),
            Ok(reply) => self.compare(&expected, &reply),
        };
        let what = what?;
        // The group is the rule broken, by one family of mutations: an answer-form rule in its
        // own words ("a 415 must carry Accept-Encoding: gzip, deflate"), else what was expected
        // and what came.
        let rule = match (&got.status, &got.problem) {
            (None, _) => "no answer".to_owned(),
            (Some(s), Some(problem)) if *s == expected.status => problem.clone(),
            (Some(s), _) => {
                let want = match expected.codes.first() {
                    Some(c) => format!("{}/{c}", expected.status),
                    None => expected.status.to_string(),
                };
                match got.code {
                    Some(c) if *s != 201 => format!("expected {want}, got {s}/{c}"),
                    _ => format!("expected {want}, got {s}"),
                }
            }
        };
        Some(Finding {
            group: format!("{}: {rule} [{}]", expected.stage, input.mutation.family()),
            what,
            case,
            mutation_stage: input.mutation.stage(),
            input: input.clone(),
            expected,
            got,
            shrunk_bytes: None,
            curl: None,
            file: None,
        })
    }

    fn compare(&self, expected: &Expected, reply: &client::Reply) -> (Got, Option<String>) {
        let body: Option<Value> = serde_json::from_slice(&reply.body).ok();
        let code = body.as_ref().and_then(|b| match &b["code"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        let mut got = Got {
            status: Some(reply.status),
            code,
            problem: None,
        };
        let what = if reply.status >= 500 {
            Some(format!("server error {}", reply.status))
        } else if reply.status != expected.status {
            Some(format!(
                "status {} where the contract requires {}",
                reply.status, expected.status
            ))
        } else if !expected.codes.is_empty()
            && !code.is_some_and(|c| expected.codes.iter().any(|e| u64::from(*e) == c))
        {
            Some(format!(
                "code {code:?} where the contract requires one of {:?}",
                expected.codes
            ))
        } else if let Some(problem) = self.answer_problem(expected, reply, body.as_ref()) {
            got.problem = Some(problem.rule.to_owned());
            Some(problem.message)
        } else {
            None
        };
        (got, what)
    }

    /// The first way the answer's form departs from the contract: the rules `conform` checks.
    fn answer_problem(
        &self,
        expected: &Expected,
        reply: &client::Reply,
        body: Option<&Value>,
    ) -> Option<AnswerProblem> {
        let Some(body) = body else {
            return Some(AnswerProblem::new(
                "answer is not JSON",
                "answer is not JSON".into(),
            ));
        };
        let rules = AnswerRules {
            error: expected.error,
            sent: expected.sent.as_ref(),
            api_key: &self.credentials.api_key,
            secret: &self.credentials.secret,
        };
        answer_problems(reply, body, &rules).into_iter().next()
    }
}
