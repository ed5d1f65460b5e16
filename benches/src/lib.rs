//! Shared parts of the benchmarks: payloads with consent texts of the sizes benchmarked, a
//! keep-alive load client and a way to start a server process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Consent text sizes benchmarked, in KiB.
pub const SIZES_KIB: [usize; 8] = [0, 1, 2, 4, 8, 16, 32, 64];

/// The seed used for every generated consent text, so runs compare like with like.
pub const SEED: u64 = 0x5e55_10b1;

/// The compact JSON of the seed's Python example payload with `kib` KiB of consent prose.
pub fn payload_json(kib: usize) -> Vec<u8> {
    sessionkit::samples::payload(kib * 1024, SEED).to_json_bytes()
}

/// Gzip through libdeflate at `level` (1-12): the anchor for sessionkit's encoder.
pub fn libdeflate_gzip(compressor: &mut libdeflater::Compressor, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0; compressor.gzip_compress_bound(bytes.len())];
    // The buffer has the bound's size, so compression cannot run out of room.
    let n = compressor.gzip_compress(bytes, &mut out).unwrap_or(0);
    out.truncate(n);
    out
}

/// A libdeflate compressor at `level`, clamped to libdeflate's 1-12.
pub fn libdeflate_compressor(level: i32) -> libdeflater::Compressor {
    let level = libdeflater::CompressionLvl::new(level.clamp(1, 12))
        .unwrap_or_else(|_| libdeflater::CompressionLvl::default());
    libdeflater::Compressor::new(level)
}

/// One keep-alive client: sends `request` (a whole HTTP/1.1 request) again and again until
/// `deadline`; the latencies of its 201 answers, and how many answers were not 201.
pub fn keep_alive_client(addr: &str, request: &[u8], deadline: Instant) -> (Vec<u64>, usize) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let Ok(stream) = TcpStream::connect(addr) else {
        return (latencies, 1);
    };
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while Instant::now() < deadline {
        let start = Instant::now();
        if writer.write_all(request).is_err() {
            errors += 1;
            break;
        }
        line.clear();
        let mut status = 0;
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return (latencies, errors + 1);
            }
            let l = line.trim_end();
            if l.starts_with("HTTP/1.1 ") {
                status = l[9..12].parse().unwrap_or(0);
            } else if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if l.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return (latencies, errors + 1);
        }
        if status == 201 {
            latencies.push(start.elapsed().as_micros() as u64);
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

/// `request` as the bytes a keep-alive client writes: the head (no `Connection: close`), then
/// the body.
pub fn keep_alive_bytes(request: &sessionkit::SignedRequest) -> std::sync::Arc<Vec<u8>> {
    let head = sessionkit_conform::client::head(
        "POST",
        "/v1/sessions",
        "127.0.0.1",
        &request.headers,
        request.body.len(),
        false,
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&request.body);
    std::sync::Arc::new(bytes)
}

/// `clients` keep-alive clients sending `request` to `addr` until `deadline`, each on a thread of
/// its own; join them for their latencies and errors.
pub fn spawn_clients(
    addr: &str,
    request: &std::sync::Arc<Vec<u8>>,
    clients: usize,
    deadline: Instant,
) -> Vec<std::thread::JoinHandle<(Vec<u64>, usize)>> {
    (0..clients)
        .map(|_| {
            let (addr, request) = (addr.to_owned(), request.clone());
            std::thread::spawn(move || keep_alive_client(&addr, &request, deadline))
        })
        .collect()
}

/// Starts a server that prints `listening on http://ADDR` first; the child and ADDR.
pub fn spawn_server(mut command: Command) -> (std::process::Child, String) {
    // The servers log every request to stderr; a terminal printing them would be measured too.
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("server prints its address");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected: {first:?}"))
        .to_owned();
    (child, addr)
}

/// CPU seconds (user and system) a process has used so far, from `/proc/PID/stat` (fields 14 and
/// 15, in clock ticks of 1/100 s, Linux's `USER_HZ`); 0 where /proc is missing.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces: the fields after it follow its `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime 15.
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(14) + ticks(15)) / 100.0
}

/// The peak resident set of a process so far, in KiB (`VmHWM` in `/proc/PID/status`).
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// What a load run measured.
pub struct Run {
    /// Requests answered.
    pub requests: usize,
    /// Requests that failed.
    pub errors: usize,
    /// How long it ran.
    pub seconds: f64,
    /// Each answered request's latency, sorted.
    pub latencies_us: Vec<u64>,
}

/// `concurrency` keep-alive clients sending `request` to `addr` for `seconds`, after a short
/// warm-up.
pub fn load(addr: &str, request: std::sync::Arc<Vec<u8>>, concurrency: usize, seconds: u64) -> Run {
    // A short warm-up, not counted.
    let _ = keep_alive_client(
        addr,
        &request,
        Instant::now() + std::time::Duration::from_millis(300),
    );
    let start = Instant::now();
    let deadline = start + std::time::Duration::from_secs(seconds);
    let threads = spawn_clients(addr, &request, concurrency, deadline);
    let mut run = Run {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies_us: Vec::new(),
    };
    for t in threads {
        let (latencies, errors) = t.join().expect("client thread");
        run.requests += latencies.len();
        run.errors += errors;
        run.latencies_us.extend(latencies);
    }
    run.seconds = start.elapsed().as_secs_f64();
    run.latencies_us.sort_unstable();
    run
}

impl Run {
    /// Requests answered per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// The load benchmarks' table: one row per run, named in a column titled `what`.
pub fn print_load_table(what: &str, results: &[(&str, Run)]) {
    let width = results
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        .max(what.len());
    println!(
        "{what:<width$} {:>10} {:>8} {:>9} {:>9}",
        "req/s", "errors", "p50 ms", "p99 ms"
    );
    for (name, run) in results {
        println!(
            "{name:<width$} {:>10.0} {:>8} {:>9.2} {:>9.2}",
            run.rate(),
            run.errors,
            percentile(&run.latencies_us, 0.50),
            percentile(&run.latencies_us, 0.99)
        );
    }
}

/// The `p` quantile of sorted microseconds, in milliseconds.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

/// The load benchmarks' request: the 16 KiB consent, gzip, signed with the documentation's
/// credentials, and its bytes as a keep-alive client writes them.
pub fn load_request() -> (sessionkit::SignedRequest, std::sync::Arc<Vec<u8>>) {
    let json = payload_json(16);
    let built = sessionkit::SignedRequest::build(
        &json,
        sessionkit::EXAMPLE_API_KEY,
        sessionkit::EXAMPLE_SHARED_SECRET.as_bytes(),
        sessionkit::codec::Encoding::Gzip,
        6,
    );
    let bytes = keep_alive_bytes(&built);
    (built, bytes)
}

/// The workspace root and its release `sessionkit` binary, which must have been built.
pub fn release_sessionkit() -> (&'static str, String) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let sessionkit = format!("{root}/target/release/sessionkit");
    assert!(
        std::path::Path::new(&sessionkit).exists(),
        "build it first: cargo build --release -p sessionkit-cli"
    );
    (root, sessionkit)
}
