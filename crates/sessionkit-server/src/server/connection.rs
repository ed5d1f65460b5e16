//! Connection handling: accepting under a connection limit, hyper's HTTP/1.1 with header and
//! body deadlines. Reading a request is `request.rs`'s.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
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
