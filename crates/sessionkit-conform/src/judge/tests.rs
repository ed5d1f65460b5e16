//! The judge on answers of broken servers, and on the echo of what the request side accepts.

use super::*;
use sessionkit::headers::Headers;

pub(super) fn reply(status: u16, content_type: &str, body: &[u8]) -> Reply {
    let mut headers = Headers::new();
    headers.push(names::CONTENT_TYPE, content_type);
    Reply {
        status,
        headers,
        body: body.to_vec(),
    }
}

pub(super) const KEYS: Keys<'static> = Keys {
    api_key: sessionkit::EXAMPLE_API_KEY,
    secret: sessionkit::EXAMPLE_SHARED_SECRET,
};

/// What the contract answers the documentation's minimal valid request.
fn valid() -> Expected {
    let request = sessionkit::SignedRequest::build(
        br#"{"verification":{"vendorData":12345}}"#,
        sessionkit::EXAMPLE_API_KEY,
        sessionkit::EXAMPLE_SHARED_SECRET.as_bytes(),
        sessionkit::codec::Encoding::Identity,
        6,
    );
    let outcome = sessionkit::receive(
        &request.headers,
        &request.body,
        &sessionkit::Config::default(),
    );
    assert_eq!(outcome.status(), 201, "{}", outcome.render());
    Expected::of_request(&request.headers, &outcome)
}

#[test]
fn a_broken_server_fails_at_must_with_the_status_first() {
    let expect = valid();
    for answer in [
        reply(
            500,
            "text/html",
            b"<html><body>Internal Server Error</body></html>",
        ),
        reply(400, "text/plain", b"Bad Request"),
        reply(201, "application/json", b""),
        reply(200, "application/json", b"{}"),
    ] {
        let judgement = judge(&expect, &answer, KEYS, Ask::default());
        assert_eq!(
            judgement.strongest(),
            Some(Level::Must),
            "{}: {:?}",
            answer.status,
            judgement.problems
        );
        let first = &judgement.problems[0];
        if answer.status != 201 {
            assert_eq!(first.rule, AnswerRule::Status, "{:?}", judgement.problems);
        } else {
            assert_eq!(first.rule, AnswerRule::CreatedShape);
        }
    }
    let text = reply(400, "text/plain", b"Bad Request");
    let judgement = judge(&expect, &text, KEYS, Ask::default());
    assert!(judgement.problems[0].message.contains("Bad Request"));
    assert!(
        judgement
            .problems
            .iter()
            .any(|p| p.rule == AnswerRule::NotJson)
    );
}

