//! The reference server over a real loopback port: every status, the answer signature, the
//! decision endpoint, forced answers, limits on body and time, the report, graceful shutdown.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::SignedRequest;
use sessionkit::codec::Encoding;
use sessionkit::headers::Headers;

use sessionkit::crypto::Signature;
use sessionkit_http::client::{self, Reply};
use sessionkit_server::Settings;
use sessionkit_testkit::server::TestServer;

const SECRET: &[u8] = EXAMPLE_SHARED_SECRET.as_bytes();
const T: Duration = Duration::from_secs(10);
const BODY: &[u8] = br#"{"verification":{"endUserId":"c1de400b-1877-4284-8494-071d37916197","vendorData":12345678}}"#;

fn post(server: &TestServer, headers: &Headers, body: &[u8]) -> Reply {
    client::send("POST", &server.sessions_url(), headers, body, T).unwrap()
}

fn signed(body: &[u8], encoding: Encoding) -> SignedRequest {
    SignedRequest::build(body, EXAMPLE_API_KEY, SECRET, encoding, 6)
}

fn json(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap()
}

fn answer_signature_holds(reply: &Reply) -> bool {
    let sig = Signature::from_hex(reply.headers.get_one("x-hmac-signature").unwrap()).unwrap();
    sessionkit::crypto::verify(&[SECRET], &reply.body, &sig)
}

#[test]
fn created_answer_is_signed_echoes_and_conforms() {
    let server = sessionkit_testkit::server::default_settings();
    for encoding in Encoding::ALL {
        let request = signed(BODY, encoding);
        let reply = post(&server, &request.headers, &request.body);
        assert_eq!(
            reply.status,
            201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(answer_signature_holds(&reply));
        assert_eq!(
            reply.headers.get_one("x-auth-client"),
            Some(EXAMPLE_API_KEY)
        );
        assert_eq!(
            reply.headers.get_one("content-type"),
            Some("application/json")
        );
        let body = json(&reply);
        assert!(
            sessionkit::schema::validate_answer(&body, sessionkit::schema::AnswerShape::Created)
                .is_valid(),
            "{body}"
        );
        let v = &body["verification"];
        assert_eq!(v["endUserId"], "c1de400b-1877-4284-8494-071d37916197");
        assert_eq!(v["vendorData"], 12345678);
        assert_eq!(
            v["url"],
            format!(
                "{}/v/{}",
                v["baseUrl"].as_str().unwrap(),
                v["sessionToken"].as_str().unwrap()
            )
        );
    }
    assert_eq!(server.server().session_count(), 3);
}

/// Bodies of 256 KiB or more are judged a few at a time off the runtime's threads: six sent
/// at once, three of them signed with another secret, each get their own verdict.
#[test]
fn concurrent_large_bodies_each_get_their_verdict() {
    let server = sessionkit_testkit::server::default_settings();
    let body = sessionkit::samples::payload(300 * 1024, 7).to_json_bytes();
    assert!(body.len() >= sessionkit_server::judging::LARGE);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let sends: Vec<_> = (0..6)
            .map(|i| {
                let (server, body) = (&server, &body);
                scope.spawn(move || {
                    let secret: &[u8] = if i % 2 == 0 { SECRET } else { b"another" };
                    let request =
                        SignedRequest::build(body, EXAMPLE_API_KEY, secret, Encoding::Identity, 0);
                    post(server, &request.headers, &request.body).status
                })
            })
            .collect();
        sends.into_iter().map(|s| s.join().unwrap()).collect()
    });
    assert_eq!(statuses, [201, 401, 201, 401, 201, 401]);
}

