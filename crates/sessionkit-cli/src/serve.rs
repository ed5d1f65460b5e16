//! `sessionkit serve` and `sessionkit send`: the reference server, and one request sent to a server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sessionkit::receive::{Config, EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, Limits};
use sessionkit::schema::{self, Profile};
use sessionkit::signature;
use sessionkit_mock::{Settings, client};

use crate::sign::ClientArgs;
use crate::{CONFORMS, DOES_NOT_CONFORM};

/// Arguments of `sessionkit serve`.
#[derive(clap::Args)]
#[command(
    after_help = "The first line on stdout is `listening on http://ADDR`, also with port 0.\n\
    Ctrl-C or SIGTERM stops accepting and lets requests in flight finish.\n\n\
    Forced answers for client testing: send `Prefer: code=429` or `Prefer: code=500`.\n\n\
    Example:\n  sessionkit serve --addr 127.0.0.1:0 --report requests.ndjson"
)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// API keys accepted in X-AUTH-CLIENT (repeatable). Default: the documentation's `your-api-key`.
    #[arg(long = "api-key", value_name = "K")]
    api_keys: Vec<String>,
    /// Active shared secrets (repeatable, for key rotation; the first signs answers).
    /// Default: the documentation's `your-shared-secret`.
    #[arg(long = "shared-secret", value_name = "S")]
    shared_secrets: Vec<String>,
    /// Schema profile requests are validated in.
    #[arg(long, default_value = "documented", value_parser = crate::validate::parse_profile)]
    profile: Profile,
    /// Append one NDJSON record per request (what was sent, the outcome, its diagnostics).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Requests per minute per API key; more are answered 429 with Retry-After.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Fraction of requests answered 500 (0 to 1), to test a client's retries.
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    fault_rate: f64,
    /// Accept requests without X-HMAC-SIGNATURE (a signature that is sent is still checked).
    #[arg(long)]
    allow_unsigned: bool,
    /// Largest body on the wire, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_wire: usize,
    /// Largest body after decoding, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_decoded: usize,
    /// `baseUrl` of created sessions (default: the server's own URL).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

/// The reference server's settings from the command line.
fn settings(args: &ServeArgs) -> anyhow::Result<Settings> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.fault_rate),
        "--fault-rate must be between 0 and 1"
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
            require_signature: !args.allow_unsigned,
            ..Config::default()
        },
        base_url: args.base_url.clone(),
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        report: args.report.clone(),
        ..Settings::default()
    })
}

/// Runs the reference server until Ctrl-C or SIGTERM.
pub fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let settings = settings(&args)?;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = sessionkit_mock::start(settings)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        println!("listening on {}", server.url());
        use std::io::Write;
        std::io::stdout().flush()?;
        stop_signal().await;
        eprintln!("stopping: letting requests in flight finish");
        server.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(CONFORMS)
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Arguments of `sessionkit send`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 for a 201 with a valid answer signature, 1 otherwise, 2 on usage or I/O errors.\n\n\
    Example:\n  sessionkit send --url http://127.0.0.1:8080/v1/sessions --api-key your-api-key \\\n    \
    --secret your-shared-secret --encoding gzip corpus/schema/seed/python-client.json"
)]
pub struct SendArgs {
    /// Where to POST (http:// only).
    #[arg(long, default_value = "http://127.0.0.1:8080/v1/sessions")]
    url: String,
    #[command(flatten)]
    client: ClientArgs,
    /// Seconds to wait for the server.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Builds, sends, and checks the answer's signature and schema.
pub fn send(args: SendArgs) -> anyhow::Result<u8> {
    let (built, secret) = args.client.build()?;
    let reply = client::send(
        "POST",
        &args.url,
        &built.headers,
        &built.body,
        Duration::from_secs(args.timeout),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} {}",
        reply.status,
        sessionkit::receive::reason(reply.status)
    );
    println!("{}", String::from_utf8_lossy(&reply.body));
    let mut ok = reply.status == 201;
    match reply
        .headers
        .get_one("x-hmac-signature")
        .map(signature::Signature::from_hex)
    {
        Some(Ok(sig)) if signature::verify(&[&secret], &reply.body, &sig) => {
            println!("answer signature: valid")
        }
        Some(_) => {
            println!(
                "answer signature: INVALID (does not match the answer bytes under the shared secret)"
            );
            ok = false;
        }
        None => println!("answer signature: missing"),
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
        let report = schema::validate_answer(&body, reply.status == 201);
        for v in &report.errors {
            println!("answer schema: {} {}: {}", v.code, v.pointer, v.message);
            ok = false;
        }
        if let Some(diagnostics) = body["diagnostics"].as_array() {
            for d in diagnostics {
                println!(
                    "diagnostic[{}] {}",
                    d["code"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                );
                if let Some(hint) = d["hint"].as_str() {
                    println!("  hint: {hint}");
                }
            }
        }
    }
    Ok(if ok { CONFORMS } else { DOES_NOT_CONFORM })
}
