//! Reading a request: its header lines in order, its declared length, and its body without ever
//! holding more than the limit (or draining it in the background when it is refused).

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use sessionkit::headers::Headers;

/// The request's header lines, in order, as the core reads them.
pub(crate) fn headers_of(request: &Request<Incoming>) -> Headers {
    request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The declared `Content-Length`, when there is one valid value.
pub(crate) fn declared_length(request: &Request<Incoming>) -> Option<usize> {
    let value = request.headers().get(hyper::header::CONTENT_LENGTH)?;
    value.to_str().ok()?.trim().parse().ok()
}

/// Bytes of an oversized body read and dropped before answering: closing a socket with unread
/// data makes the kernel send a reset, and the client may lose the 413 it was about to read.
const DRAIN: usize = 16 << 20;

/// Keeps at most `max + 1` bytes of the body: enough for `receive` to see it is too large,
/// never more, and never waits longer than the body timeout.
/// Why a body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Not whole within the body timeout: 408, a retry may succeed.
    Late,
    /// Framed wrong (a chunk size that is not one) or cut off by the client: 400, retrying the
    /// same bytes cannot succeed.
    Malformed,
}

impl BodyError {
    /// As the answer says it.
    pub(crate) fn message(self) -> &'static str {
        match self {
            BodyError::Late => "body not received in time",
            BodyError::Malformed => {
                "the body's framing is malformed or the connection ended inside it"
            }
        }
    }
}

pub(crate) async fn read_body(
    body: Incoming,
    max: usize,
    timeout: Duration,
) -> Result<Vec<u8>, BodyError> {
    let mut body = body;
    let mut bytes = Vec::new();
    let mut drained = 0usize;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Malformed)?;
            if let Some(data) = frame.data_ref() {
                let room = (max + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&data[..data.len().min(room)]);
                drained += data.len();
                if drained > max.saturating_add(DRAIN) {
                    break;
                }
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok(bytes),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(BodyError::Late),
    }
}

/// Reads and drops a body the server already answered (a declared length over the limit) in
/// the background, up to [`DRAIN`] bytes and the body timeout, so the client reads its 413
/// instead of a reset.
pub(crate) fn drain_in_background(body: Incoming, timeout: Duration) {
    tokio::spawn(async move {
        let _ = read_body(body, 0, timeout).await;
    });
}
