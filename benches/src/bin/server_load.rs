//! Drives a server with concurrent keep-alive clients on loopback and prints requests per second
//! and p50/p99 latency for a 16 KiB gzip request: the reference server, and in the same run the
//! baseline `benches/python_server.py` (Python's http.server, gzip, hmac and jsonschema).
//!
//!     cargo run --release -p benches --bin server_load [-- CONCURRENCY SECONDS]

use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let concurrency = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    let seconds = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let (built, request) = benches::load_request();
    let (root, sessionkit) = benches::release_sessionkit();
    let mut results = Vec::new();
    for (name, mut command) in [
        ("sessionkit serve", {
            let mut c = Command::new(&sessionkit);
            c.args(["serve", "--addr", "127.0.0.1:0"]);
            c
        }),
        ("python http.server baseline", {
            let mut c = Command::new("python3");
            c.arg(format!("{root}/benches/python_server.py"));
            c
        }),
    ] {
        command.current_dir(root);
        let (mut child, addr) = benches::spawn_server(command);
        eprintln!("{name}: {concurrency} clients for {seconds} s on {addr} ...");
        let run = benches::load(&addr, request.clone(), concurrency, seconds);
        let _ = child.kill();
        let _ = child.wait();
        results.push((name, run));
    }
    println!(
        "16 KiB consent, gzip ({} wire bytes), {concurrency} concurrent keep-alive clients, {seconds} s each",
        built.body.len()
    );
    benches::print_load_table("server", &results);
    let rps = |i: usize| results[i].1.rate();
    println!(
        "throughput ratio (sessionkit / python): {:.1}x",
        rps(0) / rps(1)
    );
}
