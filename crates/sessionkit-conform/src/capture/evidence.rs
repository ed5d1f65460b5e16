//! What a capture that kept only the decoded text of a compressed body still shows of the bytes
//! that were sent, so that `check` judges every stage rather than only the text:
//!
//! - the **recorded answer**: a server that could not decode the body saw the text itself, sent
//!   uncompressed under a `Content-Encoding` label;
//! - the **request's time**: Python's `gzip.compress` writes it into the gzip header, and Java,
//!   Node.js and libcurl write 0, all through the C zlib, so the compressed bytes can be rebuilt
//!   exactly; when the signature is the HMAC of one of those rebuilds, the compressed bytes were
//!   signed, proven;
//! - the **recorded size** on the wire, smaller than the text when the body was compressed.
//!
//! Otherwise the text is compressed anew as its label says and judged on that stand-in, which
//! tests every stage but the hypotheses that need the exact compressed bytes.

use serde::Serialize;
use sessionkit::Config;
use sessionkit::codec::{self, Encoding};
use sessionkit::crypto::{self, Signature};
use sessionkit::headers::names;
use sessionkit::{ErrorKind, Mistake, Stage};

use super::Exchange;

/// The part of a capture that showed something about the lost wire bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The answer recorded beside the request.
    RecordedAnswer,
    /// The request's time, against a gzip header's modification time.
    RequestTime,
    /// The text compressed anew as the common clients compress it.
    Recompression,
    /// The body's size on the wire, recorded beside the text.
    RecordedSize,
}

impl Source {
    /// Its snake_case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Source::RecordedAnswer => "recorded_answer",
            Source::RequestTime => "request_time",
            Source::Recompression => "recompression",
            Source::RecordedSize => "recorded_size",
        }
    }
}

/// One piece of evidence and what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Where it was found.
    pub from: Source,
    /// What it shows, for a person.
    pub shows: String,
}

/// The bytes judged in place of the lost ones.
#[derive(Debug)]
pub(super) struct Rebuilt {
    /// The wire bytes: proven, or a stand-in compressed anew.
    pub wire: Vec<u8>,
    /// True when the evidence shows these are the bytes that were sent.
    pub exact: bool,
    /// What the capture showed.
    pub evidence: Vec<Evidence>,
}

/// Bodies above this are not rebuilt candidate by candidate (each costs a compression): the
/// stand-in is judged. Far above any session body (they are a few KiB).
const HUNT_LIMIT: usize = 1 << 20;

/// The wire bytes of a request whose capture kept only `text`, its body decoded from the coding
/// its `Content-Encoding` names (`encoding`).
pub(super) fn rebuild(
    exchange: &Exchange,
    text: &[u8],
    encoding: Encoding,
    config: &Config,
) -> Rebuilt {
    let mut evidence = Vec::new();
    if let Some(size) = exchange.recorded.size.filter(|&s| s > 0 && s < text.len()) {
        evidence.push(Evidence {
            from: Source::RecordedSize,
            shows: format!(
                "{size} bytes on the wire for {} bytes of text: the body was compressed",
                text.len()
            ),
        });
    }
    if let Some(said) = could_not_decode(exchange, text) {
        evidence.push(Evidence {
            from: Source::RecordedAnswer,
            shows: format!(
                "the server answered {said}: it could not decode the body, so the bytes sent \
                 were this text, uncompressed under Content-Encoding: {encoding}"
            ),
        });
        return Rebuilt {
            wire: text.to_vec(),
            exact: true,
            evidence,
        };
    }
    let signature = exchange
        .headers
        .get_one(names::SIGNATURE)
        .and_then(|v| Signature::from_hex(v.trim()).ok());
    if let Some(signature) = signature.filter(|s| !crypto::verify(&config.secrets, text, s)) {
        if let Some((from, how, wire)) = signed_rebuild(text, encoding, exchange.recorded.sent_at)
            .find(|(_, _, wire)| crypto::verify(&config.secrets, wire, &signature))
        {
            evidence.push(Evidence {
                from,
                shows: format!(
                    "the signature is the HMAC of the text compressed {how}: the compressed \
                     bytes were signed"
                ),
            });
            return Rebuilt {
                wire,
                exact: true,
                evidence,
            };
        }
    }
    Rebuilt {
        wire: codec::encode(text, encoding, 6),
        exact: false,
        evidence,
    }
}

/// The recorded answer, when it says the server could not decode a body that is plain JSON: a
/// 400 naming the coding or a failed decode. `None` when the text itself is compressed (then
/// the server's decode was not what failed).
fn could_not_decode(exchange: &Exchange, text: &[u8]) -> Option<String> {
    let answer = exchange.answer.as_ref().filter(|a| a.status == 400)?;
    if codec::sniff(text).is_compressed()
        || serde_json::from_slice::<serde_json::Value>(text).is_err()
    {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let message = body["message"].as_str().map_or_else(
        || String::from_utf8_lossy(&answer.body).into_owned(),
        str::to_owned,
    );
    let lower = message.to_ascii_lowercase();
    // sessionkit's own servers name the stage in their diagnostics; others only say it.
    let decode_stage = body["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|d| {
            let code = d["code"].as_str().unwrap_or_default();
            let stage = ErrorKind::from_code(code)
                .map(|k| k.entry().stage)
                .or_else(|| Mistake::from_code(code).map(|m| m.entry().stage));
            stage == Some(Stage::Decode)
        });
    let names_coding = ["gzip", "deflate", "zlib", "decod", "decompress", "compress"]
        .iter()
        .any(|w| lower.contains(w));
    (decode_stage || names_coding).then(|| format!("400 \"{}\"", message.trim()))
}

