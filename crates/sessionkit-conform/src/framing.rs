//! The request heads RFC 9112 makes errors, one per [`FramingFault`], written as an attacker
//! writes them: what `conform` sends a server to learn whether it refuses them, and what the
//! proxy's tests send through it. Each carries a small body framed the ambiguous way, and the
//! smuggling shape carries a whole second request inside the first one's body.

use sessionkit::http1::FramingFault;

/// One ambiguous request: the fault it is, and its bytes.
#[derive(Debug, Clone)]
pub struct Shape {
    /// What it is, as a short title.
    pub name: &'static str,
    /// The fault `sessionkit::http1::request_framing` finds in it.
    pub fault: FramingFault,
    /// The request on the wire.
    pub bytes: Vec<u8>,
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
    let shape = |name, fault, bytes| Shape { name, fault, bytes };
    vec![
        shape(
            "Content-Length and Transfer-Encoding",
            FramingFault::ContentLengthWithTransferEncoding,
            one(&format!("{length}Transfer-Encoding: chunked\r\n"), &chunked),
        ),
        shape(
            "Transfer-Encoding and Content-Length",
            FramingFault::ContentLengthWithTransferEncoding,
            one(&format!("Transfer-Encoding: chunked\r\n{length}"), &chunked),
        ),
        shape(
            "a second request smuggled in the body (CL.TE)",
            FramingFault::ContentLengthWithTransferEncoding,
            one(
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                &[b"0\r\n\r\n".as_slice(), &smuggled].concat(),
            ),
        ),
        shape(
            "Transfer-Encoding: chunked, identity",
            FramingFault::ChunkedNotLast("chunked, identity".into()),
            one("Transfer-Encoding: chunked, identity\r\n", &chunked),
        ),
        shape(
            "Transfer-Encoding: xchunked",
            FramingFault::ChunkedNotLast("xchunked".into()),
            one("Transfer-Encoding: xchunked\r\n", &chunked),
        ),
        shape(
            "two Transfer-Encoding lines",
            FramingFault::ChunkedTwice,
            one(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                &chunked,
            ),
        ),
        shape(
            "Content-Length : (space before the colon)",
            FramingFault::WhitespaceBeforeColon("Content-Length".into()),
            one(&format!("Content-Length : {n}\r\n"), body),
        ),
        shape(
            "Content-Length: +N",
            FramingFault::InvalidContentLength(format!("+{n}")),
            one(&format!("Content-Length: +{n}\r\n"), body),
        ),
        shape(
            "two equal Content-Length lines",
            FramingFault::RepeatedContentLength,
            one(&format!("{length}{length}"), body),
        ),
        shape(
            "a bare CR in a header line",
            FramingFault::BareCr,
            one(&format!("X-Note: a\rb\r\n{length}"), body),
        ),
        shape(
            "a bare LF ending a header line",
            FramingFault::BareLf,
            one(&format!("X-Note: a\n{length}"), body),
        ),
        shape(
            "a NUL in a header value",
            FramingFault::ControlCharacter(0),
            one(&format!("X-Note: a\0b\r\n{length}"), body),
        ),
        shape(
            "obsolete line folding",
            FramingFault::ObsFold,
            one(&format!("X-Note: a\r\n b\r\n{length}"), body),
        ),
        shape(
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
            "HTTP/1.1 without Host",
            FramingFault::MissingHost,
            request(&post, "", &length, body),
        ),
        shape(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shape's head is the fault it says, as the one judge of framing reads it.
    #[test]
    fn every_shape_is_its_fault() {
        for shape in shapes("127.0.0.1:1", "/v1/sessions", "X-AUTH-CLIENT: k\r\n") {
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
