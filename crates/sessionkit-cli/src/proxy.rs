//! `sessionkit proxy`: the validation proxy of `sessionkit_conform::proxy` in front of an
//! upstream, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sessionkit_conform::proxy::{self, ProxySettings};

use crate::CONFORMS;
use crate::args::JudgeArgs;

/// Arguments of `sessionkit proxy`.
#[derive(clap::Args)]
#[command(
    after_help = "Forwards every request to the upstream byte for byte (request line, every \
    header line in order and case, the body as framed; only the Host value becomes the upstream's) \
    and its answer back unchanged, and judges each POST /v1/sessions with the contract (the \
    client's credentials and profile, the doctor's named mistakes) and each answer with the rules \
    conform checks. Verdicts: GET /__sessionkit/requests and /__sessionkit/verify on the proxy (as \
    on `serve`), --report (NDJSON with the exact bytes), --har (HAR 1.2, lossless), \
    --verdict-header.\n\n\
    Faults: an upstream that refuses connections is answered 502 naming it; one silent past \
    --upstream-timeout 504; one closing mid-answer 502; a client that leaves has its upstream \
    request cancelled. A body over --max-body is answered 413 by the proxy, never held.\n\n\
    Budgets in total: 256 clients at once (past it the one idle longest between requests is \
    closed to make room; when all are mid-request, 503 with Retry-After); bodies in flight \
    (requests and answers, a chunked one counted at --max-body) up to --max-in-flight MiB, then \
    503 with Retry-After before the body is read; a client silent past 30 s, or a request not \
    whole 15 s after its first byte, is answered 408.\n\n\
    The first line on stdout is `listening on http://ADDR`, also with port 0.\n\n\
    Examples:\n  sessionkit proxy --upstream http://127.0.0.1:8080 --api-key K --secret S --verdict-header\n  \
    sessionkit proxy --upstream http://staging.internal:8080 --api-key K --secret S --enforce --har traffic.har"
)]
pub struct ProxyArgs {
    /// Where requests go: `http[s]://host[:port][/base]` (the request's path is appended to
    /// base). HTTPS is verified against the system's roots and --upstream-ca.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// A PEM file of CA certificates an HTTPS upstream's certificate may chain to, beside the
    /// system's (a staging server's private CA).
    #[arg(long, value_name = "FILE")]
    upstream_ca: Option<PathBuf>,
    /// Address to listen on (loopback; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    #[command(flatten)]
    judge: JudgeArgs,
    /// Add a `Sessionkit-Verdict` header to each answer (`accepted`, `refused 401
    /// signature_mismatch (mistakes: ...)`).
    #[arg(long)]
    verdict_header: bool,
    /// Answer an invalid request as the reference server would (with diagnostics), without
    /// forwarding it: the upstream never sees it.
    #[arg(long)]
    enforce: bool,
    /// Seconds the upstream may take to answer before the client gets a 504.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    upstream_timeout: u64,
    /// Largest request body held, in bytes (larger ones are answered 413 by the proxy).
    #[arg(long, default_value_t = (1 << 20) + (1 << 16), value_name = "BYTES")]
    max_body: usize,
    /// MiB of memory for request and answer bodies held at once across every client (each body
    /// counts 4 times its length: its copies while judged); a body that does not fit is
    /// answered 503 (Retry-After) before it is read.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    max_in_flight: usize,
    /// Append one NDJSON record per exchange, with its exact bytes (`sessionkit check` reads it).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Record every exchange as HAR 1.2 with its exact bytes and verdict.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    /// Write the proxy's URL to this file once it listens.
    #[arg(long, value_name = "FILE")]
    ready_file: Option<PathBuf>,
    /// Print nothing per exchange (by default one line each on stderr: method, path, the
    /// upstream's status, the verdict and its mistakes).
    #[arg(long)]
    quiet: bool,
}

/// Runs the proxy until Ctrl-C or SIGTERM.
pub fn run(args: ProxyArgs) -> anyhow::Result<u8> {
    let config = args.judge.config()?;
    let mut settings = ProxySettings::new(args.upstream.clone(), config);
    settings.addr = args.addr;
    settings.upstream_ca = args.upstream_ca.clone();
    settings.verdict_header = args.verdict_header;
    settings.enforce = args.enforce;
    settings.upstream_timeout = Duration::from_secs(args.upstream_timeout.max(1));
    settings.max_body = args.max_body;
    anyhow::ensure!(
        args.max_in_flight << 20 >= args.max_body * 4,
        "--max-in-flight ({} MiB) must hold at least one --max-body ({} bytes), counted 4 times",
        args.max_in_flight,
        args.max_body
    );
    settings.max_in_flight = args.max_in_flight << 20;
    settings.report = args.report.clone();
    settings.har = args.har.clone();
    let running = proxy::start(settings).map_err(anyhow::Error::msg)?;
    if let Some(file) = &args.ready_file {
        std::fs::write(file, running.url() + "\n")
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    println!("listening on {}", running.url());
    eprintln!("forwarding to {}", args.upstream);
    if !args.quiet {
        let warned = std::sync::atomic::AtomicBool::new(false);
        running.watch(move |exchange| {
            // One write per exchange: stderr is unbuffered, and `eprintln!` writes the line
            // and its newline apart (two system calls on the proxy's every exchange).
            let line = format!("{}\n", exchange.line);
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
            if exchange.contradicts_signature
                && !warned.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                eprintln!(
                    "note: the upstream accepted a request the proxy refused for its signature: \
                     the proxy's --secret (or --api-key) may not be the upstream's"
                );
            }
        });
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot wait for signals")?;
    runtime.block_on(async { crate::serve::stop_signal().await });
    eprintln!("stopping");
    drop(running);
    Ok(CONFORMS)
}