/// The compressions of `text` the common clients write, each with how it was made: the C zlib
/// (Python's `gzip` and `zlib`, Java, Node.js, libcurl) at their default levels; a gzip header
/// with the request's time (Python writes the time of the call, a moment before the request) or
/// 0 (Java, Node.js), and the OS byte each writes.
fn signed_rebuild(
    text: &[u8],
    encoding: Encoding,
    sent_at: Option<i64>,
) -> impl Iterator<Item = (Source, String, Vec<u8>)> + '_ {
    let small = text.len() <= HUNT_LIMIT;
    let levels: &[u32] = match encoding {
        Encoding::Gzip => &[9, 6],
        _ => &[6, 9, 1],
    };
    let mut times: Vec<(u32, Source, String)> = vec![(0, Source::Recompression, "mtime 0".into())];
    if let Some(at) = sent_at {
        // The call a moment before the request, or a clock a second apart.
        for back in [0, 1, 2, -1] {
            if let Ok(mtime) = u32::try_from(at - back) {
                let when = format!("mtime {mtime}, the request's time{}", ago(back));
                times.push((mtime, Source::RequestTime, when));
            }
        }
    }
    let os_bytes = [(255u8, "OS byte 255"), (3, "OS byte 3"), (0, "OS byte 0")];
    levels
        .iter()
        .filter(move |_| small)
        .flat_map(move |&level| {
            let framings: Vec<(Vec<u8>, Source, String)> = match encoding {
                Encoding::Gzip => times
                    .iter()
                    .flat_map(|(mtime, from, when)| {
                        os_bytes.iter().map(move |(os, os_name)| {
                            let mut head = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, *os];
                            head[4..8].copy_from_slice(&mtime.to_le_bytes());
                            let how = format!("as gzip at level {level}, {when}, {os_name}");
                            (head, *from, how)
                        })
                    })
                    .collect(),
                _ => vec![(
                    vec![0x78, 0x9c],
                    Source::Recompression,
                    format!("as zlib at level {level}"),
                )],
            };
            framings.into_iter().filter_map(move |(head, from, how)| {
                codec::recompressed(&head, encoding, text, level).map(|wire| (from, how, wire))
            })
        })
}

fn ago(seconds: i64) -> String {
    match seconds {
        0 => String::new(),
        s if s > 0 => format!(" less {s} s"),
        s => format!(" plus {} s", -s),
    }
}

