//! `sessionkit fuzz`: the live fuzzer of `sessionkit_conform::Fuzz`, with a progress line, the
//! report in the chosen format and the exit code.

use std::path::PathBuf;
use std::time::Duration;

use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::Profile;
use sessionkit_conform::{Fuzz, FuzzProgress, Level, Shard};

use crate::{CONFORMS, DOES_NOT_CONFORM};

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
    Phases: first the coverage phase (each constraint of the profile's schema and each rule of the \
    contract probed once on both sides; the report says how many were covered, of how many), \
    then random cases until --duration or --cases.\n\n\
    Levels: each finding carries the level of the rule it breaks (MUST: the documentation or an \
    RFC fixes the answer; SHOULD: this project's hardening; MAY: the server's choice) and its \
    source.\n\n\
    Exit status: 0 when nothing at --level or stronger was found, 1 when something was, 2 on \
    usage or I/O errors.\n\n\
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
    /// The target's shared secret (default: the documentation's `your-shared-secret`); every
    /// request is signed with it.
    #[command(flatten)]
    secret: crate::args::SecretArgs,
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
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    cases: Option<u64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Write each finding group's shrunk cases here, in the corpus format (bytes, manifest.json,
    /// and a curl command). Default: a fresh folder in the temporary directory, printed at the
    /// end when anything was written (one per run: later runs never overwrite it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Skip the coverage phase (each constraint of the schema and each rule of the contract
    /// probed on both sides once, before the random cases).
    #[arg(long)]
    no_coverage: bool,
    /// The weakest level whose findings fail the run: `must` (the default) or `should` (the
    /// project's hardening too); MAY findings never fail it.
    #[arg(long, default_value = "must", value_parser = crate::args::parse_level, value_name = "LEVEL")]
    level: Level,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FuzzFormat::Text)]
    format: FuzzFormat,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Send only shard I of N (`1/4`): the cases whose number is I-1 modulo N. With the same
    /// seed and --cases, the N shards (say, N CI jobs) together send exactly what one run sends.
    #[arg(long, value_parser = Shard::parse, value_name = "I/N")]
    shard: Option<Shard>,
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

/// Runs `sessionkit fuzz`.
pub fn run(args: FuzzArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    anyhow::ensure!(args.timeout >= 1, "--timeout must be at least 1 second");
    if let Some(url) = &args.target {
        eprintln!(
            "fuzz: {url} with API key {:?}, the secret from {}",
            args.api_key,
            args.secret.source()
        );
    }
    let mut fuzz = match &args.target {
        Some(url) => Fuzz::against(url.clone()),
        None => Fuzz::embedded(),
    }
    .credentials(
        args.api_key.clone(),
        args.secret.one_or(Some(EXAMPLE_SHARED_SECRET))?,
    )
    .profile(args.profile)
    .seed(args.seed)
    .concurrency(args.concurrency)
    .timeout(Duration::from_secs(args.timeout));
    if let Some(duration) = args.duration {
        fuzz = fuzz.duration(duration);
    }
    if let Some(cases) = args.cases {
        fuzz = fuzz.cases(cases);
    }
    let out = args.out.clone().unwrap_or_else(fresh_out_dir);
    fuzz = fuzz.out(out.clone()).coverage_phase(!args.no_coverage);
    if let Some(shard) = args.shard {
        fuzz = fuzz.shard(shard);
    }
    let progress = indicatif::ProgressBar::new(args.cases.unwrap_or(0));
    progress.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} {pos} requests  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = fuzz
        .run_with(|p: FuzzProgress| {
            let rate = p.sent as f64 / p.elapsed.as_secs_f64().max(1e-3);
            progress.set_position(p.sent);
            let phase = if p.sent < p.coverage_cases {
                format!("coverage phase {}/{}", p.sent, p.coverage_cases)
            } else {
                "random cases".to_owned()
            };
            progress.set_message(format!(
                "{phase}, {rate:.0} req/s, {} finding group(s)",
                p.groups
            ));
        })
        .map_err(|e| anyhow::anyhow!(e))?;
    progress.finish_and_clear();
    if out.exists() {
        eprintln!("findings written to {}", out.display());
    }
    match args.format {
        FuzzFormat::Text => print!("{}", report.text()),
        FuzzFormat::Json => println!("{}", serde_json::to_string_pretty(&report.json())?),
        FuzzFormat::Junit => print!("{}", report.junit()),
    }
    Ok(if report.fails_at(args.level) {
        DOES_NOT_CONFORM
    } else {
        CONFORMS
    })
}

/// `sessionkit-fuzz-<time>-<pid>` in the temporary directory: unique per run.
fn fresh_out_dir() -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    std::env::temp_dir().join(format!("sessionkit-fuzz-{now}-{}", std::process::id()))
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
