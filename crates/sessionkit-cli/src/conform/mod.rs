//! `sessionkit conform`: every corpus case sent to a server with its own credentials, in every
//! profile it applies to: the wire-level cases rebuilt from their recipes, and every body-level
//! case signed and sent in each encoding. Status, vendor code, the vendor's answer shape, answer
//! headers, the named mistake (when the answer names any), and on 201 the answer's signature and
//! echo are compared with the manifest. Without `--target` it runs against the embedded
//! reference server, once per profile.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use sessionkit::receive::{EXAMPLE_API_KEY, EXAMPLE_SHARED_SECRET};
use sessionkit::schema::Profile;
use sessionkit_mock::client;

use crate::{CONFORMS, DOES_NOT_CONFORM};

mod cases;
mod check;
mod report;
mod send;

use cases::{corpus_dir, load_cases};
use check::{Checked, check};
use report::{CaseResult, junit_report, text_report};
use send::reachable;

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
    /// Profile the target validates in; every case that applies to it runs (without --target,
    /// both profiles run, each against its own embedded server).
    #[arg(long, default_value = "documented", value_parser = crate::args::parse_profile)]
    profile: Profile,
    /// API key the target accepts (the corpus uses it in its cases).
    #[arg(long, default_value = EXAMPLE_API_KEY, value_name = "K")]
    api_key: String,
    /// Shared secret of the target: every case is signed with it (each wire case records how its
    /// signature is made, so it is rebuilt for any secret).
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

/// Runs `sessionkit conform`.
pub fn run(args: ConformArgs) -> anyhow::Result<u8> {
    let dir = corpus_dir(&args);
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
    let profiles: Vec<Profile> = targets.iter().map(|(p, _)| *p).collect();
    let mut cases = load_cases(&args, &dir, &profiles)?;
    if let Some(pattern) = &args.filter {
        cases.retain(|c| c.name.contains(pattern.as_str()));
    }
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
        let checked = match client::send("POST", url, &case.headers, &case.body, timeout) {
            Ok(reply) => check(case, &reply, &args),
            Err(e) => Checked {
                problems: vec![format!("no answer: {e}")],
                ..Checked::default()
            },
        };
        let passed = checked.problems.is_empty();
        results.push(CaseResult {
            name: case.name.clone(),
            stage: case.stage.clone(),
            profile: case.profile.name(),
            passed,
            must: case.is_must(),
            expected: case.expect.clone(),
            got_status: checked.status,
            got_code: checked.vendor_code,
            got_diagnostics: checked.named,
            problems: checked.problems,
            notes: checked.notes,
            seconds: started.elapsed().as_secs_f64(),
            curl: (!passed).then(|| case.curl(url)),
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
        ConformFormat::Text => text_report(&results, &target_name),
        ConformFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "target": target_name,
                "passed": results.iter().filter(|r| r.passed).count(),
                "failed": results.iter().filter(|r| !r.passed).count(),
                "must_passed": results.iter().filter(|r| r.must && r.passed).count(),
                "must": results.iter().filter(|r| r.must).count(),
                "notes": results.iter().map(|r| r.notes.len()).sum::<usize>(),
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
