//! The oracle: what the contract requires of the answer to one generated request (from
//! `sessionkit::receive` with the target's credentials), and the finding when the target's
//! answer departs from it.

use std::sync::LazyLock;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sessionkit::Config;
use sessionkit::corpus::Level;

use super::generate::{self, Credentials, Input, Mutation, Spelling};
use crate::client;
use crate::judge::{self, AnswerRule, Keys};

/// What the contract requires of one answer, from `receive`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Expected {
    pub(crate) status: u16,
    /// Any of these vendor codes (a body with several violations may report any); empty on 201.
    pub(crate) codes: Vec<u16>,
    /// The stage that decides: the refusing stage, or `accepted`.
    pub(crate) stage: &'static str,
    pub(crate) error: Option<&'static str>,
    /// The pointers of the schema violations that refuse it.
    #[serde(skip)]
    pub(crate) pointers: Vec<String>,
    /// The same, as the one judge takes it.
    #[serde(skip)]
    pub(crate) contract: judge::Expected,
}

/// What came back, reduced to what is compared.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Got {
    /// `None`: no answer.
    pub(crate) status: Option<u16>,
    pub(crate) code: Option<u64>,
    pub(crate) problem: Option<String>,
    /// The level and source of the answer-form rule `problem` names.
    #[serde(skip)]
    pub(crate) problem_level: Option<(Level, &'static str)>,
}

/// A disagreement: its group key says what kind.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The stage that decides, the rule broken and the mutation family: one bug shows once.
    pub group: String,
    /// The rule broken, in words that do not depend on the request.
    pub rule: String,
    /// How strongly the rule binds: MUST fails a run, SHOULD only at `--level should`.
    pub level: Level,
    /// Where the rule comes from (the seed, an RFC, the contract).
    pub reference: String,
    /// What the answer did, for a person.
    pub what: String,
    /// The case number (with the seed, the request is rebuilt from it).
    pub case: u64,
    /// Seconds into the run when it was seen (what a finding-power benchmark compares).
    pub seconds: f64,
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
    /// The coverage phase (when it runs), and its probes in order: cases `0..probes.len()`.
    pub(crate) coverage: Option<super::Coverage>,
    pub(crate) probes: Vec<Input>,
}

impl Run {
    pub(crate) fn expected(&self, request: &generate::Request) -> Expected {
        let outcome = sessionkit::receive(&request.headers, &request.body, &self.config);
        // The judge's expectation, and what a finding reports of it.
        let contract = judge::Expected::of_request(&request.headers, &outcome);
        Expected {
            status: contract.status,
            codes: contract.vendor_codes.clone(),
            stage: contract.stage.map_or("accepted", sessionkit::Stage::name),
            error: contract.error.map(sessionkit::ErrorKind::code),
            pointers: outcome
                .violations()
                .iter()
                .map(|v| v.pointer.clone())
                .collect(),
            contract,
        }
    }

    /// Sends one input; `Some` when the answer departs from the contract. A finding is put in
    /// the family of its cause: when the same request with the documented header names does
    /// not show it, the spelling (one group per spelling, whatever the mutation); when the
    /// valid request it was made from shows it too, the valid request (one group, not one per
    /// mutation a server mishandles the same way).
    pub(crate) fn judge(&self, case: u64, input: &Input) -> Option<Finding> {
        let mut finding = self.judge_one(case, input)?;
        if input.spelling != Spelling::Documented {
            let documented = Input {
                spelling: Spelling::Documented,
                ..input.clone()
            };
            if self.judge_one(case, &documented).map(|f| f.rule) != Some(finding.rule.clone()) {
                return Some(spelled(finding, input.spelling));
            }
        }
        if !matches!(input.mutation, Mutation::Valid | Mutation::Probe(_)) {
            // (A probe's change is in its payload: without the mutation it is the same request.)
            let valid = Input {
                mutation: Mutation::Valid,
                ..input.clone()
            };
            if let Some(same) = self
                .judge_one(case, &valid)
                .filter(|f| f.rule == finding.rule)
            {
                finding.group = same.group;
            }
        }
        Some(finding)
    }

    fn judge_one(&self, case: u64, input: &Input) -> Option<Finding> {
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
                    problem_level: None,
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
        let (level, reference) = grade(&expected, &got);
        Some(Finding {
            group: format!("{}: {rule} [{}]", expected.stage, input.mutation.family()),
            rule,
            level,
            reference: reference.into(),
            what,
            case,
            seconds: 0.0,
            mutation_stage: input.mutation.stage(),
            input: input.clone(),
            expected,
            got,
            shrunk_bytes: None,
            curl: None,
            file: None,
        })
    }