/// Seconds since 1970 of an RFC 3339 time (HAR's `startedDateTime`), `None` when it is not one.
pub(super) fn unix_seconds(time: &str) -> Option<i64> {
    let b = time.as_bytes();
    let digits = |from: usize, to: usize| -> Option<i64> {
        let part = time.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(13) != Some(&b':') {
        return None;
    }
    // The offset after any fraction of a second: Z, or ±HH:MM.
    let rest = time
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 => {
            let minutes =
                rest.get(1..3)?.parse::<i64>().ok()? * 60 + rest.get(4..6)?.parse::<i64>().ok()?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    // Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::super::{Body, Recorded, judge};
    use super::*;
    use crate::client::Reply;
    use sessionkit::headers::Headers;

    const TEXT: &[u8] = br#"{"verification":{"callback":"https://example.com/callback"}}"#;
    const SECRET: &[u8] = b"your-shared-secret";
    const AT: i64 = 1_796_654_633;

    /// A capture of `POST /v1/sessions` under `Content-Encoding: coding`, signed over `signed`,
    /// that kept only the decoded text, at `AT`.
    fn decoded_capture(coding: &str, signed: &[u8], answer: Option<Reply>) -> Exchange {
        let headers: Headers = [
            ("X-AUTH-CLIENT", "your-api-key".to_owned()),
            ("X-HMAC-SIGNATURE", crypto::sign(SECRET, signed).to_string()),
            ("Content-Type", "application/json".to_owned()),
            ("Content-Encoding", coding.to_owned()),
        ]
        .into_iter()
        .collect();
        Exchange {
            source: "x.har entry 1".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:1/v1/sessions".into(),
            headers,
            body: Body::DecodedOnly(TEXT.to_vec()),
            answer,
            recorded: Recorded {
                size: Some(TEXT.len()),
                sent_at: Some(AT),
            },
        }
    }

    fn config() -> Config {
        Config::default()
    }

    fn answer(status: u16, body: &str) -> Option<Reply> {
        Some(Reply {
            status,
            headers: Headers::default(),
            body: body.as_bytes().to_vec(),
        })
    }

    fn mistakes(verdict: &super::super::Verdict) -> Vec<String> {
        let report = verdict.contract.as_ref().unwrap();
        report.diagnostics.iter().map(|d| d.code.clone()).collect()
    }

    /// Python's `gzip.compress` writes the time of the call: the compressed bytes it signed are
    /// rebuilt from the request's time, and the mistake proven.
    #[test]
    fn the_request_time_rebuilds_python_gzip_and_proves_the_compressed_bytes_were_signed() {
        let mut head = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        head[4..8].copy_from_slice(&((AT - 1) as u32).to_le_bytes());
        let sent = codec::recompressed(&head, Encoding::Gzip, TEXT, 9).unwrap();
        let verdict = judge(&decoded_capture("gzip", &sent, None), &config());
        assert_eq!(verdict.wire, "rebuilt", "{verdict:?}");
        assert_eq!(
            mistakes(&verdict),
            ["signed_compressed_bytes"],
            "{verdict:?}"
        );
        assert_eq!(verdict.evidence[0].from, Source::RequestTime);
        assert!(
            verdict.evidence[0].shows.contains("less 1 s"),
            "{verdict:?}"
        );
        // Java and Node.js write mtime 0; zlib's deflate has no time at all.
        let sent = codec::recompressed(&[0x78, 0x9c], Encoding::Deflate, TEXT, 6).unwrap();
        let verdict = judge(&decoded_capture("deflate", &sent, None), &config());
        assert_eq!(
            mistakes(&verdict),
            ["signed_compressed_bytes"],
            "{verdict:?}"
        );
        assert_eq!(verdict.evidence[0].from, Source::Recompression);
    }

    /// A server that could not decode the body saw the text itself: plain JSON under a gzip
    /// label, judged as the bytes sent; without that answer, a stand-in compressed anew.
    #[test]
    fn a_recorded_decode_failure_shows_the_text_was_sent_as_is() {
        let said = answer(
            400,
            r#"{"status":"fail","code":1104,"message":"body is not gzip data"}"#,
        );
        let verdict = judge(&decoded_capture("gzip", TEXT, said), &config());
        assert_eq!(verdict.wire, "rebuilt");
        assert_eq!(
            verdict.contract.as_ref().unwrap().error,
            Some("not_encoded"),
            "{verdict:?}"
        );
        assert_eq!(verdict.evidence[0].from, Source::RecordedAnswer);
        // A 400 about something else says nothing of the coding.
        let said = answer(
            400,
            r#"{"status":"fail","code":1102,"message":"missing field"}"#,
        );
        let verdict = judge(&decoded_capture("gzip", TEXT, said), &config());
        let status = verdict.contract.as_ref().unwrap().status;
        assert_eq!((verdict.wire, status), ("decoded text only", 201));
        assert!(verdict.evidence.is_empty(), "{verdict:?}");
    }

    /// A recorded body size under the text's length shows the body was compressed; one equal
    /// to it (mitmproxy records the decoded size) shows nothing.
    #[test]
    fn a_recorded_size_under_the_texts_shows_compression() {
        let mut capture = decoded_capture("gzip", TEXT, None);
        capture.recorded.size = Some(40);
        let verdict = judge(&capture, &config());
        assert_eq!(
            verdict.evidence[0].from,
            Source::RecordedSize,
            "{verdict:?}"
        );
        assert!(
            verdict.evidence[0]
                .shows
                .starts_with("40 bytes on the wire")
        );
        let verdict = judge(&decoded_capture("gzip", TEXT, None), &config());
        assert!(verdict.evidence.is_empty(), "{verdict:?}");
    }

    /// A signature that matches nothing the text can be made into, refused by the server too:
    /// the likely cause is said, as likely; without the server's 401, nothing is claimed.
    #[test]
    fn an_unexplained_refusal_the_server_shared_is_named_as_likely() {
        let go_gzip = [
            &b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"[..],
            b"other bytes",
        ]
        .concat();
        let said = answer(
            401,
            r#"{"status":"fail","code":1819,"message":"signature mismatch"}"#,
        );
        let verdict = judge(&decoded_capture("gzip", &go_gzip, said), &config());
        assert_eq!(verdict.wire, "decoded text only");
        assert_eq!(verdict.evidence.len(), 1, "{verdict:?}");
        assert!(verdict.evidence[0].shows.contains("likely"), "{verdict:?}");
        let verdict = judge(&decoded_capture("gzip", &go_gzip, None), &config());
        assert!(verdict.evidence.is_empty(), "{verdict:?}");
    }

    #[test]
    fn request_times_are_read_as_rfc_3339() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            unix_seconds("2026-12-07T14:43:53.295381+00:00"),
            Some(1_796_654_633)
        );
        assert_eq!(
            unix_seconds("2026-12-07T15:43:53.2+01:00"),
            Some(1_796_654_633)
        );
        for bad in [
            "",
            "2026-12-07",
            "2026-12-07T14:43:53",
            "yesterday",
            "2026-12-07T14:43:53+1",
        ] {
            assert_eq!(unix_seconds(bad), None, "{bad}");
        }
    }
}
