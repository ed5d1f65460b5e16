//! Connection handling: accepting under a connection limit, hyper's HTTP/1.1 with header and
//! body deadlines, every request head judged first (`framing.rs`). Reading a request is `request.rs`'s.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::State;
use super::framing::Judged;
use super::routes;

/// How many sockets may be open at once, per connection slot: the rest are idle or sending a
/// head, each a small task until the header timeout closes it.
pub(crate) const SOCKETS_PER_SLOT: usize = 4;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let max_connections = state.settings.max_connections.max(1);
    // A slot is taken once a socket has sent its first byte: sockets that send nothing (held
    // open to starve the server) cost no slot, and a normal request is served beside them.
    let slots = Arc::new(Semaphore::new(max_connections));
    let sockets = Arc::new(Semaphore::new(max_connections * SOCKETS_PER_SLOT));
    let header_timeout = state.settings.header_timeout;
    // hyper's smallest read buffer is 8 KiB; a head larger than the buffer is refused with 431.
    let max_head = state.settings.max_header_bytes.max(8192);
    loop {
        let (stream, peer) = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of descriptors, most often: wait for some to close, never spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(socket) = sockets.clone().try_acquire_owned() else {
            // Past the socket cap: refused at once, never queued behind idle sockets.
            tokio::spawn(refuse_busy(stream, max_connections * SOCKETS_PER_SLOT));
            continue;
        };
        let (state, slots) = (state.clone(), slots.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _socket = socket;
            // Nothing sent within the header timeout: closed without taking a slot.
            // (A peek, not `readable()`: readiness may be reported before any byte is there.)
            match tokio::time::timeout(header_timeout, stream.peek(&mut [0u8; 1])).await {
                Ok(Ok(1..)) => {}
                _ => return,
            }
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            let service = hyper::service::service_fn(move |request| {
                routes::handle(state.clone(), peer, request)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(max_head)
                .keep_alive(true)
                // A refused head ends the stream for hyper (`framing.rs`): the answer to the
                // request before it is still written, then the refusal.
                .half_close(true);
            let judged = Judged::new(stream, max_head);
            let connection = builder.serve_connection(TokioIo::new(judged), service);
            let _ = watcher.watch(connection).await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

/// The answer past the socket cap: 503 with `Retry-After`, in the vendor's failure shape.
async fn refuse_busy(mut stream: tokio::net::TcpStream, cap: usize) {
    use tokio::io::AsyncWriteExt;
    let body = serde_json::json!({
        "status": "fail",
        "code": 503,
        "message": format!("the server holds {cap} connections at most; retry in a second"),
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
