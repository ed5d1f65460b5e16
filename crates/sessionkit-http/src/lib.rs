//! HTTP/1.1 for sessionkit: messages read as bytes: the head exactly as it came (request or status line and every
//! header line, in order and case) and the body's bytes as framed on the wire, with the parsed
//! view beside them. Every read is bounded: the head, the body, and (by the caller's socket
//! timeouts) the time. The one reader of messages in sessionkit: `conform`'s raw client reads
//! answers with it, the proxy reads requests and answers; a request's head is judged by
//! `sessionkit::http1` before a byte of its body is read.
//!
//! Three modules: [`message`], the one reader of heads and bodies; [`client`], the raw client
//! that writes requests exactly as given (odd header lines included) and reads the answer with
//! it; [`endpoint`], a peer's address and a plain or TLS connection to it (rustls, the system's
//! roots and extra CA files).

pub mod client;
pub mod endpoint;
pub mod message;

pub use message::{
    Budget, Held, Message, ReadError, Room, read_answer_message, read_request, rewrite_head,
};
