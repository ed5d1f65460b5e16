//! The measurements of `sessionkit threshold` and what they mean on a link: encode and decode
//! time and compressed size per body size and choice, the total time on a link, and the verdict
//! per link and connection (break-even size, best choice, time saved).

use std::time::{Duration, Instant};

use serde::Serialize;
use sessionkit::codec::{DecodeLimit, Encoding};
use sessionkit::cost::{Connection, Link};

#[derive(Serialize, Clone)]
pub(crate) struct Measurement {
    pub(crate) label: String,
    pub(crate) json_bytes: usize,
    pub(crate) choice: String,
    pub(crate) wire_bytes: usize,
    pub(crate) encode_us: f64,
    pub(crate) decode_us: f64,
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

pub(crate) fn measure(
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
        let wire = sessionkit::codec::encode(json, encoding, level);
        let encode_us = median_us(budget, || {
            std::hint::black_box(sessionkit::codec::encode(json, encoding, level));
        });
        let limit = DecodeLimit {
            max_decoded: json.len(),
        };
        let decode_us = median_us(budget, || {
            std::hint::black_box(sessionkit::codec::decode(&wire, encoding, limit).ok());
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

pub(crate) fn total_us(m: &Measurement, link: &Link, connection: Connection) -> f64 {
    m.encode_us + m.decode_us + link.transfer_ns(m.wire_bytes, connection) / 1000.0
}

#[derive(Serialize)]
pub(crate) struct LinkVerdict {
    pub(crate) link: &'static str,
    pub(crate) link_mbps: f64,
    pub(crate) rtt_ms: f64,
    /// `new` or `kept-alive`.
    pub(crate) connection: &'static str,
    /// Smallest measured consent size (KiB) from which compressing always wins, if any.
    pub(crate) break_even_kib: Option<usize>,
    pub(crate) best_choice: String,
    /// Time the best choice saves over plain JSON at the measured size nearest 16 KiB.
    pub(crate) saved_at_kib: usize,
    pub(crate) saved_us: f64,
    pub(crate) rows: Vec<(String, usize, String, f64, f64, f64)>,
}

fn best<'a>(group: &'a [Measurement], link: &Link, connection: Connection) -> &'a Measurement {
    group
        .iter()
        .min_by(|a, b| total_us(a, link, connection).total_cmp(&total_us(b, link, connection)))
        .unwrap_or(&group[0])
}

pub(crate) fn verdict(
    groups: &[Vec<Measurement>],
    sizes: &[usize],
    link: &Link,
    connection: Connection,
) -> LinkVerdict {
    let sized = &groups[..sizes.len()];
    let wins: Vec<bool> = sized
        .iter()
        .map(|g| best(g, link, connection).choice != "identity")
        .collect();
    let break_even = (0..wins.len())
        .find(|&i| wins[i..].iter().all(|w| *w))
        .map(|i| sizes[i]);
    // The best choice where compression pays: the one winning at the most sizes.
    let mut tally: Vec<(String, usize)> = Vec::new();
    for g in sized {
        let choice = best(g, link, connection).choice.clone();
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
    let rows: Vec<(String, usize, String, f64, f64, f64)> = groups
        .iter()
        .map(|g| {
            let plain = total_us(&g[0], link, connection);
            let b = best(g, link, connection);
            let t = total_us(b, link, connection);
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
    let nearest = (0..sizes.len()).min_by_key(|&i| sizes[i].abs_diff(16));
    let (saved_at_kib, saved_us) = nearest.map_or((0, 0.0), |i| (sizes[i], rows[i].3 - rows[i].4));
    LinkVerdict {
        link: link.name,
        link_mbps: link.mbps,
        rtt_ms: link.rtt_ms,
        connection: connection_name(connection),
        break_even_kib: break_even,
        best_choice,
        saved_at_kib,
        saved_us,
        rows,
    }
}

pub(crate) fn connection_name(connection: Connection) -> &'static str {
    match connection {
        Connection::Cold => "new",
        Connection::Warm => "kept-alive",
    }
}