    /// The answer judged by the one judge; the finding is its first problem (the status first).
    pub(crate) fn compare(
        &self,
        expected: &Expected,
        reply: &client::Reply,
    ) -> (Got, Option<String>) {
        let keys = Keys {
            api_key: &self.credentials.api_key,
            secret: &self.credentials.secret,
        };
        let ask = judge::Ask {
            skip_diagnostics: true,
            status_only: false,
        };
        let judgement = judge::judge(&expected.contract, reply, keys, ask);
        let mut got = Got {
            status: Some(reply.status),
            code: judgement.vendor_code,
            problem: None,
            problem_level: None,
        };
        let Some(problem) = judgement.problems.into_iter().next() else {
            return (got, None);
        };
        if problem.rule != AnswerRule::Status {
            got.problem = Some(problem.rule.code().to_owned());
            got.problem_level = Some((problem.level, problem.rule.source()));
        }
        (got, Some(problem.message))
    }
}

const CASE_INSENSITIVE: &str = "RFC 9110 §5.1: field names are case-insensitive";

/// `finding` put in the group of its header-name spelling.
fn spelled(mut finding: Finding, spelling: Spelling) -> Finding {
    let (names, family, reference) = match spelling {
        Spelling::Reversed => (
            "in another order",
            "reversed",
            "RFC 9110 §5.3: the order of field lines with different names carries no meaning",
        ),
        Spelling::Lower => ("in another case", "lower-case", CASE_INSENSITIVE),
        Spelling::Title => ("in another case", "title-case", CASE_INSENSITIVE),
        Spelling::Upper | Spelling::Documented => {
            ("in another case", "upper-case", CASE_INSENSITIVE)
        }
    };
    finding.group =
        format!("headers: the answer changes with the header names {names} [{family} names]");
    finding.level = Level::Must;
    finding.reference = reference.into();
    finding
}

/// The level of a departure and where its rule comes from. No answer is a defect whatever was
/// sent (the judge's `no_answer`); a 5xx, like any other wrong status, binds as the rule of what
/// was sent does; a refusal where the contract accepts is one unless it is a size limit
/// (this project's 1 MiB); an acceptance or another status where the contract refuses binds as
/// strongly as the refusal's rule does in the corpus; with the right status, the level is the
/// judge's rule's (a vendor code, the answer's form).
pub(crate) fn grade<'a>(expected: &'a Expected, got: &Got) -> (Level, &'a str) {
    // A 5xx is a wrong status like any other, graded at the rule of what was sent (as conform
    // grades it): the judge's `status` rule.
    let Some(status) = got.status else {
        let rule = AnswerRule::NoAnswer;
        return (rule.binding().level(Level::Must), rule.source());
    };
    // The status is right and another rule is broken (a vendor code, the answer's form): the
    // judge gave its level.
    if let Some(level) = got.problem_level {
        return level;
    }
    // A constraint on a member whose name the documentation lost, and this project inferred
    // from its description, binds no server that inferred another name.
    let inferred = |pointer: &String| {
        let name = pointer.rsplit('/').next().unwrap_or("");
        INFERRED_NAMES.iter().any(|n| n == name)
    };
    if status == 201 && !expected.pointers.is_empty() && expected.pointers.iter().all(inferred) {
        return (Level::May, INFERRED);
    }
    // A refusal for size where the contract accepts binds as the size rule does; any other
    // wrong status as the rule the one judge gives the request (its body's violations, else
    // its error kind), the level `conform`, `check` and the proxy give it.
    let rule = match (expected.status, status) {
        (201, 413) => crate::rules::of_error(Some(sessionkit::ErrorKind::DecodedTooLarge)),
        _ => Some(&expected.contract.rule),
    };
    rule.map_or((Level::Must, AnswerRule::Status.source()), |rule| {
        (rule.level, rule.reference.as_str())
    })
}

const INFERRED: &str = "the member's name is inferred from the documentation's description \
     (its $comment in schemas/request.defs.json): a server may have inferred another";

/// The members whose schema says their name is inferred (`"$comment": "name inferred from
/// description"`), read from the shared definitions.
static INFERRED_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let defs = sessionkit::schema::SCHEMA_FILES
        .iter()
        .find(|(name, _)| *name == "request.defs.json")
        .and_then(|(_, text)| serde_json::from_str::<Value>(text).ok());
    let mut names = Vec::new();
    for definition in defs.iter().flat_map(|d| d["$defs"].as_object()).flatten() {
        for (name, member) in definition.1["properties"].as_object().into_iter().flatten() {
            if member["$comment"]
                .as_str()
                .is_some_and(|c| c.contains("inferred"))
            {
                names.push(name.clone());
            }
        }
    }
    names
});
