//! What `sessionkit check` costs on a large capture: a lossless HAR of N exchanges (the 16 KiB
//! gzip consent request, every tenth signed with another secret) written with the recorder
//! `serve --har` uses, then read and judged as `check` does; printed as milliseconds per thousand
//! entries, beside the baseline measured in the same run: parsing the same HAR as JSON alone.
//! Memory: the process's peak resident set (`VmHWM` in `/proc/self/status`) grown by `check`'s
//! streaming read, against the same file parsed whole, measured after it in the same run.
//!
//!     cargo run --release -p benches --bin check_load [-- ENTRIES]

use std::time::Instant;

use sessionkit::codec::Encoding;
use sessionkit::{Config, EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET, SignedRequest};
use sessionkit_conform::capture::{self, HarAnswer, HarEntry, HarWriter};

fn main() {
    let entries: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let json = benches::payload_json(16);
    let good = SignedRequest::build(
        &json,
        EXAMPLE_API_KEY,
        EXAMPLE_SHARED_SECRET.as_bytes(),
        Encoding::Gzip,
        6,
    );
    let bad = SignedRequest::build(&json, EXAMPLE_API_KEY, b"another-secret", Encoding::Gzip, 6);
    let path =
        std::env::temp_dir().join(format!("sessionkit-check-load-{}.har", std::process::id()));
    // A load file, not a recording: no size cap.
    let mut writer = HarWriter::create(&path)
        .expect("write the HAR")
        .with_cap(u64::MAX);
    let answer_headers: sessionkit::headers::Headers =
        [("Content-Type", "application/json")].into_iter().collect();
    let answer = br#"{"status":"fail","code":1819,"message":"signature mismatch"}"#;
    for n in 0..entries {
        let request = if n % 10 == 9 { &bad } else { &good };
        writer
            .add(&HarEntry {
                method: "POST",
                url: "http://127.0.0.1:8080/v1/sessions",
                headers: &request.headers,
                wire: &request.body,
                refused: false,
                decoded: Some(&json),
                answer: Some(HarAnswer {
                    status: 401,
                    headers: &answer_headers,
                    body: answer,
                }),
                millis: 1.0,
                verdict: serde_json::Value::Null,
            })
            .expect("write an entry");
    }
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let config = Config::default();

    // check first (it streams: one entry at a time), then the whole-file parse, so that each
    // one's growth of the peak resident set is its own.
    let before = peak_rss_kib();
    let started = Instant::now();
    let mut verdicts: Vec<capture::Verdict> = Vec::new();
    capture::read_each(&path, &mut |e| verdicts.push(capture::judge(&e, &config)))
        .expect("read the HAR");
    let checked = started.elapsed().as_secs_f64();
    let after_check = peak_rss_kib();
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    drop(verdicts);

    let started = Instant::now();
    let text = std::fs::read_to_string(&path).expect("read the HAR");
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("HAR is JSON");
    let parse_only = started.elapsed().as_secs_f64();
    let after_parse = peak_rss_kib();
    drop((parsed, text));
    std::fs::remove_file(&path).ok();

    println!(
        "{entries} entries, {:.1} MiB of HAR; {failed} verdicts failed (the answers say 401 to valid requests, and a tenth are signed with another secret)",
        bytes as f64 / 1048576.0
    );
    println!("{:<34} {:>10} {:>16}", "", "seconds", "ms / 1000 entries");
    println!(
        "{:<34} {:>10.3} {:>16.1}",
        "baseline: parse the HAR as JSON",
        parse_only,
        parse_only * 1e6 / entries as f64
    );
    println!(
        "{:<34} {:>10.3} {:>16.1}",
        "check: read and judge every entry",
        checked,
        checked * 1e6 / entries as f64
    );
    println!("ratio check / parse: {:.1}x", checked / parse_only);
    let mib = |kib: u64| kib as f64 / 1024.0;
    let check_growth = after_check.saturating_sub(before);
    let parse_growth = after_parse.saturating_sub(after_check.max(before));
    println!(
        "peak RSS grown by check (streaming): {:.1} MiB = {:.2}x the file; by parsing it whole: at least {:.1} MiB = {:.2}x",
        mib(check_growth),
        check_growth as f64 * 1024.0 / bytes as f64,
        mib(parse_growth),
        parse_growth as f64 * 1024.0 / bytes as f64
    );
}

/// This process's peak resident set so far, in KiB.
fn peak_rss_kib() -> u64 {
    benches::peak_rss_kib(std::process::id())
}
