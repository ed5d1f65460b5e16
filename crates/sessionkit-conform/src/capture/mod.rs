//! Captured traffic judged offline (`sessionkit check`): exchanges read from HAR 1.2 files
//! (browser devtools, Playwright's `recordHar`, mitmproxy's export, Charles, and the lossless
//! HAR `serve` and `proxy` write), from the reference server's and the proxy's NDJSON reports,
//! and from a `headers` + `body` pair as `verify` reads them. Each `POST .../v1/sessions` request
//! gets `receive`'s verdict with the client's credentials, and its captured answer, when there is
//! one, the answer rules `conform` checks. Other entries are listed as skipped.
//!
//! A capture may have lost the wire bytes: a HAR's `postData.text` holds the *decoded* text when
//! the request said `Content-Encoding: gzip` (mitmproxy, browsers). Then the verdict says so, and
//! [`evidence`] rebuilds the wire bytes from what the capture still holds (the recorded answer,
//! the request's time, the recorded size): exactly when the evidence proves them, otherwise as a
//! stand-in compressed anew, and says which.

mod evidence;
mod har;
mod ndjson;
mod promote;
mod stream;

use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use sessionkit::headers::{Headers, names};
use sessionkit::{Config, OutcomeReport};

use crate::client::Reply;
use crate::judge::{self, Expected, Judgement, Keys, Problem};
use crate::{Error, Level};

pub use evidence::{Evidence, Source as EvidenceSource};
pub use har::{HarAnswer, HarEntry, HarWriter};
pub use promote::promote;

/// What a capture kept of a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The bytes as sent on the wire.
    Wire(Vec<u8>),
    /// Only the decoded text: the wire bytes (compressed) were lost by the tool that captured.
    DecodedOnly(Vec<u8>),
    /// The compressed bytes written as text, each byte that is not UTF-8 replaced by U+FFFD
    /// (Chromium's HAR does this): neither the wire bytes nor the JSON can be recovered.
    Mangled(Vec<u8>),
    /// No body was captured.
    Missing,
    /// A recording (`serve`, `proxy`) kept the first bytes of a refused request's body, with
    /// its whole length and SHA-256: not enough to judge it again.
    Cut {
        /// The whole body's length.
        len: usize,
        /// Its SHA-256, hex.
        sha256: String,
    },
}

/// One request and, when captured, its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Where it was read: `file.har entry 3`, `report.ndjson line 7`.
    pub source: String,
    /// `POST`.
    pub method: String,
    /// The URL or path it went to.
    pub url: String,
    /// Its header lines in order.
    pub headers: Headers,
    /// Its body as captured.
    pub body: Body,
    /// The answer, when the capture holds one.
    pub answer: Option<Reply>,
    /// What the capture recorded beside the request.
    pub recorded: Recorded,
}

/// What a capture records beside a request, used as evidence when it lost the wire bytes.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The body's size in bytes, as the capture recorded it (HAR `request.bodySize`).
    pub size: Option<usize>,
    /// When the request started, in seconds since 1970 (HAR `startedDateTime`).
    pub sent_at: Option<i64>,
}

impl Exchange {
    /// A `POST` elsewhere that carries a webhook signature (`X-HMAC-SIGNATURE` or the legacy
    /// `X-SIGNATURE`): a delivery a receiver captured, judged as `verify --webhook` judges it.
    pub fn is_webhook_delivery(&self) -> bool {
        self.method.eq_ignore_ascii_case("POST")
            && !self.is_create_session()
            && [names::SIGNATURE, names::LEGACY_SIGNATURE]
                .iter()
                .any(|name| self.headers.get_one(name).is_some())
    }

    /// `POST` to a path ending in `/v1/sessions` (query aside): what is judged.
    pub fn is_create_session(&self) -> bool {
        let path = self.url.split(['?', '#']).next().unwrap_or("");
        self.method.eq_ignore_ascii_case("POST")
            && path.trim_end_matches('/').ends_with("/v1/sessions")
    }
}

/// The verdict on one exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Where it was read.
    pub source: String,
    /// `POST https://...`.
    pub request: String,
    /// Why it was not judged (not `POST .../v1/sessions`, no body), `None` when judged.
    pub skipped: Option<String>,
    /// `exact`, `rebuilt` (from the decoded text, proven by `evidence`), `decoded text only`,
    /// `mangled` or `missing`: how much of the request the capture kept.
    pub wire: &'static str,
    /// What the capture still showed of wire bytes it lost.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// What a server following the contract answers (`receive`'s report).
    pub contract: Option<OutcomeReport>,
    /// For a webhook delivery: what `verify --webhook` finds (its JSON report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Value>,
    /// For a webhook delivery: the same, as `verify --webhook` prints it.
    #[serde(skip)]
    pub delivery_text: String,
    /// The captured answer's status.
    pub answered: Option<u16>,
    /// Ways the captured answer departs from the contract, each with its rule, level and source.
    pub answer_problems: Vec<Problem>,
    /// What the reader should know (lost wire bytes, what could not be judged).
    pub notes: Vec<String>,
    /// The request is one the contract accepts, and its answer (if any) breaks no MUST rule.
    pub ok: bool,
}

