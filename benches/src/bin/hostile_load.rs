//! What hostile traffic costs: `sessionkit serve` and `sessionkit proxy` in front of it, each
//! hostile load run while one keep-alive client sends normal requests (the 16 KiB gzip consent)
//! to each, measured against the same client with no load in the same run; and the peak
//! resident set of each process after each load (`VmHWM` in `/proc/PID/status`, which only
//! grows: each row is the peak so far). Then `sessionkit webhook` against receivers that send
//! header lines forever or drip a byte a second: its time and peak resident set.
//!
//!     cargo build --release -p sessionkit-cli && cargo run --release -p benches --bin hostile_load [-- SECONDS]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sessionkit::{EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, SignedRequest};

/// A hostile load: threads that run until `stop`.
type Load = fn(&str, &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>>;

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let (_, request) = benches::load_request();
    let (_, sessionkit) = benches::release_sessionkit();
    let mut serve = Command::new(&sessionkit);
    serve.args(["serve", "--addr", "127.0.0.1:0", "--max-sessions", "100000"]);
    let (mut serve, serve_addr) = benches::spawn_server(serve);
    let mut proxy = Command::new(&sessionkit);
    proxy.args(["proxy", "--upstream", &format!("http://{serve_addr}")]);
    proxy.args([
        "--api-key",
        EXAMPLE_API_KEY,
        "--secret",
        EXAMPLE_SHARED_SECRET,
        "--quiet",
    ]);
    let (mut proxy, proxy_addr) = benches::spawn_server(proxy);
    let pids = [serve.id(), proxy.id()];
    let loads: [(&str, Option<Load>); 6] = [
        ("none (baseline)", None),
        ("800 idle sockets each", Some(idle)),
        (
            "200 slowloris heads each (a byte / 100 ms)",
            Some(slowloris),
        ),
        ("64 clients sending 1 MiB bodies each", Some(large_bodies)),
        ("4 clients sending 1 MiB of unknown members", Some(floods)),
        ("50 heads of endless header lines each", Some(endless_heads)),
    ];
    let mut rows = Vec::new();
    for (name, load) in loads {
        eprintln!("{name} ...");
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        if let Some(load) = load {
            for addr in [&serve_addr, &proxy_addr] {
                threads.extend(load(addr, &stop));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let direct = benches::load(&serve_addr, request.clone(), 1, seconds);
        let proxied = benches::load(&proxy_addr, request.clone(), 1, seconds);
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        let rss = pids.map(|pid| benches::peak_rss_kib(pid) as f64 / 1024.0);
        rows.push((name, direct, proxied, rss));
    }
    for child in [&mut proxy, &mut serve] {
        let _ = child.kill();
        let _ = child.wait();
    }
    let p = |run: &benches::Run, q: f64| benches::percentile(&run.latencies_us, q);
    let (base_direct, base_proxied) = (p(&rows[0].1, 0.5), p(&rows[0].2, 0.5));
    println!("normal requests: one keep-alive client each, {seconds} s per row, during the load");
    println!(
        "{:<46} {:>11} {:>8} {:>11} {:>8} {:>9} {:>9}",
        "load (on serve and on the proxy)",
        "serve p50",
        "ratio",
        "proxy p50",
        "ratio",
        "serve RSS",
        "proxy RSS"
    );
    for (name, direct, proxied, rss) in &rows {
        let errors = direct.errors + proxied.errors;
        println!(
            "{name:<46} {:>8.2} ms {:>7.2}x {:>8.2} ms {:>7.2}x {:>5.0} MiB {:>5.0} MiB{}",
            p(direct, 0.5),
            p(direct, 0.5) / base_direct,
            p(proxied, 0.5),
            p(proxied, 0.5) / base_proxied,
            rss[0],
            rss[1],
            if errors > 0 {
                format!("  ({errors} normal requests failed)")
            } else {
                String::new()
            }
        );
    }
    for (name, receiver) in [
        ("header lines forever", endless_receiver as fn(TcpStream)),
        ("a byte a second", dripping_receiver),
    ] {
        let (took, rss) = webhook_against(&sessionkit, name, receiver);
        println!(
            "webhook --timeout 3 against a receiver sending {name}: done in {took:.1} s, peak RSS {rss:.1} MiB"
        );
    }
}

/// A head that never ends a line, then nothing: the socket is held open.
fn idle(addr: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let (addr, stop) = (addr.to_owned(), stop.clone());
    vec![std::thread::spawn(move || {
        let held: Vec<TcpStream> = (0..800)
            .filter_map(|_| TcpStream::connect(&addr).ok())
            .collect();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(held);
    })]
}

/// Heads sent a byte every 100 ms, reopened when the server closes them.
fn slowloris(addr: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let (addr, stop) = (addr.to_owned(), stop.clone());
    vec![std::thread::spawn(move || {
        let head = b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX-Padding: ";
        let mut sockets: Vec<(TcpStream, usize)> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            while sockets.len() < 200 {
                match TcpStream::connect(&addr) {
                    Ok(s) => sockets.push((s, 0)),
                    Err(_) => break,
                }
            }
            sockets.retain_mut(|(s, at)| {
                let byte = head.get(*at).copied().unwrap_or(b'a');
                *at += 1;
                s.write_all(&[byte]).is_ok()
            });
            std::thread::sleep(Duration::from_millis(100));
        }
    })]
}

/// 64 clients each sending 1 MiB bodies (signed, under the size limit) as fast as answered.
fn large_bodies(addr: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let mut json = b"{\"verification\":{\"vendorData\":\"".to_vec();
    json.extend(std::iter::repeat_n(b'x', 1000));
    json.extend_from_slice(b"\",\"consents\":[{\"type\":\"general\",\"approved\":true,\"text\":\"");
    json.extend(std::iter::repeat_n(b'y', (1 << 20) - 2048));
    json.extend_from_slice(b"\"}]}}");
    senders(addr, stop, 64, json)
}

/// 4 clients each sending a 1 MiB body of unknown members, signed.
fn floods(addr: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let mut json = b"{\"verification\":{".to_vec();
    let mut n = 0;
    while json.len() < (1 << 20) - 64 {
        json.extend_from_slice(format!("\"u{n}\":1,").as_bytes());
        n += 1;
    }
    json.extend_from_slice(b"\"last\":1}}");
    senders(addr, stop, 4, json)
}

fn senders(
    addr: &str,
    stop: &Arc<AtomicBool>,
    clients: usize,
    json: Vec<u8>,
) -> Vec<std::thread::JoinHandle<()>> {
    let built = SignedRequest::build(
        &json,
        EXAMPLE_API_KEY,
        EXAMPLE_SHARED_SECRET.as_bytes(),
        sessionkit::codec::Encoding::Identity,
        0,
    );
    let bytes = benches::keep_alive_bytes(&built);
    (0..clients)
        .map(|_| {
            let (addr, stop, bytes) = (addr.to_owned(), stop.clone(), bytes.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let deadline = Instant::now() + Duration::from_millis(500);
                    let _ = benches::keep_alive_client(&addr, &bytes, deadline);
                }
            })
        })
        .collect()
}

