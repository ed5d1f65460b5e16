//! The chart of `sessionkit threshold --plot`: total time (encode + transfer + decode) against body
//! size for one link, one panel for a new connection and one for a kept-alive one, one line per
//! choice, log scales (sizes and times span decades), the break-even size marked, and the legend
//! beside the panels so that it covers no line. Drawn with plotters' SVG backend.

use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use sessionkit::cost::{Connection, Link};

use super::measure::{Measurement, total_us};

/// One colour per choice, in the order measured (identity first, in black).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

/// `1.5 KB`, `16 KB`, `120 B`: an axis tick of a size in bytes.
fn bytes_label(bytes: f64) -> String {
    match bytes {
        b if b >= 1e6 => format!("{:.0} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.0} KB", b / 1e3),
        b => format!("{b:.0} B"),
    }
}

/// `80 ms`, `250 µs`: an axis tick of a time in microseconds.
fn time_label(us: f64) -> String {
    match us {
        t if t >= 1e6 => format!("{:.0} s", t / 1e6),
        t if t >= 1e3 => format!("{:.0} ms", t / 1e3),
        t => format!("{t:.0} µs"),
    }
}

/// A drawing error, said as the command says it.
fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("cannot draw the chart: {e}")
}

/// One drawing area of the SVG chart.
type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// What every panel shares: the measurements, the link, the choices and the axes' ranges.
struct Plot<'a> {
    groups: &'a [Vec<Measurement>],
    link: &'a Link,
    sizes: &'a [usize],
    choices: Vec<String>,
    x: (f64, f64),
    y: (f64, f64),
}

const CONNECTIONS: [Connection; 2] = [Connection::Cold, Connection::Warm];

impl<'a> Plot<'a> {
    /// Ranges with a margin around every total (times) and every size (bytes), both log scales.
    fn new(groups: &'a [Vec<Measurement>], link: &'a Link, sizes: &'a [usize]) -> Self {
        let totals = || {
            groups.iter().flat_map(|g| {
                CONNECTIONS
                    .iter()
                    .flat_map(move |&c| g.iter().map(move |m| total_us(m, link, c)))
            })
        };
        let y_min = totals().fold(f64::INFINITY, f64::min).max(0.1) / 1.5;
        let y_max = totals().fold(0.0, f64::max) * 1.5;
        let sizes_in = || groups.iter().map(|g| g[0].json_bytes);
        let x_min = sizes_in().min().unwrap_or(1).max(1) as f64 / 1.2;
        let x_max = sizes_in().max().unwrap_or(1) as f64 * 1.2;
        Self {
            groups,
            link,
            sizes,
            choices: groups[0].iter().map(|m| m.choice.clone()).collect(),
            x: (x_min, x_max),
            y: (y_min, y_max),
        }
    }

    /// One panel: a line per choice for `connection`, and the break-even size marked.
    fn panel(&self, panel: &Area<'_>, connection: Connection) -> anyhow::Result<()> {
        let ((x_min, x_max), (y_min, y_max)) = (self.x, self.y);
        let caption = match connection {
            Connection::Cold => "new connection (slow start)",
            Connection::Warm => "kept-alive connection",
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, ("sans-serif", 15))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((x_min..x_max).log_scale(), (y_min..y_max).log_scale())
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(12)
            .x_desc("body size (bytes of JSON, log scale)")
            .y_desc("encode + transfer + decode (time, log scale)")
            .x_label_formatter(&|v| bytes_label(*v))
            .y_label_formatter(&|v| time_label(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(fail)?;
        for (i, choice) in self.choices.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points = self.groups.iter().filter_map(|g| {
                g.iter()
                    .find(|m| &m.choice == choice)
                    .map(|m| (m.json_bytes as f64, total_us(m, self.link, connection)))
            });
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(fail)?;
        }
        let Some(at) = break_even(self.groups, self.sizes, self.link, connection) else {
            return Ok(());
        };
        let dashes = [(at, y_min), (at, y_max)];
        chart
            .draw_series(DashedLineSeries::new(
                dashes,
                6,
                4,
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(fail)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("compress from {}", bytes_label(at)),
                (at * 1.08, y_max / 1.6),
                ("sans-serif", 12).into_font(),
            )))
            .map_err(fail)?;
        Ok(())
    }

    /// The legend, beside the panels so that it covers no line.
    fn legend(&self, legend: &Area<'_>) -> anyhow::Result<()> {
        for (i, choice) in self.choices.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let y = 60 + 22 * i as i32;
            legend
                .draw(&PathElement::new(
                    [(10, y), (40, y)],
                    colour.stroke_width(3),
                ))
                .map_err(fail)?;
            let font = ("sans-serif", 14).into_font().color(&BLACK);
            legend.draw_text(choice, &font, (48, y - 7)).map_err(fail)?;
        }
        Ok(())
    }
}

/// The chart as SVG text.
pub fn svg(groups: &[Vec<Measurement>], link: &Link, sizes: &[usize]) -> anyhow::Result<String> {
    let plot = Plot::new(groups, link, sizes);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (1080, 470)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let (title, body) = root.split_vertically(34);
        let heading = format!(
            "Where compression pays on the {} link ({} Mbit/s, {} ms round trip), measured on this machine",
            link.name, link.mbps, link.rtt_ms
        );
        let font = ("sans-serif", 17).into_font().color(&BLACK);
        title.draw_text(&heading, &font, (12, 10)).map_err(fail)?;
        let (panels, legend) = body.split_horizontally(900);
        for (panel, &connection) in panels.split_evenly((1, 2)).iter().zip(&CONNECTIONS) {
            plot.panel(panel, connection)?;
        }
        plot.legend(&legend)?;
        root.present().map_err(fail)?;
    }
    Ok(out)
}

/// The body size (bytes) from which compressing always wins, if any.
fn break_even(
    groups: &[Vec<Measurement>],
    sizes: &[usize],
    link: &Link,
    connection: Connection,
) -> Option<f64> {
    let verdict = super::measure::verdict(groups, sizes, link, connection);
    let kib = verdict.break_even_kib?;
    let i = sizes.iter().position(|&s| s == kib)?;
    Some(groups[i][0].json_bytes as f64)
}
