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
    rules conform checks. A POST elsewhere that carries X-HMAC-SIGNATURE or X-SIGNATURE is a \
    webhook delivery a receiver captured: its exact bytes are verified as `verify --webhook` does \
    (the secret is enough, no --api-key), and the receiver's recorded answer is held to what it owed \
    the delivery, graded as `webhook` grades it: accept a genuine one (MUST), refuse a forgery \
    (MUST); another spelling of the right signature is MAY, other bytes of the same content \
    SHOULD. Other entries are listed as skipped.\n\n\
    When a capture kept only the decoded text of a compressed body (mitmproxy and browsers do), \
    the wire bytes are rebuilt from what the capture \
    still shows (the recorded answer, the request's time in a gzip header, the recorded size): \
    exactly when that evidence proves them, else as a stand-in compressed anew; the verdict lists \
    the evidence.\n\n\
    Exit status: 0 when every judged request is one the contract accepts and no captured answer \
    breaks a MUST rule, 1 otherwise, 2 on usage or I/O errors: a file that cannot be read or \
    holds no exchange (every other file is still judged), an --only that names no request.\n\n\
    Examples:\n  sessionkit check --api-key K --secret S traffic.har\n  \
    sessionkit check --api-key K --secret S --format junit report.ndjson > check.xml\n  \
    sessionkit check --api-key K --secret S --headers req/headers req/body\n  \
    sessionkit check --secret S receiver.har                    # webhook deliveries a receiver got"
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
    #[arg(long, value_delimiter = ',', value_name = "N,M", requires = "promote")]
    only: Vec<usize>,
    /// HAR, NDJSON or (with --headers) body files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// What `--only` needs to know of an entry it does not keep.
struct Seen {
    source: String,
    request: String,
    create_session: bool,
}

/// Runs `sessionkit check`.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    // A receiver's capture of webhook deliveries needs the secret only.
    let config = args.judge.config_without_key()?;
    // Each entry is judged as it is read, and only its verdict kept (the requests to promote
    // too, with --promote): memory follows the largest entry, not the files. Every file is read
    // before a file that could not be read ends the run.
    let mut verdicts: Vec<capture::Verdict> = Vec::new();
    let mut seen: Vec<Seen> = Vec::new();
    let mut kept: Vec<(usize, capture::Exchange)> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut keyless = false;
    let mut visit = |exchange: capture::Exchange| {
        let create_session = exchange.is_create_session();
        if create_session && !args.judge.has_api_key() {
            keyless = true;
            return;
        }
        verdicts.push(capture::judge(&exchange, &config));
        seen.push(Seen {
            source: exchange.source.clone(),
            request: format!("{} {}", exchange.method, exchange.url),
            create_session,
        });
        let number = seen.len();
        if args.promote.is_some()
            && create_session
            && (args.only.is_empty() || args.only.contains(&number))
        {
            kept.push((number, exchange));
        }
    };
    for file in &args.files {
        let read = match &args.headers {
            Some(headers) => capture::read_pair(headers, file).map(&mut visit),
            None => capture::read_each(file, &mut visit).map(|_| ()),
        };
        if let Err(e) = read {
            unreadable.push(e.to_string());
        }
    }
    anyhow::ensure!(
        !keyless,
        "--api-key K is required to judge requests to /v1/sessions: the API key the server knows"
    );
    let mut usage_error = false;
    if let Some(dir) = &args.promote {
        usage_error = promote(&args, &seen, &kept, &config, dir)?;
    }
    match args.format {
        CheckFormat::Text => print!("{}", capture::text(&verdicts)),
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "judged": verdicts.iter().filter(|v| v.skipped.is_none()).count(),
                "failed": verdicts.iter().filter(|v| !v.ok).count(),
                "unreadable": unreadable,
                "verdicts": verdicts,
            }))?
        ),
        CheckFormat::Junit => print!("{}", capture::junit(&verdicts)),
    }
    for why in &unreadable {
        eprintln!("sessionkit: {why}");
    }
    Ok(if !unreadable.is_empty() || usage_error {
        crate::USAGE_OR_IO
    } else if verdicts.iter().all(|v| v.ok) {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}

/// Writes the chosen requests to `dir`; true when an `--only` number named no request that can
/// be promoted (each one said on stderr).
fn promote(
    args: &CheckArgs,
    seen: &[Seen],
    kept: &[(usize, capture::Exchange)],
    config: &sessionkit::Config,
    dir: &std::path::Path,
) -> anyhow::Result<bool> {
    let mut unmatched = false;
    for &n in &args.only {
        let why = match seen.get(n.wrapping_sub(1)) {
            None => match seen.len() {
                1 => "the files hold 1 entry".to_owned(),
                n => format!("the files hold {n} entries"),
            },
            Some(e) if !e.create_session => {
                format!("{} is {}, not POST .../v1/sessions", e.source, e.request)
            }
            Some(_) => continue,
        };
        eprintln!("sessionkit: --only {n}: no request to promote ({why})");
        unmatched = true;
    }
    let chosen: Vec<&capture::Exchange> = kept.iter().map(|(_, e)| e).collect();
    let (written, left_out) = capture::promote(&chosen, config, dir).map_err(anyhow::Error::msg)?;
    eprintln!(
        "promoted {} request(s) to {} (replay: sessionkit conform --corpus {} --target URL)",
        written.len(),
        dir.display(),
        dir.display()
    );
    for why in left_out {
        eprintln!("  not promoted: {why}");
    }
    Ok(unmatched)
}
