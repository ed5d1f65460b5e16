//! `sessionkit fuzz`: protocol-aware fuzzing of a live server, with `receive` as the oracle.
//!
//! Each case is a valid payload (one of the documentation's examples with random values) and one
//! mutation aimed at one stage (headers, size, decode, signature, json, schema), signed with the
//! target's credentials unless the mutation is about the signature. What the contract requires of
//! the answer comes from `sessionkit::receive` in the target's profile. A finding is a different
//! status or vendor code, a 5xx, no answer (timeout, reset), or an answer whose form breaks a rule
//! `conform` checks too (`sessionkit_conform::answer_problems`: the vendor's shape,
//! Content-Type, Accept-Encoding on a 415, and on a 201 the signature over its bytes,
//! X-AUTH-CLIENT and the echo). Findings are grouped by (stage, expected, got);
//! the first of each group is shrunk to the smallest request that still shows it and written out
//! as a corpus case with a curl command.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use sessionkit::Config;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::Profile;
use sessionkit_conform::client;
use sessionkit_conform::{AnswerProblem, AnswerRules, answer_problems};

use crate::{CONFORMS, DOES_NOT_CONFORM};

mod generate;
mod shrink;

use generate::{Credentials, Input, Rng};

/// Report formats of `sessionkit fuzz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FuzzFormat {
    /// A summary per stage and each finding with its curl command.
    Text,
    /// One JSON object.
    Json,
    /// JUnit XML: one test case per finding group.
    Junit,
}

/// Arguments of `sessionkit fuzz`.
#[derive(clap::Args)]
#[command(
    after_help = "How it differs: `conform` sends the fixed corpus (the bugs someone thought of); \
    `fuzz` generates new requests from a seed and asks `receive` what each answer must be (the bugs \
    nobody thought of); the cargo-fuzz targets fuzz the library in-process.\n\n\
    Exit status: 0 when nothing was found, 1 when anything was, 2 on usage or I/O errors.\n\n\
    Examples:\n  sessionkit fuzz --cases 2000                       # against the embedded reference server\n  \
    sessionkit fuzz --target http://127.0.0.1:8080/v1/sessions --api-key K --secret S --duration 60s --out findings\n  \
    sessionkit fuzz --target URL --seed 7 --format junit > fuzz.xml"
)]
pub struct FuzzArgs {
    /// URL of `POST /v1/sessions` on the server under test (http:// only). Without it, the
    /// reference server is started in-process on 127.0.0.1:0.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// API key the target accepts.
    #[arg(long, default_value = EXAMPLE_API_KEY, value_name = "K")]
    api_key: String,
    /// The target's shared secret.
    #[arg(long, default_value = EXAMPLE_SHARED_SECRET, value_name = "S")]
    secret: String,
    /// Profile the target validates in: the oracle decides in the same one.
    #[arg(long, default_value = "documented", value_parser = crate::args::parse_profile)]
    profile: Profile,
    /// Seed: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How long to run (`60s`, `2m`); the default when --cases is not given is 60s.
    #[arg(long, value_parser = parse_duration, value_name = "TIME")]
    duration: Option<Duration>,
    /// How many cases to send (instead of --duration).
    #[arg(long, value_name = "N")]
    cases: Option<u64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Write each finding group's shrunk case here, in the corpus format (bytes, manifest.json,
    /// and a curl command).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FuzzFormat::Text)]
    format: FuzzFormat,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let not_a_duration = || format!("{text:?} is not a duration such as 60s or 2m");
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number.parse().map_err(|_| not_a_duration())?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        // Minutes past u64 seconds would wrap to a short run (or panic in a debug build).
        "m" => n
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(not_a_duration),
        "ms" => Ok(Duration::from_millis(n)),
        _ => Err(not_a_duration()),
    }
}

/// What the contract requires of one answer, from `receive`.
#[derive(Debug, Clone, Serialize)]
struct Expected {
    status: u16,
    /// Any of these vendor codes (a body with several violations may report any); empty on 201.
    codes: Vec<u16>,
    /// The stage that decides: the refusing stage, or `accepted`.
    stage: &'static str,
    error: Option<&'static str>,
    /// The JSON a 201 echoes: the accepted body.
    #[serde(skip)]
    sent: Option<Value>,
}

/// What came back, reduced to what is compared.
#[derive(Debug, Clone, Serialize)]
struct Got {
    /// `None`: no answer.
    status: Option<u16>,
    code: Option<u64>,
    problem: Option<String>,
}

