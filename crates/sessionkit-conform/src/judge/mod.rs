//! The one judge: an expectation (what the contract fixes for one request: the status, the
//! vendor codes, the error kind, the rule with its level and source) and an answer (status,
//! headers, exact bytes) give one judgement, every problem with its level, rule and source.
//! `conform`, the fuzzer's oracle, `check`, the proxy and `webhook` all judge through here; the
//! levels are [`AnswerRule`]'s, nothing else decides one.
//!
//! The status comes first: a wrong status is graded at the case's level whatever the body holds,
//! and a body that is not JSON, or not the answer's shape, is a problem of its own beside it.

mod delivery;
mod rules;

use serde::Serialize;
use serde_json::Value;
use sessionkit::corpus::{self, Level};
use sessionkit::crypto::Signature;
use sessionkit::headers::{Headers, names};
use sessionkit::{ErrorKind, Mistake, Outcome, Profile, Stage};

pub use delivery::{Owed, owed};
pub use rules::{AnswerRule, Binding, rules_table};

use crate::client::Reply;

/// What must come back for one request.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    /// HTTP status.
    pub status: u16,
    /// The vendor code must be one of these (any violation a body has may be the one reported
    /// first); not checked when empty.
    pub vendor_codes: Vec<u16>,
    /// The error kind sessionkit names (informative: what another server names is its own).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_error"
    )]
    pub error: Option<ErrorKind>,
    /// The stage that decides (`None`: accepted, or not known).
    #[serde(skip)]
    pub stage: Option<Stage>,
    /// The mistake the diagnostics must name, when the answer carries diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mistake: Option<String>,
    /// For acceptable cases: other answers the policy allows (reported as notes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_allowed: Vec<corpus::Allowed>,
    /// The rule the case checks: its level, in words, and its source.
    #[serde(flatten)]
    pub rule: corpus::Rule,
    /// For a request with several faults: each, in the contract's check order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<corpus::Fault>,
    /// The JSON the request carried, which a 201 echoes (`endUserId`, `vendorData`); `None`
    /// when unknown.
    #[serde(skip)]
    pub sent: Option<Value>,
}

fn serialize_error<S: serde::Serializer>(
    error: &Option<ErrorKind>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match error {
        Some(kind) => serializer.serialize_str(kind.code()),
        None => serializer.serialize_none(),
    }
}

impl Expected {
    /// Status `status` under `rule`, nothing else fixed.
    pub fn status(status: u16, rule: corpus::Rule) -> Self {
        Self {
            status,
            vendor_codes: Vec::new(),
            error: None,
            stage: None,
            mistake: None,
            also_allowed: Vec::new(),
            rule,
            faults: Vec::new(),
            sent: None,
        }
    }

    /// What the contract answers the request with `headers` that `receive` decided as
    /// `outcome`: its status, every vendor code its violations carry, and the rule the corpus
    /// gives what it holds (its body's violations, else its error kind, told apart by what its
    /// headers show: `rules::Trait`).
    pub fn of_request(headers: &Headers, outcome: &Outcome) -> Self {
        let error = outcome.error().map(|e| e.kind());
        let mut vendor_codes = Vec::new();
        if !outcome.is_success() {
            vendor_codes.push(outcome.vendor_code());
            vendor_codes.extend(outcome.violations().iter().map(|v| v.vendor_code));
            vendor_codes.sort_unstable();
            vendor_codes.dedup();
        }
        let rule = rule_of_body(outcome)
            .or_else(|| {
                let mistake = outcome.mistakes().first().map(|m| m.code.as_str());
                crate::rules::of_refusal(error, mistake, headers).cloned()
            })
            .unwrap_or_else(|| corpus::Rule {
                level: Level::Must,
                rule: "the contract's answer to this request".into(),
                reference: "docs/contract.md §2".into(),
            });
        let unsigned = outcome
            .advisories
            .iter()
            .any(|d| d.code == Mistake::UnsignedRequest.code());
        // Accepted unsigned, as the API accepts session creation; a server that requires a
        // signature answers 401 code 1812 whatever else the request holds, a project choice
        // (the corpus's case 260).
        let mut also_allowed = if unsigned {
            vec![corpus::Allowed {
                status: 401,
                code: Some(1812),
            }]
        } else {
            Vec::new()
        };
        // The other answers the corpus's policy allows every refusal of this kind (a wrong
        // legacy digest: accepted unsigned by a server that does not know the legacy header).
        for allowed in error.map_or(&[][..], crate::rules::allowed_for) {
            if !also_allowed.contains(allowed) {
                also_allowed.push(allowed.clone());
            }
        }
        if unsigned && outcome.is_success() {
            return Self {
                also_allowed,
                sent: outcome.body().cloned(),
                ..Self::status(201, crate::rules::unsigned_rule())
            };
        }
        Self {
            vendor_codes,
            error,
            stage: error.map(ErrorKind::stage),
            also_allowed,
            sent: outcome.body().cloned(),
            ..Self::status(outcome.status(), rule)
        }
    }
}

