//! Every request head judged by `sessionkit::http1` before hyper reads it, so that `serve` and
//! the proxy refuse the same heads with the same answer.
//!
//! hyper refuses most ambiguous heads itself, with a bare 400 that names nothing, and lets some
//! through (two `Host` lines, `Content-Length` beside `Transfer-Encoding`, two equal
//! `Content-Length` lines, LF line ends). [`Judged`] sits between the socket and hyper: it holds
//! each head back until its blank line, judges it, and gives it to hyper only when it has one
//! reading. Body bytes pass through while it follows their framing (a length, or chunk by chunk)
//! to find the next head. On a fault it ends the stream for hyper, which finishes any answer in
//! flight and shuts the connection down; the shutdown writes the fault's answer first.
//!
//! Work is linear in the bytes; a head is held up to the server's head limit, past which hyper
//! gets it and answers 431.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use sessionkit::http1::{BodyFraming, FramingFault, chunk_size, request_framing};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose request heads are judged before hyper reads them.
pub(crate) struct Judged<S> {
    inner: S,
    track: Track,
    max_head: usize,
    /// Bytes judged and not yet read by hyper.
    ready: Vec<u8>,
    /// The refusal still to write before the shutdown.
    answer: Option<(Vec<u8>, usize)>,
}

/// Where in the stream the next byte is.
enum Track {
    /// In a head: the bytes so far.
    Head(Vec<u8>),
    /// In a body framed by length: the bytes left.
    Length(u64),
    /// In a chunked body.
    Chunk(Chunk),
    /// Past a fault: nothing more is read.
    Refused,
    /// Past something hyper judges itself (a head over the limit, a chunk size line that is not
    /// one): bytes pass unread, and hyper refuses them and closes.
    Through,
}

enum Chunk {
    Size(Vec<u8>),
    Data(u64),
    DataEnd(u8),
    Trailer(Vec<u8>),
}

impl<S> Judged<S> {
    pub(crate) fn new(inner: S, max_head: usize) -> Self {
        Self {
            inner,
            track: Track::Head(Vec::new()),
            max_head,
            ready: Vec::new(),
            answer: None,
        }
    }

    /// Follows `bytes` through the stream, moving what is judged to `ready`.
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match &mut self.track {
                Track::Refused => return,
                Track::Through => {
                    self.ready.extend_from_slice(bytes);
                    return;
                }
                Track::Head(head) => {
                    if head.is_empty() {
                        // Blank lines before a request line (RFC 9112 §2.2) go straight to
                        // hyper, which skips them: a head held here starts at its request line,
                        // so finding its end stays linear however many precede it.
                        let blank = bytes
                            .iter()
                            .position(|b| !matches!(b, b'\r' | b'\n'))
                            .unwrap_or(bytes.len());
                        self.ready.extend_from_slice(&bytes[..blank]);
                        bytes = &bytes[blank..];
                        if bytes.is_empty() {
                            continue;
                        }
                    }
                    let (taken, done) = take_head(head, bytes);
                    bytes = &bytes[taken..];
                    if done {
                        let head = std::mem::take(head);
                        self.judge(head);
                    } else if head.len() > self.max_head {
                        self.ready.append(head);
                        self.track = Track::Through;
                    }
                }
                Track::Length(left) => {
                    let n = bytes
                        .len()
                        .min(usize::try_from(*left).unwrap_or(usize::MAX));
                    self.ready.extend_from_slice(&bytes[..n]);
                    bytes = &bytes[n..];
                    *left -= n as u64;
                    if *left == 0 {
                        self.track = Track::Head(Vec::new());
                    }
                }
                Track::Chunk(chunk) => {
                    let n = follow_chunk(chunk, bytes);
                    self.ready.extend_from_slice(&bytes[..n]);
                    bytes = &bytes[n..];
                    match chunk {
                        Chunk::Size(line) if line.ends_with(b"\n") => {
                            self.track = match chunk_size(line) {
                                Some(0) => Track::Chunk(Chunk::Trailer(Vec::new())),
                                Some(size) => Track::Chunk(Chunk::Data(size)),
                                None => Track::Through,
                            }
                        }
                        Chunk::Size(line) if line.len() > 1024 => self.track = Track::Through,
                        Chunk::Data(0) => self.track = Track::Chunk(Chunk::DataEnd(2)),
                        Chunk::DataEnd(0) => self.track = Track::Chunk(Chunk::Size(Vec::new())),
                        Chunk::Trailer(line) if line == b"\r\n" || line == b"\n" => {
                            self.track = Track::Head(Vec::new())
                        }
                        Chunk::Trailer(line) if line.ends_with(b"\n") => line.clear(),
                        Chunk::Trailer(line) if line.len() > 8192 => self.track = Track::Through,
                        _ => {}
                    }
                }
            }
        }
    }

    fn judge(&mut self, head: Vec<u8>) {
        match request_framing(&head) {
            Ok(framing) => {
                self.ready.extend_from_slice(&head);
                self.track = match framing {
                    BodyFraming::None | BodyFraming::Length(0) => Track::Head(Vec::new()),
                    BodyFraming::Length(n) => Track::Length(n),
                    BodyFraming::Chunked => Track::Chunk(Chunk::Size(Vec::new())),
                };
            }
            Err(fault) => self.refuse(&fault),
        }
    }

    fn refuse(&mut self, fault: &FramingFault) {
        tracing::info!(fault = fault.code(), "refused an ambiguous request head");
        self.answer = Some((fault.answer(), 0));
        self.track = Track::Refused;
    }
}

