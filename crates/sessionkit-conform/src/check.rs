//! Checking one answer against what the contract requires of any server (docs/contract.md §6):
//! status, the vendor's failure shape and code, the named mistake only when the answer carries
//! diagnostics, the answer headers, and on 201 the answer's signature and echo. Message texts
//! are never compared.

use serde::Serialize;
use serde_json::Value;
use sessionkit::corpus::Level;
use sessionkit::crypto::Signature;

use crate::Conform;
use crate::cases::Case;
use crate::client;
use sessionkit::headers::names;

/// One way an answer departs from the contract, with the level of the rule it breaks and where
/// that rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// MUST (fails the run), SHOULD (a warning), MAY (informational).
    pub level: Level,
    /// What the answer did and what the rule asks.
    pub message: String,
    /// Where the rule comes from: the seed, an RFC, the contract.
    pub reference: String,
}

impl Problem {
    pub(crate) fn new(
        level: Level,
        message: impl Into<String>,
        reference: impl Into<String>,
    ) -> Self {
        Self {
            level,
            message: message.into(),
            reference: reference.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {} ({})", self.level, self.message, self.reference)
    }
}

/// What one answer was, and what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The answer's HTTP status, `None` when no answer came.
    pub status: Option<u16>,
    /// The answer's vendor code (`code`), as a number or a numeric string.
    pub vendor_code: Option<u64>,
    /// The codes its `diagnostics` name.
    pub named: Vec<String>,
    /// Every way it departs from the contract, each at its rule's level.
    pub problems: Vec<Problem>,
    /// What is allowed but worth knowing (a string `code`, another answer an acceptable case's
    /// policy allows).
    pub notes: Vec<String>,
}

/// Compares one answer with the case's expectations.
pub(crate) fn check(case: &Case, reply: &client::Reply, run: &Conform) -> Checked {
    let mut checked = Checked {
        status: Some(reply.status),
        ..Checked::default()
    };
    let Ok(body) = serde_json::from_slice::<Value>(&reply.body) else {
        let level = if reply.status == 201 {
            Level::Must
        } else {
            Level::Should
        };
        checked.problems.push(Problem::new(
            level,
            "answer body is not JSON",
            "seed: the answers are JSON (contract §3)",
        ));
        return checked;
    };
    checked.vendor_code = match &body["code"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let parsed = s.parse().ok();
            if parsed.is_some() {
                checked
                    .notes
                    .push(format!("code sent as a numeric string ({s:?})"));
            }
            parsed
        }
        _ => None,
    };
    checked.named = body["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let expect = &case.expect;
    let other_allowed = expect
        .also_allowed
        .iter()
        .find(|a| a.status == reply.status && a.code.map(u64::from) == checked.vendor_code);
    if let Some(allowed) = other_allowed {
        checked.notes.push(format!(
            "answered {}{}, which the case's policy also allows (expected {})",
            allowed.status,
            allowed
                .code
                .map_or(String::new(), |c| format!(" with code {c}")),
            expect.status
        ));
    } else {
        expected_answer(case, &mut checked, run);
    }
    let rules = AnswerRules {
        error: case.expect.error.as_deref(),
        sent: case.sent.as_ref(),
        api_key: &run.target.api_key,
        secret: &run.target.secret,
    };
    let problems = answer_problems(reply, &body, &rules);
    checked.problems.extend(
        problems
            .into_iter()
            .map(|p| Problem::new(p.level, p.message, p.reference)),
    );
    checked
}

/// Status, vendor code, and the named mistake when the answer names any; for a request with
/// several faults, the answer of any of them.
fn expected_answer(case: &Case, checked: &mut Checked, run: &Conform) {
    let expect = &case.expect;
    let status = checked.status.unwrap_or_default();
    let level = expect.rule.level;
    if !expect.faults.is_empty() {
        return one_of_the_faults(case, checked);
    }
    if status != expect.status {
        checked.problems.push(Problem::new(
            level,
            format!(
                "status {status} where {} requires {}: {}",
                level, expect.status, expect.rule.rule
            ),
            expect.rule.reference.clone(),
        ));
    } else {
        vendor_code(expect.status, &expect.vendor_codes, checked, level);
    }
    // Diagnostics are this project's extension: a server that gives none owes none. Advisories
    // ride on no answer, so a 201 case's mistake is not asked of it either.
    let gives_diagnostics = !checked.named.is_empty();
    if let Some(want) = &expect.mistake {
        let asked = gives_diagnostics && expect.status != 201 && !run.skip_diagnostics;
        if asked && !checked.named.contains(want) {
            let named = checked.named.join(", ");
            checked.problems.push(Problem::new(
                Level::May,
                format!("diagnostics do not name {want} (named: {named})"),
                "contract §3: diagnostics are sessionkit's extension",
            ));
        }
    }
}