/// The rule the corpus gives what the body holds, as `conform` grades the same body: for a
/// schema refusal the strongest rule among its violations' (one the corpus has no case for
/// counts as a documented constraint); for a body the documented profile accepts and the
/// strict one refuses, the weakest rule the corpus gives accepting such a body (an http
/// callback: MAY). `None` when the body decides nothing.
fn rule_of_body(outcome: &Outcome) -> Option<corpus::Rule> {
    let rule_of = |v: &sessionkit::Violation| {
        crate::rules::of_violation(v, outcome.profile())
            .cloned()
            .unwrap_or_else(crate::rules::of_documented_constraint)
    };
    if !outcome.violations().is_empty() {
        // The `more_findings` line counts the violations past those listed: not one of them.
        let listed = outcome
            .violations()
            .iter()
            .filter(|v| v.kind() != Some(sessionkit::ViolationKind::MoreFindings));
        return listed.map(rule_of).min_by_key(|r| r.level);
    }
    let body = outcome
        .body()
        .filter(|_| outcome.profile() != Profile::Strict)?;
    let strict = sessionkit::schema::validate(body, Profile::Strict).errors;
    let rules = strict.iter().filter_map(crate::rules::of_accepting);
    rules.max_by_key(|r| r.level).cloned()
}

/// The API key and secret an answer is signed with and carries.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    /// The key a 201 carries in X-AUTH-CLIENT.
    pub api_key: &'a str,
    /// The secret that signs a 201's bytes.
    pub secret: &'a str,
}

/// One way an answer departs from the contract, with the rule it breaks, that rule's level here
/// and where the rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The rule broken.
    pub rule: AnswerRule,
    /// MUST (fails the run), SHOULD (fails at `--level should`), MAY (informational).
    pub level: Level,
    /// What the answer did and what the rule asks.
    pub message: String,
    /// Where the rule comes from: the seed, an RFC, the contract.
    pub reference: String,
}

impl Problem {
    /// A problem with `rule`, at its level in a case whose rule binds at `case`.
    pub fn of(rule: AnswerRule, case: Level, message: impl Into<String>) -> Self {
        Self {
            rule,
            level: rule.binding().level(case),
            message: message.into(),
            reference: rule.source().into(),
        }
    }

    /// A problem with a rule that binds whatever the case ([`Binding::Always`]).
    pub fn always(rule: AnswerRule, message: impl Into<String>) -> Self {
        Self::of(rule, Level::Must, message)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {} ({})", self.level, self.message, self.reference)
    }
}