/// Moves bytes of `input` onto `head` (which starts at its request line) up to the blank line
/// that ends it (a line that is empty once its CR is set aside); returns how many were taken and
/// whether the head is whole.
fn take_head(head: &mut Vec<u8>, input: &[u8]) -> (usize, bool) {
    for (i, &b) in input.iter().enumerate() {
        head.push(b);
        if b == b'\n' && head_is_whole(head) {
            return (i + 1, true);
        }
    }
    (input.len(), false)
}

fn head_is_whole(head: &[u8]) -> bool {
    head.ends_with(b"\n\r\n") || head.ends_with(b"\n\n")
}

/// Moves through a chunked body's bytes until the current part ends; returns how many it used.
fn follow_chunk(chunk: &mut Chunk, input: &[u8]) -> usize {
    match chunk {
        Chunk::Size(line) | Chunk::Trailer(line) => {
            let n = input
                .iter()
                .position(|&b| b == b'\n')
                .map_or(input.len(), |at| at + 1);
            line.extend_from_slice(&input[..n]);
            n
        }
        Chunk::Data(left) => {
            let n = input
                .len()
                .min(usize::try_from(*left).unwrap_or(usize::MAX));
            *left -= n as u64;
            n
        }
        Chunk::DataEnd(left) => {
            let n = input.len().min(usize::from(*left));
            *left -= n as u8;
            n
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Judged<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.ready.is_empty() {
                let n = this.ready.len().min(buf.remaining());
                buf.put_slice(&this.ready[..n]);
                this.ready.drain(..n);
                return Poll::Ready(Ok(()));
            }
            if matches!(this.track, Track::Refused) {
                // The end of the stream, for hyper: it finishes and shuts the connection down.
                return Poll::Ready(Ok(()));
            }
            let mut bytes = [0u8; 8192];
            let mut read = ReadBuf::new(&mut bytes);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            let got = read.filled();
            if got.is_empty() {
                // The peer closed: a partial head goes to hyper, which refuses it.
                if let Track::Head(head) = &mut this.track {
                    this.ready.append(head);
                }
                this.track = Track::Through;
                if this.ready.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            let got = got.to_vec();
            this.feed(&got);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Judged<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while let Some((answer, sent)) = &mut this.answer {
            if *sent == answer.len() {
                this.answer = None;
                break;
            }
            match ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*sent..])) {
                Ok(0) | Err(_) => this.answer = None,
                Ok(n) => *sent += n,
            }
        }
        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(chunks: &[&[u8]]) -> Judged<()> {
        let mut judged = Judged::new((), 16384);
        for chunk in chunks {
            judged.feed(chunk);
        }
        judged
    }

    #[test]
    fn heads_bodies_and_chunks_are_followed_to_the_next_head() {
        let stream: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc\
POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n\
GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        // Whole, and a byte at a time: the same bytes reach hyper.
        assert_eq!(fed(&[stream]).ready, stream);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        let judged = fed(&bytes);
        assert_eq!(judged.ready, stream);
        assert!(matches!(&judged.track, Track::Head(h) if h.is_empty()));
    }

    #[test]
    fn blank_lines_before_a_request_line_pass_through() {
        let stream: &[u8] = b"\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        let judged = fed(&bytes);
        assert_eq!(judged.ready, stream);
        assert!(matches!(&judged.track, Track::Head(h) if h.is_empty()));
    }

    #[test]
    fn a_second_head_with_two_readings_is_held_back() {
        let good: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}";
        let bad: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";
        let judged = fed(&[good, bad]);
        assert_eq!(judged.ready, good);
        assert!(matches!(judged.track, Track::Refused));
        let answer = String::from_utf8(judged.answer.unwrap().0).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("\"repeated_host\""), "{answer}");
    }
}