/// 50 heads of header lines sent without end, reopened when the server closes them.
fn endless_heads(addr: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..50)
        .map(|_| {
            let (addr, stop) = (addr.to_owned(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = TcpStream::connect(&addr) else {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    let _ = s.write_all(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n");
                    while !stop.load(Ordering::Relaxed)
                        && s.write_all(b"X-More: aaaaaaaaaaaaaaaa\r\n").is_ok()
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect()
}

/// Reads a request head, then answers with a status line and header lines forever.
fn endless_receiver(mut stream: TcpStream) {
    let mut buf = [0u8; 65536];
    let _ = stream.read(&mut buf);
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n");
    while stream
        .write_all(&b"X-More: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(64))
        .is_ok()
    {}
}

/// Reads a request head, then answers a byte a second.
fn dripping_receiver(mut stream: TcpStream) {
    let mut buf = [0u8; 65536];
    let _ = stream.read(&mut buf);
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" {
        if stream.write_all(&[*byte]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// `sessionkit webhook --timeout 3` against a receiver that answers with `receiver`: how long the
/// run took and its peak resident set (GNU time's `%M`, from the kernel's accounting at exit).
fn webhook_against(sessionkit: &str, name: &str, receiver: fn(TcpStream)) -> (f64, f64) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/webhooks", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || receiver(stream));
        }
    });
    eprintln!("webhook against a receiver sending {name} ...");
    let measured = std::env::temp_dir().join(format!("sessionkit-hostile-{}", std::process::id()));
    let started = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&measured)
        .args([
            sessionkit,
            "webhook",
            "--to",
            &url,
            "--api-key",
            EXAMPLE_API_KEY,
        ])
        .args(["--secret", EXAMPLE_SHARED_SECRET, "--timeout", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("GNU time (/usr/bin/time) runs sessionkit webhook");
    let took = started.elapsed().as_secs_f64();
    let kib: f64 = std::fs::read_to_string(&measured)
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse().ok())
        .unwrap_or(0.0);
    let _ = (status, std::fs::remove_file(&measured));
    (took, kib / 1024.0)
}