/// What one answer was, and everything wrong with it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Judgement {
    /// The answer's HTTP status, `None` when no answer came.
    pub status: Option<u16>,
    /// The answer's vendor code (`code`), as a number or a numeric string.
    pub vendor_code: Option<u64>,
    /// The codes its `diagnostics` name.
    pub named: Vec<String>,
    /// Every way it departs from the contract, each at its rule's level, the status first.
    pub problems: Vec<Problem>,
    /// What is allowed but worth knowing (a string `code`, another answer the case's policy
    /// allows).
    pub notes: Vec<String>,
}

impl Judgement {
    /// No answer came.
    pub fn no_answer(error: &str) -> Self {
        Self {
            problems: vec![Problem::always(
                AnswerRule::NoAnswer,
                format!("no answer: {error}"),
            )],
            ..Self::default()
        }
    }

    /// The strongest level among the problems (`None`: no problem).
    pub fn strongest(&self) -> Option<Level> {
        self.problems.iter().map(|p| p.level).min()
    }

    /// No problem at `fail_at` or stronger.
    pub fn passes(&self, fail_at: Level) -> bool {
        self.problems.iter().all(|p| p.level > fail_at)
    }
}

/// What to ask of the answer beyond the contract.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask {
    /// Do not ask the answer's diagnostics to name the client's mistake.
    pub skip_diagnostics: bool,
    /// The capture kept no answer body (only its status): judge the status alone.
    pub status_only: bool,
}

