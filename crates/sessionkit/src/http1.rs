//! The framing of an HTTP/1.1 request head, judged before anything reads its body or passes it
//! on: the one place where `serve`, the proxy and `conform` learn what RFC 9112 makes an error.
//!
//! Two readers that frame one message differently are how request smuggling works: a proxy that
//! reads `Transfer-Encoding: chunked` in front of a server that reads `Content-Length` lets a
//! second request through inside the first one's body, seen by the server and by no journal. So a
//! head is accepted only when there is exactly one way to read it; every other head is a
//! [`FramingFault`], answered 400 and never forwarded (RFC 9112 §6.1, §6.3: an intermediary must
//! not pass such a message on as it is).
//!
//! Work is linear in the head's bytes; the head's size is bounded by whoever read it.

use std::fmt;

/// How the body of an acceptable request is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body (no `Content-Length`, no `Transfer-Encoding`).
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding` whose last coding is `chunked`.
    Chunked,
}

/// A request head with more than one reading, or none (RFC 9112 §2, §3, §5, §6, §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingFault {
    /// A CR not followed by LF.
    BareCr,
    /// A line ended by LF alone (a recipient may accept it; one in front of another must not
    /// guess what the next one reads).
    BareLf,
    /// A NUL or another control character in the head.
    ControlCharacter(u8),
    /// The request line is not `method SP target SP HTTP/1.x`.
    MalformedRequestLine,
    /// A header line that starts with whitespace (obsolete line folding).
    ObsFold,
    /// Whitespace between a header name and its colon.
    WhitespaceBeforeColon(String),
    /// A header line without a colon, or with a name that is not a token.
    MalformedHeaderLine,
    /// No `Host` line in an HTTP/1.1 request.
    MissingHost,
    /// More than one `Host` line.
    RepeatedHost,
    /// Both `Content-Length` and `Transfer-Encoding`.
    ContentLengthWithTransferEncoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request.
    TransferEncodingOnHttp10,
    /// `Transfer-Encoding` whose last coding is not `chunked` (`xchunked`, `chunked, identity`).
    ChunkedNotLast(String),
    /// `chunked` more than once (two lines, or a list).
    ChunkedTwice,
    /// A `Content-Length` that is not one decimal number (`+46`, `46, 46`, `0x2e`).
    InvalidContentLength(String),
    /// More than one `Content-Length` line, even with one value.
    RepeatedContentLength,
}

impl FramingFault {
    /// Every fault, one of each, for tables and tests.
    pub fn all() -> Vec<FramingFault> {
        vec![
            FramingFault::BareCr,
            FramingFault::BareLf,
            FramingFault::ControlCharacter(0),
            FramingFault::MalformedRequestLine,
            FramingFault::ObsFold,
            FramingFault::WhitespaceBeforeColon("Content-Length".into()),
            FramingFault::MalformedHeaderLine,
            FramingFault::MissingHost,
            FramingFault::RepeatedHost,
            FramingFault::ContentLengthWithTransferEncoding,
            FramingFault::TransferEncodingOnHttp10,
            FramingFault::ChunkedNotLast("xchunked".into()),
            FramingFault::ChunkedTwice,
            FramingFault::InvalidContentLength("+46".into()),
            FramingFault::RepeatedContentLength,
        ]
    }

    /// Stable snake_case code, never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            FramingFault::BareCr => "bare_cr",
            FramingFault::BareLf => "bare_lf",
            FramingFault::ControlCharacter(_) => "control_character",
            FramingFault::MalformedRequestLine => "malformed_request_line",
            FramingFault::ObsFold => "obs_fold",
            FramingFault::WhitespaceBeforeColon(_) => "whitespace_before_colon",
            FramingFault::MalformedHeaderLine => "malformed_header_line",
            FramingFault::MissingHost => "missing_host",
            FramingFault::RepeatedHost => "repeated_host",
            FramingFault::ContentLengthWithTransferEncoding => {
                "content_length_with_transfer_encoding"
            }
            FramingFault::TransferEncodingOnHttp10 => "transfer_encoding_on_http10",
            FramingFault::ChunkedNotLast(_) => "chunked_not_last",
            FramingFault::ChunkedTwice => "chunked_twice",
            FramingFault::InvalidContentLength(_) => "invalid_content_length",
            FramingFault::RepeatedContentLength => "repeated_content_length",
        }
    }

    /// The section of RFC 9112 (or 9110) that makes it an error, and what it asks of a server.
    pub fn rfc(&self) -> &'static str {
        match self {
            FramingFault::BareCr => {
                "RFC 9112 §2.2: a recipient must treat a bare CR as invalid or replace it with SP"
            }
            FramingFault::BareLf => {
                "RFC 9112 §2.2: the line terminator is CRLF; a recipient may accept LF alone"
            }
            FramingFault::ControlCharacter(_) => {
                "RFC 9110 §5.5: NUL, CR and LF are invalid in a field value"
            }
            FramingFault::MalformedRequestLine => {
                "RFC 9112 §3: method SP request-target SP HTTP-version"
            }
            FramingFault::ObsFold => {
                "RFC 9112 §5.2: a server must reject obsolete line folding with 400 or replace it with SP"
            }
            FramingFault::WhitespaceBeforeColon(_) => {
                "RFC 9112 §5.1: a server must reject whitespace between a field name and the colon with 400"
            }
            FramingFault::MalformedHeaderLine => {
                "RFC 9112 §5.1: field-name \":\" OWS field-value OWS"
            }
            FramingFault::MissingHost | FramingFault::RepeatedHost => {
                "RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without exactly one Host line"
            }
            FramingFault::ContentLengthWithTransferEncoding => {
                "RFC 9112 §6.1: a server may reject it and must close the connection after answering; an intermediary must not forward it as it is"
            }
            FramingFault::TransferEncodingOnHttp10 => {
                "RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding must be treated as faulty framing"
            }
            FramingFault::ChunkedNotLast(_) => {
                "RFC 9112 §6.3: a request whose last transfer coding is not chunked must be answered 400"
            }
            FramingFault::ChunkedTwice => "RFC 9112 §7: chunked must not be applied more than once",
            FramingFault::InvalidContentLength(_) => {
                "RFC 9112 §6.3: an invalid Content-Length is unrecoverable framing, answered 400"
            }
            FramingFault::RepeatedContentLength => {
                "RFC 9112 §6.3: repeated Content-Length values may be refused; two readers may count them differently"
            }
        }
    }
}

impl fmt::Display for FramingFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingFault::BareCr => f.write_str("a CR not followed by LF in the head"),
            FramingFault::BareLf => f.write_str("a head line ended by LF without CR"),
            FramingFault::ControlCharacter(byte) => {
                write!(f, "a control character (0x{byte:02x}) in the head")
            }
            FramingFault::MalformedRequestLine => {
                f.write_str("the request line is not `METHOD target HTTP/1.x`")
            }
            FramingFault::ObsFold => {
                f.write_str("a header line starts with whitespace (obsolete line folding)")
            }
            FramingFault::WhitespaceBeforeColon(name) => {
                write!(f, "whitespace between the header name {name} and its colon")
            }
            FramingFault::MalformedHeaderLine => {
                f.write_str("a header line without a colon or with an invalid name")
            }
            FramingFault::MissingHost => f.write_str("an HTTP/1.1 request without a Host line"),
            FramingFault::RepeatedHost => f.write_str("more than one Host line"),
            FramingFault::ContentLengthWithTransferEncoding => {
                f.write_str("both Content-Length and Transfer-Encoding")
            }
            FramingFault::TransferEncodingOnHttp10 => {
                f.write_str("Transfer-Encoding in an HTTP/1.0 request")
            }
            FramingFault::ChunkedNotLast(codings) => {
                write!(f, "Transfer-Encoding {codings:?} does not end in chunked")
            }
            FramingFault::ChunkedTwice => f.write_str("Transfer-Encoding names chunked twice"),
            FramingFault::InvalidContentLength(value) => {
                write!(f, "Content-Length {value:?} is not one decimal number")
            }
            FramingFault::RepeatedContentLength => f.write_str("more than one Content-Length line"),
        }
    }
}

impl std::error::Error for FramingFault {}

impl FramingFault {
    /// The whole answer `serve` and the proxy give it: 400 in the vendor's failure shape with the
    /// fault in `diagnostics` and the RFC in its hint, and `Connection: close` (what follows on
    /// the connection cannot be framed).
    pub fn answer(&self) -> Vec<u8> {
        let body = serde_json::json!({
            "status": "fail",
            "code": 400,
            "message": format!("ambiguous HTTP framing: {self}"),
            "diagnostics": [{
                "code": self.code(),
                "pointer": "",
                "message": self.to_string(),
                "hint": self.rfc(),
            }],
        })
        .to_string();
        let lines = [
            ("Content-Type", "application/json"),
            ("Connection", "close"),
        ];
        [
            answer_head(400, &lines, body.len()).into_bytes(),
            body.into_bytes(),
        ]
        .concat()
    }
}

/// The size a chunk size line gives, when it has exactly one reading (RFC 9112 §7.1:
/// `1*HEXDIG [ chunk-ext ] CRLF`); `None` for anything two readers may read differently (a sign,
/// spaces before the size, LF alone, a CR inside, more than 16 digits). The one reading of it,
/// for `serve`'s framing guard and the message reader alike.
pub fn chunk_size(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r\n")?;
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let rest = &line[digits..];
    let ext_ok = rest.is_empty() || matches!(rest[0], b';' | b' ' | b'\t');
    if digits == 0 || digits > 16 || !ext_ok || rest.contains(&b'\r') || rest.contains(&b'\n') {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(&line[..digits]).ok()?, 16).ok()
}

/// The head of an answer: the status line with its reason phrase, `headers` as given, then
/// `Content-Length` and the blank line. The one writer of answer heads (`serve`'s framing guard,
/// the proxy's own answers).
pub fn answer_head(status: u16, headers: &[(&str, &str)], body_len: usize) -> String {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {body_len}\r\n\r\n"));
    head
}

/// Judges a request head: the request line, the header lines and the blank line that ends them,
/// as received (blank lines before the request line already skipped). Returns how its body is
/// framed, or the first fault.
pub fn request_framing(head: &[u8]) -> Result<BodyFraming, FramingFault> {
    line_ends_and_bytes(head)?;
    // Field values may carry obs-text (bytes above 0x7f); names and the request line are ASCII.
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let version = request_line(lines.next().unwrap_or(""))?;
    let (mut hosts, mut lengths, mut codings) = (0usize, Vec::new(), Vec::new());
    let mut encoding_lines = 0usize;
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = header_line(line)?;
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case("content-length") {
            lengths.push(value);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            encoding_lines += 1;
            codings.extend(
                value
                    .split(',')
                    .map(|c| c.trim().to_ascii_lowercase())
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    match hosts {
        0 if version == "HTTP/1.1" => return Err(FramingFault::MissingHost),
        0 | 1 => {}
        _ => return Err(FramingFault::RepeatedHost),
    }
    if encoding_lines > 0 {
        if version == "HTTP/1.0" {
            return Err(FramingFault::TransferEncodingOnHttp10);
        }
        if !lengths.is_empty() {
            return Err(FramingFault::ContentLengthWithTransferEncoding);
        }
        if codings.iter().filter(|c| *c == "chunked").count() > 1 {
            return Err(FramingFault::ChunkedTwice);
        }
        if codings.last().map(String::as_str) != Some("chunked") {
            return Err(FramingFault::ChunkedNotLast(codings.join(", ")));
        }
        return Ok(BodyFraming::Chunked);
    }
    match lengths.as_slice() {
        [] => Ok(BodyFraming::None),
        [one] => content_length(one).map(BodyFraming::Length),
        _ => Err(FramingFault::RepeatedContentLength),
    }
}

/// Every line ends in CRLF, no CR stands alone, no NUL or other control character but HTAB.
fn line_ends_and_bytes(head: &[u8]) -> Result<(), FramingFault> {
    for (i, &b) in head.iter().enumerate() {
        match b {
            b'\r' if head.get(i + 1) != Some(&b'\n') => return Err(FramingFault::BareCr),
            b'\n' if i == 0 || head[i - 1] != b'\r' => return Err(FramingFault::BareLf),
            b'\r' | b'\n' | b'\t' => {}
            0..=0x1f | 0x7f => return Err(FramingFault::ControlCharacter(b)),
            _ => {}
        }
    }
    Ok(())
}

/// The version of a well-formed request line.
fn request_line(line: &str) -> Result<&str, FramingFault> {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(FramingFault::MalformedRequestLine);
    };
    if !is_token(method) || target.is_empty() || !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Err(FramingFault::MalformedRequestLine);
    }
    Ok(version)
}

/// A header line's name and its value without the optional whitespace around it.
fn header_line(line: &str) -> Result<(&str, &str), FramingFault> {
    if line.starts_with([' ', '\t']) {
        return Err(FramingFault::ObsFold);
    }
    let (name, value) = line
        .split_once(':')
        .ok_or(FramingFault::MalformedHeaderLine)?;
    if name.ends_with([' ', '\t']) {
        return Err(FramingFault::WhitespaceBeforeColon(
            name.trim_end().to_owned(),
        ));
    }
    if !is_token(name) {
        return Err(FramingFault::MalformedHeaderLine);
    }
    Ok((name, value.trim_matches([' ', '\t'])))
}

/// RFC 9110 §5.6.2: one or more tchar.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `1*DIGIT`, nothing else (no sign, no list, no spaces inside).
fn content_length(value: &str) -> Result<u64, FramingFault> {
    let invalid = || FramingFault::InvalidContentLength(value.to_owned());
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    value.parse().map_err(|_| invalid())
}

/// The reason phrase of every status this workspace writes: `receive`'s, the reference
/// server's, the proxy's own answers. One table, so a head and a HAR never disagree.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        499 => "Client Closed Request",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(lines: &str) -> Vec<u8> {
        format!("POST /v1/sessions HTTP/1.1\r\nHost: a\r\n{lines}\r\n").into_bytes()
    }

    #[test]
    fn a_chunk_size_line_has_one_reading_or_none() {
        for (line, size) in [
            (&b"2e\r\n"[..], Some(46)),
            (b"2E;name=value\r\n", Some(46)),
            (b"0\r\n", Some(0)),
            (b"2e \r\n", Some(46)),
            (b"+2e\r\n", None),
            (b" 2e\r\n", None),
            (b"2e\n", None),
            (b"2e;a\rb\r\n", None),
            (b"0x2e\r\n", None),
            (b"\r\n", None),
            (b"10000000000000000\r\n", None),
        ] {
            assert_eq!(
                chunk_size(line),
                size,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn unambiguous_heads_are_framed() {
        assert_eq!(request_framing(&head("")), Ok(BodyFraming::None));
        assert_eq!(
            request_framing(&head("Content-Length:  46 \r\n")),
            Ok(BodyFraming::Length(46))
        );
        assert_eq!(
            request_framing(&head("Transfer-Encoding: gzip, Chunked\r\n")),
            Ok(BodyFraming::Chunked)
        );
        assert_eq!(
            request_framing(b"GET / HTTP/1.0\r\n\r\n"),
            Ok(BodyFraming::None)
        );
    }

    #[test]
    fn every_ambiguous_shape_is_its_fault() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (head("X: a\rb\r\n"), "bare_cr"),
            (b"POST / HTTP/1.1\nHost: a\r\n\r\n".to_vec(), "bare_lf"),
            (head("X: a\0b\r\n"), "control_character"),
            (
                b"POST  / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
                "malformed_request_line",
            ),
            (
                b"POST / HTTP/2.0\r\nHost: a\r\n\r\n".to_vec(),
                "malformed_request_line",
            ),
            (head("X: a\r\n b\r\n"), "obs_fold"),
            (head("Content-Length : 46\r\n"), "whitespace_before_colon"),
            (head("Content Length: 46\r\n"), "malformed_header_line"),
            (head("no colon\r\n"), "malformed_header_line"),
            (b"POST / HTTP/1.1\r\n\r\n".to_vec(), "missing_host"),
            (head("host: b\r\n"), "repeated_host"),
            (
                head("Content-Length: 46\r\nTransfer-Encoding: chunked\r\n"),
                "content_length_with_transfer_encoding",
            ),
            (
                head("Transfer-Encoding: chunked\r\nContent-Length: 46\r\n"),
                "content_length_with_transfer_encoding",
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
                "transfer_encoding_on_http10",
            ),
            (head("Transfer-Encoding: xchunked\r\n"), "chunked_not_last"),
            (
                head("Transfer-Encoding: chunked, identity\r\n"),
                "chunked_not_last",
            ),
            (
                head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
                "chunked_twice",
            ),
            (head("Content-Length: +46\r\n"), "invalid_content_length"),
            (head("Content-Length: 46, 46\r\n"), "invalid_content_length"),
            (
                head("Content-Length: 99999999999999999999999\r\n"),
                "invalid_content_length",
            ),
            (
                head("Content-Length: 46\r\nContent-Length: 46\r\n"),
                "repeated_content_length",
            ),
        ];
        for (raw, code) in cases {
            let fault = request_framing(&raw).expect_err(code);
            assert_eq!(fault.code(), code, "{}", String::from_utf8_lossy(&raw));
        }
        let codes: Vec<&str> = FramingFault::all().iter().map(FramingFault::code).collect();
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
    }
}
