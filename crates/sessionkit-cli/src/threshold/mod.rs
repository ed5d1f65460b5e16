//! `sessionkit threshold`: where compression starts to pay, measured on this machine.
//!
//! For each consent size, encoding and level it measures the client's encode time, the server's
//! decode time and the compressed size, then models each link with [`Link::transfer_ns`]
//! (bandwidth in whole TCP segments, and slow start's round trips on a new connection) and
//! prints, per link and connection, the break-even size, the best choice and the time saved at
//! 16 KiB. Sizes are of realistic consent prose from a seeded generator.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sessionkit::codec::Encoding;
use sessionkit::cost::{Connection, LINKS, Link};

use crate::args::read_input;
use crate::{CONFORMS, Format};

mod chart;
mod measure;

use measure::{LinkVerdict, Measurement, measure, verdict};

/// Arguments of `sessionkit threshold`.
#[derive(clap::Args)]
#[command(
    after_help = "How to read it: for each link and connection, compressing pays for bodies at least \
as large as the break-even size; below it, send plain JSON. `total` is encode + transfer + decode. \
Transfer counts whole 1,460-byte TCP segments at the link's bandwidth and, on a new (cold) \
connection, a round trip for each slow-start flight after the first (initial window 10 segments, \
RFC 6928). Handshakes and the answer cost the same either way and are left out.\n\n\
Link profiles (bandwidth, round trip): loopback 10 Gbit/s 0.05 ms, lan 1 Gbit/s 0.5 ms, \
same-region 1 Gbit/s 2 ms, cross-region 200 Mbit/s 80 ms, 4g 10 Mbit/s 50 ms, 3g 1 Mbit/s 150 ms.\n\n\
Examples:\n  \
sessionkit threshold --profile cross-region\n  \
sessionkit threshold --links 10,100 --rtt 30 --connection cold --payload body.json\n  \
sessionkit threshold --plot cost.svg --plot-profile 4g"
)]
pub struct ThresholdArgs {
    /// Consent text sizes to measure, in KiB.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,4,8,16,32,64")]
    sizes: Vec<usize>,
    /// Link profiles to model (default: all of them, unless --links is given).
    #[arg(long = "profile", value_delimiter = ',', value_parser = parse_link, value_name = "NAME")]
    profiles: Vec<Link>,
    /// Links of your own to model, in Mbit/s (with the round trip of --rtt).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "MBPS",
        allow_negative_numbers = true
    )]
    links: Vec<f64>,
    /// Round-trip time of the --links, in milliseconds.
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "MS",
        allow_negative_numbers = true
    )]
    rtt: f64,
    /// New connections (slow start), kept-alive ones, or both.
    #[arg(long, value_enum, default_value_t = Connections::Both)]
    connection: Connections,
    /// Encodings to try.
    #[arg(long, value_delimiter = ',', default_value = "gzip,deflate", value_parser = parse_encoding)]
    encodings: Vec<Encoding>,
    /// Compression levels to try: 0 stores, 1 is fastest, 12 smallest.
    #[arg(long, value_delimiter = ',', default_value = "1,6,9")]
    levels: Vec<u32>,
    /// Also measure this JSON body (your own payload).
    #[arg(long, value_name = "FILE")]
    payload: Option<String>,
    /// Write an SVG chart of total time against body size, one line per choice, for one link
    /// on a new and on a kept-alive connection.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// The link profile of the chart (default: cross-region, or the first link modelled).
    #[arg(long, value_parser = parse_link, value_name = "NAME")]
    plot_profile: Option<Link>,
    /// Measuring time per encoding, level and size, in milliseconds.
    #[arg(long, default_value_t = 40)]
    budget_ms: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Which connections to model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Connections {
    /// A new connection, limited by slow start.
    Cold,
    /// A kept-alive connection, limited by bandwidth.
    Warm,
    /// Both.
    Both,
}

impl Connections {
    fn list(self) -> Vec<Connection> {
        match self {
            Connections::Cold => vec![Connection::Cold],
            Connections::Warm => vec![Connection::Warm],
            Connections::Both => vec![Connection::Cold, Connection::Warm],
        }
    }
}

fn parse_link(name: &str) -> Result<Link, String> {
    Link::named(name).ok_or_else(|| {
        let names: Vec<&str> = LINKS.iter().map(|l| l.name).collect();
        format!("unknown link profile {name:?} ({})", names.join(", "))
    })
}

fn parse_encoding(name: &str) -> Result<Encoding, String> {
    match name {
        "gzip" => Ok(Encoding::Gzip),
        "deflate" => Ok(Encoding::Deflate),
        _ => Err(format!("unknown encoding {name:?} (gzip, deflate)")),
    }
}