#[test]
fn every_failure_status_has_the_error_shape() {
    let server = sessionkit_testkit::server::default_settings();
    let good = signed(BODY, Encoding::Gzip);
    let without = |name: &str| -> Headers {
        good.headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .collect()
    };
    let big = vec![b' '; (1 << 20) + 1];
    let cases: Vec<(u16, u64, Headers, Vec<u8>)> = vec![
        (
            400,
            1104,
            signed(b"{", Encoding::Identity).headers,
            b"{".to_vec(),
        ),
        (401, 1801, without("X-AUTH-CLIENT"), good.body.clone()),
        (
            401,
            1819,
            signed(b"{}", Encoding::Gzip).headers,
            good.body.clone(),
        ),
        (
            413,
            413,
            signed(&big, Encoding::Identity).headers,
            big.clone(),
        ),
        (
            415,
            415,
            without("Content-Encoding").with("Content-Encoding", "br"),
            good.body.clone(),
        ),
    ];
    for (status, code, headers, body) in cases {
        let reply = post(&server, &headers, &body);
        assert_eq!(
            reply.status,
            status,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let answer = json(&reply);
        assert_eq!(answer["code"], code, "{answer}");
        assert!(
            sessionkit::schema::validate_answer(&answer, sessionkit::schema::AnswerShape::Failure)
                .is_valid(),
            "{answer}"
        );
        if status == 415 {
            assert_eq!(
                reply.headers.get_one("accept-encoding"),
                Some("gzip, deflate")
            );
        }
    }
    let reply = client::send("GET", &server.sessions_url(), &Headers::new(), b"", T).unwrap();
    assert_eq!(
        (reply.status, reply.headers.get_one("allow")),
        (405, Some("POST"))
    );
    let reply = client::send(
        "GET",
        &format!("{}/nope", server.url),
        &Headers::new(),
        b"",
        T,
    )
    .unwrap();
    assert_eq!(reply.status, 404);
}

#[test]
fn decision_endpoint_checks_the_signed_id() {
    let server = sessionkit_testkit::server::default_settings();
    let request = signed(BODY, Encoding::Identity);
    let created = json(&post(&server, &request.headers, &request.body));
    let id = created["verification"]["id"].as_str().unwrap().to_owned();
    let get = |id: &str, sig: String| {
        let headers = Headers::new()
            .with("X-AUTH-CLIENT", EXAMPLE_API_KEY)
            .with("X-HMAC-SIGNATURE", sig);
        client::send(
            "GET",
            &format!("{}/{id}/decision", server.sessions_url()),
            &headers,
            b"",
            T,
        )
        .unwrap()
    };
    let reply = get(
        &id,
        sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
    );
    assert_eq!(reply.status, 200);
    assert!(answer_signature_holds(&reply));
    let body = json(&reply);
    assert_eq!(body["verification"]["id"], id.as_str());
    assert_eq!(body["verification"]["vendorData"], 12345678);
    // Before a decision the answer has the decision shape, with status `created`.
    let errors: Vec<String> = decision_schema()
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let reply = get(
        &id,
        sessionkit::crypto::sign(SECRET, b"another id").to_string(),
    );
    assert_eq!(
        (reply.status, json(&reply)["code"].as_u64()),
        (401, Some(1819))
    );
    // The same signature stage as POST /v1/sessions: two lines are malformed, not missing.
    let headers = Headers::new()
        .with("X-AUTH-CLIENT", EXAMPLE_API_KEY)
        .with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
        )
        .with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
        );
    let url = format!("{}/{id}/decision", server.sessions_url());
    let reply = client::send("GET", &url, &headers, b"", T).unwrap();
    let body = json(&reply);
    assert_eq!((reply.status, body["code"].as_u64()), (401, Some(1812)));
    assert_eq!(body["diagnostics"][0]["code"], "malformed_signature");
    let unknown = "00000000-0000-4000-8000-000000000000";
    let reply = get(
        unknown,
        sessionkit::crypto::sign(SECRET, unknown.as_bytes()).to_string(),
    );
    assert_eq!(reply.status, 404);
    assert_eq!(json(&reply)["status"], "fail");
}

