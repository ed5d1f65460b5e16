//! `sessionkit check`: captured traffic judged offline, no server involved.

use std::path::PathBuf;

use sessionkit_conform::capture;

use crate::args::JudgeArgs;
use crate::{CONFORMS, DOES_NOT_CONFORM};

/// Report formats of `sessionkit check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One block per request: the contract's answer, the mistakes named, the answer's problems.
    Text,
    /// One JSON object with every verdict.
    Json,
    /// JUnit XML: one test case per judged request.
    Junit,
}

/// Arguments of `sessionkit check`.
#[derive(clap::Args)]
#[command(
    after_help = "Reads HAR 1.2 files (browser devtools, Playwright's recordHar, mitmproxy's \
    HAR export, Charles, and the lossless recordings of `serve --har` and `proxy --har`), the NDJSON \
    reports of `serve --report` and `proxy --report`, or with --headers one request as `verify` reads \
    it. Every POST .../v1/sessions request gets the verdict a server following the contract gives \
    it with the client's credentials, with the mistakes named; a captured answer is held to the \
    rules conform checks. Other entries are listed as skipped. When a capture kept only the decoded \
    text of a compressed body (mitmproxy and browsers do), the verdict says so and judges the \
    signature, JSON and schema of the text.\n\n\
    Exit status: 0 when every judged request is one the contract accepts and no captured answer \
    breaks a MUST rule, 1 otherwise, 2 on usage or I/O errors.\n\n\
    Examples:\n  sessionkit check --api-key K --secret S traffic.har\n  \
    sessionkit check --api-key K --secret S --format junit report.ndjson > check.xml\n  \
    sessionkit check --api-key K --secret S --headers req/headers req/body"
)]
pub struct CheckArgs {
    #[command(flatten)]
    judge: JudgeArgs,
    /// The files are one body, and this its headers (`Name: value` per line).
    #[arg(long, value_name = "FILE")]
    headers: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Write the judged requests whose wire bytes the capture kept as corpus cases in DIR (bytes,
    /// manifest.json with signing recipes): `sessionkit conform --corpus DIR --target URL`
    /// replays them against any server with its own credentials.
    #[arg(long, value_name = "DIR")]
    promote: Option<PathBuf>,
    /// With --promote: only these entries, by their number in the report (1-based; `1,3`).
    #[arg(long, value_delimiter = ',', value_name = "N,M")]
    only: Vec<usize>,
    /// HAR, NDJSON or (with --headers) body files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// Runs `sessionkit check`.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let config = args.judge.config()?;
    let mut exchanges = Vec::new();
    for file in &args.files {
        match &args.headers {
            Some(headers) => {
                exchanges.push(capture::read_pair(headers, file).map_err(anyhow::Error::msg)?)
            }
            None => exchanges.extend(capture::read(file).map_err(anyhow::Error::msg)?),
        }
    }
    let verdicts: Vec<capture::Verdict> = exchanges
        .iter()
        .map(|e| capture::judge(e, &config))
        .collect();
    if let Some(dir) = &args.promote {
        let chosen: Vec<&capture::Exchange> = exchanges
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                e.is_create_session() && (args.only.is_empty() || args.only.contains(&(i + 1)))
            })
            .map(|(_, e)| e)
            .collect();
        let (written, left_out) =
            capture::promote(&chosen, &config, dir).map_err(anyhow::Error::msg)?;
        eprintln!(
            "promoted {} request(s) to {} (replay: sessionkit conform --corpus {} --target URL)",
            written.len(),
            dir.display(),
            dir.display()
        );
        for why in left_out {
            eprintln!("  not promoted: {why}");
        }
    }
    match args.format {
        CheckFormat::Text => print!("{}", capture::text(&verdicts)),
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "judged": verdicts.iter().filter(|v| v.skipped.is_none()).count(),
                "failed": verdicts.iter().filter(|v| !v.ok).count(),
                "verdicts": verdicts,
            }))?
        ),
        CheckFormat::Junit => print!("{}", capture::junit(&verdicts)),
    }
    Ok(if verdicts.iter().all(|v| v.ok) {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}
