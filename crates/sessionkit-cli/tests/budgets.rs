//! `serve` and the proxy keep their memory budgets in total under hostile loads sent from raw
//! sockets (issue "hostile traffic"): idle sockets, slowloris heads, many clients sending
//! megabyte bodies, floods of unknown members and endless header lines, all at once. While
//! the loads run a normal request still gets its 201 from each, and afterwards each process's
//! peak resident memory (`VmHWM` in /proc) is within the budget docs/server.md and
//! docs/traffic.md state, measured from its own peak before the loads.

#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sessionkit::codec::Encoding;
use sessionkit::{EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, SignedRequest};

const MIB: u64 = 1024;

/// A process of the CLI, killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sessionkit ARGS` and reads the address it prints first (`listening on URL`).
fn start(args: &[&str]) -> (Process, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{args:?} did not start: {first:?}"))
        .to_owned();
    (Process(child), base)
}

/// Peak resident memory of `pid`, in KiB; the process must still run.
fn peak_rss_kib(pid: u32) -> u64 {
    sessionkit_testkit::peak_rss_kib(pid).expect("the process is gone")
}

/// A whole `POST /v1/sessions` for `json`, signed with the example credentials.
fn request(json: &[u8]) -> Vec<u8> {
    let signed = SignedRequest::build(
        json,
        EXAMPLE_API_KEY,
        EXAMPLE_SHARED_SECRET.as_bytes(),
        Encoding::Identity,
        0,
    );
    let mut bytes = b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec();
    for (name, value) in signed.headers.iter() {
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n", signed.body.len()).as_bytes());
    bytes.extend_from_slice(&signed.body);
    bytes
}

/// Sends `bytes` on a new connection and reads the answer's status (`None`: no answer).
fn status_of(addr: &str, bytes: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(bytes).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// `clients` threads sending `bytes` again and again until `stop`, each on a new connection,
/// counting the answers they get.
fn senders(
    addr: &str,
    clients: usize,
    bytes: Vec<u8>,
    stop: &Arc<AtomicBool>,
    answered: &Arc<AtomicUsize>,
) -> Vec<JoinHandle<()>> {
    let bytes = Arc::new(bytes);
    (0..clients)
        .map(|_| {
            let (addr, bytes) = (addr.to_owned(), Arc::clone(&bytes));
            let (stop, answered) = (Arc::clone(stop), Arc::clone(answered));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if status_of(&addr, &bytes).is_some() {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect()
}

/// What a dribbling socket sends: a first part once, then the second over and over.
type Head = (&'static [u8], &'static [u8]);

/// Sockets that send `first`, then `then` over and over, a byte every `pause` (nothing, for
/// empty ones), held until `stop`.
fn dribblers(
    addr: &str,
    sockets: usize,
    (first, then): Head,
    pause: Duration,
    stop: &Arc<AtomicBool>,
) -> Vec<JoinHandle<()>> {
    (0..sockets)
        .map(|_| {
            let (addr, stop) = (addr.to_owned(), Arc::clone(stop));
            std::thread::spawn(move || {
                let Ok(mut stream) = TcpStream::connect(&addr) else {
                    return;
                };
                let mut bytes = first.iter().chain(then.iter().cycle());
                while !stop.load(Ordering::Relaxed) {
                    match bytes.next() {
                        Some(b) if stream.write_all(&[*b]).is_err() => return,
                        _ => std::thread::sleep(pause),
                    }
                }
            })
        })
        .collect()
}

/// A megabyte of consent prose, and a megabyte of unknown members in `verification`.
fn large_bodies() -> (Vec<u8>, Vec<u8>) {
    let mut prose =
        br#"{"verification":{"consents":[{"type":"general","approved":true,"text":""#.to_vec();
    prose.extend(std::iter::repeat_n(b'y', (1 << 20) - 1024));
    prose.extend_from_slice(br#""}]}}"#);
    let mut flood = br#"{"verification":{"#.to_vec();
    let mut n = 0;
    while flood.len() < (1 << 20) - 64 {
        flood.extend_from_slice(format!(r#""u{n}":1,"#).as_bytes());
        n += 1;
    }
    flood.extend_from_slice(br#""u":1}}"#);
    (prose, flood)
}

#[test]
fn serve_and_the_proxy_keep_their_memory_budgets_under_hostile_loads() {
    // Budgets made small, so that the loads below exceed them many times over.
    let connections = 16;
    let in_flight_mib = 16;
    let (serve, serve_addr) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--max-connections",
        &connections.to_string(),
    ]);
    let upstream = format!("http://{serve_addr}");
    let (proxy, proxy_addr) = start(&[
        "proxy",
        "--addr",
        "127.0.0.1:0",
        "--upstream",
        &upstream,
        "--api-key",
        EXAMPLE_API_KEY,
        "--secret",
        EXAMPLE_SHARED_SECRET,
        "--max-in-flight",
        &in_flight_mib.to_string(),
        "--quiet",
    ]);
    let normal = request(br#"{"verification":{"vendorData":"normal"}}"#);
    let (prose, flood) = large_bodies();
    let (prose, flood) = (request(&prose), request(&flood));
    // Each process's own peak once warmed up, one client at a time: the threads that judge
    // and forward have each taken and freed what one large request needs (an allocator keeps
    // some of it per thread, a plateau, not a leak).
    for addr in [&serve_addr, &proxy_addr] {
        for _ in 0..10 {
            for bytes in [&normal, &prose, &flood] {
                assert_eq!(status_of(addr, bytes), Some(201), "warm-up on {addr}");
            }
        }
    }
    let pids = [serve.0.id(), proxy.0.id()];
    let before = pids.map(peak_rss_kib);

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for addr in [&serve_addr, &proxy_addr] {
        // Idle sockets, slowloris heads, and heads of endless header lines.
        let dribbling: [(usize, Head, u64); 3] = [
            (300, (b"", b""), 50),
            (
                50,
                (b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n", b"X: y\r\n"),
                100,
            ),
            (
                20,
                (b"POST /v1/sessions HTTP/1.1\r\n", b"X-Filler: aaaaaaaa\r\n"),
                0,
            ),
        ];
        for (sockets, head, pause) in dribbling {
            let pause = Duration::from_millis(pause);
            threads.extend(dribblers(addr, sockets, head, pause, &stop));
        }
        threads.extend(senders(addr, 48, prose.clone(), &stop, &answered));
        threads.extend(senders(addr, 4, flood.clone(), &stop, &answered));
    }
    std::thread::sleep(Duration::from_secs(2));
    // Under all of it, a normal request is still answered by each (refused 503 is an answer
    // too, but the caps leave room for it: the proxy closes the client idle longest).
    for addr in [&serve_addr, &proxy_addr] {
        let started = Instant::now();
        let status = status_of(addr, &normal);
        assert!(
            matches!(status, Some(201 | 503)),
            "{addr}: {status:?} after {:?}",
            started.elapsed()
        );
    }
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        let _ = thread.join();
    }
    assert!(
        answered.load(Ordering::Relaxed) > 0,
        "no large body was answered"
    );
    let after = pids.map(peak_rss_kib);

    // serve: every connection in flight holds a body up to --max-wire (1 MiB) a few times
    // (the wire bytes, the decoded text, the JSON tree of consent prose): 4 MiB each, and the
    // idle and dribbling sockets past the cap cost a few KiB each.
    let serve_budget = connections * 4 * MIB + 32 * MIB;
    // The proxy: --max-in-flight for the bodies held at once, and a thread per client, each
    // with its stack and buffers (3/8 MiB), up to its cap of 256 clients.
    let proxy_budget = in_flight_mib * MIB + 256 * 384;
    let grown = [
        after[0].saturating_sub(before[0]),
        after[1].saturating_sub(before[1]),
    ];
    eprintln!("peak RSS before {before:?} KiB, after {after:?} KiB, grown {grown:?} KiB");
    assert!(
        grown[0] <= serve_budget,
        "serve grew {} KiB past its peak, over its budget of {serve_budget} KiB",
        grown[0]
    );
    assert!(
        grown[1] <= proxy_budget,
        "the proxy grew {} KiB past its peak, over its budget of {proxy_budget} KiB",
        grown[1]
    );
}
