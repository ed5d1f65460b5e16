//! The request heads RFC 9112 makes errors, one per [`FramingFault`], written as an attacker
//! writes them: what `conform` sends a server to learn whether it refuses them, and what the
//! proxy's tests send through it. Each carries a small body framed the ambiguous way, and the
//! smuggling shape carries a whole second request inside the first one's body.

use std::time::{Duration, Instant};

use sessionkit::Profile;
use sessionkit::corpus::{Level, Rule};
use sessionkit::http1::FramingFault;

use crate::judge::{AnswerRule, Expected, Problem};
use crate::report::{self, CaseResult, Grade};
use crate::{Conform, client};

/// How long a framing check waits for an answer: a server that reads one of these heads as
/// promising more bytes waits for them, and that is what the check finds.
const WAIT: Duration = Duration::from_secs(2);

/// One ambiguous request: the fault it is, and its bytes.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Its name in a report: `framing/{slug}`.
    pub slug: &'static str,
    /// What it is, as a short title.
    pub name: &'static str,
    /// The fault `sessionkit::http1::request_framing` finds in it.
    pub fault: FramingFault,
    /// The request on the wire.
    pub bytes: Vec<u8>,
}

/// How many shapes there are.
pub const COUNT: usize = 16;

/// The names of the checks, as a report shows them (`framing/{slug}`).
pub fn names() -> impl Iterator<Item = String> {
    shapes("h", "/", "")
        .into_iter()
        .map(|shape| format!("framing/{}", shape.slug))
}

/// Every shape, for a request to `path` on `host`, with `headers` (`Name: value\r\n` lines, the
/// API key for instance) before the framing lines.
pub fn shapes(host: &str, path: &str, headers: &str) -> Vec<Shape> {
    let body = br#"{"verification":{"callback":"https://example.com/cb"}}"#;
    let n = body.len();
    let chunked = [format!("{n:x}\r\n").as_bytes(), body, b"\r\n0\r\n\r\n"].concat();
    let smuggled = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
    );
    let smuggled = [smuggled.as_bytes(), body].concat();
    let request = |line: &str, host_lines: &str, framing: &str, payload: &[u8]| {
        let head = format!(
            "{line}\r\n{host_lines}{headers}Content-Type: application/json\r\nConnection: close\r\n{framing}\r\n"
        );
        [head.as_bytes(), payload].concat()
    };
    let post = format!("POST {path} HTTP/1.1");
    let host_line = format!("Host: {host}\r\n");
    let one = |framing: &str, payload: &[u8]| request(&post, &host_line, framing, payload);
    let length = format!("Content-Length: {n}\r\n");
    let shape = |slug, name, fault, bytes| Shape {
        slug,
        name,
        fault,
        bytes,
    };
    vec![
        shape(
            "cl-te",
            "Content-Length and Transfer-Encoding",
            FramingFault::ContentLengthWithTransferEncoding,
            one(&format!("{length}Transfer-Encoding: chunked\r\n"), &chunked),
        ),
        shape(
            "te-cl",
            "Transfer-Encoding and Content-Length",
            FramingFault::ContentLengthWithTransferEncoding,
            one(&format!("Transfer-Encoding: chunked\r\n{length}"), &chunked),
        ),
        shape(
            "cl-te-smuggled",
            "a second request smuggled in the body (CL.TE)",
            FramingFault::ContentLengthWithTransferEncoding,
            one(
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                &[b"0\r\n\r\n".as_slice(), &smuggled].concat(),
            ),
        ),
        shape(
            "te-chunked-identity",
            "Transfer-Encoding: chunked, identity",
            FramingFault::ChunkedNotLast("chunked, identity".into()),
            one("Transfer-Encoding: chunked, identity\r\n", &chunked),
        ),
        shape(
            "te-xchunked",
            "Transfer-Encoding: xchunked",
            FramingFault::ChunkedNotLast("xchunked".into()),
            one("Transfer-Encoding: xchunked\r\n", &chunked),
        ),
        shape(
            "te-twice",
            "two Transfer-Encoding lines",
            FramingFault::ChunkedTwice,
            one(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                &chunked,
            ),
        ),
        shape(
            "cl-space-colon",
            "Content-Length : (space before the colon)",
            FramingFault::WhitespaceBeforeColon("Content-Length".into()),
            one(&format!("Content-Length : {n}\r\n"), body),
        ),
        shape(
            "cl-plus",
            "Content-Length: +N",
            FramingFault::InvalidContentLength(format!("+{n}")),
            one(&format!("Content-Length: +{n}\r\n"), body),
        ),
        shape(
            "cl-twice",
            "two equal Content-Length lines",
            FramingFault::RepeatedContentLength,
            one(&format!("{length}{length}"), body),
        ),
        shape(
            "bare-cr",
            "a bare CR in a header line",
            FramingFault::BareCr,
            one(&format!("X-Note: a\rb\r\n{length}"), body),
        ),
        shape(
            "bare-lf",
            "a bare LF ending a header line",
            FramingFault::BareLf,
            one(&format!("X-Note: a\n{length}"), body),
        ),
        shape(
            "nul",
            "a NUL in a header value",
            FramingFault::ControlCharacter(0),
            one(&format!("X-Note: a\0b\r\n{length}"), body),
        ),
        shape(
            "obs-fold",
            "obsolete line folding",
            FramingFault::ObsFold,
            one(&format!("X-Note: a\r\n b\r\n{length}"), body),
        ),
        shape(
            "host-twice",
            "two Host lines",
            FramingFault::RepeatedHost,
            request(
                &post,
                &format!("{host_line}Host: other.example\r\n"),
                &length,
                body,
            ),
        ),
        shape(
            "host-missing",
            "HTTP/1.1 without Host",
            FramingFault::MissingHost,
            request(&post, "", &length, body),
        ),
        shape(
            "te-http10",
            "Transfer-Encoding in HTTP/1.0",
            FramingFault::TransferEncodingOnHttp10,
            request(
                &format!("POST {path} HTTP/1.0"),
                &host_line,
                "Transfer-Encoding: chunked\r\n",
                &chunked,
            ),
        ),
    ]
}

