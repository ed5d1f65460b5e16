//! `conform` against servers that answer every request the same broken way: each fails the run
//! (exit 1) on the documentation's own examples, the wrong status named first, at MUST.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

/// A server on a raw socket that answers every request with `answer`, then closes.
fn broken_server(answer: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/sessions", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length.min(1 << 22)];
                let _ = reader.read_exact(&mut body);
                let _ = (&stream).write_all(answer);
            });
        }
    });
    url
}

#[test]
fn conform_fails_servers_that_answer_everything_the_same_broken_way() {
    let answers: [&[u8]; 4] = [
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: 47\r\nConnection: close\r\n\r\n<html><body>Internal Server Error</body></html>",
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    ];
    for answer in answers {
        let url = broken_server(answer);
        let out = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
            .args([
                "conform", "--target", &url, "--filter", "seed/", "--format", "json",
            ])
            .output()
            .unwrap();
        let head = String::from_utf8_lossy(&answer[..20]).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{head}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["passed"], 0, "{head}");
        let first = &report["cases"][0]["problems"][0];
        assert_eq!(first["level"], "must", "{head}: {first}");
        let rule = first["rule"].as_str().unwrap();
        assert!(
            ["status", "created_shape"].contains(&rule),
            "{head}: {first}"
        );
    }
}

/// A keep-alive server that frames requests by `Content-Length` alone and ignores
/// `Connection: close`, as hand-written servers do: every request it reads is answered 201.
fn naive_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/sessions", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" || line == "\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length.min(1 << 22)];
                    let _ = reader.read_exact(&mut body);
                    let body = r#"{"status":"success"}"#;
                    let answer = format!(
                        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if (&stream).write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// `conform`'s framing checks against that server: it reads a request smuggled in the first
/// one's body (CL.TE) and answers it, and answers heads RFC 9112 says a server refuses; each named
/// at its level (SHOULD, so the run still passes at MUST), and the heads RFC 9112 lets a server
/// read one way are MAY.
#[test]
fn conform_finds_a_server_that_reads_a_smuggled_request() {
    let url = naive_server();
    let out = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
        .args([
            "conform", "--target", &url, "--filter", "framing/", "--format", "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16, "{report}");
    let case = |name: &str| {
        cases
            .iter()
            .find(|c| c["name"] == format!("framing/{name}"))
            .unwrap_or_else(|| panic!("no framing/{name}: {report}"))
    };
    let smuggled = case("cl-te-smuggled");
    assert_eq!(smuggled["grade"], "non_strict", "{smuggled}");
    assert!(
        smuggled["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("answered a second request"),
        "{smuggled}"
    );
    for name in [
        "host-twice",
        "host-missing",
        "cl-space-colon",
        "cl-plus",
        "te-xchunked",
    ] {
        assert_eq!(case(name)["grade"], "non_strict", "{name}: {}", case(name));
    }
    for name in ["bare-lf", "obs-fold", "cl-twice"] {
        assert_eq!(
            case(name)["grade"],
            "informational",
            "{name}: {}",
            case(name)
        );
    }
}

/// `fuzz` against a server that answers every request `400` with one vendor code: one cause,
/// so a few groups (one per rule the same answer breaks: MUST, SHOULD, and two at MAY), each naming the probe families it
/// covers, not one group per constraint; and a `--cases` count that cuts the coverage phase
/// short is said, with the cases actually sent.
#[test]
fn fuzz_groups_one_answer_to_everything_as_one_cause() {
    let body = r#"{"status":"fail","code":1102,"message":"bad request"}"#;
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let url = broken_server(Box::leak(answer.into_bytes().into_boxed_slice()));
    let fuzz = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_sessionkit"))
            .args([
                "fuzz", "--target", &url, "--cases", "300", "--format", format,
            ])
            .output()
            .unwrap()
    };
    let out = fuzz("json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = report["findings"].as_array().unwrap();
    let alike: usize = groups
        .iter()
        .map(|g| g["alike"].as_array().unwrap().len())
        .sum();
    assert!(
        groups.len() <= 4 && alike >= 40,
        "{} groups, {alike} alike: {report}",
        groups.len()
    );
    let accepted = groups
        .iter()
        .find(|g| g["finding"]["rule"] == "expected 201, got 400/1102")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(accepted["finding"]["level"], "must");
    let coverage = &report["coverage"];
    assert_eq!(coverage["cases"], 300, "{coverage}");
    assert_eq!(coverage["cut_short"], true, "{coverage}");
    assert!(
        coverage["covered"].as_u64() < coverage["constraints"].as_u64(),
        "{coverage}"
    );
    let text = String::from_utf8_lossy(&fuzz("text").stdout).into_owned();
    assert!(text.contains("in 300 cases (cut short: "), "{text}");
    assert!(text.contains("the same answer to "), "{text}");
    assert!(
        text.lines().count() < 150,
        "{} lines:\n{text}",
        text.lines().count()
    );
}
