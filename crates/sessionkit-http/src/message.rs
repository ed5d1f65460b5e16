//! Messages read as bytes, bounded (see the crate's documentation).

use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sessionkit::headers::Headers;
use sessionkit::http1::{BodyFraming, FramingFault, request_framing};

/// One message: its raw head and body, and what was parsed from them.
#[derive(Debug, Clone)]
pub struct Message {
    /// Request line or status line, header lines and the blank line, as received.
    pub head: Vec<u8>,
    /// The body as framed on the wire (chunk sizes included when chunked).
    pub framed: Vec<u8>,
    /// The body's bytes (chunked framing removed).
    pub body: Vec<u8>,
    /// The first line's three parts: method, target, version (request) or version, status,
    /// reason (answer).
    pub first: [String; 3],
    /// Header lines, in order, as the core reads them.
    pub headers: Headers,
    /// The share of the proxy's memory budget its body holds, given back when the last copy
    /// of the message is dropped.
    pub held: Option<Arc<Held>>,
}

/// Bytes of bodies the proxy holds at once, across every client and upstream answer: a body
/// that does not fit is refused (503) before a byte of it is read, so that concurrent large
/// bodies cost a bounded amount of memory, not one body's worth per connection.
#[derive(Debug)]
pub struct Budget {
    used: AtomicUsize,
    /// The most held at once.
    pub limit: usize,
}

/// A share of the [`Budget`], given back on drop.
#[derive(Debug)]
pub struct Held {
    budget: Arc<Budget>,
    bytes: usize,
}

impl Budget {
    /// A budget of `limit` bytes, none of them held.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            used: AtomicUsize::new(0),
            limit,
        })
    }

    /// `bytes` of the budget, or `None` when that much is not left.
    pub fn take(self: &Arc<Self>, bytes: usize) -> Option<Arc<Held>> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.limit)
            })
            .ok()
            .map(|_| {
                Arc::new(Held {
                    budget: self.clone(),
                    bytes,
                })
            })
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// What a body may take: its own limit, and its share of the proxy's budget (none for
/// messages the proxy builds itself).
#[derive(Clone, Copy)]
pub struct Room<'a> {
    /// The largest body read, framing removed.
    pub max_body: usize,
    /// The budget its bytes are taken from, when there is one.
    pub budget: Option<&'a Arc<Budget>>,
    /// How many times a body counts against the budget (the proxy counts a request, which it
    /// judges, several times; an answer, read once and checked, once).
    pub copies: usize,
}

impl Room<'_> {
    /// A body limit and no budget (answers the proxy writes, tests).
    pub fn up_to(max_body: usize) -> Room<'static> {
        Room {
            max_body,
            budget: None,
            copies: 1,
        }
    }
}

impl Message {
    /// A message of `head` (its first line's parts and its header lines parsed), before any
    /// body is read and before it holds any of the budget.
    pub fn of_head(head: Vec<u8>, first: [String; 3], headers: Headers) -> Self {
        Message {
            head,
            framed: Vec::new(),
            body: Vec::new(),
            first,
            headers,
            held: None,
        }
    }

    /// `Connection: close`, or HTTP/1.0 without `keep-alive`.
    pub fn wants_close(&self) -> bool {
        let connection = self
            .headers
            .get_one("connection")
            .unwrap_or("")
            .to_ascii_lowercase();
        let old = self.first.iter().any(|p| p == "HTTP/1.0");
        connection.contains("close") || (old && !connection.contains("keep-alive"))
    }
}

/// Why a message could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed before a first byte: the end of a keep-alive connection.
    Closed,
    /// The head is larger than allowed.
    HeadTooLarge,
    /// The declared body is larger than allowed (the head is kept).
    BodyTooLarge(Message),
    /// A request head with more than one reading, or none (never forwarded); the head is kept.
    Framing(FramingFault, Box<Message>),
    /// A malformed line or framing.
    Malformed(String),
    /// The peer went silent or the connection failed.
    Io(io::Error),
    /// The body does not fit in what is left of the proxy's memory budget (the head is kept;
    /// the body was not read).
    Busy(Box<Message>),
}