/// Reads every exchange of a capture file: HAR (a JSON object with `log.entries`) or NDJSON
/// (one report record per line). A file that holds no exchange is an error: an empty file, an
/// empty HAR log, a JSON document that is neither, a HAR cut short.
pub fn read(path: &Path) -> Result<Vec<Exchange>, Error> {
    let mut all = Vec::new();
    read_each(path, &mut |exchange| all.push(exchange))?;
    Ok(all)
}

/// The same, one exchange at a time: `visit` gets each as it is read, and the reader holds one
/// entry (a HAR's `log.entries` walked element by element, a report line by line), so that
/// memory follows the largest entry, not the file. Exchanges read before an error were visited.
pub fn read_each(path: &Path, visit: &mut dyn FnMut(Exchange)) -> Result<usize, Error> {
    use std::io::BufRead;
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error(format!("cannot read {name}: {e}")))?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let head = reader
        .fill_buf()
        .map_err(|e| Error(format!("cannot read {name}: {e}")))?;
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let count = match start.map(|i| &head[i..]) {
        None => 0,
        Some(text) if text.starts_with(b"{") => {
            // A HAR opens with its "log" member (a report's line with its own members).
            let after_brace = text[1..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .map_or(&b""[..], |i| &text[1 + i..]);
            if after_brace.starts_with(b"\"log\"") {
                stream::har(&name, reader, visit)?
            } else {
                stream::ndjson(&name, reader, visit).map_err(|e| {
                    Error(e.0.replace(
                        "not a JSON record",
                        "not a JSON record: neither an NDJSON report nor a HAR file (no log at its start)",
                    ))
                })?
            }
        }
        Some(_) => {
            return Err(Error(format!(
                "{name}: neither a HAR file nor an NDJSON report (use --headers for a headers + body pair)"
            )));
        }
    };
    if count == 0 {
        return Err(Error(format!(
            "{name}: holds no exchange to judge ({})",
            if start.is_none() {
                "the file is empty"
            } else {
                "the HAR log has no entries"
            }
        )));
    }
    Ok(count)
}

/// A headers file (`Name: value` per line) and a body file, as `verify` reads them.
pub fn read_pair(headers: &Path, body: &Path) -> Result<Exchange, Error> {
    let text = std::fs::read_to_string(headers)
        .map_err(|e| Error(format!("cannot read {}: {e}", headers.display())))?;
    let parsed = Headers::parse(&text).map_err(|e| Error(format!("{}: {e}", headers.display())))?;
    let bytes =
        std::fs::read(body).map_err(|e| Error(format!("cannot read {}: {e}", body.display())))?;
    Ok(Exchange {
        source: body.display().to_string(),
        method: "POST".into(),
        url: "/v1/sessions".into(),
        headers: parsed,
        body: Body::Wire(bytes),
        answer: None,
        recorded: Recorded::default(),
    })
}