/// The vendor code, once the status is right: the vendor's tables fix codes for 400 and 401
/// (SHOULD); for 413 and 415 they give none, and this project's choice (the status as the code)
/// is MAY.
fn vendor_code(status: u16, codes: &[u16], checked: &mut Checked, level: Level) {
    if codes.is_empty()
        || codes
            .iter()
            .any(|c| Some(u64::from(*c)) == checked.vendor_code)
    {
        return;
    }
    let want: Vec<String> = codes.iter().map(u16::to_string).collect();
    let got = checked.vendor_code.map_or("none".into(), |c| c.to_string());
    let (rule_level, reference) = match status {
        413 | 415 => (
            Level::May,
            "this project's choice: the vendor's tables give no code for 413 and 415",
        ),
        _ => (
            Level::Should,
            "the vendor's error-code tables (contract §3)",
        ),
    };
    checked.problems.push(Problem::new(
        rule_level.at_most(level),
        format!("vendor code {got} where {} is expected", want.join(" or ")),
        reference,
    ));
}

/// A request with several faults: the answer of any conforms (the documentation fixes no order
/// between them); another than the contract's first is a SHOULD finding.
fn one_of_the_faults(case: &Case, checked: &mut Checked) {
    let expect = &case.expect;
    let status = checked.status.unwrap_or_default();
    let code = checked.vendor_code;
    let matches = |f: &&sessionkit::corpus::Fault| {
        f.status == status && f.code.is_none_or(|c| Some(u64::from(c)) == code)
    };
    let first = &expect.faults[0];
    match expect.faults.iter().find(matches) {
        Some(fault) if fault.error == first.error => {}
        Some(fault) => checked.problems.push(Problem::new(
            Level::Should,
            format!(
                "answered the {} fault ({}) first; the contract's order answers {} ({}) first",
                fault.error, fault.status, first.error, first.status
            ),
            "contract §2: the first failing step decides the answer",
        )),
        None if expect.faults.iter().any(|f| f.status == status) => {
            let want: Vec<String> = expect.faults.iter().map(describe_fault).collect();
            let got = code.map_or("none".into(), |c| c.to_string());
            checked.problems.push(Problem::new(
                Level::Should,
                format!(
                    "vendor code {got} is none of the faults' codes: {}",
                    want.join("; ")
                ),
                "the vendor's error-code tables (contract §3)",
            ));
        }
        None => {
            let want: Vec<String> = expect.faults.iter().map(describe_fault).collect();
            checked.problems.push(Problem::new(
                Level::Must,
                format!(
                    "status {status} is the answer of none of the request's faults: {}",
                    want.join("; ")
                ),
                expect.rule.reference.clone(),
            ));
        }
    }
}

fn describe_fault(fault: &sessionkit::corpus::Fault) -> String {
    format!("{} {} ({})", fault.status, fault.error, fault.rule)
}

/// What an answer is checked against, beyond its status: for `conform`, and for `sessionkit fuzz`
/// (which gets it from the oracle), so both hold any server to the same answer rules.
#[derive(Debug, Clone, Copy)]
pub struct AnswerRules<'a> {
    /// The error kind the request should get (`unsupported_encoding`: the 415 must say which
    /// codings are accepted), `None` for a request that should be accepted.
    pub error: Option<&'a str>,
    /// The JSON the request carried, which a 201 echoes (`endUserId`, `vendorData`); `None` when
    /// unknown.
    pub sent: Option<&'a Value>,
    /// The target's API key, which a 201 carries in X-AUTH-CLIENT.
    pub api_key: &'a str,
    /// The target's secret, which signs a 201's bytes.
    pub secret: &'a str,
}

/// One way an answer's form departs from the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    /// Which rule, in words that do not depend on the request (what `sessionkit fuzz` groups by).
    pub rule: &'static str,
    /// The rule and what the answer did, for a person.
    pub message: String,
    /// How strongly the rule binds.
    pub level: Level,
    /// Where the rule comes from.
    pub reference: &'static str,
}

impl AnswerProblem {
    /// A problem with `rule`, at the level and with the source the contract gives it.
    pub fn new(rule: &'static str, message: String) -> Self {
        let (level, reference) = answer_rule(rule);
        AnswerProblem {
            rule,
            message,
            level,
            reference,
        }
    }
}

