//! `sessionkit conform`: every wire-level corpus case, and every seed example in every encoding,
//! sent to a server; status, vendor code, named mistake, answer schema and answer signature are
//! compared with the manifest. Without `--target` it runs against the embedded reference server.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use sessionkit::corpus::{Expect, Manifest};
use sessionkit::encoding::Encoding;
use sessionkit::headers::Headers;
use sessionkit::receive::{EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET};
use sessionkit::request::{SignedRequest, curl_command};
use sessionkit::schema::{self, Profile};
use sessionkit::signature::{self, Signature};
use sessionkit_mock::client;

use crate::{CONFORMS, DOES_NOT_CONFORM};

/// Report formats of `sessionkit conform`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConformFormat {
    /// Progress, a summary table and every failure with a curl command that reproduces it.
    Text,
    /// One JSON object with every case.
    Json,
    /// JUnit XML, for CI.
    Junit,
}

/// Arguments of `sessionkit conform`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when every case passes, 1 when any fails, 2 on usage or I/O errors.\n\n\
    Examples:\n  sessionkit conform                                  # against the embedded reference server\n  \
    sessionkit conform --target http://127.0.0.1:8080/v1/sessions --api-key K --secret S\n  \
    sessionkit conform --format junit --out conform.xml --filter decode/"
)]
pub struct ConformArgs {
    /// URL of `POST /v1/sessions` on the server under test (http:// only). Without it, the
    /// reference server is started in-process on 127.0.0.1:0, once per profile.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Profile the target validates in; cases written for the other profile are skipped.
    #[arg(long, default_value = "documented", value_parser = crate::validate::parse_profile)]
    profile: Profile,
    /// API key the target accepts (the corpus uses it in its cases).
    #[arg(long, default_value = EXAMPLE_API_KEY, value_name = "K")]
    api_key: String,
    /// Shared secret of the target. The corpus's signatures use the documentation's secret;
    /// with another one, only the generated cases are re-signed, and corpus cases are skipped.
    #[arg(long, default_value = EXAMPLE_SHARED_SECRET, value_name = "S")]
    secret: String,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ConformFormat::Text)]
    format: ConformFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Run only the cases whose name contains this text (for example `decode/` or `seed/`).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Do not require the answer's diagnostics to name the client's mistake (for servers that
    /// give none).
    #[arg(long)]
    skip_diagnostics: bool,
    /// The corpus folder (default: ./corpus, else the one this binary was built from).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// One request to send and what must come back.
struct Case {
    name: String,
    stage: String,
    profile: Profile,
    headers: Headers,
    body: Vec<u8>,
    body_file: Option<PathBuf>,
    expect: Expect,
    /// The request's payload, for checking the echo of endUserId and vendorData.
    sent: Option<Value>,
}

#[derive(Serialize)]
struct CaseResult {
    name: String,
    stage: String,
    profile: &'static str,
    passed: bool,
    expected: Expect,
    got_status: Option<u16>,
    got_code: Option<u64>,
    got_diagnostics: Vec<String>,
    problems: Vec<String>,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    curl: Option<String>,
}

fn corpus_dir(args: &ConformArgs) -> PathBuf {
    if let Some(dir) = &args.corpus {
        return dir.clone();
    }
    let here = PathBuf::from("corpus");
    if here.join("manifest.json").is_file() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

fn load_cases(args: &ConformArgs, dir: &Path) -> anyhow::Result<(Vec<Case>, usize)> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let manifest = Manifest::from_json(&text)
        .with_context(|| format!("{} is not a corpus manifest", path.display()))?;
    let corpus_signatures_hold =
        args.secret == EXAMPLE_SHARED_SECRET && args.api_key == EXAMPLE_API_KEY;
    let mut cases = Vec::new();
    let mut skipped = 0;
    let mut altered = Vec::new();
    for entry in &manifest.cases {
        let file = dir.join(&entry.file);
        let mut read = || -> anyhow::Result<Vec<u8>> {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            if !entry.digest_matches(&bytes) {
                altered.push(entry.file.clone());
            }
            Ok(bytes)
        };
        match (&entry.request, &entry.expect) {
            (Some(request), Some(expect)) => {
                if !corpus_signatures_hold {
                    skipped += 1;
                    continue;
                }
                cases.push(Case {
                    name: format!("{:03} {}", entry.id, entry.file.trim_end_matches(".bin")),
                    stage: entry.stage().to_owned(),
                    profile: request.profile(),
                    headers: request.headers(),
                    sent: None,
                    body: read()?,
                    body_file: Some(file.clone()),
                    expect: expect.clone(),
                })
            }
            _ if entry.is_seed_example() => {
                let json = read()?;
                let stem = entry
                    .file
                    .trim_start_matches("schema/seed/")
                    .trim_end_matches(".json");
                for enc in Encoding::ALL {
                    let built =
                        SignedRequest::build(&json, &args.api_key, args.secret.as_bytes(), enc, 6);
                    cases.push(Case {
                        name: format!("seed/{stem} {}", enc.name()),
                        stage: "seed".into(),
                        profile: Profile::Documented,
                        headers: built.headers,
                        sent: serde_json::from_slice(&json).ok(),
                        body: built.body,
                        body_file: None,
                        expect: Expect {
                            status: 201,
                            code: None,
                            error: None,
                            diagnostic: None,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    // A file that is not the one the manifest describes (edited, or its line endings converted
    // by a checkout) would test something else than its verdict says.
    anyhow::ensure!(
        altered.is_empty(),
        "{} corpus file(s) differ from their SHA-256 in {}: {}",
        altered.len(),
        path.display(),
        altered.join(", ")
    );
    Ok((cases, skipped))
}

/// Compares one answer with the case's expectations; returns every problem found.
fn check(
    case: &Case,
    reply: &client::Reply,
    args: &ConformArgs,
) -> (Option<u64>, Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    if reply.status != case.expect.status {
        problems.push(format!(
            "status {} (expected {})",
            reply.status, case.expect.status
        ));
    }
    let body: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let Some(body) = body else {
        problems.push("answer body is not JSON".into());
        return (None, Vec::new(), problems);
    };
    let code = body["code"].as_u64();
    let named: Vec<String> = body["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(want) = case.expect.code {
        if code != Some(u64::from(want)) {
            problems.push(format!(
                "code {} (expected {want})",
                code.map_or("none".into(), |c| c.to_string())
            ));
        }
    }
    // Advisories ride on no answer (they show in `verify` and the server's report), so a 201
    // case's diagnostic is not asked of the answer.
    let answered = case.expect.status != 201;
    if let (Some(want), true, false) = (&case.expect.diagnostic, answered, args.skip_diagnostics) {
        if !named.contains(want) {
            problems.push(format!("diagnostics do not name {want} (named: {named:?})"));
        }
    }
    let success = reply.status == 201;
    if matches!(reply.status, 201 | 400 | 401 | 413 | 415) {
        for v in schema::validate_answer(&body, success).errors {
            problems.push(format!(
                "answer violates {} at {}: {}",
                if success {
                    "response.json"
                } else {
                    "error.json"
                },
                v.pointer,
                v.message
            ));
        }
    }
    if success {
        match reply
            .headers
            .get_one("x-hmac-signature")
            .map(Signature::from_hex)
        {
            Some(Ok(sig)) if signature::verify(&[args.secret.as_bytes()], &reply.body, &sig) => {}
            Some(Ok(_)) => {
                problems.push("answer X-HMAC-SIGNATURE does not match the answer bytes".into())
            }
            Some(Err(e)) => problems.push(format!("answer X-HMAC-SIGNATURE malformed: {e}")),
            None => problems.push("answer carries no X-HMAC-SIGNATURE".into()),
        }
        if reply.headers.get_one("x-auth-client") != Some(args.api_key.as_str()) {
            problems.push("answer X-AUTH-CLIENT is not the API key".into());
        }
        if let Some(sent) = &case.sent {
            for field in ["endUserId", "vendorData"] {
                let want = sent["verification"]
                    .get(field)
                    .cloned()
                    .unwrap_or(Value::Null);
                if body["verification"][field] != want {
                    problems.push(format!(
                        "answer {field} {} is not the echo of {want}",
                        body["verification"][field]
                    ));
                }
            }
        }
    }
    (code, named, problems)
}

fn curl_for(case: &Case, url: &str) -> String {
    let file = case.body_file.clone().unwrap_or_else(|| {
        let dir = std::env::temp_dir().join("sessionkit-conform");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}.bin", case.name.replace(['/', ' '], "_")));
        let _ = std::fs::write(&path, &case.body);
        path
    });
    curl_command(&case.headers, url, &file.display().to_string())
}

/// Connects once to `host:port`, so that a server that is not there is one error, not one
/// failure per case.
fn reachable(authority: &str, timeout: Duration) -> std::io::Result<()> {
    use std::net::{TcpStream, ToSocketAddrs};
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for addr in authority.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Runs `sessionkit conform`.
pub fn run(args: ConformArgs) -> anyhow::Result<u8> {
    let dir = corpus_dir(&args);
    let (mut cases, skipped_secret) = load_cases(&args, &dir)?;
    if let Some(pattern) = &args.filter {
        cases.retain(|c| c.name.contains(pattern.as_str()));
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let mut servers = Vec::new();
    let targets: Vec<(Profile, String)> = match &args.target {
        Some(url) => {
            let (authority, _) = client::split_url(url).map_err(|e| anyhow::anyhow!(e))?;
            reachable(&authority, Duration::from_secs(args.timeout))
                .with_context(|| format!("cannot reach {url} (is the server running?)"))?;
            vec![(args.profile, url.clone())]
        }
        None => {
            let mut targets = Vec::new();
            for profile in Profile::ALL {
                let mut settings = sessionkit_mock::Settings {
                    addr: ([127, 0, 0, 1], 0).into(),
                    ..Default::default()
                };
                settings.receive.profile = profile;
                let server = runtime
                    .block_on(sessionkit_mock::start(settings))
                    .context("cannot start the reference server")?;
                targets.push((profile, format!("{}/v1/sessions", server.url())));
                servers.push(server);
            }
            targets
        }
    };
    let before = cases.len();
    cases.retain(|c| targets.iter().any(|(p, _)| *p == c.profile));
    let skipped = skipped_secret + before - cases.len();
    let progress = indicatif::ProgressBar::new(cases.len() as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let timeout = Duration::from_secs(args.timeout);
    let mut results = Vec::new();
    for case in &cases {
        progress.set_message(case.name.clone());
        let url = &targets
            .iter()
            .find(|(p, _)| *p == case.profile)
            .map(|(_, u)| u.clone())
            .unwrap_or_default();
        let started = Instant::now();
        let (got_status, got_code, named, problems) =
            match client::send("POST", url, &case.headers, &case.body, timeout) {
                Ok(reply) => {
                    let (code, named, problems) = check(case, &reply, &args);
                    (Some(reply.status), code, named, problems)
                }
                Err(e) => (None, None, Vec::new(), vec![format!("no answer: {e}")]),
            };
        let passed = problems.is_empty();
        results.push(CaseResult {
            name: case.name.clone(),
            stage: case.stage.clone(),
            profile: case.profile.name(),
            passed,
            expected: case.expect.clone(),
            got_status,
            got_code,
            got_diagnostics: named,
            problems,
            seconds: started.elapsed().as_secs_f64(),
            curl: (!passed).then(|| curl_for(case, url)),
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    for server in servers {
        runtime.block_on(server.shutdown());
    }
    let target_name = args
        .target
        .clone()
        .unwrap_or_else(|| "embedded reference server".into());
    let report = match args.format {
        ConformFormat::Text => text_report(&results, skipped, &target_name),
        ConformFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "target": target_name,
                "passed": results.iter().filter(|r| r.passed).count(),
                "failed": results.iter().filter(|r| !r.passed).count(),
                "skipped": skipped,
                "cases": results,
            }))? + "\n"
        }
        ConformFormat::Junit => junit_report(&results),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &report)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let failed = results.iter().filter(|r| !r.passed).count();
            eprintln!(
                "{} cases, {failed} failed; report written to {}",
                results.len(),
                path.display()
            );
        }
        None => print!("{report}"),
    }
    anyhow::ensure!(
        !results.is_empty(),
        "no case matched (filter {:?})",
        args.filter
    );
    Ok(if results.iter().all(|r| r.passed) {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}

fn text_report(results: &[CaseResult], skipped: usize, target: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut stages: Vec<&str> = results.iter().map(|r| r.stage.as_str()).collect();
    stages.dedup();
    stages.sort_unstable();
    stages.dedup();
    let _ = writeln!(out, "sessionkit conform: {target}\n");
    let _ = writeln!(out, "{:<12} {:>7} {:>7}", "stage", "passed", "failed");
    for stage in &stages {
        let of_stage = results.iter().filter(|r| r.stage == *stage);
        let failed = of_stage.clone().filter(|r| !r.passed).count();
        let _ = writeln!(
            out,
            "{:<12} {:>7} {:>7}",
            stage,
            of_stage.count() - failed,
            failed
        );
    }
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    let _ = writeln!(
        out,
        "{:<12} {:>7} {:>7}",
        "total",
        results.len() - failed.len(),
        failed.len()
    );
    if skipped > 0 {
        let _ = writeln!(
            out,
            "({skipped} cases skipped: other profile, or signed with the documentation's secret)"
        );
    }
    for r in &failed {
        let _ = writeln!(out, "\nFAIL {} ({} profile)", r.name, r.profile);
        for p in &r.problems {
            let _ = writeln!(out, "  - {p}");
        }
        if let Some(curl) = &r.curl {
            let _ = writeln!(out, "  reproduce: {curl}");
        }
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit_report(results: &[CaseResult]) -> String {
    use std::fmt::Write;
    let failed = results.iter().filter(|r| !r.passed).count();
    let total: f64 = results.iter().map(|r| r.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sessionkit conform\" tests=\"{}\" failures=\"{failed}\" time=\"{total:.3}\">",
        results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"sessionkit conform\" tests=\"{}\" failures=\"{failed}\" time=\"{total:.3}\">",
        results.len()
    );
    for r in results {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            xml_escape(&r.stage),
            xml_escape(&r.name),
            r.seconds
        );
        if r.passed {
            out.push_str("/>\n");
        } else {
            let detail = r.problems.join("\n") + "\n" + r.curl.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&r.problems.join("; ")),
                xml_escape(&detail)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
