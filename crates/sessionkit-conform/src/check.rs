//! Checking one answer against what the contract requires of any server (docs/contract.md §6):
//! status, the vendor's failure shape and code, the named mistake only when the answer carries
//! diagnostics, the answer headers, and on 201 the answer's signature and echo. Message texts
//! are never compared.

use crate::client;
use serde_json::Value;

use sessionkit::crypto::Signature;

use crate::Conform;
use crate::cases::Case;

/// What one answer was, and what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The answer's HTTP status, `None` when no answer came.
    pub status: Option<u16>,
    /// The answer's vendor code (`code`), as a number or a numeric string.
    pub vendor_code: Option<u64>,
    /// The codes its `diagnostics` name.
    pub named: Vec<String>,
    /// Every way it departs from the contract: a failure.
    pub problems: Vec<String>,
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
        checked.problems.push("answer body is not JSON".into());
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
            "answered {} {:?}, which the case's policy also allows (expected {})",
            allowed.status, allowed.code, expect.status
        ));
    } else {
        expected_answer(case, &mut checked, run);
    }
    let rules = AnswerRules {
        error: case.expect.error.as_deref(),
        sent: case.sent.as_ref(),
        api_key: &run.api_key,
        secret: &run.secret,
    };
    let problems = answer_problems(reply, &body, &rules);
    checked
        .problems
        .extend(problems.into_iter().map(|p| p.message));
    checked
}

/// Status, vendor code, and the named mistake when the answer names any.
fn expected_answer(case: &Case, checked: &mut Checked, run: &Conform) {
    let expect = &case.expect;
    let status = checked.status.unwrap_or_default();
    if status != expect.status {
        checked
            .problems
            .push(format!("status {status} (expected {})", expect.status));
    }
    let codes = &expect.vendor_codes;
    if !codes.is_empty()
        && !codes
            .iter()
            .any(|c| Some(u64::from(*c)) == checked.vendor_code)
    {
        let want: Vec<String> = codes.iter().map(u16::to_string).collect();
        checked.problems.push(format!(
            "code {} (expected {})",
            checked.vendor_code.map_or("none".into(), |c| c.to_string()),
            want.join(" or ")
        ));
    }
    // Diagnostics are this project's extension: a server that gives none owes none. Advisories
    // ride on no answer, so a 201 case's mistake is not asked of it either.
    let gives_diagnostics = !checked.named.is_empty();
    if let Some(want) = &expect.mistake {
        let asked = gives_diagnostics && expect.status != 201 && !run.skip_diagnostics;
        if asked && !checked.named.contains(want) {
            checked.problems.push(format!(
                "diagnostics do not name {want} (named: {:?})",
                checked.named
            ));
        }
    }
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
}

impl AnswerProblem {
    fn new(rule: &'static str, message: String) -> Self {
        AnswerProblem { rule, message }
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
    for v in sessionkit::schema::check_answer(body, status).errors {
        problems.push(AnswerProblem::new(
            "answer violates its schema",
            format!("answer violates its schema at {}: {}", v.pointer, v.message),
        ));
    }
    let content_type = reply.headers.get_one("content-type").unwrap_or("");
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
        .get_one("x-hmac-signature")
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
    if reply.headers.get_one("x-auth-client") != Some(rules.api_key) {
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
            if body["verification"][field] != want {
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