/// A disagreement: its group key says what kind.
#[derive(Debug, Clone, Serialize)]
struct Finding {
    /// (stage, expected, got): one bug shows once.
    group: String,
    what: String,
    case: u64,
    mutation_stage: &'static str,
    input: Input,
    expected: Expected,
    got: Got,
    /// Filled in after shrinking.
    shrunk_bytes: Option<usize>,
    curl: Option<String>,
    file: Option<String>,
}

/// Everything a worker needs.
struct Run {
    url: String,
    seed: u64,
    credentials: Credentials,
    config: Config,
    bases: Vec<Value>,
    timeout: Duration,
}

impl Run {
    fn expected(&self, request: &generate::Request) -> Expected {
        let outcome = sessionkit::receive(&request.headers, &request.body, &self.config);
        let mut codes: Vec<u16> = Vec::new();
        if outcome.status != 201 {
            codes.push(outcome.vendor_code);
            codes.extend(outcome.violations.iter().map(|v| v.vendor_code));
            codes.sort_unstable();
            codes.dedup();
        }
        Expected {
            status: outcome.status,
            codes,
            stage: outcome
                .error
                .as_ref()
                .map_or("accepted", |e| e.kind().stage().name()),
            error: outcome.error.as_ref().map(|e| e.kind().code()),
            sent: outcome.body,
        }
    }

    /// Sends one input; `Some` when the answer departs from the contract.
    fn judge(&self, case: u64, input: &Input) -> Option<Finding> {
        let request = generate::build(input, &self.credentials);
        let expected = self.expected(&request);
        let reply = client::send(
            "POST",
            &self.url,
            &request.headers,
            &request.body,
            self.timeout,
        );
        let (got, what) = match reply {
            Err(e) => (
                Got {
                    status: None,
                    code: None,
                    problem: Some(e.clone()),
                },
                Some(format!("no answer ({e})")),
            ),
            Ok(reply) => self.compare(&expected, &reply),
        };
        let what = what?;
        let got_key = match (&got.status, &got.problem) {
            (None, _) => "no answer".to_owned(),
            (Some(s), Some(p)) if *s == expected.status => format!("{s} {p}"),
            (Some(s), _) => match got.code {
                Some(c) if *s != 201 => format!("{s}/{c}"),
                _ => s.to_string(),
            },
        };
        let want_key = match expected.codes.first() {
            Some(c) => format!("{}/{c}", expected.status),
            None => expected.status.to_string(),
        };
        Some(Finding {
            group: format!("{}: expected {want_key}, got {got_key}", expected.stage),
            what,
            case,
            mutation_stage: input.mutation.stage(),
            input: input.clone(),
            expected,
            got,
            shrunk_bytes: None,
            curl: None,
            file: None,
        })
    }

