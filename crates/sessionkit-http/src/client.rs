//! A minimal HTTP/1.1 client over a TCP stream that sends header lines and body bytes exactly as
//! given: repeated `Content-Encoding` lines, odd capitalisation and wrong signatures included.
//! General-purpose clients normalise requests, which is what a conformance runner must not do.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::message::{ReadError, Room, read_answer_message};
use sessionkit::headers::Headers;

use crate::endpoint::{Conn, Deadline, Endpoint};

/// An answer as received.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Header lines in order.
    pub headers: Headers,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Largest answer body read.
const MAX_REPLY: usize = 8 << 20;

/// `http://host:port/path` split up; HTTPS is not supported (the runner talks to test servers).
pub fn split_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url:?}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(format!("{url:?}: no host"));
    }
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_owned()))
}

/// The request line and header block of an HTTP/1.1 request, header lines exactly as given,
/// then `Content-Length` (and `Connection: close` when asked). The framing lines are the
/// client's own: a given `Host`, `Connection`, `Content-Length` or `Transfer-Encoding` (a
/// captured request's) is left out, so that the request has one reading (RFC 9112 §6.3; a server
/// that refuses two `Host` lines is right to).
pub fn head(
    method: &str,
    path: &str,
    host: &str,
    headers: &Headers,
    body_len: usize,
    close: bool,
) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    if close {
        head.push_str("Connection: close\r\n");
    }
    const FRAMING: [&str; 4] = ["host", "connection", "content-length", "transfer-encoding"];
    for (name, value) in headers.iter() {
        if FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        // An empty value is sent as `Name:` (curl's `-H 'Name;'` sends the same bytes).
        let separator = if value.is_empty() { ":" } else { ": " };
        head.push_str(&format!("{name}{separator}{value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {body_len}\r\n\r\n"));
    head
}

/// How the error of a connection that could not be made begins: the peer is not there (as
/// opposed to a peer that answered badly).
pub const CONNECT_FAILED: &str = "connect ";

/// Sends one request on a new connection and reads the answer (`Connection: close`).
pub fn send(
    method: &str,
    url: &str,
    headers: &Headers,
    body: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    send_declared(method, url, headers, body.len(), body, timeout)
}

/// The same with `Content-Length: declared` whatever `body` holds: a body that never comes
/// (`declared` over `body.len()`) shows whether a server answers a declared size without
/// waiting for it.
pub fn send_declared(
    method: &str,
    url: &str,
    headers: &Headers,
    declared: usize,
    body: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    let (authority, path) = split_url(url)?;
    let mut conn = Conn::Plain(connect(&authority, timeout)?);
    exchange(
        &mut conn,
        (method, &path, &authority),
        headers,
        declared,
        body,
        timeout,
    )
}

/// Sends one request to `endpoint`'s path, plain or over TLS, on a new connection
/// (`Connection: close`), with one deadline for the whole answer. A connection or TLS handshake
/// that fails (an untrusted certificate) says so ([`CONNECT_FAILED`]).
pub fn send_to(
    endpoint: &Endpoint,
    method: &str,
    headers: &Headers,
    body: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    let refused = |e: String| format!("{CONNECT_FAILED}{}: {e}", endpoint.authority);
    let mut conn = endpoint.connect(timeout).map_err(refused)?;
    conn.tcp()
        .set_read_timeout(Some(timeout))
        .and_then(|()| conn.tcp().set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    conn.handshake().map_err(|e| refused(format!("TLS: {e}")))?;
    let path = if endpoint.base.is_empty() {
        "/"
    } else {
        &endpoint.base
    };
    let target = (method, path, endpoint.authority.as_str());
    exchange(&mut conn, target, headers, body.len(), body, timeout)
}

/// One request on `conn` (`Content-Length: declared`, `Connection: close`) and its answer, read
/// under one deadline.
fn exchange(
    conn: &mut Conn,
    (method, path, host): (&str, &str, &str),
    headers: &Headers,
    declared: usize,
    body: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    let until = Instant::now() + timeout;
    let head = head(method, path, host, headers, declared, true);
    conn.write_all(head.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    // A server may answer (413, 401) before reading the whole body and close; keep what it said.
    let _ = conn.write_all(body);
    let _ = conn.flush();
    let late = "the answer took longer than the timeout";
    read_reply(&mut BufReader::new(Deadline { conn, until, late }))
}

/// A connection to `authority` with `timeout` on connecting, each read and each write; a
/// failure to connect says so ([`CONNECT_FAILED`]).
fn connect(authority: &str, timeout: Duration) -> Result<TcpStream, String> {
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("{CONNECT_FAILED}{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// The most an answer's status line and header lines may take: an answer that sends header
/// lines forever is cut off here, not read into memory.
const MAX_HEAD: usize = 64 * 1024;

/// Sends `bytes` exactly (a whole request, framing and all) on a new connection and reads what
/// comes back until the server closes or `timeout` passes: the first answer, and whether another
/// answer followed it (a second request the server found in the first one's body).
pub fn send_raw(url: &str, bytes: &[u8], timeout: Duration) -> Result<(Reply, bool), String> {
    let (authority, _) = split_url(url)?;
    let mut stream = connect(&authority, timeout)?;
    // A server may answer before the whole request is written, and close.
    let _ = stream.write_all(bytes);
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let mut first_whole = false;
    // Up to 1 MiB of answers; a read that times out ends the collection with what came. Once
    // the first answer is whole, a second one has half a second to start.
    while got.len() < 1 << 20 {
        match std::io::Read::read(&mut stream, &mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if got.is_empty() => return Err(failed("read status line", e)),
            Err(_) => break,
        }
        if !first_whole && read_reply(&mut std::io::Cursor::new(got.as_slice())).is_ok() {
            first_whole = true;
            let _ = stream.set_read_timeout(Some(timeout.min(Duration::from_millis(500))));
        }
    }
    let mut reader = std::io::Cursor::new(got.as_slice());
    let reply = read_reply(&mut reader)?;
    let rest = &got[usize::try_from(reader.position()).unwrap_or(got.len())..];
    Ok((reply, rest.starts_with(b"HTTP/1.")))
}

/// An I/O error as a person reads it: a read that timed out says so (the OS calls it "resource
/// temporarily unavailable").
fn failed(what: &str, e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("{what}: timed out")
        }
        _ => format!("{what}: {e}"),
    }
}

/// One answer, read by the one message reader (`sessionkit_http`), its framing removed.
fn read_reply(reader: &mut impl BufRead) -> Result<Reply, String> {
    let message =
        read_answer_message(reader, MAX_HEAD, Room::up_to(MAX_REPLY)).map_err(|e| match e {
            ReadError::Closed => "no answer: the connection closed before a status line".into(),
            ReadError::HeadTooLarge => format!("answer head over {} KiB", MAX_HEAD / 1024),
            ReadError::BodyTooLarge(_) | ReadError::Busy(_) => {
                format!("answer body over {} MiB", MAX_REPLY >> 20)
            }
            ReadError::Framing(fault, _) => fault.to_string(),
            ReadError::Malformed(why) => why,
            ReadError::Io(e) => failed("read answer", e),
        })?;
    let status = message.first[1]
        .parse()
        .map_err(|_| format!("bad status line {:?}", message.first.join(" ")))?;
    Ok(Reply {
        status,
        headers: message.headers,
        body: message.body,
    })
}
