//! The report page (`conform --format html`): one self-contained HTML file, no network and no
//! external asset, as Autobahn|Testsuite publishes its reports: the matrix of stages by outcome,
//! the score per level, and every case, expandable to its rule and source, its problems, the
//! request it sent (headers, body as text or hex), the answer, and the reproduction. Filters by
//! outcome, rule level and stage run in a few lines of script; without script every case shows.
//!
//! Every count is written in a `data-count` attribute beside the number shown, so that a test
//! reads the page as a browser renders it and compares it with the JSON report.

use std::fmt::Write;

use sessionkit::corpus::Level;

use crate::report::{self, CaseResult, Exchanged, Grade};

const GRADES: [Grade; 4] = [
    Grade::Ok,
    Grade::Failed,
    Grade::NonStrict,
    Grade::Informational,
];

/// `&`, `<`, `>` and quotes escaped, for text and attribute values alike.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The grade's class and filter value: `ok`, `failed`, `non-strict`, `informational`.
fn slug(grade: Grade) -> &'static str {
    match grade {
        Grade::Ok => "ok",
        Grade::Failed => "failed",
        Grade::NonStrict => "non-strict",
        Grade::Informational => "informational",
    }
}

/// The level each grade comes from, as the matrix heads it.
fn heading(grade: Grade) -> &'static str {
    match grade {
        Grade::Ok => "OK",
        Grade::Failed => "FAILED (MUST)",
        Grade::NonStrict => "NON-STRICT (SHOULD)",
        Grade::Informational => "INFORMATIONAL (MAY)",
    }
}

/// A body as a person reads it: the text when it is UTF-8 without control characters (but line
/// ends and tabs), else a hex dump; with its length, and what was cut.
fn body(bytes: &[u8], len: usize) -> String {
    if len == 0 {
        return "(no body)".into();
    }
    let cut = if len > bytes.len() {
        format!(
            "\n… {} more bytes (the reproduction sends them all)",
            len - bytes.len()
        )
    } else {
        String::new()
    };
    let text = std::str::from_utf8(bytes).ok().filter(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    });
    let shown = match text {
        Some(text) => format!("{len} bytes, text:\n{text}"),
        None => {
            let mut dump = format!("{len} bytes, hex:");
            for (row, chunk) in bytes.chunks(16).enumerate() {
                let _ = write!(dump, "\n{:08x} ", row * 16);
                for b in chunk {
                    let _ = write!(dump, " {b:02x}");
                }
            }
            dump
        }
    };
    shown + &cut
}