    fn compare(&self, expected: &Expected, reply: &client::Reply) -> (Got, Option<String>) {
        let body: Option<Value> = serde_json::from_slice(&reply.body).ok();
        let code = body.as_ref().and_then(|b| match &b["code"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        let mut got = Got {
            status: Some(reply.status),
            code,
            problem: None,
        };
        let what = if reply.status >= 500 {
            Some(format!("server error {}", reply.status))
        } else if reply.status != expected.status {
            Some(format!(
                "status {} where the contract requires {}",
                reply.status, expected.status
            ))
        } else if !expected.codes.is_empty()
            && !code.is_some_and(|c| expected.codes.iter().any(|e| u64::from(*e) == c))
        {
            Some(format!(
                "code {code:?} where the contract requires one of {:?}",
                expected.codes
            ))
        } else if let Some(problem) = self.answer_problem(expected, reply, body.as_ref()) {
            got.problem = Some(problem.rule.to_owned());
            Some(problem.message)
        } else {
            None
        };
        (got, what)
    }

    /// The first way the answer's form departs from the contract: the rules `conform` checks.
    fn answer_problem(
        &self,
        expected: &Expected,
        reply: &client::Reply,
        body: Option<&Value>,
    ) -> Option<AnswerProblem> {
        let Some(body) = body else {
            let rule = "answer is not JSON";
            return Some(AnswerProblem {
                rule,
                message: rule.into(),
            });
        };
        let rules = AnswerRules {
            error: expected.error,
            sent: expected.sent.as_ref(),
            api_key: &self.credentials.api_key,
            secret: &self.credentials.secret,
        };
        answer_problems(reply, body, &rules).into_iter().next()
    }
}

/// Counts per mutation stage: requests sent and findings.
#[derive(Debug, Default, Clone, Serialize)]
struct StageCount {
    sent: u64,
    findings: u64,
}

struct Shared {
    next: AtomicU64,
    sent: AtomicU64,
    stop: AtomicBool,
    per_stage: Mutex<BTreeMap<&'static str, StageCount>>,
    groups: Mutex<BTreeMap<String, (Finding, u64)>>,
}

/// Runs `sessionkit fuzz`.
pub fn run(args: FuzzArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let mut server = None;
    let url = match &args.target {
        Some(url) => {
            client::split_url(url).map_err(|e| anyhow::anyhow!(e))?;
            url.clone()
        }
        None => {
            let mut settings = sessionkit_server::Settings {
                addr: ([127, 0, 0, 1], 0).into(),
                ..Default::default()
            };
            settings.receive.profile = args.profile;
            settings.receive.api_keys = vec![args.api_key.clone()];
            settings.receive.secrets = vec![args.secret.clone().into_bytes()];
            let started = runtime
                .block_on(sessionkit_server::start(settings))
                .context("cannot start the reference server")?;
            let url = format!("{}/v1/sessions", started.url());
            server = Some(started);
            url
        }
    };
    // The oracle: the contract's decision for a server with the target's credentials.
    let config = Config {
        profile: args.profile,
        api_keys: vec![args.api_key.clone()],
        secrets: vec![args.secret.clone().into_bytes()],
        ..Default::default()
    };
    let credentials = Credentials {
        api_key: args.api_key.clone(),
        secret: args.secret.clone(),
    };
    let bases: Vec<Value> = sessionkit_conform::embedded_corpus()
        .iter()
        .filter(|(name, _)| name.starts_with("schema/seed/"))
        .filter_map(|(_, bytes)| serde_json::from_slice(bytes).ok())
        .filter(|v: &Value| {
            let request = generate::build(&Input::plain(v.clone()), &credentials);
            sessionkit::receive(&request.headers, &request.body, &config).status == 201
        })
        .collect();
    anyhow::ensure!(
        !bases.is_empty(),
        "no valid example payload in the built-in corpus"
    );
    let run = Arc::new(Run {
        url: url.clone(),
        seed: args.seed,
        credentials,
        config,
        bases,
        timeout: Duration::from_secs(args.timeout),
    });
    // A server that is not there is one error, not a finding per case.
    let probe = generate::build(&Input::plain(run.bases[0].clone()), &run.credentials);
    client::send("POST", &url, &probe.headers, &probe.body, run.timeout)
        .map_err(|e| anyhow::anyhow!("cannot reach {url} (is the server running?): {e}"))?;

    let limit_cases = args.cases;
    let duration = match (args.duration, args.cases) {
        (Some(d), _) => Some(d),
        (None, None) => Some(Duration::from_secs(60)),
        (None, Some(_)) => None,
    };
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        per_stage: Mutex::new(BTreeMap::new()),
        groups: Mutex::new(BTreeMap::new()),
    });
    let started = Instant::now();
    let progress = indicatif::ProgressBar::new(limit_cases.unwrap_or(0));
    progress.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} {pos} requests  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    std::thread::scope(|scope| {
        for _ in 0..args.concurrency {
            let (run, shared) = (Arc::clone(&run), Arc::clone(&shared));
            scope.spawn(move || worker(&run, &shared, args.seed, limit_cases, duration, started));
        }
        while !shared.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let sent = shared.sent.load(Ordering::Relaxed);
            let groups = shared.groups.lock().map_or(0, |g| g.len());
            let rate = sent as f64 / started.elapsed().as_secs_f64().max(1e-3);
            progress.set_position(sent);
            progress.set_message(format!("{rate:.0} req/s, {groups} finding group(s)"));
            let done_by_count = limit_cases.is_some_and(|n| sent >= n);
            let done_by_time = duration.is_some_and(|d| started.elapsed() >= d);
            if done_by_count || done_by_time {
                shared.stop.store(true, Ordering::Relaxed);
            }
        }
    });
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let sent = shared.sent.load(Ordering::Relaxed);
    let per_stage = shared
        .per_stage
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    let mut groups: Vec<(Finding, u64)> = shared
        .groups
        .lock()
        .map(|g| g.values().cloned().collect())
        .unwrap_or_default();
    // Shrink the first finding of each group, then write it out.
    for (index, (finding, _)) in groups.iter_mut().enumerate() {
        shrink::shrink(&run, finding);
        if let Some(dir) = &args.out {
            shrink::write(&run, finding, dir, index + 1)?;
        }
    }
    if let Some(server) = server {
        runtime.block_on(server.shutdown());
    }
    let report = Report {
        target: args
            .target
            .clone()
            .unwrap_or_else(|| "embedded reference server".into()),
        seed: args.seed,
        sent,
        seconds: elapsed,
        per_stage,
        groups,
    };
    match args.format {
        FuzzFormat::Text => print!("{}", report.text()),
        FuzzFormat::Json => println!("{}", serde_json::to_string_pretty(&report.json())?),
        FuzzFormat::Junit => print!("{}", report.junit()),
    }
    Ok(if report.groups.is_empty() {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}

fn worker(
    run: &Run,
    shared: &Shared,
    seed: u64,
    limit: Option<u64>,
    duration: Option<Duration>,
    started: Instant,
) {
    loop {
        if shared.stop.load(Ordering::Relaxed) || duration.is_some_and(|d| started.elapsed() >= d) {
            return;
        }
        let case = shared.next.fetch_add(1, Ordering::Relaxed);
        if limit.is_some_and(|n| case >= n) {
            return;
        }
        let mut rng = Rng::for_case(seed, case);
        let input = generate::input(&mut rng, &run.bases);
        let finding = run.judge(case, &input);
        shared.sent.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut per_stage) = shared.per_stage.lock() {
            let count = per_stage.entry(input.mutation.stage()).or_default();
            count.sent += 1;
            count.findings += u64::from(finding.is_some());
        }
        if let Some(finding) = finding {
            if let Ok(mut groups) = shared.groups.lock() {
                let entry = groups
                    .entry(finding.group.clone())
                    .or_insert((finding.clone(), 0));
                entry.1 += 1;
                // The lowest case number of a group is kept: the same seed gives the same report.
                if finding.case < entry.0.case {
                    entry.0 = finding;
                }
            }
        }
    }
}

