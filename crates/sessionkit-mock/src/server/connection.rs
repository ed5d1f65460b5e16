//! Connection handling: accepting under a connection limit, hyper's HTTP/1.1 with header and
//! body deadlines, and reading a body without ever holding more than the limit.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use sessionkit::headers::Headers;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::State;
use super::routes;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(state.settings.max_connections.max(1)));
    let header_timeout = state.settings.header_timeout;
    // hyper's smallest read buffer is 8 KiB; a head larger than the buffer is refused with 431.
    let max_head = state.settings.max_header_bytes.max(8192);
    loop {
        // Waiting for a slot before accepting keeps the connection count bounded.
        let permit = tokio::select! {
            _ = stopped.changed() => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        let service =
            hyper::service::service_fn(move |request| routes::handle(state.clone(), peer, request));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(max_head)
            .keep_alive(true);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

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
pub(crate) async fn read_body(
    body: Incoming,
    max: usize,
    timeout: Duration,
) -> Result<Vec<u8>, &'static str> {
    let mut body = body;
    let mut bytes = Vec::new();
    let mut drained = 0usize;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| "connection failed while reading the body")?;
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
        Err(_) => Err("body not received in time"),
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