/// Judges one exchange with `config` (the client's credentials and the profile).
pub fn judge(exchange: &Exchange, config: &Config) -> Verdict {
    let mut verdict = Verdict {
        source: exchange.source.clone(),
        request: format!("{} {}", exchange.method, exchange.url),
        skipped: None,
        wire: match exchange.body {
            Body::Wire(_) => "exact",
            Body::DecodedOnly(_) => "decoded text only",
            Body::Mangled(_) => "mangled",
            Body::Missing => "missing",
            Body::Cut { .. } => "cut",
        },
        evidence: Vec::new(),
        contract: None,
        delivery: None,
        delivery_text: String::new(),
        answered: exchange.answer.as_ref().map(|a| a.status),
        answer_problems: Vec::new(),
        notes: Vec::new(),
        ok: true,
    };
    if exchange.is_webhook_delivery() {
        judge_delivery(exchange, config, &mut verdict);
        return verdict;
    }
    if !exchange.is_create_session() {
        verdict.skipped = Some("not POST .../v1/sessions, nor a signed webhook delivery".into());
        return verdict;
    }
    let outcome = match &exchange.body {
        Body::Missing => {
            verdict.skipped = Some("the capture holds no request body".into());
            return verdict;
        }
        Body::Cut { len, sha256 } => {
            verdict.skipped = Some(format!(
                "the recording kept the first {} KiB of this refused {len}-byte body (sha256 \
                 {sha256}), not enough to judge it again",
                sessionkit_server::har::REFUSED_BODY_KEPT / 1024
            ));
            return verdict;
        }
        Body::Wire(bytes) => sessionkit::receive(&exchange.headers, bytes, config),
        Body::Mangled(_) => {
            verdict.notes.push(
                "the capture wrote the compressed body as text, replacing its bytes that are not \
                 UTF-8 (Chromium's HAR does): only the headers can be judged"
                    .into(),
            );
            match sessionkit::stage::headers::check(&exchange.headers, &config.api_keys) {
                Err(rejection) => sessionkit::Outcome::rejected(config.profile, rejection),
                Ok(_) => {
                    verdict.skipped = Some(
                        "the capture wrote the compressed body as text with its non-UTF-8 bytes \
                         replaced, so only the headers can be judged, and they pass"
                            .into(),
                    );
                    return verdict;
                }
            }
        }
        Body::DecodedOnly(text) => judge_decoded(exchange, text, config, &mut verdict),
    };
    verdict.ok = outcome.is_success();
    if let Some(answer) = &exchange.answer {
        if answer.body.is_empty() {
            verdict.notes.push(
                "the capture holds no answer body: its shape, signature and echo are not judged"
                    .into(),
            );
        }
        // A capture may keep no answer body (an empty one is judged for its status only).
        let status_only = answer.body.is_empty();
        let judgement = judge_answer(answer, status_only, &exchange.headers, &outcome, config);
        verdict.ok &= judgement.passes(Level::Must);
        verdict.notes.extend(judgement.notes);
        verdict.answer_problems = judgement.problems;
    }
    verdict.contract = Some(outcome.report());
    verdict
}

/// A webhook delivery a receiver captured: its exact bytes verified as `verify --webhook` does
/// (HMAC and legacy signature, the doctor naming what broke them, the payload's schema), and the
/// receiver's recorded answer held to what it owed the delivery (`judge::owed`, as `webhook`
/// grades the same bytes): a genuine delivery accepted (2xx), a forgery refused, another spelling
/// of the right signature or other bytes of the same content graded at their own levels.
fn judge_delivery(exchange: &Exchange, config: &Config, verdict: &mut Verdict) {
    let Body::Wire(bytes) = &exchange.body else {
        verdict.skipped =
            Some("a webhook delivery whose exact bytes the capture did not keep".into());
        return;
    };
    let found = sessionkit::delivery::verify(&exchange.headers, bytes, &config.secrets);
    verdict.ok = found.is_valid();
    verdict.delivery = Some(found.report());
    verdict.delivery_text = found.render(bytes.len());
    // What the receiver owed it, graded as `webhook` grades the same delivery.
    let owed = judge::owed(&exchange.headers, bytes, &config.secrets);
    if let Some(answer) = &exchange.answer {
        let accepted = (200..300).contains(&answer.status);
        if accepted != owed.accept {
            let owed_answer = if owed.accept { "accept" } else { "refuse" };
            let problem = Problem::always(
                owed.rule,
                format!(
                    "the receiver answered {} to a delivery it should {owed_answer}",
                    answer.status
                ),
            );
            verdict.ok &= problem.level != Level::Must;
            verdict.answer_problems.push(problem);
        }
    }
}

/// The verdict's outcome on a request whose capture kept only the decoded `text`: on the wire
/// bytes the evidence rebuilds, or on a stand-in compressed anew; the note says which.
fn judge_decoded(
    exchange: &Exchange,
    text: &[u8],
    config: &Config,
    verdict: &mut Verdict,
) -> sessionkit::Outcome {
    let lines = exchange.headers.get_all(names::CONTENT_ENCODING);
    let Ok(encoding) = sessionkit::codec::Encoding::from_header(&lines) else {
        // A coding list or an unknown coding: the headers stage refuses it before any byte.
        return sessionkit::receive(&exchange.headers, text, config);
    };
    let rebuilt = evidence::rebuild(exchange, text, encoding, config);
    verdict.notes.push(if rebuilt.exact {
        verdict.wire = "rebuilt";
        "the capture kept the decoded text, not the wire bytes; the evidence below rebuilds \
         them exactly, and every stage is judged on them"
            .into()
    } else {
        format!(
            "the capture kept the decoded text, not the wire bytes (Content-Encoding: \
             {encoding}): every stage is judged on the text compressed anew, except what needs \
             the exact compressed bytes (whether they were signed, or another compression)"
        )
    });
    let outcome = sessionkit::receive(&exchange.headers, &rebuilt.wire, config);
    verdict.evidence = rebuilt.evidence;
    let unexplained = outcome.error_code() == Some("signature_mismatch")
        && outcome
            .mistakes()
            .iter()
            .all(|d| d.code == "signature_mismatch");
    if !rebuilt.exact && unexplained && exchange.answer.as_ref().is_some_and(|a| a.status == 401) {
        verdict.evidence.push(Evidence {
            from: EvidenceSource::RecordedAnswer,
            shows: "the server refused the signature too, and it matches none of the text's \
                    forms: it was likely computed over the compressed bytes the capture did not \
                    keep (signed_compressed_bytes), or with another secret"
                .into(),
        });
    }
    outcome
}

