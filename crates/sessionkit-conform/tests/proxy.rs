//! The validation proxy as its users meet it: the documentation's Python client sending through
//! it to the reference server (once right, once with each of three documented mistakes, each
//! named in the journal while the upstream's answer reaches the client unchanged), a raw upstream
//! that records the bytes it receives (the request arrives byte for byte), and every fault: an
//! upstream that is down, silent or closes mid-answer, and a client that leaves.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;
use sessionkit::Config;
use sessionkit_conform::proxy::{self, ProxySettings};
use sessionkit_testkit::examples::{node_example, replace};

/// The Python example sending to `url`, printing the answer's bytes in hex too.
fn python_example(url: &str) -> String {
    sessionkit_testkit::examples::python_example(url) + "print(response.content.hex())\n"
}

fn config() -> Config {
    Config {
        api_keys: vec!["your-api-key".into()],
        secrets: vec![b"your-shared-secret".to_vec()],
        ..Config::default()
    }
}

#[test]
fn the_documentations_python_client_through_the_proxy() {
    let upstream = sessionkit_testkit::server::default_settings();
    let report =
        std::env::temp_dir().join(format!("sessionkit-proxy-{}.ndjson", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let mut settings = ProxySettings::new(upstream.url.clone(), config());
    settings.report = Some(report.clone());
    let running = proxy::start(settings).unwrap();
    let example = python_example(&running.url());
    let cases = [
        ("as documented", example.clone(), "201", None),
        (
            "signed after compressing",
            sessionkit_testkit::examples::python_signing_compressed(&example),
            "401",
            Some("signed_compressed_bytes"),
        ),
        (
            "json= re-serialization",
            replace(
                &example,
                "data=compressed, # raw bytes, not json=",
                "json=payload,",
            )
            .replacen("\"Content-Encoding\": \"gzip\",", "", 1),
            "401",
            Some("signed_other_serialization"),
        ),
        (
            "gzip, deflate",
            replace(
                &example,
                "\"Content-Encoding\": \"gzip\",",
                "\"Content-Encoding\": \"gzip, deflate\",",
            ),
            "415",
            Some("unsupported_encoding"),
        ),
    ];
    for (n, (name, code, status, mistake)) in cases.iter().enumerate() {
        let out = Command::new("python3")
            .arg("-c")
            .arg(code)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(printed.starts_with(status), "{name}: {printed}");
        let received_hex = printed.lines().last().unwrap().trim().to_owned();
        let records: Vec<Value> = std::fs::read_to_string(&report)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let record = &records[n];
        // The answer the client read is the upstream's, byte for byte.
        let upstream_body = base64::engine::general_purpose::STANDARD
            .decode(record["answer"]["body_base64"].as_str().unwrap())
            .unwrap();
        let hex: String = upstream_body.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, received_hex, "{name}");
        let named: Vec<&str> = record["verdict"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        match mistake {
            None => assert_eq!(record["verdict"]["status"], 201, "{name}: {record}"),
            Some(mistake) => assert!(
                named.contains(mistake) || record["verdict"]["error"] == *mistake,
                "{name}: {record}"
            ),
        }
    }
    assert_eq!(running.requests().len(), cases.len());
    std::fs::remove_file(&report).ok();
}

/// The same with the Node.js example: right, with the compressed bytes signed, with the JSON text
/// encoded twice, and with `Content-Encoding: gzip, deflate`; each named in the journal.
#[test]
fn the_documentations_node_client_through_the_proxy() {
    let upstream = sessionkit_testkit::server::default_settings();
    let running = proxy::start(ProxySettings::new(upstream.url.clone(), config())).unwrap();
    let port: u16 = running.url().rsplit(':').next().unwrap().parse().unwrap();
    let example = node_example(port);
    let cases = [
        (example.clone(), "201", None),
        (
            replace(
                &example,
                ".update(payloadBytes)",
                ".update(zlib.gzipSync(payloadBytes))",
            ),
            "401",
            Some("signed_compressed_bytes"),
        ),
        (
            replace(
                &example,
                "zlib.gzipSync(payloadBytes)",
                "zlib.gzipSync(Buffer.from(JSON.stringify(payloadBytes.toString())))",
            ),
            "401",
            Some("json_encoded_twice"),
        ),
        (
            replace(
                &example,
                "'Content-Encoding': 'gzip',",
                "'Content-Encoding': 'gzip, deflate',",
            ),
            "415",
            Some("unsupported_encoding"),
        ),
    ];
    for (n, (code, status, mistake)) in cases.iter().enumerate() {
        let out = Command::new("node").arg("-e").arg(code).output().unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            printed.starts_with(status),
            "{printed} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let record = &running.requests()[n];
        let named = record["verdict"]["diagnostics"].to_string();
        if let Some(mistake) = mistake {
            assert!(
                named.contains(mistake) || record["verdict"]["error"] == *mistake,
                "{mistake}: {record}"
            );
        }
        // What the client printed is the upstream's answer: the same session id the upstream made.
        if *status == "201" {
            let id = upstream.server().requests()[n]["session_id"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(printed.contains(&id), "{printed}");
        }
    }
}

/// A raw upstream: accepts one connection, hands over the bytes of the first request it reads
/// (head and Content-Length body), then answers `answer` (or nothing, or half, as asked).
fn raw_upstream(answer: Vec<u8>, silent: bool) -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut bytes = Vec::new();
        let mut length = 0;
        loop {
            let mut line = Vec::new();
            reader.read_until(b'\n', &mut line).unwrap();
            bytes.extend_from_slice(&line);
            let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
            if let Some(v) = text.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == b"\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        bytes.extend_from_slice(&body);
        tx.send(bytes).unwrap();
        if silent {
            // Wait for the proxy to give up on it: a read returning 0 says it closed.
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
            tx.send(b"closed".to_vec()).unwrap();
            return;
        }
        let mut stream = stream;
        stream.write_all(&answer).unwrap();
        stream.flush().unwrap();
    });
    (url, rx)
}

fn send_raw(url: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

/// Header lines in their order and case, two `Content-Encoding` lines, an empty value and odd
/// spacing reach the upstream exactly (only `Host`'s value changes), and the upstream's answer
/// reaches the client exactly, with the verdict header added when asked.
#[test]
fn requests_and_answers_pass_byte_for_byte() {
    let body = "{\"status\":\"fail\",\"code\":1812,\"message\":\"nope!\"}\n";
    let answer_bytes = format!(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nX-Odd:  spaced \r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let (url, received) = raw_upstream(answer_bytes.clone(), false);
    let running = proxy::start(ProxySettings::new(url.clone(), config())).unwrap();
    let json = b"{\"verification\":{}}";
    let request = format!(
        "POST /v1/sessions?trace=1 HTTP/1.1\r\nHost: client.example\r\nx-auth-client: your-api-key\r\nContent-Type:application/json\r\nContent-Encoding: gzip\r\ncontent-encoding: gzip\r\nX-Empty:\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        json.len()
    );
    let sent = [request.as_bytes(), json].concat();
    let answer = send_raw(&running.url(), &sent);
    let at_upstream = received.recv_timeout(Duration::from_secs(10)).unwrap();
    let authority = url.trim_start_matches("http://");
    let expected = String::from_utf8_lossy(&sent).replacen(
        "Host: client.example",
        &format!("Host: {authority}"),
        1,
    );
    assert_eq!(String::from_utf8_lossy(&at_upstream), expected);
    assert_eq!(answer, answer_bytes);
    let records = running.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["verdict"]["error"], "unsupported_encoding");
    // The answer is checked too: a 401 where the contract answers 415.
    let problems = records[0]["answer_problems"].to_string();
    assert!(
        problems.contains("status 401 where MUST requires 415")
            && problems.contains("\"rule\":\"status\""),
        "{problems}"
    );

    let (url, _received) = raw_upstream(answer_bytes.clone(), false);
    let mut settings = ProxySettings::new(url, config());
    settings.verdict_header = true;
    let running = proxy::start(settings).unwrap();
    let answer = String::from_utf8(send_raw(&running.url(), &sent)).unwrap();
    assert!(
        answer.contains(&format!(
            "Content-Length: {}\r\nSessionkit-Verdict: refused 415 unsupported_encoding",
            body.len()
        )),
        "{answer}"
    );
}

/// `enforce` answers an invalid request itself: the upstream never sees it.
#[test]
fn enforce_keeps_invalid_requests_from_the_upstream() {
    let upstream = sessionkit_testkit::server::default_settings();
    let mut settings = ProxySettings::new(upstream.url.clone(), config());
    settings.enforce = true;
    let running = proxy::start(settings).unwrap();
    let answer = send_raw(
        &running.url(),
        b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX-AUTH-CLIENT: your-api-key\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    );
    let text = String::from_utf8_lossy(&answer);
    // Unsigned is accepted as the API accepts it; `{}` has no verification object.
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("missing_verification"), "{text}");
    assert_eq!(upstream.server().requests().len(), 0, "the upstream saw it");
    assert!(running.requests()[0]["enforced"].is_string());
}

fn status_of(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

const VALID_HEAD: &str = "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";

/// Each fault is answered in the vendor's failure shape, named, and journaled.
#[test]
fn faults_are_answered_and_journaled() {
    // Down: nothing listens there.
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let running = proxy::start(ProxySettings::new(down.clone(), config())).unwrap();
    let answer = send_raw(&running.url(), VALID_HEAD.as_bytes());
    assert!(
        status_of(&answer).starts_with("HTTP/1.1 502"),
        "{}",
        status_of(&answer)
    );
    assert!(String::from_utf8_lossy(&answer).contains(&down));
    assert!(
        running.requests()[0]["fault"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );

    // Silent: accepts, reads, never answers.
    let (url, received) = raw_upstream(Vec::new(), true);
    let mut settings = ProxySettings::new(url, config());
    settings.upstream_timeout = Duration::from_secs(1);
    let running = proxy::start(settings).unwrap();
    let started = Instant::now();
    let answer = send_raw(&running.url(), VALID_HEAD.as_bytes());
    assert!(
        status_of(&answer).starts_with("HTTP/1.1 504"),
        "{}",
        status_of(&answer)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    received.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(
        running.requests()[0]["fault"]
            .as_str()
            .unwrap()
            .contains("silent")
    );

    // Closing mid-answer: half a head, then the connection ends.
    let (url, _received) = raw_upstream(
        b"HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{\"sta".to_vec(),
        false,
    );
    let running = proxy::start(ProxySettings::new(url, config())).unwrap();
    let answer = send_raw(&running.url(), VALID_HEAD.as_bytes());
    assert!(
        status_of(&answer).starts_with("HTTP/1.1 502"),
        "{}",
        status_of(&answer)
    );
    assert!(
        running.requests()[0]["fault"]
            .as_str()
            .unwrap()
            .contains("mid-answer")
    );

    // The client leaves while the upstream works: the upstream's connection is closed.
    let (url, received) = raw_upstream(Vec::new(), true);
    let running = proxy::start(ProxySettings::new(url, config())).unwrap();
    let mut client = TcpStream::connect(running.url().trim_start_matches("http://")).unwrap();
    client.write_all(VALID_HEAD.as_bytes()).unwrap();
    received.recv_timeout(Duration::from_secs(5)).unwrap();
    drop(client);
    assert_eq!(
        received.recv_timeout(Duration::from_secs(5)).unwrap(),
        b"closed"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while running.requests().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        running.requests()[0]["fault"]
            .as_str()
            .unwrap()
            .contains("client left")
    );
}

/// An HTTPS upstream (a certificate for `localhost` from a CA of the test's own): trusted through
/// `upstream_ca`, the exchange goes through TLS; without it, the certificate is refused and the
/// client gets a 502 that says why.
#[test]
fn an_https_upstream_is_verified() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("sessionkit-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let server_config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let server_config = std::sync::Arc::new(server_config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = server_config.clone();
            std::thread::spawn(move || {
                let session = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(session, stream);
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let body = "{\"status\":\"fail\",\"code\":1812,\"message\":\"over tls\"}";
                let answer = format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    let upstream = format!("https://localhost:{port}");
    let mut settings = ProxySettings::new(upstream.clone(), config());
    settings.upstream_ca = Some(ca_file.clone());
    let running = proxy::start(settings).unwrap();
    let answer = send_raw(&running.url(), VALID_HEAD.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(text.contains("over tls"), "{text}");
    let untrusting = proxy::start(ProxySettings::new(upstream, config())).unwrap();
    let answer = send_raw(&untrusting.url(), VALID_HEAD.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 502"), "{text}");
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// An upstream that records every byte any connection brings it, then answers 201 and closes.
fn recording_upstream() -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                recorded.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            let _ = stream.write_all(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            );
        }
    });
    (url, seen)
}

/// Every framing shape RFC 9112 makes an error, sent through the proxy (with and without
/// `--enforce`): each is answered 400 naming its fault, journaled, and not one byte of it reaches
/// the upstream; the smuggling shape's hidden second request included. A valid chunked request
/// after them does reach it, so the recording upstream is seen to record.
#[test]
fn ambiguous_framing_never_reaches_the_upstream() {
    for enforce in [false, true] {
        let (url, seen) = recording_upstream();
        let mut settings = ProxySettings::new(url, config());
        settings.enforce = enforce;
        let running = proxy::start(settings).unwrap();
        let authority = running.url().trim_start_matches("http://").to_owned();
        let shapes = sessionkit_conform::framing::shapes(
            &authority,
            "/v1/sessions",
            "X-AUTH-CLIENT: your-api-key\r\n",
        );
        for shape in &shapes {
            let answer = send_raw(&running.url(), &shape.bytes);
            let text = String::from_utf8_lossy(&answer);
            assert!(text.starts_with("HTTP/1.1 400"), "{}: {text}", shape.name);
            assert!(text.contains("Connection: close"), "{}: {text}", shape.name);
            let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            assert_eq!(
                body["diagnostics"][0]["code"],
                shape.fault.code(),
                "{}: {text}",
                shape.name
            );
            assert!(
                body["diagnostics"][0]["hint"]
                    .as_str()
                    .unwrap()
                    .contains("RFC 91")
            );
        }
        let records = running.requests();
        assert_eq!(records.len(), shapes.len(), "{records:?}");
        for (record, shape) in records.iter().zip(&shapes) {
            assert_eq!(record["framing"], shape.fault.code(), "{record}");
            assert_eq!(record["ok"], false);
            assert!(record["fault"].as_str().unwrap().contains("not forwarded"));
        }
        std::thread::sleep(Duration::from_millis(400));
        assert!(
            seen.lock().unwrap().is_empty(),
            "the upstream received {:?}",
            String::from_utf8_lossy(&seen.lock().unwrap())
        );
        let valid = format!(
            "POST /v1/sessions HTTP/1.1\r\nHost: {authority}\r\nX-AUTH-CLIENT: your-api-key\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
        );
        let answer = send_raw(&running.url(), valid.as_bytes());
        let status = status_of(&answer);
        if enforce {
            // Refused by the judge (`{}` has no verification), not by the framing.
            assert!(status.starts_with("HTTP/1.1 400"), "{status}");
        } else {
            assert!(status.starts_with("HTTP/1.1 201"), "{status}");
            let at_upstream = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
            assert!(
                at_upstream.ends_with("\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
                "{at_upstream}"
            );
        }
    }
}

/// `Expect: 100-continue`: the proxy tells the client to go on before it reads the body (curl
/// waits a second for that otherwise), and the upstream's own 100 goes no further.
#[test]
fn expect_100_continue_is_answered() {
    let upstream = sessionkit_testkit::server::default_settings();
    let running = proxy::start(ProxySettings::new(upstream.url.clone(), config())).unwrap();
    let mut stream = TcpStream::connect(running.url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX-AUTH-CLIENT: your-api-key\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 2\r\n\r\n")
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"{}").unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    // The reference server's answer to `{}` (no verification), and nothing before it.
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
}

/// Budgets in total: an upstream that drips its answer a byte every 100 ms is cut off at
/// `--upstream-timeout` for the whole answer (504; a timeout per read let it hold a client for
/// minutes). Past 256 clients at once, the one idle longest is closed to make room, so 256 idle
/// sockets cannot hold the proxy: a normal request still goes through; when all 256 are
/// mid-request, a new client is answered 503 with Retry-After at once. A request dripping in
/// past `request_time` from its first byte (slowloris) is answered 408.
#[test]
fn the_proxy_keeps_its_budgets_in_total() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let _ = stream.read(&mut [0u8; 4096]);
                let answer = b"HTTP/1.1 201 Created\r\nContent-Length: 40\r\n\r\n{\"status\":\"success\",\"padding\":\"......\"}";
                for b in answer {
                    std::thread::sleep(Duration::from_millis(100));
                    if stream.write_all(&[*b]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let mut settings = ProxySettings::new(url, config());
    settings.upstream_timeout = Duration::from_secs(1);
    let running = proxy::start(settings).unwrap();
    let answer = send_raw(
        &running.url(),
        b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX-AUTH-CLIENT: your-api-key\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert!(
        status_of(&answer).starts_with("HTTP/1.1 504"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let authority = running.url().trim_start_matches("http://").to_owned();
    let mut idle: Vec<TcpStream> = (0..256)
        .map(|_| TcpStream::connect(&authority).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let (fine, _) = recording_upstream();
    let mut settings = ProxySettings::new(fine, config());
    settings.request_time = Duration::from_secs(1);
    let fine = proxy::start(settings).unwrap();
    let fine_authority = fine.url().trim_start_matches("http://").to_owned();
    let idle_at_fine: Vec<TcpStream> = (0..256)
        .map(|_| TcpStream::connect(&fine_authority).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let answer = send_raw(&fine.url(), VALID_HEAD.as_bytes());
    assert!(
        status_of(&answer).starts_with("HTTP/1.1 201"),
        "{}",
        status_of(&answer)
    );
    // The first idle socket was the one closed to make room.
    let mut first = &idle_at_fine[0];
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(first.read(&mut [0u8; 16]).unwrap_or(0), 0, "closed");
    // Every client mid-request: no room, 503 at once.
    for socket in &mut idle {
        socket.write_all(b"POST /v1/sessions HTTP/1.1\r\n").unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let answer = send_raw(&running.url(), b"");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Retry-After: 1\r\n"), "{text}");
    drop(idle);
    // A request that drips in past request_time: 408, saying so.
    let mut slow = TcpStream::connect(&fine_authority).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    for byte in b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" {
        if slow.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = slow.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("did not arrive whole within 1 s"), "{text}");
}

/// A client silent past `client_idle` is answered 408 and closed (it was dropped without a
/// word at 31 s).
#[test]
fn an_idle_client_is_told_408() {
    let (url, _received) = raw_upstream(Vec::new(), false);
    let mut settings = ProxySettings::new(url, config());
    settings.client_idle = Duration::from_millis(500);
    let running = proxy::start(settings).unwrap();
    let mut stream = TcpStream::connect(running.url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{text}"
    );
    assert!(text.contains("Connection: close\r\n"), "{text}");
}

/// The proxy's memory for bodies in flight is one budget across every client: while two
/// clients hold 1 MB bodies open (declared, not yet sent), a third 1 MB body is answered 503
/// with `Retry-After` at once, before a byte of it is read, and journaled; a small request still
/// fits and goes through; once a holder leaves, its share comes back. Raw sockets, as an
/// attacker holding bodies open would use.
#[test]
fn bodies_in_flight_share_one_memory_budget() {
    let (upstream, _seen) = recording_upstream();
    let mut settings = ProxySettings::new(upstream, config());
    // Each body counts 4 times: two 1 MB bodies fit in 8.5 MiB, a third does not.
    settings.max_in_flight = 17 << 19;
    let running = proxy::start(settings).unwrap();
    let authority = running.url().trim_start_matches("http://").to_owned();
    let large = |n: usize| {
        format!(
            "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
        )
    };
    let hold = || {
        let mut stream = TcpStream::connect(&authority).unwrap();
        stream.write_all(large(1_000_000).as_bytes()).unwrap();
        stream.write_all(b"{\"verification\":").unwrap();
        stream
    };
    let first = hold();
    let _second = hold();
    // Both heads are read and their shares taken before the third arrives.
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let mut third = TcpStream::connect(&authority).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    third.write_all(large(1_000_000).as_bytes()).unwrap();
    let mut answer = vec![0u8; 4096];
    let n = third.read(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("Retry-After: 1") && answer.contains("--max-in-flight"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered at once"
    );
    let small = send_raw(&running.url(), VALID_HEAD.as_bytes());
    assert!(
        status_of(&small).starts_with("HTTP/1.1 201"),
        "{}",
        status_of(&small)
    );
    // A holder leaves: its share comes back, and a large body is read again.
    drop(first);
    std::thread::sleep(Duration::from_millis(300));
    let body = vec![b' '; 999_998];
    let request = [large(1_000_000).as_bytes(), b"{}", &body[..]].concat();
    let again = send_raw(&running.url(), &request);
    assert!(
        !status_of(&again).starts_with("HTTP/1.1 503"),
        "{}",
        status_of(&again)
    );
    let refused = running
        .requests()
        .iter()
        .filter(|r| r["status"] == 503)
        .count();
    assert_eq!(refused, 1, "{:?}", running.requests());
}