/// What a client that verifies answers checks: X-AUTH-CLIENT is its key, X-HMAC-SIGNATURE is the
/// HMAC of the exact bytes received, and those bytes are a JSON 201 answer.
fn a_verifying_client_accepts(reply: &Reply) -> bool {
    let signature = reply
        .headers
        .get_one("x-hmac-signature")
        .and_then(|v| Signature::from_hex(v).ok());
    reply.headers.get_one("x-auth-client") == Some(EXAMPLE_API_KEY)
        && signature.is_some_and(|sig| sessionkit::crypto::verify(&[SECRET], &reply.body, &sig))
        && serde_json::from_slice::<Value>(&reply.body).is_ok()
}

/// Scripted forged answers: each kind is a 201 a verifying client refuses and a client that only
/// reads the status accepts; the session is created all the same, the request is not counted as
/// the client's failure, and a kind the server does not know is refused with the list of kinds.
#[test]
fn scripted_forged_answers_are_refused_by_a_verifying_client() {
    let server = sessionkit_testkit::server::default_settings();
    let control = |method: &str, route: &str, body: &[u8]| {
        let url = format!("{}/__sessionkit/{route}", server.url);
        client::send(method, &url, &Headers::new(), body, T).unwrap()
    };
    let kinds = [
        "wrong-signature",
        "no-signature",
        "reserialized-signature",
        "other-secret",
        "truncated-body",
        "other-api-key",
    ];
    let script: Vec<Value> = kinds
        .iter()
        .map(|k| serde_json::json!({"status": 201, "forge": k}))
        .chain([serde_json::json!(201)])
        .collect();
    let answer = control("POST", "script", &serde_json::to_vec(&script).unwrap());
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let request = signed(BODY, Encoding::Identity);
    for kind in kinds {
        let reply = post(&server, &request.headers, &request.body);
        assert_eq!(
            reply.status, 201,
            "{kind}: a client that reads only the status accepts it"
        );
        assert_eq!(reply.headers.get_one("sessionkit-forged"), Some(kind));
        assert!(
            !a_verifying_client_accepts(&reply),
            "{kind} passes a verifying client"
        );
    }
    let genuine = post(&server, &request.headers, &request.body);
    assert!(
        a_verifying_client_accepts(&genuine),
        "the contract's own 201 is refused"
    );
    assert_eq!(server.server().session_count(), kinds.len() + 1);
    assert_eq!(
        control("GET", "verify", b"").status,
        200,
        "forged answers are no client failure"
    );
    let unknown = control(
        "POST",
        "script",
        br#"[{"status": 201, "forge": "teleport"}]"#,
    );
    assert_eq!(unknown.status, 400);
    assert!(String::from_utf8_lossy(&unknown.body).contains("reserialized-signature"));
    let not_201 = control(
        "POST",
        "script",
        br#"[{"status": 429, "forge": "no-signature"}]"#,
    );
    assert_eq!(not_201.status, 400);
}

/// The session store is capped: past `max_sessions` the oldest session is evicted first, its
/// decision answers 404 in the vendor's shape, and the health route reports the store's size.
#[test]
fn the_session_store_is_capped_and_evicts_the_oldest() {
    let server = sessionkit_testkit::server::start(Settings {
        max_sessions: 2,
        ..Settings::default()
    });
    let request = signed(BODY, Encoding::Identity);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let created = json(&post(&server, &request.headers, &request.body));
            created["verification"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let decision = |id: &str| {
        let headers = Headers::new().with("X-AUTH-CLIENT", EXAMPLE_API_KEY).with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
        );
        let url = format!("{}/{id}/decision", server.sessions_url());
        client::send("GET", &url, &headers, b"", T).unwrap()
    };
    let evicted = decision(&ids[0]);
    assert_eq!(evicted.status, 404);
    let body = json(&evicted);
    assert_eq!(body["status"], "fail");
    assert!(
        body["code"].is_number() && body["message"].is_string(),
        "{body}"
    );
    for id in &ids[1..] {
        assert_eq!(decision(id).status, 200);
    }
    let health = client::send(
        "GET",
        &format!("{}/__sessionkit/health", server.url),
        &Headers::new(),
        b"",
        T,
    )
    .unwrap();
    let sessions = &json(&health)["sessions"];
    assert_eq!(
        (
            sessions["stored"].as_u64(),
            sessions["max"].as_u64(),
            sessions["evicted"].as_u64()
        ),
        (Some(2), Some(2), Some(1)),
        "{sessions}"
    );
    assert_eq!(server.server().session_stats().evicted, 1);
}

