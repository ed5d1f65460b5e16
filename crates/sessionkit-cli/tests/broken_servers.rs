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