/// Reads the head: lines up to the blank one, at most `max_head` bytes.
fn read_head(reader: &mut impl BufRead, max_head: usize) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader
            .by_ref()
            .take((max_head + 1 - head.len().min(max_head)) as u64)
            .read_until(b'\n', &mut head)
            .map_err(ReadError::Io)?;
        if read == 0 {
            return if head.is_empty() {
                Err(ReadError::Closed)
            } else {
                Err(ReadError::Malformed(
                    "the connection closed inside the head".into(),
                ))
            };
        }
        if head.len() > max_head {
            return Err(ReadError::HeadTooLarge);
        }
        let line = &head[before..];
        // Blank lines before a request line are allowed (RFC 9112 §2.2).
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            return Ok(head);
        }
        if before == 0 && (line == b"\r\n" || line == b"\n") {
            head.clear();
        }
    }
}

fn parse_head(head: &[u8]) -> Result<([String; 3], Headers), ReadError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.next().unwrap_or("");
    let mut parts = first.splitn(3, ' ');
    let first = [
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    ];
    if first[1].is_empty() {
        return Err(ReadError::Malformed(format!(
            "bad first line {:?}",
            text.lines().next()
        )));
    }
    let mut headers = Headers::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| {
            ReadError::Malformed(format!("header line without a colon: {line:?}"))
        })?;
        headers.push(name.trim(), value.trim());
    }
    Ok((first, headers))
}

/// How the body is framed.
#[derive(Clone, Copy)]
enum Framing {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

/// Reads one request. Its head is judged first (`sessionkit::http1`): a head with more than one
/// reading is refused before a byte of its body is read. A client that sent
/// `Expect: 100-continue` is told to go on (`interim`) before its body is read.
pub fn read_request(
    reader: &mut impl BufRead,
    interim: &mut impl Write,
    max_head: usize,
    room: Room<'_>,
) -> Result<Message, ReadError> {
    let max_body = room.max_body;
    let head = read_head(reader, max_head)?;
    let framing = request_framing(&head);
    let (first, headers) = match parse_head(&head) {
        Ok(parsed) => parsed,
        Err(e) if framing.is_ok() => return Err(e),
        Err(_) => Default::default(),
    };
    let message = Message::of_head(head, first, headers);
    let framing = match framing {
        Ok(BodyFraming::None) => Framing::None,
        Ok(BodyFraming::Length(n)) => Framing::Length(usize::try_from(n).unwrap_or(usize::MAX)),
        Ok(BodyFraming::Chunked) => Framing::Chunked,
        Err(fault) => return Err(ReadError::Framing(fault, Box::new(message))),
    };
    let expects = message
        .headers
        .get_one("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let has_body = matches!(framing, Framing::Chunked | Framing::Length(1..));
    let fits = !matches!(framing, Framing::Length(n) if n > max_body);
    // The budget is taken before a 100 Continue invites the body, and before it is read.
    let message = hold(message, framing, room)?;
    if expects && has_body && fits {
        interim
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| interim.flush())
            .map_err(ReadError::Io)?;
    }
    read_body(reader, message, framing, max_body)
}

/// Reads one answer; its body without framing runs to the close. A 1xx, 204 or 304 has none.
pub fn read_answer_message(
    reader: &mut impl BufRead,
    max_head: usize,
    room: Room<'_>,
) -> Result<Message, ReadError> {
    let max_body = room.max_body;
    let head = read_head(reader, max_head)?;
    let (first, headers) = parse_head(&head)?;
    let chunked = headers
        .get_all("transfer-encoding")
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let status: u16 = first[1].parse().unwrap_or(0);
    let framing = if status < 200 || status == 204 || status == 304 {
        Framing::None
    } else if chunked {
        Framing::Chunked
    } else if let Some(length) = headers.get_one("content-length") {
        Framing::Length(
            length
                .trim()
                .parse()
                .map_err(|_| ReadError::Malformed(format!("Content-Length {length:?}")))?,
        )
    } else {
        Framing::UntilClose
    };
    let message = Message::of_head(head, first, headers);
    let message = hold(message, framing, room)?;
    read_body(reader, message, framing, max_body)
}

/// `message` with its share of the budget for a body framed so: the declared length, or the
/// body limit when chunked (its length is not known before it is read). A body over its own
/// limit is refused as too large by [`read_body`], not as busy.
fn hold(mut message: Message, framing: Framing, room: Room<'_>) -> Result<Message, ReadError> {
    let bytes = match framing {
        Framing::None => 0,
        Framing::Length(n) if n > room.max_body => 0,
        Framing::Length(n) => n,
        Framing::Chunked | Framing::UntilClose => room.max_body,
    } * room.copies;
    if let (Some(budget), 1..) = (room.budget, bytes) {
        match budget.take(bytes) {
            Some(held) => message.held = Some(held),
            None => return Err(ReadError::Busy(Box::new(message))),
        }
    }
    Ok(message)
}

fn read_body(
    reader: &mut impl BufRead,
    mut message: Message,
    framing: Framing,
    max_body: usize,
) -> Result<Message, ReadError> {
    match framing {
        Framing::None => {}
        Framing::Length(n) if n > max_body => return Err(ReadError::BodyTooLarge(message)),
        Framing::Length(n) => {
            message.body.resize(n, 0);
            reader
                .read_exact(&mut message.body)
                .map_err(ReadError::Io)?;
            message.framed = message.body.clone();
        }
        Framing::UntilClose => {
            reader
                .take(max_body as u64 + 1)
                .read_to_end(&mut message.body)
                .map_err(ReadError::Io)?;
            if message.body.len() > max_body {
                return Err(ReadError::BodyTooLarge(message));
            }
            message.framed = message.body.clone();
        }
        Framing::Chunked => read_chunked(reader, &mut message, max_body)?,
    }
    Ok(message)
}

/// Reads one line of chunked framing, at most `max` bytes of it, into `line` and onto the
/// message's framed bytes.
fn framed_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: u64,
    message: &mut Message,
) -> Result<(), ReadError> {
    line.clear();
    reader
        .by_ref()
        .take(max)
        .read_until(b'\n', line)
        .map_err(ReadError::Io)?;
    message.framed.extend_from_slice(line);
    Ok(())
}