#[test]
fn forced_answers_rate_limit_and_fault_rate() {
    let server = sessionkit_testkit::server::start(Settings {
        rate_limit: Some(2),
        ..Settings::default()
    });
    let request = signed(BODY, Encoding::Identity);
    for (code, status) in [("429", 429), ("500", 500)] {
        let headers = request
            .headers
            .clone()
            .with("Prefer", format!("code={code}"));
        let reply = post(&server, &headers, &request.body);
        assert_eq!(reply.status, status);
        if status == 429 {
            assert!(reply.headers.get_one("retry-after").is_some());
        }
    }
    // The forced answers above did not count against the limit of 2 per minute.
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
    let reply = post(&server, &request.headers, &request.body);
    assert_eq!(reply.status, 429);
    let wait: u64 = reply
        .headers
        .get_one("retry-after")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    drop(server);
    let server = sessionkit_testkit::server::start(Settings {
        fault_rate: 1.0,
        ..Settings::default()
    });
    assert_eq!(post(&server, &request.headers, &request.body).status, 500);
}

/// Sends a signed request's headers and only the first 10 bytes of its body.
fn start_slow_request(addr: &str) -> (TcpStream, SignedRequest) {
    let request = signed(BODY, Encoding::Identity);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = client::head(
        "POST",
        "/v1/sessions",
        "x",
        &request.headers,
        request.body.len(),
        true,
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&request.body[..10]).unwrap();
    (stream, request)
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let server = sessionkit_testkit::server::default_settings();
    let addr = server.url.trim_start_matches("http://").to_owned();
    let request = signed(BODY, Encoding::Identity);
    let mut stream = TcpStream::connect(&addr).unwrap();
    // Shorter than the 10 s body timeout: an answer only after it would fail the read.
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = client::head("POST", "/v1/sessions", "x", &request.headers, 2 << 20, true);
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream
            .read(&mut buf)
            .expect("413 before any body byte was sent");
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // The contract's order holds: a missing API key is still 401, even with a huge length.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = client::head("POST", "/v1/sessions", "x", &Headers::new(), 2 << 20, true);
    stream.write_all(head.as_bytes()).unwrap();
    let n = stream
        .read(&mut buf)
        .expect("401 before any body byte was sent");
    assert!(buf[..n].starts_with(b"HTTP/1.1 401"));
}

