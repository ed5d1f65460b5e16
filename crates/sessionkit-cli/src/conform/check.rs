//! Checking one answer against what the contract requires of it.

use serde_json::Value;
use sessionkit::schema;
use sessionkit::signature::{self, Signature};
use sessionkit_mock::client;

use super::ConformArgs;
use super::cases::Case;

/// What one answer was, and what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The answer's HTTP status, `None` when no answer came.
    pub status: Option<u16>,
    /// The answer's vendor code (`code`).
    pub vendor_code: Option<u64>,
    /// The codes its `diagnostics` name.
    pub named: Vec<String>,
    /// Every way it departs from the contract: a failure.
    pub problems: Vec<String>,
}

/// Compares one answer with the case's expectations; returns every problem found.
pub(crate) fn check(case: &Case, reply: &client::Reply, args: &ConformArgs) -> Checked {
    let mut problems = Vec::new();
    if reply.status != case.expect.status {
        problems.push(format!(
            "status {} (expected {})",
            reply.status, case.expect.status
        ));
    }
    let body: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let Some(body) = body else {
        problems.push("answer body is not JSON".into());
        return Checked {
            status: Some(reply.status),
            problems,
            ..Checked::default()
        };
    };
    let code = body["code"].as_u64();
    let named: Vec<String> = body["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(want) = case.expect.code {
        if code != Some(u64::from(want)) {
            problems.push(format!(
                "code {} (expected {want})",
                code.map_or("none".into(), |c| c.to_string())
            ));
        }
    }
    // Advisories ride on no answer (they show in `verify` and the server's report), so a 201
    // case's diagnostic is not asked of the answer.
    let answered = case.expect.status != 201;
    if let (Some(want), true, false) = (&case.expect.diagnostic, answered, args.skip_diagnostics) {
        if !named.contains(want) {
            problems.push(format!("diagnostics do not name {want} (named: {named:?})"));
        }
    }
    let success = reply.status == 201;
    if matches!(reply.status, 201 | 400 | 401 | 413 | 415) {
        for v in schema::validate_answer(&body, success).errors {
            problems.push(format!(
                "answer violates {} at {}: {}",
                if success {
                    "response.json"
                } else {
                    "error.json"
                },
                v.pointer,
                v.message
            ));
        }
    }
    if success {
        match reply
            .headers
            .get_one("x-hmac-signature")
            .map(Signature::from_hex)
        {
            Some(Ok(sig)) if signature::verify(&[args.secret.as_bytes()], &reply.body, &sig) => {}
            Some(Ok(_)) => {
                problems.push("answer X-HMAC-SIGNATURE does not match the answer bytes".into())
            }
            Some(Err(e)) => problems.push(format!("answer X-HMAC-SIGNATURE malformed: {e}")),
            None => problems.push("answer carries no X-HMAC-SIGNATURE".into()),
        }
        if reply.headers.get_one("x-auth-client") != Some(args.api_key.as_str()) {
            problems.push("answer X-AUTH-CLIENT is not the API key".into());
        }
        if let Some(sent) = &case.sent {
            for field in ["endUserId", "vendorData"] {
                let want = sent["verification"]
                    .get(field)
                    .cloned()
                    .unwrap_or(Value::Null);
                if body["verification"][field] != want {
                    problems.push(format!(
                        "answer {field} {} is not the echo of {want}",
                        body["verification"][field]
                    ));
                }
            }
        }
    }
    Checked {
        status: Some(reply.status),
        vendor_code: code,
        named,
        problems,
    }
}