/// How a captured or forwarded answer departs from what the contract answers `outcome`'s
/// request, judged by the one judge: its status, vendor code, shape, headers, signature and echo
/// (only the status when `status_only`: a capture that kept no answer body).
pub(crate) fn judge_answer(
    answer: &Reply,
    status_only: bool,
    request_headers: &sessionkit::headers::Headers,
    outcome: &sessionkit::Outcome,
    config: &Config,
) -> Judgement {
    let keys = Keys {
        api_key: config.api_keys.first().map_or("", String::as_str),
        secret: config
            .secrets
            .first()
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or(""),
    };
    let ask = judge::Ask {
        skip_diagnostics: false,
        status_only,
    };
    judge::judge(
        &Expected::of_request(request_headers, outcome),
        answer,
        keys,
        ask,
    )
}

/// One line per verdict for a person, and the totals.
pub fn text(verdicts: &[Verdict]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for v in verdicts {
        if let Some(why) = &v.skipped {
            let _ = writeln!(out, "SKIP {} {} ({why})", v.source, v.request);
            continue;
        }
        let mark = if v.ok { "OK  " } else { "FAIL" };
        let answered = v
            .answered
            .map_or(String::new(), |s| format!("; answered {s}"));
        let contract = v.contract.as_ref();
        if v.delivery.is_some() {
            // A delivery has no contract: its verification's lines, then its answer's problems.
            let _ = writeln!(
                out,
                "{mark} {} {} (webhook delivery){answered}",
                v.source, v.request
            );
            for line in v.delivery_text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        } else {
            let status = contract.map_or(0, |c| c.status);
            let what = match contract.and_then(|c| c.error) {
                None => "accepted".to_owned(),
                Some(error) => format!("refused: {error}"),
            };
            let _ = writeln!(
                out,
                "{mark} {} {}\n  contract: {status} {what}{answered}",
                v.source, v.request
            );
        }
        for d in contract.iter().flat_map(|c| &c.diagnostics) {
            let _ = writeln!(
                out,
                "  mistake[{}]: {}\n    hint: {}",
                d.code, d.message, d.hint
            );
        }
        for (label, f) in contract.iter().flat_map(|c| {
            c.violations
                .iter()
                .map(|f| ("error", f))
                .chain(c.warnings.iter().map(|f| ("warning", f)))
        }) {
            let _ = writeln!(out, "  {label}[{}] {}: {}", f.code, f.pointer, f.message);
        }
        for p in &v.answer_problems {
            let _ = writeln!(out, "  answer: {p} rule[{}]", p.rule);
        }
        for n in &v.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        for e in &v.evidence {
            let _ = writeln!(out, "  evidence[{}]: {}", e.from.name(), e.shows);
        }
    }
    let judged = verdicts.iter().filter(|v| v.skipped.is_none()).count();
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    let _ = writeln!(
        out,
        "{judged} request(s) judged, {failed} failed, {} skipped",
        verdicts.len() - judged
    );
    out
}

/// A failed verdict in one line: the contract's answer with its named mistakes, or the first
/// MUST problem of the answer with its rule.
fn failure_message(v: &Verdict) -> String {
    let contract = v.contract.as_ref();
    let mistakes: Vec<&str> = contract
        .iter()
        .flat_map(|c| &c.diagnostics)
        .map(|d| d.code.as_str())
        .collect();
    let mut message = match contract {
        Some(c) if c.error.is_some() => format!(
            "{} {}: {}",
            c.status,
            c.error.unwrap_or_default(),
            c.message
        ),
        _ => String::new(),
    };
    if !mistakes.is_empty() {
        message.push_str(&format!(" mistake[{}]", mistakes.join(", ")));
    }
    // A delivery: its first line that is not valid, and the mistakes the doctor named.
    if let Some(invalid) = v.delivery_text.lines().find(|l| l.contains("INVALID")) {
        message.push_str(invalid.trim());
        let named: Vec<&str> = v
            .delivery_text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("mistake[")?.split(']').next())
            .collect();
        if !named.is_empty() {
            message.push_str(&format!(" mistake[{}]", named.join(", ")));
        }
    }
    if let Some(p) = v.answer_problems.iter().find(|p| p.level == Level::Must) {
        if !message.is_empty() {
            message.push_str("; ");
        }
        message.push_str(&format!("answer rule[{}]: {}", p.rule, p.message));
    }
    message
}