#[test]
fn the_echo_of_an_accepted_number_is_accepted_unmodified() {
    // The run accepts `vendorData: 1.5` at MAY (a server may take it): its echo is then 1.5.
    let expect = Expected {
        sent: Some(serde_json::json!({"verification": {"vendorData": 1.5}})),
        ..Expected::status(201, corpus::Rule::default())
    };
    let server = sessionkit_server_like_answer(r#"1.5"#);
    let judgement = judge(&expect, &server, KEYS, Ask::default());
    assert!(
        judgement.problems.iter().all(|p| p.level != Level::Must),
        "{:?}",
        judgement.problems
    );
    let changed = sessionkit_server_like_answer(r#""1.5""#);
    let judgement = judge(&expect, &changed, KEYS, Ask::default());
    assert!(
        judgement
            .problems
            .iter()
            .any(|p| p.rule == AnswerRule::Echo)
    );
}

/// A signed 201 whose vendorData is `vendor_data` as written.
fn sessionkit_server_like_answer(vendor_data: &str) -> Reply {
    let body = format!(
        r#"{{"status":"success","verification":{{"id":"f04bdb47-d3be-4b28-b028-a652feb060b5","url":"https://example.com/v/t","sessionToken":"t","baseUrl":"https://example.com","status":"created","endUserId":null,"vendorData":{vendor_data}}}}}"#
    );
    let mut answer = reply(201, "application/json", body.as_bytes());
    answer.headers.push(names::API_KEY, KEYS.api_key);
    answer.headers.push(
        names::SIGNATURE,
        sessionkit::crypto::sign(KEYS.secret.as_bytes(), body.as_bytes()).to_string(),
    );
    answer
}

#[test]
fn a_vendor_code_is_a_should_at_401_and_a_may_elsewhere() {
    for (status, rule) in [
        (400, AnswerRule::VendorCodeUnfixed),
        (401, AnswerRule::VendorCode),
        (413, AnswerRule::VendorCodeUnfixed),
        (415, AnswerRule::VendorCodeUnfixed),
    ] {
        let expect = Expected {
            vendor_codes: vec![1],
            ..Expected::status(status, corpus::Rule::default())
        };
        let answer = reply(
            status,
            "application/json",
            br#"{"status":"fail","code":2,"message":"no"}"#,
        );
        let judgement = judge(&expect, &answer, KEYS, Ask::default());
        let problem = judgement.problems.iter().find(|p| p.rule == rule);
        assert_eq!(
            problem.map(|p| p.level),
            Some(rule.binding().level(Level::Must)),
            "{status}: {:?}",
            judgement.problems
        );
    }
}

/// An unsigned request is accepted as the API accepts it; a server that requires a signature
/// answers 401 code 1812 whatever else the body holds: a note, never a problem (a server that
/// refuses every unsigned request for its signature first is right to).
#[test]
fn a_server_that_requires_a_signature_is_not_failed_for_it() {
    let mut headers = Headers::new();
    headers.push(names::API_KEY, sessionkit::EXAMPLE_API_KEY);
    headers.push(names::CONTENT_TYPE, "application/json");
    let config = sessionkit::Config::default();
    let refused = br#"{"status":"fail","code":1812,"message":"missing X-HMAC-SIGNATURE"}"#;
    for body in [
        &br#"{"verification":{}}"#[..],
        br#"{"verification":{"person":{"dateOfBirth":"1990-02-30"}}}"#,
    ] {
        let outcome = sessionkit::receive(&headers, body, &config);
        let expect = Expected::of_request(&headers, &outcome);
        let judgement = judge(
            &expect,
            &reply(401, "application/json", refused),
            KEYS,
            Ask::default(),
        );
        assert!(judgement.problems.is_empty(), "{:?}", judgement.problems);
        assert!(
            judgement.notes[0].contains("also allows"),
            "{:?}",
            judgement.notes
        );
        // Another 401 code is not what the policy allows: graded at the case's level.
        let other = br#"{"status":"fail","code":1819,"message":"nope"}"#;
        let judgement = judge(
            &expect,
            &reply(401, "application/json", other),
            KEYS,
            Ask::default(),
        );
        assert!(!judgement.problems.is_empty());
    }
}

/// Corpus cases whose level neither the outcome of `receive` nor the request's headers tell,
/// with why: the case grades a part of a rule no violation, error kind, named mistake or
/// header trait (`rules::Trait`) sets apart.
pub(super) const LEVEL_NOT_IN_THE_OUTCOME: &[(&str, &str)] = &[
    (
        "130",
        "a dash in an acceptable type name: nothing refuses it in either profile",
    ),
    (
        "134",
        "member names inferred from the documentation: nothing refuses them",
    ),
    (
        "142",
        "an integer above 2^53: the violation of the seed examples' integers",
    ),
    (
        "284",
        "nesting of 64 levels: accepted, nothing in the outcome tells the depth",
    ),
    (
        "303",
        "over the size limit: the error of the other size cases",
    ),
    (
        "304",
        "check order: trailing data decides before a bad signature",
    ),
    (
        "306",
        "check order: no signature decides before invalid JSON",
    ),
    (
        "307",
        "check order: a repeated key decides before the schema",
    ),
    (
        "364",
        "1.0 where an integer goes: accepted, graded as integers are",
    ),
    ("365", "a twenty-digit integer: the same"),
    (
        "373",
        "a flood of unknown members: graded for its cost, not its members",
    ),
];

/// One judge on every path: the level `check`, the proxy and `fuzz` give a request, which the
/// judge derives from `receive`'s outcome and the request's headers, is the level `conform` gives the corpus case
/// that sends it, in both profiles and every encoding, and a broken server's answer to it gets
/// the same problems at the same levels either way. The cases listed above are the outcome's
/// blind spots; a listed case that comes to agree fails the test too, so the list only shrinks.
#[test]
fn the_level_derived_from_an_outcome_is_the_cases_level() {
    use sessionkit::Profile;
    let run = crate::Conform::default();
    let corpus = crate::cases::Corpus::Embedded;
    let cases = crate::cases::load_cases(&run, &corpus, &Profile::ALL).unwrap();
    let broken = reply(
        500,
        "text/html",
        b"<html><body>Internal Server Error</body></html>",
    );
    let mut differ = std::collections::BTreeSet::new();
    for case in &cases {
        let outcome =
            sessionkit::receive(&case.headers, &case.body, &run.target.config(case.profile));
        let derived = Expected::of_request(&case.headers, &outcome);
        assert_eq!(derived.status, case.expect.status, "{}", case.name);
        let id = &case.name[..3];
        if derived.rule.level != case.expect.rule.level {
            differ.insert(id.to_owned());
            continue;
        }
        let problems = |expect: &Expected| {
            let judgement = judge(expect, &broken, KEYS, Ask::default());
            judgement
                .problems
                .iter()
                // A case with several faults names the wrong status "the answer of none of
                // them"; the outcome knows the first fault only: the same problem.
                .map(|p| match p.rule {
                    AnswerRule::StatusOfNoFault => (AnswerRule::Status, p.level),
                    rule => (rule, p.level),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(problems(&derived), problems(&case.expect), "{}", case.name);
    }
    let listed: std::collections::BTreeSet<String> = LEVEL_NOT_IN_THE_OUTCOME
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect();
    assert_eq!(
        differ, listed,
        "cases whose derived level differs from conform's"
    );
}

/// The `more_findings` line of a refusal with many violations is not a violation of its own:
/// 25 unknown members refused by the strict profile are graded as one is (MAY), not as a
/// documented constraint.
#[test]
fn the_count_of_further_violations_is_not_graded() {
    let members: Vec<String> = (0..25).map(|i| format!(r#""x{i:02}":1"#)).collect();
    let body = format!(r#"{{"verification":{{{}}}}}"#, members.join(","));
    let request = sessionkit::SignedRequest::build(
        body.as_bytes(),
        sessionkit::EXAMPLE_API_KEY,
        sessionkit::EXAMPLE_SHARED_SECRET.as_bytes(),
        sessionkit::codec::Encoding::Identity,
        6,
    );
    let config = sessionkit::Config {
        profile: sessionkit::Profile::Strict,
        ..sessionkit::Config::default()
    };
    let outcome = sessionkit::receive(&request.headers, &request.body, &config);
    assert_eq!(outcome.status(), 400);
    assert!(
        outcome
            .violations()
            .iter()
            .any(|v| v.code == "more_findings")
    );
    let one = br#"{"verification":{"x00":1}}"#;
    let single = sessionkit::SignedRequest::build(
        one,
        sessionkit::EXAMPLE_API_KEY,
        sessionkit::EXAMPLE_SHARED_SECRET.as_bytes(),
        sessionkit::codec::Encoding::Identity,
        6,
    );
    let single = sessionkit::receive(&single.headers, &single.body, &config);
    let level = |o: &Outcome| Expected::of_request(&request.headers, o).rule.level;
    assert_eq!(level(&outcome), level(&single));
    assert_eq!(level(&single), Level::May);
}
