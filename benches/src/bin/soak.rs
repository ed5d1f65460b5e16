//! Memory on a long run: `sessionkit serve` under valid requests (each creates a session) for a
//! fixed time, its resident set sampled from /proc every 250 ms; printed as the ratio of RSS at the
//! end to RSS after the first 10% of the run, with the session store capped (the default) and,
//! in the same run, with a cap too high to reach (what the store did before it was capped).
//! A flat run has a ratio near 1; numbers, never thresholds (benches/README.md has a run).
//!
//!     cargo build --release -p sessionkit-cli
//!     cargo run --release -p benches --bin soak [-- SECONDS CONCURRENCY MAX_SESSIONS]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::SignedRequest;
use sessionkit::codec::Encoding;

/// Resident set size of `pid` in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Soak {
    requests: usize,
    errors: usize,
    rss_at_tenth: u64,
    rss_at_end: u64,
    rss_peak: u64,
    sessions: String,
}

fn soak(
    root: &str,
    max_sessions: usize,
    request: &Arc<Vec<u8>>,
    seconds: u64,
    clients: usize,
) -> Soak {
    let mut command = Command::new(format!("{root}/target/release/sessionkit"));
    command.args(["serve", "--addr", "127.0.0.1:0", "--max-sessions"]);
    command.arg(max_sessions.to_string());
    let (mut child, addr) = benches::spawn_server(command);
    let pid = child.id();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let load = benches::spawn_clients(&addr, request, clients, deadline);
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        samples.push((started.elapsed(), rss_kib(pid).unwrap_or(0)));
    }
    let (mut requests, mut errors) = (0, 0);
    for client in load {
        let (latencies, failed) = client.join().expect("client thread");
        requests += latencies.len();
        errors += failed;
    }
    let health = sessionkit_conform::client::send(
        "GET",
        &format!("http://{addr}/__sessionkit/health"),
        &sessionkit::headers::Headers::new(),
        b"",
        Duration::from_secs(5),
    )
    .ok()
    .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
    .map_or("?".into(), |h| h["sessions"].to_string());
    let _ = child.kill();
    let _ = child.wait();
    let tenth = Duration::from_secs(seconds) / 10;
    let rss_at_tenth = samples
        .iter()
        .find(|(t, _)| *t >= tenth)
        .map_or(0, |(_, r)| *r);
    Soak {
        requests,
        errors,
        rss_at_tenth,
        rss_at_end: samples.last().map_or(0, |(_, r)| *r),
        rss_peak: samples.iter().map(|(_, r)| *r).max().unwrap_or(0),
        sessions: health,
    }
}

fn cpu() -> (String, bool) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU".into(), |m| {
            m.trim_start_matches([' ', '\t', ':']).to_owned()
        });
    (model, info.contains(" sha_ni"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let clients = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let cap = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(sessionkit_server::server::DEFAULT_MAX_SESSIONS);
    let built = SignedRequest::build(
        br#"{"verification":{"vendorData":"soak","endUserId":"c1de400b-1877-4284-8494-071d37916197"}}"#,
        EXAMPLE_API_KEY,
        EXAMPLE_SHARED_SECRET.as_bytes(),
        Encoding::Identity,
        6,
    );
    let request = benches::keep_alive_bytes(&built);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    assert!(
        std::path::Path::new(&format!("{root}/target/release/sessionkit")).exists(),
        "build it first: cargo build --release -p sessionkit-cli"
    );
    let (model, sha) = cpu();
    println!(
        "{model} ({} SHA extensions), {clients} keep-alive clients, {seconds} s per server, valid requests",
        if sha { "with" } else { "without" }
    );
    println!(
        "{:<28} {:>10} {:>7} {:>12} {:>12} {:>12} {:>7}  sessions",
        "server", "requests", "errors", "RSS @10%", "RSS @end", "peak RSS", "ratio"
    );
    for (name, max) in [
        (format!("--max-sessions {cap}"), cap),
        ("uncapped (usize::MAX)".to_owned(), usize::MAX),
    ] {
        let run = soak(root, max, &request, seconds, clients);
        let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
        println!(
            "{name:<28} {:>10} {:>7} {:>12} {:>12} {:>12} {:>7.2}  {}",
            run.requests,
            run.errors,
            mib(run.rss_at_tenth),
            mib(run.rss_at_end),
            mib(run.rss_peak),
            run.rss_at_end as f64 / run.rss_at_tenth.max(1) as f64,
            run.sessions
        );
    }
}