fn read_chunked(
    reader: &mut impl BufRead,
    message: &mut Message,
    max_body: usize,
) -> Result<(), ReadError> {
    let mut line = Vec::new();
    loop {
        framed_line(reader, &mut line, 1024, message)?;
        let size = chunk_size(&line)?;
        if size == 0 {
            // Trailer lines, up to the blank one: 8 KiB of them at most.
            let trailers_start = message.framed.len();
            loop {
                framed_line(reader, &mut line, 8192, message)?;
                if message.framed.len() - trailers_start > 8192 {
                    return Err(ReadError::Malformed("trailer lines over 8 KiB".into()));
                }
                if line == b"\r\n" {
                    return Ok(());
                }
                if !line.ends_with(b"\r\n") || line[..line.len() - 2].contains(&b'\r') {
                    return Err(ReadError::Malformed(
                        "a trailer line not ended by CRLF".into(),
                    ));
                }
            }
        }
        if message.body.len().saturating_add(size) > max_body {
            return Err(ReadError::BodyTooLarge(message.clone()));
        }
        let start = message.body.len();
        message.body.resize(start + size, 0);
        reader
            .read_exact(&mut message.body[start..])
            .map_err(ReadError::Io)?;
        message.framed.extend_from_slice(&message.body[start..]);
        let mut end = [0u8; 2];
        reader.read_exact(&mut end).map_err(ReadError::Io)?;
        if &end != b"\r\n" {
            return Err(ReadError::Malformed(
                "chunk data not followed by CRLF".into(),
            ));
        }
        message.framed.extend_from_slice(&end);
    }
}

/// A chunk size line's size (`sessionkit::http1::chunk_size`), or the fault it is.
fn chunk_size(line: &[u8]) -> Result<usize, ReadError> {
    sessionkit::http1::chunk_size(line)
        .and_then(|size| usize::try_from(size).ok())
        .ok_or_else(|| {
            ReadError::Malformed(format!(
                "bad chunk size line {:?}",
                String::from_utf8_lossy(line)
            ))
        })
}

