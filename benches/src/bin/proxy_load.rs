//! What the validation proxy costs: the same signed 16 KiB gzip request sent by concurrent
//! keep-alive clients straight to `sessionkit serve` and through `sessionkit proxy` in front of
//! it (verdicts on: judged after the answer is sent, and with `--verdict-header` before it), in
//! one run; prints requests per second, p50/p99 latency and the ratios. Then what the proxy
//! costs as CPU, which a shared 2-core machine's throughput hides: its CPU seconds per exchange
//! (`/proc/PID/stat`) against `serve`'s per request, in the same runs, and the latency it adds
//! with one client.
//!
//!     cargo build --release -p sessionkit-cli && cargo run --release -p benches --bin proxy_load [-- CONCURRENCY SECONDS]

use std::process::Command;

use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let concurrency = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let (built, request) = benches::load_request();
    let (_, sessionkit) = benches::release_sessionkit();
    let mut serve = Command::new(&sessionkit);
    serve.args(["serve", "--addr", "127.0.0.1:0", "--max-sessions", "10000"]);
    let (mut upstream, upstream_addr) = benches::spawn_server(serve);
    let proxy = |extra: &[&str]| {
        let mut proxy = Command::new(&sessionkit);
        proxy.args([
            "proxy",
            "--upstream",
            &format!("http://{upstream_addr}"),
            "--api-key",
            EXAMPLE_API_KEY,
            "--secret",
            EXAMPLE_SHARED_SECRET,
        ]);
        proxy.args(extra);
        benches::spawn_server(proxy)
    };
    let (mut judging_after, after_addr) = proxy(&[]);
    let (mut judging_before, before_addr) = proxy(&["--verdict-header"]);
    let mut results = Vec::new();
    // CPU seconds per request of each process that served the run: serve's alone when direct,
    // the proxy's alone (not the serve behind it) when through a proxy.
    let mut cpu_per_request = Vec::new();
    let pids = [upstream.id(), judging_after.id(), judging_before.id()];
    for (i, (name, addr)) in [
        ("direct to serve", &upstream_addr),
        ("through proxy", &after_addr),
        ("proxy, verdict header", &before_addr),
    ]
    .into_iter()
    .enumerate()
    {
        eprintln!("{name}: {concurrency} clients for {seconds} s on {addr} ...");
        let before = benches::cpu_seconds(pids[i]);
        let run = benches::load(addr, request.clone(), concurrency, seconds);
        cpu_per_request.push((benches::cpu_seconds(pids[i]) - before) / run.requests.max(1) as f64);
        results.push((name, run));
    }
    // One client: the latency a hop adds when nothing else waits for the cores.
    let single: Vec<benches::Run> = [&upstream_addr, &after_addr]
        .into_iter()
        .map(|addr| benches::load(addr, request.clone(), 1, seconds.min(3)))
        .collect();
    let rss = |pid: u32| benches::peak_rss_kib(pid) as f64 / 1024.0;
    let peaks = pids.map(rss);
    for child in [&mut judging_after, &mut judging_before, &mut upstream] {
        let _ = child.kill();
        let _ = child.wait();
    }
    println!(
        "16 KiB consent, gzip ({} wire bytes), {concurrency} concurrent keep-alive clients, {seconds} s each",
        built.body.len()
    );
    benches::print_load_table("path", &results);
    let rps = |i: usize| results[i].1.rate();
    let p = |i: usize, q: f64| benches::percentile(&results[i].1.latencies_us, q);
    for i in [1, 2] {
        println!(
            "{}: {:.2}x the direct throughput; p50 +{:.2} ms, p99 +{:.2} ms",
            results[i].0,
            rps(i) / rps(0),
            p(i, 0.5) - p(0, 0.5),
            p(i, 0.99) - p(0, 0.99)
        );
    }
    for i in [1, 2] {
        println!(
            "{}: {:.1} µs of CPU per exchange, {:.2}x serve's {:.1} µs per request (goal: at most 1.0x)",
            results[i].0,
            cpu_per_request[i] * 1e6,
            cpu_per_request[i] / cpu_per_request[0],
            cpu_per_request[0] * 1e6
        );
    }
    let p50 = |run: &benches::Run| benches::percentile(&run.latencies_us, 0.5);
    println!(
        "one client: p50 {:.2} ms direct, {:.2} ms through the proxy: +{:.2} ms (goal: at most 0.2 ms)",
        p50(&single[0]),
        p50(&single[1]),
        p50(&single[1]) - p50(&single[0])
    );
    println!(
        "peak RSS: serve {:.1} MiB, proxy {:.1} MiB, proxy with --verdict-header {:.1} MiB",
        peaks[0], peaks[1], peaks[2]
    );
}