/// Runs `sessionkit threshold`.
pub fn run(args: ThresholdArgs) -> anyhow::Result<u8> {
    let links = links(&args)?;
    let choices = choices(&args)?;
    let inputs = inputs(&args)?;
    let budget = Duration::from_millis(args.budget_ms.max(1));
    let progress = indicatif::ProgressBar::new((inputs.len() * choices.len()) as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("measuring {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let groups: Vec<Vec<Measurement>> = inputs
        .iter()
        .map(|(label, json)| measure(label, json, &choices, budget, &progress))
        .collect();
    progress.finish_and_clear();

    let verdicts: Vec<LinkVerdict> = links
        .iter()
        .flat_map(|link| {
            let connections = args.connection.list().into_iter();
            connections.map(|connection| verdict(&groups, &args.sizes, link, connection))
        })
        .collect();
    if let Some(path) = &args.plot {
        plot(&args, &links, &groups, path)?;
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "measurements": groups, "links": verdicts })
            )?
        ),
        Format::Text => print!("{}", text(&groups, &verdicts)),
    }
    Ok(CONFORMS)
}

/// The links judged: the named profiles and the custom speeds asked for, else every profile.
fn links(args: &ThresholdArgs) -> anyhow::Result<Vec<Link>> {
    anyhow::ensure!(
        args.links.iter().all(|l| *l > 0.0 && l.is_finite()),
        "--links must be positive Mbit/s"
    );
    anyhow::ensure!(
        args.rtt >= 0.0 && args.rtt.is_finite(),
        "--rtt must be a non-negative number of milliseconds"
    );
    let mut links = args.profiles.clone();
    links.extend(args.links.iter().map(|&mbps| Link {
        name: "custom",
        mbps,
        rtt_ms: args.rtt,
    }));
    if links.is_empty() {
        links = LINKS.to_vec();
    }
    Ok(links)
}

/// Every encoding at every level asked for.
fn choices(args: &ThresholdArgs) -> anyhow::Result<Vec<(Encoding, u32)>> {
    anyhow::ensure!(
        args.levels
            .iter()
            .all(|l| *l <= sessionkit::codec::MAX_LEVEL),
        "--levels go from 0 to {}",
        sessionkit::codec::MAX_LEVEL
    );
    Ok(args
        .encodings
        .iter()
        .flat_map(|e| args.levels.iter().map(move |l| (*e, *l)))
        .collect())
}

/// The bodies measured: a seeded consent of each size, then the user's payload if given.
fn inputs(args: &ThresholdArgs) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    anyhow::ensure!(!args.sizes.is_empty(), "--sizes needs at least one size");
    let mut inputs: Vec<(String, Vec<u8>)> = args
        .sizes
        .iter()
        .map(|kib| {
            let json = sessionkit::samples::payload(kib * 1024, 0x5e55_10b1).to_json_bytes();
            (format!("{kib} KiB"), json)
        })
        .collect();
    if let Some(file) = &args.payload {
        let bytes = read_input(file).with_context(|| "cannot read --payload")?;
        inputs.push(("your payload".into(), bytes));
    }
    Ok(inputs)
}

/// `--plot`: the chart of the seeded sizes for one link (`--plot-profile`, else cross-region).
fn plot(
    args: &ThresholdArgs,
    links: &[Link],
    groups: &[Vec<Measurement>],
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let link = args.plot_profile.unwrap_or_else(|| {
        links
            .iter()
            .copied()
            .find(|l| l.name == "cross-region")
            .unwrap_or(links[0])
    });
    let sized = &groups[..args.sizes.len()];
    let chart = chart::svg(sized, &link, &args.sizes)?;
    std::fs::write(path, chart).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "chart for the {} link written to {}",
        link.name,
        path.display()
    );
    Ok(())
}

fn text(groups: &[Vec<Measurement>], verdicts: &[LinkVerdict]) -> String {
    let mut out = String::from("measured on this machine (median µs; bytes on the wire)\n");
    let _ = write!(out, "{:<14} {:>8}", "consent", "json B");
    for m in &groups[0][1..] {
        let _ = write!(out, " {:>22}", m.choice);
    }
    out.push('\n');
    for g in groups {
        let _ = write!(out, "{:<14} {:>8}", g[0].label, g[0].json_bytes);
        for m in &g[1..] {
            let _ = write!(
                out,
                " {:>7}B {:>5.0}+{:>4.0}µs",
                m.wire_bytes, m.encode_us, m.decode_us
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n{:<14} {:>9} {:>8} {:<11} {:>26} {:>10} {:>16}",
        "link", "Mbit/s", "RTT ms", "connection", "compress from", "best", "saved at 16 KiB"
    );
    for v in verdicts {
        let from = v
            .break_even_kib
            .map_or("never (sizes measured)".to_owned(), |k| {
                format!("{k} KiB of consent text")
            });
        let saved = if v.saved_us >= 1000.0 {
            format!("{:.1} ms", v.saved_us / 1000.0)
        } else {
            format!("{:.0} µs", v.saved_us)
        };
        let _ = writeln!(
            out,
            "{:<14} {:>9} {:>8} {:<11} {from:>26} {:>10} {saved:>16}",
            v.link, v.link_mbps, v.rtt_ms, v.connection, v.best_choice
        );
    }
    out
}
