//! `sessionkit conform`: the conformance run of `sessionkit_conform` (every corpus case
//! sent to a server with its own credentials, in every profile it applies to) with a progress
//! bar and a report in text, JSON or JUnit.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::Profile;
use sessionkit_conform::Target;
use sessionkit_conform::{Conform, Level};

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
    /// Markdown: a table per stage and each problem with its reproduction (a CI step summary).
    Markdown,
    /// The report page: one self-contained HTML file (use with --out): the matrix of stages by
    /// outcome, the score per level, every case opening to its rule, request, answer and
    /// reproduction, with filters by outcome, level and stage.
    Html,
}

/// Arguments of `sessionkit conform`.
#[derive(clap::Args)]
#[command(
    after_help = "Levels: every case and every problem has one. MUST: the API's documentation or a \
    standard it relies on (RFC 9110, 8259, 3339, 1952) fixes the answer; a MUST problem fails the run. \
    SHOULD: this project's hardening (check order, limits, duplicate keys, bounded decompression); a \
    warning, which fails the run only with --level should. MAY: where the documentation is silent and \
    servers differ; informational. Each problem names its source.\n\n\
    Exit status: 0 when no case has a problem at the --level (MUST by default), 1 when any has, 2 on \
    usage or I/O errors.\n\n\
    Examples:\n  sessionkit conform                                  # against the embedded reference server\n  \
    sessionkit conform --target http://127.0.0.1:8080/v1/sessions --api-key K --secret S\n  \
    sessionkit conform --format junit --out conform.xml --filter decode/\n  \
    sessionkit conform --format html --out report.html     # the report page, one file"
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
    /// The target's shared secret (default: the documentation's `your-shared-secret`); every
    /// request is signed with it.
    #[command(flatten)]
    secret: crate::args::SecretArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ConformFormat::Text)]
    format: ConformFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write the report as JUnit XML to this file (beside the --format one).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the report page (as --format html) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Run only the cases whose name contains this text (for example `decode/` or `seed/`).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Do not require the answer's diagnostics to name the client's mistake (for servers that
    /// give none).
    #[arg(long)]
    skip_diagnostics: bool,
    /// The corpus folder (default: ./corpus when it has a manifest, else the copy built into
    /// this binary).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Seconds each exchange may take in all, from connecting to the answer's last byte (an
    /// answer that drips a byte a second ends here).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    timeout: u64,
    /// The weakest level whose problems fail the run: `must` (the default) or `should`.
    #[arg(long, default_value = "must", value_parser = crate::args::parse_level, value_name = "LEVEL")]
    level: Level,
}

/// Runs `sessionkit conform`.
pub fn run(args: ConformArgs) -> anyhow::Result<u8> {
    // Checked here: a 0 s timeout would fail every case as the server's fault.
    anyhow::ensure!(args.timeout >= 1, "--timeout must be at least 1 second");
    if let Some(url) = &args.target {
        eprintln!(
            "conform: {url} with API key {:?}, the secret from {}",
            args.api_key,
            args.secret.source()
        );
    }
    let conform = Conform {
        target: Target {
            url: args.target.clone(),
            api_key: args.api_key,
            secret: args.secret.one_or(Some(EXAMPLE_SHARED_SECRET))?,
            profile: args.profile,
        },
        filter: args.filter,
        skip_diagnostics: args.skip_diagnostics,
        corpus: args.corpus,
        timeout: Duration::from_secs(args.timeout),
        fail_at: args.level,
    };
    let progress = indicatif::ProgressBar::new(0);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = conform.run_with(|p| {
        progress.set_length(p.total as u64);
        progress.set_position(p.done as u64);
        progress.set_message(p.case.name.clone());
    });
    progress.finish_and_clear();
    let report = report?;
    let rendered = match args.format {
        ConformFormat::Text => report.text(),
        ConformFormat::Json => serde_json::to_string_pretty(&report.json())? + "\n",
        ConformFormat::Junit => report.junit(),
        ConformFormat::Markdown => report.markdown(),
        ConformFormat::Html => report.html(),
    };
    if let Some(path) = &args.junit {
        std::fs::write(path, report.junit())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, report.html())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("report page written to {}", path.display());
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &rendered)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{} requests, {} failed at {}; report written to {}",
                report.results.len(),
                report.failures().count(),
                args.level,
                path.display()
            );
        }
        None => print!("{rendered}"),
    }
    Ok(if report.all_passed() {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}