/// The level and source of each answer rule (docs/contract.md §3 and §6).
fn answer_rule(rule: &str) -> (Level, &'static str) {
    match rule {
        "answer violates the 201 schema" => (
            Level::Must,
            "seed: the created session's fields (status, verification.id, url, sessionToken, ...)",
        ),
        "answer violates its schema" => (
            Level::Should,
            "the vendor's failure shape {status, code, message} (contract §3)",
        ),
        "answer Content-Type is not application/json" => {
            (Level::Should, "contract §3; RFC 9110 §8.3")
        }
        "a 415 must carry Accept-Encoding: gzip, deflate" => (
            Level::Should,
            "RFC 9110 §15.5.16: Accept-Encoding ought to be sent with a 415 for a content coding",
        ),
        "a 429 must carry Retry-After" => (Level::May, "RFC 6585 §4: MAY include Retry-After"),
        "answer is not JSON" => (Level::Should, "seed: the answers are JSON (contract §3)"),
        "answer endUserId is not the echo of the request's"
        | "answer vendorData is not the echo of the request's" => (
            Level::Must,
            "seed: \"Veriff returns it unmodified in webhooks and API response payloads\"",
        ),
        _ => (
            Level::Should,
            "contract §3: a 201 carries X-AUTH-CLIENT and X-HMAC-SIGNATURE over its exact bytes",
        ),
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

/// Every way the form of an answer departs from the contract (docs/contract.md §6), whatever its
/// status: its schema, its Content-Type, the headers its status calls for, and on a 201 the
/// signature over the answer's bytes, X-AUTH-CLIENT and the echo.
pub fn answer_problems(
    reply: &client::Reply,
    body: &Value,
    rules: &AnswerRules<'_>,
) -> Vec<AnswerProblem> {
    let mut problems = Vec::new();
    let status = reply.status;
    let schema_rule = if status == 201 {
        "answer violates the 201 schema"
    } else {
        "answer violates its schema"
    };
    for v in sessionkit::schema::check_answer(body, status).errors {
        problems.push(AnswerProblem::new(
            schema_rule,
            format!("answer violates its schema at {}: {}", v.pointer, v.message),
        ));
    }
    let content_type = reply.headers.get_one(names::CONTENT_TYPE).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        problems.push(AnswerProblem::new(
            "answer Content-Type is not application/json",
            format!("answer Content-Type {content_type:?} is not application/json"),
        ));
    }
    // RFC 9110 §15.5.16: a 415 for the content coding says which codings are accepted.
    if status == 415 && rules.error == Some("unsupported_encoding") {
        let accept = reply
            .headers
            .get_all("accept-encoding")
            .join(",")
            .to_ascii_lowercase();
        let tokens: Vec<&str> = accept.split(',').map(str::trim).collect();
        if !(tokens.contains(&"gzip") && tokens.contains(&"deflate")) {
            problems.push(AnswerProblem::new(
                "a 415 must carry Accept-Encoding: gzip, deflate",
                format!("a 415 must carry Accept-Encoding: gzip, deflate (found {accept:?})"),
            ));
        }
    }
    if status == 429 && reply.headers.get_one("retry-after").is_none() {
        problems.push(AnswerProblem::new(
            "a 429 must carry Retry-After",
            "a 429 must carry Retry-After".into(),
        ));
    }
    if status == 201 {
        created(reply, body, rules, &mut problems);
    }
    problems
}

/// A 201: signed with the target's secret over the exact answer bytes, its key, and the echo.
fn created(
    reply: &client::Reply,
    body: &Value,
    rules: &AnswerRules<'_>,
    problems: &mut Vec<AnswerProblem>,
) {
    let signature = reply
        .headers
        .get_one(names::SIGNATURE)
        .map(Signature::from_hex);
    match signature {
        Some(Ok(sig))
            if sessionkit::crypto::verify(&[rules.secret.as_bytes()], &reply.body, &sig) => {}
        Some(Ok(_)) => problems.push(AnswerProblem::new(
            "answer X-HMAC-SIGNATURE does not match the answer bytes",
            "answer X-HMAC-SIGNATURE does not match the answer bytes".into(),
        )),
        Some(Err(e)) => problems.push(AnswerProblem::new(
            "answer X-HMAC-SIGNATURE malformed",
            format!("answer X-HMAC-SIGNATURE malformed: {e}"),
        )),
        None => problems.push(AnswerProblem::new(
            "answer carries no X-HMAC-SIGNATURE",
            "answer carries no X-HMAC-SIGNATURE".into(),
        )),
    }
    if reply.headers.get_one(names::API_KEY) != Some(rules.api_key) {
        problems.push(AnswerProblem::new(
            "answer X-AUTH-CLIENT is not the API key",
            "answer X-AUTH-CLIENT is not the API key".into(),
        ));
    }
    if let Some(sent) = rules.sent {
        for (field, rule) in [
            (
                "endUserId",
                "answer endUserId is not the echo of the request's",
            ),
            (
                "vendorData",
                "answer vendorData is not the echo of the request's",
            ),
        ] {
            let want = sent["verification"]
                .get(field)
                .cloned()
                .unwrap_or(Value::Null);
            if !same_value(&body["verification"][field], &want) {
                problems.push(AnswerProblem::new(
                    rule,
                    format!(
                        "answer {field} {} is not the echo of {want}",
                        body["verification"][field]
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod echo_tests {
    use super::same_value;
    use serde_json::json;

    #[test]
    fn numbers_echo_by_value_and_large_integers_exactly() {
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
        assert!(same_value(&parse("1E2"), &json!(100)));
        assert!(same_value(&parse("-0"), &json!(0)));
        assert!(same_value(&parse("1.0"), &json!(1)));
        assert!(!same_value(
            &parse("12345678901234567890"),
            &parse("12345678901234567000")
        ));
        assert!(!same_value(&json!("1"), &json!(1)));
        assert!(same_value(&json!({"a": [1.0]}), &json!({"a": [1]})));
    }
}
