//! `sessionkit serve` and `sessionkit send`: the reference server, and one request sent to a server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use sessionkit::Config;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::LabelledSecret;
use sessionkit::Limits;
use sessionkit::Profile;
use sessionkit::Unsigned;
use sessionkit_server::Settings;

use crate::CONFORMS;

/// Arguments of `sessionkit serve`.
#[derive(clap::Args)]
#[command(
    after_help = "The first line on stdout is `listening on http://ADDR`, also with port 0.\n\
    Ctrl-C or SIGTERM stops accepting and lets requests in flight finish.\n\n\
    Forced answers for client testing: send `Prefer: code=429` or `Prefer: code=500`.\n\n\
    Example:\n  sessionkit serve --addr 127.0.0.1:0 --report requests.ndjson"
)]
pub struct ServeArgs {
    /// Address to listen on, `HOST:PORT` (loopback by default; `localhost` is read as the first
    /// address it resolves to; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_addr, value_name = "HOST:PORT")]
    addr: SocketAddr,
    /// API keys accepted in X-AUTH-CLIENT (repeatable). Default: the documentation's `your-api-key`.
    #[arg(long = "api-key", value_name = "K")]
    api_keys: Vec<String>,
    /// Active shared secrets (repeatable, for key rotation; the first signs answers).
    /// Default: the documentation's `your-shared-secret`.
    #[arg(long = "shared-secret", value_name = "S")]
    shared_secrets: Vec<String>,
    /// A secret of another environment or a retired one, never accepted: a signature made with
    /// it is refused and the answer names its label (`secret_of_other_environment`). Written
    /// LABEL=SECRET, or LABEL@API_KEY=SECRET to try it only for that API key (repeatable).
    #[arg(long = "labelled-secret", value_name = "LABEL=SECRET", value_parser = parse_labelled)]
    labelled_secrets: Vec<LabelledSecret>,
    /// Schema profile requests are validated in.
    #[arg(long, default_value = "documented", value_parser = crate::args::parse_profile)]
    profile: Profile,
    /// Append one NDJSON record per request (what was sent, the outcome, its diagnostics).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Record every exchange as HAR 1.2 with the request's exact bytes (base64, in
    /// `postData._wireBase64`) and its verdict (`_sessionkit`): `sessionkit check` reads it back,
    /// and `check --promote DIR` turns entries into corpus cases.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    /// Deliver decision webhooks here (`http://`): `POST /__sessionkit/decide` with
    /// `{"id": SESSION, "status": "approved"}` makes the decision and sends it, signed.
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// Requests per minute per API key; more are answered 429 with Retry-After.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Fraction of requests answered 500 (0 to 1), to test a client's retries.
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    fault_rate: f64,
    /// Refuse POST /v1/sessions without X-HMAC-SIGNATURE (401 missing_signature), in every
    /// profile. By default the documented profile accepts it, as the API does (its FAQ: "POST
    /// /sessions does not require an X-HMAC-SIGNATURE"), naming `unsigned_request` in the
    /// answer's diagnostics; the strict profile refuses it. A signature that is sent is always
    /// checked. For a team that means to sign: a test then fails when the client forgot to.
    #[arg(long, conflicts_with = "allow_unsigned")]
    require_signature: bool,
    /// Accept requests without X-HMAC-SIGNATURE in every profile, the strict one too (and
    /// GET /v1/sessions/{id}/decision unsigned).
    #[arg(long)]
    allow_unsigned: bool,
    /// Sessions kept for GET /v1/sessions/{id}/decision; past it the oldest is evicted first, so
    /// memory stays bounded on long runs (the default keeps about 64 MiB of sessions). The store's
    /// size is in GET /__sessionkit/health.
    #[arg(long, default_value_t = sessionkit_server::server::DEFAULT_MAX_SESSIONS, value_name = "N")]
    max_sessions: usize,
    /// Requests served at once. A connection takes a slot with its first byte, so sockets that
    /// send nothing starve no one; four times as many are held open (each until the 5 s header
    /// timeout), and past that a new one is answered 503 with Retry-After.
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_connections: usize,
    /// Largest body on the wire, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_wire: usize,
    /// Largest body after decoding, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_decoded: usize,
    /// Write the server's URL to this file once it listens (for test suites that start it with
    /// `--addr 127.0.0.1:0` and wait for the file).
    #[arg(long, value_name = "FILE")]
    ready_file: Option<PathBuf>,
    /// `baseUrl` of created sessions (default: the server's own URL).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

/// The reference server's settings from the command line.
/// `LABEL=SECRET` or `LABEL@API_KEY=SECRET` (the secret may itself hold `=`).
fn parse_labelled(text: &str) -> Result<LabelledSecret, String> {
    let (name, secret) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected LABEL=SECRET or LABEL@API_KEY=SECRET"))?;
    let (label, api_key) = match name.split_once('@') {
        Some((label, key)) => (label, Some(key.to_owned())),
        None => (name, None),
    };
    if label.is_empty() || secret.is_empty() {
        return Err(format!(
            "{text:?}: the label and the secret must not be empty"
        ));
    }
    Ok(LabelledSecret {
        label: label.to_owned(),
        api_key,
        secret: secret.as_bytes().to_vec(),
    })
}

/// `127.0.0.1:8080`, `[::1]:8080`, or a host name such as `localhost:8080` (its first address).
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let mut resolved = text
        .to_socket_addrs()
        .map_err(|e| format!("{text:?} is not HOST:PORT ({e})"))?;
    resolved
        .next()
        .ok_or_else(|| format!("{text:?} resolves to no address"))
}