/// The rule a server is held to for a fault: refusing it (SHOULD) where RFC 9112 leaves a
/// server no other answer, MAY where it lets the server read the head one way (replace a bare
/// CR, a NUL or a fold with SP, accept LF alone or equal lengths, process Transfer-Encoding on
/// HTTP/1.0 or beside Content-Length and close after). A proxy must refuse them all; a server
/// that accepts them is told so, never failed.
fn rule_of(fault: &FramingFault) -> AnswerRule {
    match fault {
        FramingFault::MalformedRequestLine
        | FramingFault::WhitespaceBeforeColon(_)
        | FramingFault::MalformedHeaderLine
        | FramingFault::MissingHost
        | FramingFault::RepeatedHost
        | FramingFault::ChunkedNotLast(_)
        | FramingFault::ChunkedTwice
        | FramingFault::InvalidContentLength(_) => AnswerRule::Framing,
        FramingFault::BareCr
        | FramingFault::BareLf
        | FramingFault::ControlCharacter(_)
        | FramingFault::ObsFold
        | FramingFault::TransferEncodingOnHttp10
        | FramingFault::ContentLengthWithTransferEncoding
        | FramingFault::RepeatedContentLength => AnswerRule::FramingTolerated,
    }
}

/// Sends every shape to `url` (the target in `profile`) and grades each: a 400 (or a 501 for a
/// transfer coding the server does not know) and nothing more is what RFC 9112 asks.
pub(crate) fn check(run: &Conform, url: &str, profile: Profile) -> Vec<CaseResult> {
    let Ok((authority, path)) = client::split_url(url) else {
        return Vec::new();
    };
    let key = format!("X-AUTH-CLIENT: {}\r\n", run.target.api_key);
    shapes(&authority, &path, &key)
        .into_iter()
        .map(|shape| judge(url, profile, &shape))
        .collect()
}

fn judge(url: &str, profile: Profile, shape: &Shape) -> CaseResult {
    let answer_rule = rule_of(&shape.fault);
    let rule = Rule {
        level: answer_rule.binding().level(Level::Must),
        rule: format!("refused with 400: {}", shape.fault),
        reference: shape.fault.rfc().into(),
    };
    let started = Instant::now();
    let sent = client::send_raw(url, &shape.bytes, WAIT);
    let took = started.elapsed();
    // RFC 9112 §6.1: a transfer coding the server does not know may be answered 501.
    let allowed: &[u16] = match shape.fault {
        FramingFault::ChunkedNotLast(_) | FramingFault::ChunkedTwice => &[400, 501],
        _ => &[400],
    };
    let problem = |what: String| Problem::always(answer_rule, format!("{}: {what}", shape.name));
    let problems = match &sent {
        Err(e) => vec![problem(format!("no answer within {WAIT:?} ({e})"))],
        // Whatever the head's level: RFC 9112 §6.1 has the connection closed after it.
        Ok((_, true)) => vec![Problem::always(
            AnswerRule::Framing,
            format!(
                "{}: answered a second request found in the first one's body",
                shape.name
            ),
        )],
        Ok((reply, false)) if allowed.contains(&reply.status) => Vec::new(),
        Ok((reply, false)) => vec![problem(format!("answered {}", reply.status))],
    };
    let reply = sent.as_ref().ok().map(|(reply, _)| reply);
    let body: Option<serde_json::Value> = reply.and_then(|r| serde_json::from_slice(&r.body).ok());
    CaseResult {
        name: format!("framing/{}", shape.slug),
        stage: sessionkit::Stage::Headers,
        profile: profile.name(),
        passed: true,
        grade: Grade::of(&problems),
        level: rule.level,
        expected: Expected::status(400, rule),
        got_status: reply.map(|r| r.status),
        got_code: body.as_ref().and_then(|b| b["code"].as_u64()),
        got_diagnostics: Vec::new(),
        problems,
        notes: Vec::new(),
        seconds: took.as_secs_f64(),
        curl: None,
        // The raw request, as its head shows it (the body is in the head's bytes).
        exchanged: Some(report::Exchanged {
            request_head: String::from_utf8_lossy(&shape.bytes).into_owned(),
            answer_head: reply.map(|r| format!("HTTP/1.1 {}", r.status)),
            answer_body: reply.map_or_else(Vec::new, |r| {
                r.body[..r.body.len().min(report::Exchanged::PREVIEW)].to_vec()
            }),
            answer_len: reply.map_or(0, |r| r.body.len()),
            ..report::Exchanged::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shape's head is the fault it says, as the one judge of framing reads it.
    #[test]
    fn every_shape_is_its_fault() {
        let all = shapes("127.0.0.1:1", "/v1/sessions", "X-AUTH-CLIENT: k\r\n");
        assert_eq!(all.len(), COUNT);
        let slugs: std::collections::HashSet<_> = all.iter().map(|s| s.slug).collect();
        assert_eq!(slugs.len(), COUNT, "slugs are unique");
        for shape in all {
            let end = shape
                .bytes
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap_or(0);
            // A head with a bare LF has its blank line after it; the reader stops there too.
            let head = &shape.bytes[..end + 4];
            let fault = sessionkit::http1::request_framing(head).unwrap_err();
            assert_eq!(fault.code(), shape.fault.code(), "{}", shape.name);
        }
    }
}