struct Report {
    target: String,
    seed: u64,
    sent: u64,
    seconds: f64,
    per_stage: BTreeMap<&'static str, StageCount>,
    groups: Vec<(Finding, u64)>,
}

impl Report {
    fn rate(&self) -> f64 {
        self.sent as f64 / self.seconds.max(1e-9)
    }

    fn text(&self) -> String {
        use std::fmt::Write;
        let mut out = format!(
            "sessionkit fuzz: {} (seed {})\n{} requests in {:.1} s ({:.0} req/s)\n\n{:<10} {:>9} {:>9}\n",
            self.target,
            self.seed,
            self.sent,
            self.seconds,
            self.rate(),
            "stage",
            "sent",
            "findings"
        );
        for (stage, count) in &self.per_stage {
            let _ = writeln!(out, "{stage:<10} {:>9} {:>9}", count.sent, count.findings);
        }
        for (finding, count) in &self.groups {
            let _ = writeln!(out, "\nFINDING {} ({count} request(s))", finding.group);
            let _ = writeln!(
                out,
                "  {} (case {}, a {} mutation)",
                finding.what, finding.case, finding.mutation_stage
            );
            if let Some(bytes) = finding.shrunk_bytes {
                let _ = writeln!(out, "  shrunk to a {bytes}-byte body");
            }
            if let Some(file) = &finding.file {
                let _ = writeln!(out, "  written: {file}");
            }
            if let Some(curl) = &finding.curl {
                let _ = writeln!(out, "  reproduce: {curl}");
            }
        }
        let _ = writeln!(out, "\n{} finding group(s)", self.groups.len());
        out
    }

    fn json(&self) -> Value {
        serde_json::json!({
            "target": self.target,
            "seed": self.seed,
            "sent": self.sent,
            "seconds": self.seconds,
            "requests_per_second": self.rate(),
            "per_stage": self.per_stage,
            "findings": self.groups.iter().map(|(f, n)| serde_json::json!({"count": n, "finding": f})).collect::<Vec<_>>(),
        })
    }

    fn junit(&self) -> String {
        use std::fmt::Write;
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuite name=\"sessionkit fuzz\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            self.groups.len().max(1),
            self.groups.len(),
            self.seconds
        );
        if self.groups.is_empty() {
            let _ = writeln!(
                out,
                "  <testcase classname=\"fuzz\" name=\"{} requests, no finding\"/>",
                self.sent
            );
        }
        for (finding, count) in &self.groups {
            let _ = writeln!(
                out,
                "  <testcase classname=\"{}\" name=\"{}\">\n    <failure message=\"{}\">{} request(s); {}</failure>\n  </testcase>",
                esc(finding.expected.stage),
                esc(&finding.group),
                esc(&finding.what),
                count,
                esc(finding.curl.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</testsuite>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_never_wrap() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        for bad in ["", "m", "1h", "-5s", "abc", "307445734561825861m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