fn settings(args: &ServeArgs) -> anyhow::Result<Settings> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.fault_rate),
        "--fault-rate must be between 0 and 1"
    );
    anyhow::ensure!(args.max_sessions >= 1, "--max-sessions must be at least 1");
    if let Some(url) = &args.webhook_url {
        // Checked at start, not at the first decision: serve delivers over plain HTTP.
        anyhow::ensure!(
            url.starts_with("http://") && url.len() > "http://".len(),
            "--webhook-url {url}: serve delivers webhooks to http:// URLs (a receiver on loopback)"
        );
    }
    anyhow::ensure!(
        args.max_connections >= 1,
        "--max-connections must be at least 1"
    );
    let keys = if args.api_keys.is_empty() {
        vec![EXAMPLE_API_KEY.to_owned()]
    } else {
        args.api_keys.clone()
    };
    let secrets = if args.shared_secrets.is_empty() {
        vec![EXAMPLE_SHARED_SECRET.as_bytes().to_vec()]
    } else {
        args.shared_secrets
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect()
    };
    Ok(Settings {
        addr: args.addr,
        receive: Config {
            api_keys: keys,
            secrets,
            profile: args.profile,
            limits: Limits {
                max_wire: args.max_wire,
                max_decoded: args.max_decoded,
            },
            unsigned: match (args.require_signature, args.allow_unsigned) {
                (true, _) => Unsigned::Refused,
                (_, true) => Unsigned::Accepted,
                _ => Unsigned::ByProfile,
            },
            labelled_secrets: args.labelled_secrets.clone(),
            ..Config::default()
        },
        base_url: args.base_url.clone(),
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        report: args.report.clone(),
        har: args.har.clone(),
        webhook_url: args.webhook_url.clone(),
        max_sessions: args.max_sessions,
        max_connections: args.max_connections,
        ..Settings::default()
    })
}

/// Runs the reference server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    let settings = settings(&args)?;
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour codes only for a person at a terminal, never in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        // The server's errors name their address or file.
        let server = sessionkit_server::start(settings).await?;
        let stopped = stop_signal();
        if let Some(file) = &args.ready_file {
            std::fs::write(file, server.url() + "\n")
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
        println!("listening on {}", server.url());
        use std::io::Write;
        std::io::stdout().flush()?;
        stopped.await;
        eprintln!(
            "stopping: letting requests in flight finish (up to 10 s; Ctrl-C again to stop now)"
        );
        // A second signal does not wait for a client stuck mid-body.
        tokio::select! {
            () = server.shutdown() => {}
            () = stop_signal() => {
                eprintln!("stopped without waiting for the requests in flight");
                std::process::exit(130);
            }
        }
        anyhow::Ok(())
    })?;
    Ok(CONFORMS)
}

/// Resolves on Ctrl-C or SIGTERM. The SIGTERM handler is installed when this is called, not when
/// the future is first polled, so a signal sent right after the address is printed is not lost.
pub(crate) fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