/// The page for `results` against `target`.
pub(crate) fn render(results: &[CaseResult], target: &str) -> String {
    let mut out = String::with_capacity(64 * 1024 + results.len() * 2048);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>sessionkit conform: {target}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>sessionkit conform</h1><p class=\"target\">{target}</p></header>\n",
        target = escape(target)
    );
    summary(&mut out, results);
    matrix(&mut out, results);
    filters(&mut out, results);
    let _ = writeln!(out, "<section id=\"cases\">");
    for r in results {
        case(&mut out, r, target);
    }
    let _ = write!(
        out,
        "</section>\n<p id=\"shown\" aria-live=\"polite\"></p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// The totals and the score per level of the cases' own rules.
fn summary(out: &mut String, results: &[CaseResult]) {
    let count = |g: Grade| results.iter().filter(|r| r.grade == g).count();
    let _ = write!(
        out,
        "<section id=\"summary\"><p><span data-count=\"distinct\" data-value=\"{}\">{}</span> distinct \
         cases, <span data-count=\"requests\" data-value=\"{}\">{}</span> requests sent:",
        report::distinct_cases(results),
        report::distinct_cases(results),
        results.len(),
        results.len()
    );
    for grade in GRADES {
        let n = count(grade);
        let _ = write!(
            out,
            " <span class=\"badge {s}\" data-count=\"grade-{s}\" data-value=\"{n}\">{n} {}</span>",
            heading(grade),
            s = slug(grade)
        );
    }
    let _ = writeln!(out, "</p>\n<table class=\"levels\"><tbody>");
    for level in Level::ALL {
        let of: Vec<&CaseResult> = results.iter().filter(|r| r.level == level).collect();
        let ok = of.iter().filter(|r| r.grade == Grade::Ok).count();
        let l = level.name().to_ascii_lowercase();
        let _ = writeln!(
            out,
            "<tr><th>{} rules</th><td><span data-count=\"level-{l}-ok\" data-value=\"{ok}\">{ok}</span> \
             of <span data-count=\"level-{l}-cases\" data-value=\"{n}\">{n}</span> cases OK</td></tr>",
            level.name(),
            n = of.len()
        );
    }
    let _ = writeln!(out, "</tbody></table></section>");
}

/// Stages by outcome: each cell a button that filters the cases to it.
fn matrix(out: &mut String, results: &[CaseResult]) {
    let _ = write!(
        out,
        "<section><h2>Stages by outcome</h2>\n<table id=\"matrix\"><thead><tr><th>stage</th>"
    );
    for grade in GRADES {
        let _ = write!(out, "<th class=\"{}\">{}</th>", slug(grade), heading(grade));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
    let mut stages: Vec<&str> = results.iter().map(|r| r.stage.name()).collect();
    stages.sort_unstable();
    stages.dedup();
    for stage in stages.iter().copied().map(Some).chain([None]) {
        let name = stage.unwrap_or("total");
        let _ = write!(out, "<tr><th>{}</th>", escape(name));
        for grade in GRADES {
            let n = results
                .iter()
                .filter(|r| r.grade == grade && stage.is_none_or(|s| r.stage.name() == s))
                .count();
            let class = if n == 0 { "zero" } else { slug(grade) };
            let _ = write!(
                out,
                "<td><button type=\"button\" class=\"cell {class}\" data-stage=\"{}\" data-grade=\"{}\" \
                 data-count=\"cell-{}-{}\" data-value=\"{n}\">{n}</button></td>",
                escape(stage.unwrap_or("")),
                slug(grade),
                escape(name),
                slug(grade)
            );
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody></table></section>");
}

/// The filter controls: outcome, the level of the case's rule, stage.
fn filters(out: &mut String, results: &[CaseResult]) {
    let mut stages: Vec<&str> = results.iter().map(|r| r.stage.name()).collect();
    stages.sort_unstable();
    stages.dedup();
    let _ = write!(
        out,
        "<section><h2>Cases</h2>\n<form id=\"filters\">\
         <label>outcome <select id=\"f-grade\"><option value=\"\">all</option>"
    );
    for grade in GRADES {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            slug(grade),
            heading(grade)
        );
    }
    let _ = write!(
        out,
        "</select></label> <label>rule level <select id=\"f-level\"><option value=\"\">all</option>"
    );
    for level in Level::ALL {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            level.name().to_ascii_lowercase(),
            level.name()
        );
    }
    let _ = write!(
        out,
        "</select></label> <label>stage <select id=\"f-stage\"><option value=\"\">all</option>"
    );
    for stage in stages {
        let _ = write!(out, "<option>{}</option>", escape(stage));
    }
    let _ = writeln!(
        out,
        "</select></label> <button type=\"reset\">show all</button></form></section>"
    );
}

/// One case: its grade and name, opening to the rule, problems, request, answer, reproduction.
fn case(out: &mut String, r: &CaseResult, target: &str) {
    let rule = &r.expected.rule;
    let _ = write!(
        out,
        "<details class=\"case {g}\" data-grade=\"{g}\" data-level=\"{}\" data-stage=\"{}\" \
         data-profile=\"{}\"><summary><span class=\"badge {g}\">{}</span> <code>{}</code> \
         <span class=\"profile\">{} profile</span>",
        rule.level.name().to_ascii_lowercase(),
        escape(r.stage.name()),
        r.profile,
        r.grade.name(),
        escape(&r.name),
        r.profile,
        g = slug(r.grade)
    );
    if let Some(first) = r.problems.first() {
        let _ = write!(
            out,
            " <span class=\"first\">{}</span>",
            escape(&first.message)
        );
    }
    let _ = write!(
        out,
        "</summary>\n<div class=\"body\"><p class=\"rule\"><b>rule ({})</b>: {} <span class=\"source\">[{}]</span></p>",
        rule.level,
        escape(&rule.rule),
        escape(&rule.reference)
    );
    if !r.expected.faults.is_empty() {
        let _ = write!(out, "<ul class=\"faults\">");
        for fault in &r.expected.faults {
            let _ = write!(
                out,
                "<li>fault: {} → {} ({}; {})</li>",
                escape(&fault.error.to_string()),
                fault.status,
                escape(&fault.rule),
                escape(&fault.reference)
            );
        }
        let _ = write!(out, "</ul>");
    }
    if !r.problems.is_empty() {
        let _ = write!(out, "<ul class=\"problems\">");
        for p in &r.problems {
            let _ = write!(
                out,
                "<li><span class=\"badge {}\">{}</span> {} <span class=\"source\">({}; rule {})</span></li>",
                match p.level {
                    Level::Must => "failed",
                    Level::Should => "non-strict",
                    Level::May => "informational",
                },
                p.level,
                escape(&p.message),
                escape(&p.reference),
                escape(&p.rule.to_string())
            );
        }
        let _ = write!(out, "</ul>");
    }
    for note in &r.notes {
        let _ = write!(out, "<p class=\"note\">note: {}</p>", escape(note));
    }
    if let Some(x) = &r.exchanged {
        exchange(out, x);
    }
    let reproduce = match &r.curl {
        Some(curl) => curl.clone(),
        // The run itself sends it again (a case without problems keeps no body file).
        None if target.starts_with("http://") => format!(
            "sessionkit conform --target {target} --profile {} --filter '{}'",
            r.profile,
            r.name.split(' ').nth(1).unwrap_or(&r.name)
        ),
        None => format!(
            "sessionkit conform --filter '{}'",
            r.name.split(' ').nth(1).unwrap_or(&r.name)
        ),
    };
    let _ = writeln!(
        out,
        "<h4>reproduce</h4><pre class=\"reproduce\">{}</pre>\n<p class=\"took\">{:.1} ms</p></div></details>",
        escape(&reproduce),
        r.seconds * 1e3
    );
}

fn exchange(out: &mut String, x: &Exchanged) {
    let _ = write!(
        out,
        "<div class=\"exchange\"><div><h4>request</h4><pre>{}</pre><pre class=\"bytes\">{}</pre></div>",
        escape(&x.request_head),
        escape(&body(&x.request_body, x.request_len))
    );
    match &x.answer_head {
        Some(head) => {
            let _ = write!(
                out,
                "<div><h4>answer</h4><pre>{}</pre><pre class=\"bytes\">{}</pre></div></div>",
                escape(head),
                escape(&body(&x.answer_body, x.answer_len))
            );
        }
        None => {
            let _ = write!(out, "<div><h4>answer</h4><p>no answer</p></div></div>");
        }
    }
}

const STYLE: &str = "
:root { --ok: #1a7f37; --failed: #cf222e; --non-strict: #9a6700; --informational: #0969da; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #1f2328; }
h1 { margin: 0; font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; } h4 { margin: .6rem 0 .2rem; }
.target { color: #57606a; margin: .2rem 0 1rem; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; } th, td { padding: .25rem .7rem; text-align: left; border-bottom: 1px solid #d0d7de; }
#matrix td { text-align: center; } #matrix th.ok, #matrix th.failed, #matrix th.non-strict, #matrix th.informational { text-align: center; }
.cell { min-width: 3.2rem; padding: .2rem .5rem; border: 1px solid transparent; border-radius: 4px; cursor: pointer; font: inherit; color: #fff; }
.cell.zero { background: #f6f8fa; color: #8c959f; }
.cell.ok, .badge.ok { background: var(--ok); } .cell.failed, .badge.failed { background: var(--failed); }
.cell.non-strict, .badge.non-strict { background: var(--non-strict); } .cell.informational, .badge.informational { background: var(--informational); }
.cell.active { outline: 3px solid #1f2328; }
.badge { color: #fff; border-radius: 4px; padding: 0 .4rem; font-size: .85em; white-space: nowrap; }
#filters { margin: .5rem 0 1rem; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
details.case { border: 1px solid #d0d7de; border-left: 5px solid var(--ok); border-radius: 4px; margin: .3rem 0; }
details.case.failed { border-left-color: var(--failed); } details.case.non-strict { border-left-color: var(--non-strict); }
details.case.informational { border-left-color: var(--informational); }
summary { padding: .35rem .6rem; cursor: pointer; } summary code { font-size: .95em; }
.profile, .took, .source { color: #57606a; } .first { color: #57606a; margin-left: .4rem; }
.body { padding: 0 .8rem .6rem; } .exchange { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 0 0 .3rem; font-size: 12px; }
[hidden] { display: none !important; }
";

const SCRIPT: &str = "
(function () {
  var grade = document.getElementById('f-grade');
  var level = document.getElementById('f-level');
  var stage = document.getElementById('f-stage');
  var cases = Array.prototype.slice.call(document.querySelectorAll('details.case'));
  var shown = document.getElementById('shown');
  function apply() {
    var n = 0;
    cases.forEach(function (c) {
      var show = (!grade.value || c.dataset.grade === grade.value) &&
        (!level.value || c.dataset.level === level.value) &&
        (!stage.value || c.dataset.stage === stage.value);
      c.hidden = !show;
      if (show) { n += 1; }
    });
    shown.textContent = n + ' of ' + cases.length + ' cases shown';
    shown.dataset.value = n;
    document.querySelectorAll('.cell').forEach(function (b) {
      b.classList.toggle('active', b.dataset.grade === grade.value && b.dataset.stage === stage.value);
    });
  }
  [grade, level, stage].forEach(function (s) { s.addEventListener('change', apply); });
  document.getElementById('filters').addEventListener('reset', function () { setTimeout(apply, 0); });
  document.querySelectorAll('.cell').forEach(function (b) {
    b.addEventListener('click', function () {
      grade.value = b.dataset.grade;
      stage.value = b.dataset.stage;
      level.value = '';
      apply();
      document.getElementById('cases').scrollIntoView();
    });
  });
  apply();
})();
";