#[test]
fn slow_clients_do_not_hold_a_worker() {
    let server = sessionkit_testkit::server::start(Settings {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        ..Settings::default()
    });
    let addr = server.url.trim_start_matches("http://").to_owned();
    // Headers that never finish: the connection is closed.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "header timeout not enforced"
    );
    // A body that never finishes: 408.
    let (mut stream, _) = start_slow_request(&addr);
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn report_records_each_request() {
    let path =
        std::env::temp_dir().join(format!("sessionkit-report-{}.ndjson", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let server = sessionkit_testkit::server::start(Settings {
        report: Some(path.clone()),
        ..Settings::default()
    });
    let request = signed(BODY, Encoding::Gzip);
    post(&server, &request.headers, &request.body);
    let mut wrong = request.headers.clone();
    wrong = wrong
        .iter()
        .map(|(n, v)| {
            if n == "X-HMAC-SIGNATURE" {
                (
                    n,
                    sessionkit::crypto::sign(SECRET, &request.body).to_string(),
                )
            } else {
                (n, v.to_owned())
            }
        })
        .collect();
    post(&server, &wrong, &request.body);
    drop(server);
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["status"], 201);
    assert_eq!(lines[0]["wire_bytes"], request.body.len());
    assert_eq!(lines[0]["decoded_bytes"], BODY.len());
    assert_eq!(
        lines[0]["outcome"]["advisories"][0]["code"],
        "compression_not_worth_it"
    );
    assert_eq!(lines[1]["status"], 401);
    assert_eq!(
        lines[1]["outcome"]["diagnostics"][0]["code"],
        "signed_compressed_bytes"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn graceful_shutdown_finishes_requests_in_flight() {
    let server = sessionkit_testkit::server::default_settings();
    let addr = server.url.trim_start_matches("http://").to_owned();
    let (mut stream, request) = start_slow_request(&addr);
    std::thread::sleep(Duration::from_millis(100));
    let stopping = server.shutdown_in_background();
    std::thread::sleep(Duration::from_millis(100));
    stream.write_all(&request.body[10..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    stopping.join().unwrap();
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn oversized_headers_are_refused() {
    let server = sessionkit_testkit::server::default_settings();
    let request = signed(BODY, Encoding::Identity);
    let headers = request
        .headers
        .clone()
        .with("X-Padding", "p".repeat(20 * 1024));
    match client::send("POST", &server.sessions_url(), &headers, &request.body, T) {
        Ok(reply) => assert_eq!(reply.status, 431),
        // hyper may also close the connection before the client has read an answer.
        Err(e) => assert!(e.contains("read") || e.contains("send"), "{e}"),
    }
    // The server is still serving.
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
}

#[test]
fn connections_beyond_the_limit_wait_for_a_slot() {
    let server = sessionkit_testkit::server::start(Settings {
        max_connections: 1,
        ..Settings::default()
    });
    let addr = server.url.trim_start_matches("http://").to_owned();
    // A socket that sends nothing takes no slot; one that has begun a head takes the only one.
    let _silent = TcpStream::connect(&addr).unwrap();
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"POST /v1/sessions HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let url = server.sessions_url();
    let waiting = std::thread::spawn(move || {
        let request = signed(BODY, Encoding::Identity);
        let started = Instant::now();
        let reply = client::send(
            "POST",
            &url,
            &request.headers,
            &request.body,
            Duration::from_secs(10),
        )
        .unwrap();
        (reply.status, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !waiting.is_finished(),
        "a second connection was served beyond the limit of 1"
    );
    drop(idle);
    let (status, waited) = waiting.join().unwrap();
    assert_eq!(status, 201);
    assert!(
        waited >= Duration::from_millis(400),
        "answered after {waited:?}, before the slot was free"
    );
}

fn control(server: &TestServer, method: &str, route: &str, body: &[u8]) -> Reply {
    let url = format!("{}/__sessionkit/{route}", server.url);
    client::send(method, &url, &Headers::new(), body, T).unwrap()
}

#[test]
fn control_api_health_requests_reset_and_verify() {
    let server = sessionkit_testkit::server::default_settings();
    let health = control(&server, "GET", "health", b"");
    assert_eq!(health.status, 200);
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(json(&health)["version"], version);
    assert_eq!(health.headers.get_one("sessionkit-version"), Some(version));
    // A good request: verify passes.
    let good = signed(BODY, Encoding::Gzip);
    assert_eq!(post(&server, &good.headers, &good.body).status, 201);
    assert_eq!(control(&server, "GET", "verify", b"").status, 200);
    // A client that signs the compressed bytes: verify answers 422 naming the mistake.
    let bad = signed_over_the_compressed_bytes();
    assert_eq!(post(&server, &bad.headers, &bad.body).status, 401);
    let requests = json(&control(&server, "GET", "requests", b""));
    let seen = requests["requests"].as_array().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["status"], 201);
    assert_eq!(seen[1]["wire_bytes"], bad.body.len());
    let verify = control(&server, "GET", "verify", b"");
    assert_eq!(verify.status, 422);
    let failed = json(&verify)["failed"].clone();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    assert_eq!(
        failed[0]["outcome"]["diagnostics"][0]["code"],
        "signed_compressed_bytes"
    );
    // Reset forgets; a failure the test expected does not count.
    assert_eq!(control(&server, "POST", "reset", b"").status, 200);
    assert_eq!(
        json(&control(&server, "GET", "requests", b""))["requests"],
        serde_json::json!([])
    );
    let expected = bad.headers.clone().with("Sessionkit-Expect", "401");
    assert_eq!(post(&server, &expected, &bad.body).status, 401);
    assert_eq!(control(&server, "GET", "verify", b"").status, 200);
    assert_eq!(control(&server, "GET", "nothing", b"").status, 404);
}

#[test]
fn control_api_scripts_answers_for_retry_tests() {
    let server = sessionkit_testkit::server::default_settings();
    assert_eq!(
        control(&server, "POST", "script", b"[429, 418]").status,
        400
    );
    assert_eq!(control(&server, "POST", "script", b"not json").status, 400);
    assert_eq!(
        control(&server, "POST", "script", b"[429, 500, 201]").status,
        200
    );
    let request = signed(BODY, Encoding::Identity);
    let first = post(&server, &request.headers, &request.body);
    assert_eq!(first.status, 429);
    assert!(first.headers.get_one("retry-after").is_some());
    assert_eq!(post(&server, &request.headers, &request.body).status, 500);
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
    // The script is used up: the contract answers again.
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
    // Scripted refusals were the test's choice, not the client's mistake: verify passes.
    assert_eq!(control(&server, "GET", "verify", b"").status, 200);
    // Reset drops a script not yet used.
    assert_eq!(control(&server, "POST", "script", b"[500]").status, 200);
    assert_eq!(control(&server, "POST", "reset", b"").status, 200);
    assert_eq!(post(&server, &request.headers, &request.body).status, 201);
}

/// A request signed over the compressed bytes, the documentation's most common mistake.
fn signed_over_the_compressed_bytes() -> SignedRequest {
    let mut request = signed(BODY, Encoding::Gzip);
    let wrong = sessionkit::crypto::sign(SECRET, &request.body).to_string();
    request.headers = request
        .headers
        .iter()
        .map(|(n, v)| {
            let v = if n.eq_ignore_ascii_case("x-hmac-signature") {
                wrong.as_str()
            } else {
                v
            };
            (n.to_owned(), v.to_owned())
        })
        .collect();
    request
}

/// A client that makes that mistake; returns the status it got.
fn signs_the_compressed_bytes(url: &str) -> u16 {
    let request = signed_over_the_compressed_bytes();
    let url = format!("{url}/v1/sessions");
    client::send("POST", &url, &request.headers, &request.body, T)
        .unwrap()
        .status
}

#[test]
fn mock_server_verify_returns_the_mistakes_with_their_hints() {
    let server = sessionkit_server::MockServer::start_blocking();
    assert_eq!(signs_the_compressed_bytes(&server.url()), 401);
    assert_eq!(server.requests().len(), 1);
    let mismatches = server.verify().unwrap_err();
    let shown = mismatches.to_string();
    assert!(
        shown.contains("mistake[signed_compressed_bytes]"),
        "{shown}"
    );
    assert!(
        shown.contains("hint: sign the serialized JSON before compressing"),
        "{shown}"
    );
}

#[test]
#[should_panic(expected = "mistake[signed_compressed_bytes]")]
fn mock_server_panics_on_drop_when_bad_requests_were_never_verified() {
    let server = sessionkit_server::MockServer::start_blocking();
    signs_the_compressed_bytes(&server.url());
}

/// An unsigned request: accepted by default (as the API accepts it), with the advice in the
/// answer; refused with `require_signature`, and `verify` then names it.
#[test]
fn mock_server_accepts_unsigned_requests_unless_told_to_require_a_signature() {
    let unsigned = |url: &str| {
        let mut headers = Headers::new();
        headers.push("X-AUTH-CLIENT", "your-api-key");
        headers.push("Content-Type", "application/json");
        client::send("POST", &format!("{url}/v1/sessions"), &headers, BODY, T).unwrap()
    };
    let server = sessionkit_server::MockServer::start_blocking();
    let reply = unsigned(&server.url());
    assert_eq!(reply.status, 201);
    let body = String::from_utf8_lossy(&reply.body);
    assert!(body.contains("\"unsigned_request\""), "{body}");
    server.verify().unwrap();
    let settings = sessionkit_server::Settings::default().require_signature();
    let server = sessionkit_server::MockServer::start_blocking_with(settings);
    let reply = unsigned(&server.url());
    assert_eq!(reply.status, 401);
    let shown = server.verify().unwrap_err().to_string();
    assert!(shown.contains("missing_signature"), "{shown}");
}

#[test]
fn mock_server_allows_failures_when_asked() {
    let server = sessionkit_server::MockServer::start_blocking().allow_failures();
    signs_the_compressed_bytes(&server.url());
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_server_starts_in_an_async_test() {
    let server = sessionkit_server::MockServer::start().await;
    let url = server.url();
    let request = signed(BODY, Encoding::Deflate);
    let sessions = format!("{url}/v1/sessions");
    let status = tokio::task::spawn_blocking(move || {
        client::send("POST", &sessions, &request.headers, &request.body, T)
            .unwrap()
            .status
    })
    .await
    .unwrap();
    assert_eq!(status, 201);
    server.verify().unwrap();
}

/// `MockServer::script` holds the same answers as the control route: a forged 201 for a Rust
/// client's "my client refuses a forged answer" test.
#[test]
fn mock_server_scripts_a_forged_answer() {
    use sessionkit_server::{Forgery, MockServer, Scripted};
    let server = MockServer::start_blocking();
    server
        .script(vec![Scripted::forged(Forgery::OtherSecret)])
        .unwrap();
    let request = signed(BODY, Encoding::Identity);
    let url = format!("{}/v1/sessions", server.url());
    let reply = client::send("POST", &url, &request.headers, &request.body, T).unwrap();
    assert_eq!(reply.status, 201);
    assert!(!a_verifying_client_accepts(&reply));
    assert_eq!(
        server.script(vec![Scripted::Status(302)]),
        Err(Scripted::Status(302))
    );
    server.verify().unwrap();
}

/// `schemas/decision.json`, formats asserted.
fn decision_schema() -> jsonschema::Validator {
    sessionkit_testkit::schema_validator("decision.json")
}

/// `POST /__sessionkit/decide` makes a session's decision: the decision endpoint answers it from
/// then on, and the signed decision webhook reaches the receiver at `webhook_url`: X-AUTH-CLIENT
/// the session's key, X-HMAC-SIGNATURE the HMAC of the raw body, `vendorData` and `endUserId` as
/// the session was created with. A receiver's non-2xx answer is retried (three attempts).
#[test]
fn decide_delivers_a_signed_decision_webhook() {
    use std::io::BufRead;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!(
        "http://{}/webhooks/decision",
        listener.local_addr().unwrap()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The first delivery is answered 500, the retry 200.
        for status in [500, 200] {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let (mut headers, mut length) = (Vec::new(), 0);
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(": ") {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.parse().unwrap();
                    }
                    headers.push((name.to_owned(), value.to_owned()));
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            tx.send((headers, body)).unwrap();
        }
    });
    let settings = Settings {
        webhook_url: Some(hook),
        ..Settings::default()
    };
    let server = sessionkit_testkit::server::start(settings);
    let request = signed(BODY, Encoding::Gzip);
    let created = json(&post(&server, &request.headers, &request.body));
    let id = created["verification"]["id"].as_str().unwrap().to_owned();
    let asked = serde_json::json!({"id": id, "status": "declined"}).to_string();
    let reply = control(&server, "POST", "decide", asked.as_bytes());
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let answer = json(&reply);
    assert_eq!(
        answer["webhook"],
        serde_json::json!([{"status": 500}, {"status": 200}])
    );
    for _ in 0..2 {
        let (headers, body) = rx.recv_timeout(T).unwrap();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("X-AUTH-CLIENT").as_deref(), Some(EXAMPLE_API_KEY));
        let sig = Signature::from_hex(&header("X-HMAC-SIGNATURE").unwrap()).unwrap();
        assert!(
            sessionkit::crypto::verify(&[SECRET], &body, &sig),
            "signed over the raw body"
        );
        // And the legacy X-SIGNATURE beside it, as the vendor's deliveries carry.
        let legacy = sessionkit::crypto::Algorithm::LegacySha256.digest(SECRET, &body);
        let hex: String = legacy.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(header("X-SIGNATURE"), Some(hex));
        let decision: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(decision["verification"]["id"], id.as_str());
        assert_eq!(decision["verification"]["status"], "declined");
        assert_eq!(decision["verification"]["code"], 9102);
        assert_eq!(
            decision["verification"]["vendorData"],
            created["verification"]["vendorData"]
        );
        assert_eq!(
            decision["verification"]["endUserId"],
            created["verification"]["endUserId"]
        );
    }
    // The decision endpoint answers the decision now.
    let headers = Headers::new().with("X-AUTH-CLIENT", EXAMPLE_API_KEY).with(
        "X-HMAC-SIGNATURE",
        sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
    );
    let url = format!("{}/{id}/decision", server.sessions_url());
    let reply = client::send("GET", &url, &headers, b"", T).unwrap();
    assert_eq!(json(&reply)["verification"]["status"], "declined");
    assert!(answer_signature_holds(&reply));
    assert!(decision_schema().is_valid(&json(&reply)));
    // Unknown sessions and decisions are refused with the reason.
    let reply = control(
        &server,
        "POST",
        "decide",
        br#"{"id": "nope", "status": "approved"}"#,
    );
    assert_eq!(reply.status, 404);
    let asked = serde_json::json!({"id": id, "status": "maybe"}).to_string();
    let reply = control(&server, "POST", "decide", asked.as_bytes());
    assert_eq!(reply.status, 400);
    assert!(String::from_utf8_lossy(&reply.body).contains("approved, declined"));
}

/// The vendor's test integrations decide a session by its first name: `Approve`, `Decline`,
/// `Resubmit`. The decision endpoint answers it right after the 201, and with a webhook URL the
/// decision webhook is delivered, with no control call. Another name stays undecided.
#[test]
fn a_test_integration_decides_by_the_first_name() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            tx.send(String::from_utf8_lossy(&got).into_owned()).unwrap();
        }
    });
    let server = sessionkit_testkit::server::start(Settings {
        webhook_url: Some(hook),
        ..Settings::default()
    });
    for (first, status, code) in [
        ("Approve", "approved", 9001),
        ("Decline", "declined", 9102),
        ("Resubmit", "resubmission_requested", 9103),
        ("John", "", 0),
    ] {
        let body = format!(
            r#"{{"verification":{{"person":{{"firstName":"{first}","lastName":"Smith"}}}}}}"#
        );
        let request = signed(body.as_bytes(), Encoding::Identity);
        let created = json(&post(&server, &request.headers, &request.body));
        let id = created["verification"]["id"].as_str().unwrap().to_owned();
        let headers = Headers::new().with("X-AUTH-CLIENT", EXAMPLE_API_KEY).with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(SECRET, id.as_bytes()).to_string(),
        );
        let url = format!("{}/{id}/decision", server.sessions_url());
        let reply = client::send("GET", &url, &headers, b"", T).unwrap();
        if status.is_empty() {
            assert_eq!(
                json(&reply)["verification"]["code"],
                Value::Null,
                "{first}: undecided"
            );
            assert!(
                rx.recv_timeout(Duration::from_millis(800)).is_err(),
                "no webhook for {first}"
            );
            continue;
        }
        let decision = json(&reply);
        assert_eq!(decision["verification"]["status"], status, "{first}");
        assert_eq!(decision["verification"]["code"], code, "{first}");
        let delivered = rx.recv_timeout(T).unwrap();
        assert!(
            delivered.contains(&format!("\"status\":\"{status}\"")),
            "{first}: {delivered}"
        );
        assert!(delivered.contains(&id), "{first}: {delivered}");
    }
}
