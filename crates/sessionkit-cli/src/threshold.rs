//! `sessionkit threshold`: where compression starts to pay, measured on this machine.
//!
//! For each consent size, encoding and level it measures the client's encode time, the server's
//! decode time and the compressed size, then models each link speed with [`CostModel`]'s
//! transfer time (whole TCP segments) and prints, per link, the break-even size and the best
//! choice. Sizes are of realistic consent prose from a seeded generator.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use sessionkit::cost::CostModel;
use sessionkit::encoding::{self, DecodeLimit, Encoding};

use crate::args::read_input;
use crate::{CONFORMS, Format};

/// Arguments of `sessionkit threshold`.
#[derive(clap::Args)]
#[command(
    after_help = "How to read it: for each link speed, compressing pays for bodies at least as large as the \
    break-even size; below it, send plain JSON. `total` is encode + transfer + decode; transfer is counted in \
    whole 1,460-byte TCP segments.\n\nExample:\n  sessionkit threshold --links 10,100 --payload body.json --plot cost.svg"
)]
pub struct ThresholdArgs {
    /// Consent text sizes to measure, in KiB.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,4,8,16,32,64")]
    sizes: Vec<usize>,
    /// Link speeds to model, in Mbit/s.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100,1000")]
    links: Vec<f64>,
    /// Encodings to try.
    #[arg(long, value_delimiter = ',', default_value = "gzip,deflate", value_parser = parse_encoding)]
    encodings: Vec<Encoding>,
    /// Compression levels to try: 0 stores, 1 is fastest, 12 smallest.
    #[arg(long, value_delimiter = ',', default_value = "1,6,9")]
    levels: Vec<u32>,
    /// Also measure this JSON body (your own payload).
    #[arg(long, value_name = "FILE")]
    payload: Option<String>,
    /// Write an SVG chart of total time against size for one link.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// The link of the chart, in Mbit/s (default: the second of --links, else the first).
    #[arg(long, value_name = "MBPS")]
    plot_link: Option<f64>,
    /// Measuring time per encoding, level and size, in milliseconds.
    #[arg(long, default_value_t = 40)]
    budget_ms: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn parse_encoding(name: &str) -> Result<Encoding, String> {
    match name {
        "gzip" => Ok(Encoding::Gzip),
        "deflate" => Ok(Encoding::Deflate),
        _ => Err(format!("unknown encoding {name:?} (gzip, deflate)")),
    }
}

#[derive(Serialize, Clone)]
struct Measurement {
    label: String,
    json_bytes: usize,
    choice: String,
    wire_bytes: usize,
    encode_us: f64,
    decode_us: f64,
}

/// Median time of `f` over about `budget`, after a short warm-up.
fn median_us(budget: Duration, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < budget / 5 {
        f();
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn measure(
    label: &str,
    json: &[u8],
    choices: &[(Encoding, u32)],
    budget: Duration,
    progress: &indicatif::ProgressBar,
) -> Vec<Measurement> {
    let mut out = vec![Measurement {
        label: label.to_owned(),
        json_bytes: json.len(),
        choice: "identity".into(),
        wire_bytes: json.len(),
        encode_us: 0.0,
        decode_us: 0.0,
    }];
    for &(encoding, level) in choices {
        progress.set_message(format!("{label} {encoding}-{level}"));
        let wire = encoding::encode(json, encoding, level);
        let encode_us = median_us(budget, || {
            std::hint::black_box(encoding::encode(json, encoding, level));
        });
        let limit = DecodeLimit {
            max_decoded: json.len(),
        };
        let decode_us = median_us(budget, || {
            std::hint::black_box(encoding::decode(&wire, encoding, limit).ok());
        });
        out.push(Measurement {
            label: label.to_owned(),
            json_bytes: json.len(),
            choice: format!("{encoding}-{level}"),
            wire_bytes: wire.len(),
            encode_us,
            decode_us,
        });
        progress.inc(1);
    }
    out
}

fn total_us(m: &Measurement, link: f64) -> f64 {
    let model = CostModel {
        link_mbps: link,
        ..CostModel::DEFAULT
    };
    m.encode_us + m.decode_us + model.transfer_ns(m.wire_bytes) / 1000.0
}

#[derive(Serialize)]
struct LinkVerdict {
    link_mbps: f64,
    /// Smallest measured consent size (KiB) from which compressing always wins, if any.
    break_even_kib: Option<usize>,
    best_choice: String,
    rows: Vec<(String, usize, String, f64, f64, f64)>,
}

fn best(group: &[Measurement], link: f64) -> &Measurement {
    group
        .iter()
        .min_by(|a, b| total_us(a, link).total_cmp(&total_us(b, link)))
        .unwrap_or(&group[0])
}

/// Runs `sessionkit threshold`.
pub fn run(args: ThresholdArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(
        !args.links.is_empty() && args.links.iter().all(|l| *l > 0.0),
        "--links must be positive Mbit/s"
    );
    anyhow::ensure!(
        args.levels.iter().all(|l| *l <= encoding::MAX_LEVEL),
        "--levels go from 0 to {}",
        encoding::MAX_LEVEL
    );
    let choices: Vec<(Encoding, u32)> = args
        .encodings
        .iter()
        .flat_map(|e| args.levels.iter().map(move |l| (*e, *l)))
        .collect();
    let budget = Duration::from_millis(args.budget_ms.max(1));
    let mut inputs: Vec<(String, Vec<u8>)> = args
        .sizes
        .iter()
        .map(|kib| {
            (
                format!("{kib} KiB"),
                sessionkit::prose::payload(kib * 1024, 0x5e55_10b1).to_json_bytes(),
            )
        })
        .collect();
    let user = match &args.payload {
        Some(file) => Some(read_input(file).with_context(|| "cannot read --payload")?),
        None => None,
    };
    if let Some(bytes) = &user {
        inputs.push(("your payload".into(), bytes.clone()));
    }
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

    let sized = &groups[..args.sizes.len()];
    let verdicts: Vec<LinkVerdict> = args
        .links
        .iter()
        .map(|&link| {
            let wins: Vec<bool> = sized
                .iter()
                .map(|g| best(g, link).choice != "identity")
                .collect();
            let break_even = (0..wins.len())
                .find(|&i| wins[i..].iter().all(|w| *w))
                .map(|i| args.sizes[i]);
            // The best choice where compression pays: the one winning at the most sizes.
            let mut tally: Vec<(String, usize)> = Vec::new();
            for g in sized {
                let choice = best(g, link).choice.clone();
                if choice != "identity" {
                    match tally.iter_mut().find(|(c, _)| *c == choice) {
                        Some((_, n)) => *n += 1,
                        None => tally.push((choice, 1)),
                    }
                }
            }
            let best_choice = tally
                .iter()
                .max_by_key(|(_, n)| *n)
                .map_or("identity".to_owned(), |(c, _)| c.clone());
            let rows = groups
                .iter()
                .map(|g| {
                    let plain = total_us(&g[0], link);
                    let b = best(g, link);
                    let t = total_us(b, link);
                    (
                        g[0].label.clone(),
                        g[0].json_bytes,
                        b.choice.clone(),
                        plain,
                        t,
                        100.0 * (plain - t) / plain,
                    )
                })
                .collect();
            LinkVerdict {
                link_mbps: link,
                break_even_kib: break_even,
                best_choice,
                rows,
            }
        })
        .collect();

    if let Some(path) = &args.plot {
        let link = args
            .plot_link
            .unwrap_or_else(|| *args.links.get(1).unwrap_or(&args.links[0]));
        std::fs::write(path, svg(sized, link))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("chart for {link} Mbit/s written to {}", path.display());
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
    for v in verdicts {
        let _ = writeln!(
            out,
            "\nlink {} Mbit/s: {}; best choice {}",
            v.link_mbps,
            v.break_even_kib.map_or(
                "compression never pays over the sizes measured".to_owned(),
                |k| format!("compress from {k} KiB of consent text")
            ),
            v.best_choice
        );
        let _ = writeln!(
            out,
            "  {:<14} {:>8} {:>12} {:>12} {:>12} {:>8}",
            "consent", "json B", "best", "plain µs", "best µs", "saved"
        );
        for (label, bytes, choice, plain, best, saved) in &v.rows {
            let _ = writeln!(
                out,
                "  {label:<14} {bytes:>8} {choice:>12} {plain:>12.0} {best:>12.0} {saved:>7.0}%"
            );
        }
    }
    out
}

/// A line chart: total time against consent size, one line per choice, for one link.
fn svg(groups: &[Vec<Measurement>], link: f64) -> String {
    let (w, h, left, bottom) = (760.0, 440.0, 70.0, 50.0);
    let max_x = groups.iter().map(|g| g[0].json_bytes).max().unwrap_or(1) as f64;
    let max_y = groups
        .iter()
        .flat_map(|g| g.iter().map(|m| total_us(m, link)))
        .fold(1.0, f64::max);
    let x = |bytes: usize| left + (w - left - 20.0) * bytes as f64 / max_x;
    let y = |us: f64| h - bottom - (h - bottom - 30.0) * us / max_y;
    let colors = [
        "#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    ];
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"18\">encode + transfer + decode at {link} Mbit/s (µs) against body size (bytes)</text>\n\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{left}\" y1=\"30\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>\n",
        h - bottom,
        w - 20.0,
        h - bottom,
        h - bottom
    );
    for i in 0..=4 {
        let us = max_y * f64::from(i) / 4.0;
        let bytes = (max_x * f64::from(i) / 4.0) as usize;
        let _ = writeln!(
            out,
            "<text x=\"5\" y=\"{:.0}\">{us:.0}</text><text x=\"{:.0}\" y=\"{:.0}\">{bytes}</text>",
            y(us),
            x(bytes) - 10.0,
            h - bottom + 18.0
        );
    }
    for (i, choice) in groups[0].iter().map(|m| m.choice.clone()).enumerate() {
        let points: Vec<String> = groups
            .iter()
            .filter_map(|g| g.iter().find(|m| m.choice == choice))
            .map(|m| format!("{:.1},{:.1}", x(m.json_bytes), y(total_us(m, link))))
            .collect();
        let color = colors[i % colors.len()];
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.0}\" y=\"{}\" fill=\"{color}\">{choice}</text>",
            w - 140.0,
            40 + 16 * i
        );
    }
    out.push_str("</svg>\n");
    out
}