/// Everything a failed verdict holds: the contract's text, every problem and note.
fn failure_text(v: &Verdict) -> String {
    let mut lines: Vec<String> = Vec::new();
    if let Some(c) = &v.contract {
        for d in &c.diagnostics {
            lines.push(format!(
                "mistake[{}]: {}\n  hint: {}",
                d.code, d.message, d.hint
            ));
        }
        for f in &c.violations {
            lines.push(format!("error[{}] {}: {}", f.code, f.pointer, f.message));
        }
    }
    lines.extend(
        v.answer_problems
            .iter()
            .map(|p| format!("answer: {p} rule[{}]", p.rule)),
    );
    lines.extend(v.delivery_text.lines().map(str::to_owned));
    lines.extend(v.notes.iter().map(|n| format!("note: {n}")));
    lines.extend(
        v.evidence
            .iter()
            .map(|e| format!("evidence[{}]: {}", e.from.name(), e.shows)),
    );
    lines.join("\n")
}

/// JUnit XML: one test case per judged request.
pub fn junit(verdicts: &[Verdict]) -> String {
    let cases: Vec<crate::junit::TestCase> = verdicts
        .iter()
        .filter(|v| v.skipped.is_none())
        .map(|v| crate::junit::TestCase {
            classname: "check".into(),
            name: format!("{} {}", v.source, v.request),
            seconds: 0.0,
            failure: (!v.ok).then(|| (failure_message(v), failure_text(v))),
        })
        .collect();
    crate::junit::write("sessionkit check", &cases)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::AnswerRule;

    /// A captured delivery's answer is graded by what the receiver owed it, as `webhook` grades
    /// the same bytes: accepting the right HMAC in capitals is a MAY note, accepting another
    /// secret's signature or refusing a genuine delivery a MUST failure, accepting a genuine one
    /// nothing.
    #[test]
    fn a_captured_deliverys_answer_is_graded_by_what_was_owed() {
        let body = br#"{"status":"success","verification":{"id":"x","status":"approved"}}"#;
        let sign = |secret: &str| sessionkit::crypto::sign(secret.as_bytes(), body).to_string();
        let good = sign(sessionkit::EXAMPLE_SHARED_SECRET);
        let config = Config::default();
        let graded_with = |name: &str, signature: String, status: u16| {
            let mut headers = Headers::new();
            headers.push(name, signature);
            let exchange = Exchange {
                source: "test".into(),
                method: "POST".into(),
                url: "/webhooks/decision".into(),
                headers,
                body: Body::Wire(body.to_vec()),
                answer: Some(Reply {
                    status,
                    headers: Headers::new(),
                    body: Vec::new(),
                }),
                recorded: Recorded::default(),
            };
            judge(&exchange, &config)
                .answer_problems
                .iter()
                .map(|p| (p.rule, p.level))
                .collect::<Vec<_>>()
        };
        let graded =
            |signature: String, status: u16| graded_with(names::SIGNATURE, signature, status);
        let may = vec![(AnswerRule::WebhookSpelling, Level::May)];
        assert_eq!(graded(good.to_uppercase(), 200), may);
        let forgery = vec![(AnswerRule::WebhookForgery, Level::Must)];
        assert_eq!(graded(sign("another-secret"), 200), forgery);
        let refused = vec![(AnswerRule::WebhookGenuine, Level::Must)];
        assert_eq!(graded(good.clone(), 401), refused);
        assert_eq!(graded(good, 200), vec![]);
        // The legacy digest alone, right: it takes the secret to make, accepting it is MAY.
        let mut legacy = body.to_vec();
        legacy.extend_from_slice(sessionkit::EXAMPLE_SHARED_SECRET.as_bytes());
        let legacy = sessionkit::crypto::Algorithm::Sha256.hex(b"", &legacy);
        assert_eq!(graded_with(names::LEGACY_SIGNATURE, legacy, 200), may);
        let wrong = "0".repeat(64);
        assert_eq!(
            graded_with(names::LEGACY_SIGNATURE, wrong, 200),
            [(AnswerRule::WebhookForgery, Level::Must)]
        );
    }
}