/// Judges one answer against `expect`.
pub fn judge(expect: &Expected, answer: &Reply, keys: Keys<'_>, ask: Ask) -> Judgement {
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let mut judgement = Judgement {
        status: Some(answer.status),
        ..Judgement::default()
    };
    if let Some(body) = &body {
        judgement.vendor_code = match &body["code"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => {
                let parsed = s.parse().ok();
                if parsed.is_some() {
                    judgement
                        .notes
                        .push(format!("code sent as a numeric string ({s:?})"));
                }
                parsed
            }
            _ => None,
        };
        judgement.named = body["diagnostics"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|d| d["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    let allowed = expect
        .also_allowed
        .iter()
        .find(|a| a.status == answer.status && a.code.map(u64::from) == judgement.vendor_code);
    if let Some(allowed) = allowed {
        judgement.notes.push(format!(
            "answered {}{}, which the case's policy also allows (expected {})",
            allowed.status,
            allowed
                .code
                .map_or(String::new(), |c| format!(" with code {c}")),
            expect.status
        ));
    } else if expect.faults.is_empty() {
        status_and_code(expect, answer, body.as_ref(), &mut judgement, ask);
    } else {
        one_of_the_faults(expect, &mut judgement);
    }
    if !ask.status_only {
        form(expect, answer, body.as_ref(), keys, &mut judgement.problems);
    }
    judgement
}

/// What the server said of its refusal, for a status problem: its own code and message.
fn server_said(body: Option<&Value>, answer: &Reply, named: &[String]) -> String {
    let Some(body) = body else {
        let text = String::from_utf8_lossy(&answer.body);
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        return match text.chars().count() {
            0 => String::new(),
            n if n > 80 => format!(
                " (the server said: {}...)",
                text.chars().take(80).collect::<String>()
            ),
            _ => format!(" (the server said: {text})"),
        };
    };
    let code = match &body["code"] {
        Value::Null => String::new(),
        code => format!("code {code}"),
    };
    let message = body["message"]
        .as_str()
        .or_else(|| body["error"].as_str())
        .map(|m| format!("{m:?}"))
        .unwrap_or_default();
    let parts: Vec<String> = [code, message, named.join(", ")]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (the server said: {})", parts.join(" "))
    }
}

/// The status, then the vendor code and named mistake once the status is right.
fn status_and_code(
    expect: &Expected,
    answer: &Reply,
    body: Option<&Value>,
    judgement: &mut Judgement,
    ask: Ask,
) {
    let level = expect.rule.level;
    if answer.status != expect.status {
        judgement.problems.push(Problem {
            reference: expect.rule.reference.clone(),
            ..Problem::of(
                AnswerRule::Status,
                level,
                format!(
                    "status {} where {level} requires {}: {}{}",
                    answer.status,
                    expect.status,
                    expect.rule.rule,
                    server_said(body, answer, &judgement.named)
                ),
            )
        });
        return;
    }
    let codes = &expect.vendor_codes;
    let code = judgement.vendor_code;
    if !codes.is_empty() && !codes.iter().any(|c| Some(u64::from(*c)) == code) {
        let want: Vec<String> = codes.iter().map(u16::to_string).collect();
        let got = code.map_or("none".into(), |c| c.to_string());
        let rule = match expect.status {
            401 => AnswerRule::VendorCode,
            _ => AnswerRule::VendorCodeUnfixed,
        };
        judgement.problems.push(Problem::of(
            rule,
            level,
            format!("vendor code {got} where {} is expected", want.join(" or ")),
        ));
    }
    // Diagnostics are this project's extension: a server that gives none owes none. Advisories
    // ride on no answer, so a 201 case's mistake is not asked of it either.
    if let Some(want) = &expect.mistake {
        let asked = !judgement.named.is_empty() && expect.status != 201 && !ask.skip_diagnostics;
        if asked && !judgement.named.contains(want) {
            judgement.problems.push(Problem::of(
                AnswerRule::MistakeNotNamed,
                level,
                format!(
                    "diagnostics do not name {want} (named: {})",
                    judgement.named.join(", ")
                ),
            ));
        }
    }
}

/// A request with several faults: the answer of any conforms (the documentation fixes no order
/// between them); another than the contract's first is a SHOULD finding.
fn one_of_the_faults(expect: &Expected, judgement: &mut Judgement) {
    let status = judgement.status.unwrap_or_default();
    let code = judgement.vendor_code;
    let matches = |f: &&corpus::Fault| {
        f.status == status && f.code.is_none_or(|c| Some(u64::from(c)) == code)
    };
    let first = &expect.faults[0];
    let describe = |f: &corpus::Fault| format!("{} {} ({})", f.status, f.error, f.rule);
    let level = expect.rule.level;
    match expect.faults.iter().find(matches) {
        Some(fault) if fault.error == first.error => {}
        Some(fault) => judgement.problems.push(Problem::of(
            AnswerRule::FaultOrder,
            level,
            format!(
                "answered the {} fault ({}) first; the contract's order answers {} ({}) first",
                fault.error, fault.status, first.error, first.status
            ),
        )),
        None if expect.faults.iter().any(|f| f.status == status) => {
            let want: Vec<String> = expect.faults.iter().map(describe).collect();
            let got = code.map_or("none".into(), |c| c.to_string());
            judgement.problems.push(Problem::of(
                AnswerRule::VendorCode,
                level,
                format!(
                    "vendor code {got} is none of the faults' codes: {}",
                    want.join("; ")
                ),
            ));
        }
        None => {
            let want: Vec<String> = expect.faults.iter().map(describe).collect();
            judgement.problems.push(Problem {
                reference: expect.rule.reference.clone(),
                ..Problem::of(
                    AnswerRule::StatusOfNoFault,
                    level,
                    format!(
                        "status {status} is the answer of none of the request's faults: {}",
                        want.join("; ")
                    ),
                )
            });
        }
    }
}

/// Every way the form of an answer departs from the contract, whatever its status: its shape,
/// its Content-Type, the headers its status calls for, and on a 201 the signature over the
/// answer's bytes, X-AUTH-CLIENT and the echo.
fn form(
    expect: &Expected,
    answer: &Reply,
    body: Option<&Value>,
    keys: Keys<'_>,
    problems: &mut Vec<Problem>,
) {
    let status = answer.status;
    match body {
        None if status == 201 => problems.push(Problem::always(
            AnswerRule::CreatedShape,
            "the 201 answer is not JSON",
        )),
        None => problems.push(Problem::always(
            AnswerRule::NotJson,
            format!(
                "answer body is not JSON{}",
                if answer.body.is_empty() {
                    " (it is empty)"
                } else {
                    ""
                }
            ),
        )),
        Some(body) => {
            let rule = if status == 201 {
                AnswerRule::CreatedShape
            } else {
                AnswerRule::FailureShape
            };
            for v in sessionkit::schema::check_answer(body, status).errors {
                let message = if status == 201 {
                    format!(
                        "the 201 answer violates its schema at {}: {}",
                        v.pointer, v.message
                    )
                } else {
                    format!("answer violates its schema at {}: {}", v.pointer, v.message)
                };
                problems.push(Problem::always(rule, message));
            }
        }
    }
    let content_type = answer.headers.get_one(names::CONTENT_TYPE).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        problems.push(Problem::always(
            AnswerRule::ContentType,
            format!("answer Content-Type {content_type:?} is not application/json"),
        ));
    }
    if status == 415 && expect.error == Some(ErrorKind::UnsupportedEncoding) {
        let accept = answer
            .headers
            .get_all("accept-encoding")
            .join(",")
            .to_ascii_lowercase();
        let tokens: Vec<&str> = accept.split(',').map(str::trim).collect();
        if !(tokens.contains(&"gzip") && tokens.contains(&"deflate")) {
            problems.push(Problem::always(
                AnswerRule::AcceptEncoding,
                format!("a 415 must carry Accept-Encoding: gzip, deflate (found {accept:?})"),
            ));
        }
    }
    if status == 429 && answer.headers.get_one("retry-after").is_none() {
        problems.push(Problem::always(
            AnswerRule::RetryAfter,
            "a 429 must carry Retry-After",
        ));
    }
    if status == 201 {
        created(expect, answer, body, keys, problems);
    }
}

/// A 201: signed with the target's secret over the exact answer bytes, its key, and the echo.
fn created(
    expect: &Expected,
    answer: &Reply,
    body: Option<&Value>,
    keys: Keys<'_>,
    problems: &mut Vec<Problem>,
) {
    let signature = answer
        .headers
        .get_one(names::SIGNATURE)
        .map(Signature::from_hex);
    let signature_problem = match signature {
        Some(Ok(sig))
            if sessionkit::crypto::verify(&[keys.secret.as_bytes()], &answer.body, &sig) =>
        {
            None
        }
        Some(Ok(_)) => Some("answer X-HMAC-SIGNATURE does not match the answer bytes".to_owned()),
        Some(Err(e)) => Some(format!("answer X-HMAC-SIGNATURE malformed: {e}")),
        None => Some("answer carries no X-HMAC-SIGNATURE".to_owned()),
    };
    if let Some(message) = signature_problem {
        problems.push(Problem::always(AnswerRule::AnswerSignature, message));
    }
    if answer.headers.get_one(names::API_KEY) != Some(keys.api_key) {
        problems.push(Problem::always(
            AnswerRule::AnswerApiKey,
            "answer X-AUTH-CLIENT is not the API key",
        ));
    }
    let (Some(sent), Some(body)) = (&expect.sent, body) else {
        return;
    };
    for field in ["endUserId", "vendorData"] {
        let want = sent["verification"]
            .get(field)
            .cloned()
            .unwrap_or(Value::Null);
        let got = &body["verification"][field];
        if !same_value(got, &want) {
            problems.push(Problem::always(
                AnswerRule::Echo,
                format!("answer {field} {got} is not the echo of {want}"),
            ));
        }
    }
}

/// Equal JSON values, numbers compared by value: `100` echoes `1E2` and `0` echoes `-0` (the
/// same number written another way), while `12345678901234567000` does not echo
/// `12345678901234567890` (integers up to u64 are compared exactly, never as doubles).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            x.as_f64() == y.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod paths;
#[cfg(test)]
mod tests;