/// `head` with its `Host` line's value replaced (the upstream's authority), every other byte
/// kept, and `extra` lines added before the blank line.
pub fn rewrite_head(head: &[u8], host: Option<&str>, extra: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + 64);
    let mut first = true;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let blank = line == b"\r\n" || line == b"\n";
        if blank && !first {
            for (name, value) in extra {
                out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
            out.extend_from_slice(line);
            continue;
        }
        let is_host = !first && line.len() > 5 && line[..5].eq_ignore_ascii_case(b"host:");
        match (is_host, host) {
            (true, Some(host)) => {
                let name = &line[..4];
                out.extend_from_slice(name);
                out.extend_from_slice(format!(": {host}\r\n").as_bytes());
            }
            _ => out.extend_from_slice(line),
        }
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many times the proxy counts a request body.
    const COPIES: usize = 4;

    /// A share is taken only when it fits, by every holder together, and given back when the
    /// last copy of the message holding it is dropped; a chunked body counts as the limit.
    #[test]
    fn the_budget_is_shared_and_given_back() {
        let budget = Budget::new(95 * COPIES);
        let room = Room {
            max_body: 60,
            budget: Some(&budget),
            copies: COPIES,
        };
        let head = |framing: &str| format!("POST / HTTP/1.1\r\nHost: x\r\n{framing}\r\n");
        let request = |text: String| {
            read_request(
                &mut io::BufReader::new(text.as_bytes()),
                &mut io::sink(),
                4096,
                room,
            )
        };
        let forty = request(head("Content-Length: 40\r\n") + &"x".repeat(40)).unwrap();
        assert_eq!(budget.used(), 40 * COPIES);
        let copy = forty.clone();
        let chunked = request(head("Transfer-Encoding: chunked\r\n") + "0\r\n\r\n");
        assert!(
            matches!(chunked, Err(ReadError::Busy(_))),
            "60 more do not fit"
        );
        let fifty = request(head("Content-Length: 50\r\n") + &"x".repeat(50)).unwrap();
        assert_eq!(budget.used(), 90 * COPIES);
        drop(forty);
        assert_eq!(budget.used(), 90 * COPIES, "a copy still holds it");
        drop((copy, fifty));
        assert_eq!(budget.used(), 0);
        let over = request(head("Content-Length: 70\r\n"));
        assert!(
            matches!(over, Err(ReadError::BodyTooLarge(_))),
            "too large, not busy"
        );
    }

    #[test]
    fn a_request_is_read_byte_for_byte() {
        let raw = b"POST /v1/sessions?x=1 HTTP/1.1\r\nHost: a\r\nX-AUTH-CLIENT: k\r\nx-hmac-signature: s\r\nContent-Encoding: gzip\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabcNEXT";
        let mut reader = std::io::BufReader::new(&raw[..]);
        let m = read_request(&mut reader, &mut io::sink(), 16384, Room::up_to(1 << 20)).unwrap();
        assert_eq!(m.head, raw[..raw.len() - 7].to_vec());
        assert_eq!(m.body, b"abc");
        assert_eq!(m.first[0], "POST");
        assert_eq!(m.headers.get_all("content-encoding").len(), 2);
        let rewritten = rewrite_head(
            &m.head,
            Some("up:81"),
            &[("Sessionkit-Verdict".into(), "x".into())],
        );
        let text = String::from_utf8(rewritten).unwrap();
        assert!(text.starts_with("POST /v1/sessions?x=1 HTTP/1.1\r\nHost: up:81\r\nX-AUTH-CLIENT: k\r\nx-hmac-signature: s\r\n"));
        assert!(text.ends_with("Content-Length: 3\r\nSessionkit-Verdict: x\r\n\r\n"));
    }

    #[test]
    fn chunked_bodies_keep_their_framing_and_limits_hold() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let m = read_answer_message(
            &mut std::io::BufReader::new(&raw[..]),
            16384,
            Room::up_to(100),
        )
        .unwrap();
        assert_eq!(m.body, b"abcde");
        assert_eq!(m.framed, b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        let too_big = read_answer_message(
            &mut std::io::BufReader::new(&raw[..]),
            16384,
            Room::up_to(4),
        );
        assert!(matches!(too_big, Err(ReadError::BodyTooLarge(_))));
        let long_head = [
            b"GET / HTTP/1.1\r\nA: ".as_slice(),
            &[b'a'; 20000],
            b"\r\n\r\n",
        ]
        .concat();
        let head = read_request(
            &mut std::io::BufReader::new(&long_head[..]),
            &mut io::sink(),
            16384,
            Room::up_to(10),
        );
        assert!(matches!(head, Err(ReadError::HeadTooLarge)));
        let empty = read_request(
            &mut std::io::BufReader::new(&b""[..]),
            &mut io::sink(),
            16384,
            Room::up_to(10),
        );
        assert!(matches!(empty, Err(ReadError::Closed)));
    }
}
