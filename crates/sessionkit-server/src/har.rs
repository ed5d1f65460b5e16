//! Lossless HAR 1.2 recordings (`serve --har`, `proxy --har`): each request's entry carries the
//! exact wire bytes in `postData._wireBase64` and the verdict in the entry's `_sessionkit`
//! (custom fields start with an underscore, which HAR allows); `postData.text` holds the text,
//! as other tools write it, so that any HAR viewer shows the body. `sessionkit check` reads
//! them back exactly.
//!
//! Both recordings (`--har`, and the NDJSON of `--report` through [`CappedLines`]) keep their
//! budget in total: a file stops growing at [`RECORDING_CAP`] (its later exchanges counted and
//! said, never written), and the body of a refused request is kept up to [`REFUSED_BODY_KEPT`]
//! bytes with its length and SHA-256, so that strangers' megabyte bodies cost a bounded disk.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sessionkit::headers::{Headers, names};

/// Bytes of a refused request's body a recording keeps: enough to read any real mistake (a
/// session body is a few KiB), while a stranger's 1 MiB bodies cost 64 KiB each; the record keeps
/// the whole length and SHA-256.
pub const REFUSED_BODY_KEPT: usize = 64 * 1024;

/// The most one recording file grows to.
pub const RECORDING_CAP: u64 = 256 << 20;

/// The body a recording keeps of `wire`: whole when the request was accepted or is small, else
/// its first [`REFUSED_BODY_KEPT`] bytes (and then `true`).
pub fn kept(wire: &[u8], refused: bool) -> (&[u8], bool) {
    if refused && wire.len() > REFUSED_BODY_KEPT {
        (&wire[..REFUSED_BODY_KEPT], true)
    } else {
        (wire, false)
    }
}

/// Hex SHA-256 of `bytes`, as records name a body they cut.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// An NDJSON file that stops at [`RECORDING_CAP`] (or `cap`): past it, lines are counted, not
/// written, and one last line says so (`{"note": ...}`, which `sessionkit check` reads as such).
pub struct CappedLines {
    file: File,
    written: u64,
    cap: u64,
    dropped: u64,
}

impl CappedLines {
    /// Appends to `file`, whose current length counts against `cap`.
    pub fn new(file: File, cap: u64) -> Self {
        let written = file.metadata().map_or(0, |m| m.len());
        Self {
            file,
            written,
            cap,
            dropped: 0,
        }
    }

    /// Writes `line` and a newline; false when the cap keeps it out (the first such line
    /// writes the note).
    pub fn write_line(&mut self, line: &str) -> std::io::Result<bool> {
        let len = line.len() as u64 + 1;
        if self.dropped > 0 || self.written + len > self.cap {
            self.dropped += 1;
            if self.dropped == 1 {
                let note = json!({"note": format!(
                    "this report reached its cap of {} MiB: the exchanges after this line are not recorded",
                    self.cap >> 20
                )});
                writeln!(self.file, "{note}")?;
            }
            return Ok(false);
        }
        writeln!(self.file, "{line}")?;
        self.written += len;
        Ok(true)
    }

    /// Lines the cap kept out.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// The answer of a recorded exchange.
pub struct HarAnswer<'a> {
    /// Its status.
    pub status: u16,
    /// Its header lines.
    pub headers: &'a Headers,
    /// Its body's bytes.
    pub body: &'a [u8],
}

/// One exchange to record.
pub struct HarEntry<'a> {
    /// The request's method.
    pub method: &'a str,
    /// Its full URL.
    pub url: &'a str,
    /// Its header lines, in order.
    pub headers: &'a Headers,
    /// Its body's bytes as sent.
    pub wire: &'a [u8],
    /// The request was refused: its body is kept up to [`REFUSED_BODY_KEPT`] bytes.
    pub refused: bool,
    /// The decoded JSON text, when the body was decoded (shown as `postData.text`).
    pub decoded: Option<&'a [u8]>,
    /// The answer as sent to the client, `None` when there was none.
    pub answer: Option<HarAnswer<'a>>,
    /// Milliseconds from the request to the answer.
    pub millis: f64,
    /// The verdict, under `_sessionkit`.
    pub verdict: Value,
}

/// A HAR file written one entry at a time, valid JSON after every entry (the closing brackets are
/// rewritten after each), so that a run stopped at any moment leaves a readable recording.
pub struct HarWriter {
    file: File,
    /// Where the closing `]}}` starts.
    end: u64,
    entries: usize,
    cap: u64,
    dropped: u64,
}

const CLOSE: &[u8] = b"\n]}}\n";

impl HarWriter {
    /// Creates (or truncates) `path` with an empty log.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let io = |e: std::io::Error| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        };
        let mut file = File::create(path).map_err(io)?;
        let head = format!(
            "{{\"log\": {{\"version\": \"1.2\", \"creator\": {{\"name\": \"sessionkit\", \"version\": \"{}\"}}, \"entries\": [",
            env!("CARGO_PKG_VERSION")
        );
        file.write_all(head.as_bytes()).map_err(io)?;
        let end = head.len() as u64;
        file.write_all(CLOSE).map_err(io)?;
        Ok(Self {
            file,
            end,
            entries: 0,
            cap: RECORDING_CAP,
            dropped: 0,
        })
    }

    /// The same with another size cap (tests).
    pub fn with_cap(mut self, cap: u64) -> Self {
        self.cap = cap;
        self
    }

    /// Entries the cap kept out.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Appends one entry; `Ok(false)` when the size cap keeps it out (the log's `comment` then
    /// says how many were).
    pub fn add(&mut self, entry: &HarEntry<'_>) -> std::io::Result<bool> {
        let pairs = |headers: &Headers| -> Vec<Value> {
            headers
                .iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        };
        let (wire, cut) = kept(entry.wire, entry.refused);
        let shown = if cut {
            wire
        } else {
            entry.decoded.unwrap_or(wire)
        };
        let mime = entry.headers.get_one(names::CONTENT_TYPE).unwrap_or("");
        let mut request = json!({
            "method": entry.method, "url": entry.url, "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": pairs(entry.headers), "queryString": [],
            "headersSize": -1, "bodySize": entry.wire.len(),
            "postData": {"mimeType": mime, "text": String::from_utf8_lossy(shown),
                         "_wireBase64": STANDARD.encode(wire)},
        });
        if cut {
            // The first bytes only: `check` knows the rest is not here.
            request["postData"]["_wireTruncated"] = json!(true);
            request["postData"]["_wireLength"] = json!(entry.wire.len());
            request["postData"]["_wireSha256"] = json!(sha256_hex(entry.wire));
        }
        if entry.wire.is_empty() && entry.method != "POST" {
            request.as_object_mut().map(|r| r.remove("postData"));
        }
        let response = match &entry.answer {
            Some(answer) => json!({
                "status": answer.status, "statusText": sessionkit::reason(answer.status),
                "httpVersion": "HTTP/1.1", "cookies": [], "headers": pairs(answer.headers),
                "content": {"size": answer.body.len(),
                            "mimeType": answer.headers.get_one(names::CONTENT_TYPE).unwrap_or(""),
                            "text": String::from_utf8_lossy(answer.body),
                            "_wireBase64": STANDARD.encode(answer.body)},
                "redirectURL": "", "headersSize": -1, "bodySize": answer.body.len(),
            }),
            // HAR 1.2 wants a response; 0 says none came (as browsers write an aborted one).
            None => json!({"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                           "headers": [], "content": {"size": 0, "mimeType": ""},
                           "redirectURL": "", "headersSize": -1, "bodySize": -1}),
        };
        let started = chrono_like_now();
        let record = json!({
            "startedDateTime": started, "time": entry.millis,
            "request": request, "response": response, "cache": {},
            "timings": {"send": 0, "wait": entry.millis, "receive": 0},
            "_sessionkit": entry.verdict,
        });
        let mut text = if self.entries == 0 {
            "\n".to_owned()
        } else {
            ",\n".to_owned()
        };
        text.push_str(&record.to_string());
        self.file.seek(SeekFrom::Start(self.end))?;
        if self.dropped > 0 || self.end + text.len() as u64 > self.cap {
            // Over the cap: counted, and said in the log's comment (HAR 1.2 has one).
            self.dropped += 1;
            let close = format!(
                "\n], \"comment\": \"this recording reached its cap of {} MiB: {} later exchange(s) not recorded\"}}}}\n",
                self.cap >> 20,
                self.dropped
            );
            self.file.write_all(close.as_bytes())?;
            self.file.set_len(self.end + close.len() as u64)?;
            self.file.flush()?;
            return Ok(false);
        }
        self.file.write_all(text.as_bytes())?;
        self.end += text.len() as u64;
        self.file.write_all(CLOSE)?;
        self.file.flush()?;
        self.entries += 1;
        Ok(true)
    }
}

/// The current time as RFC 3339 in UTC, as HAR's `startedDateTime` wants it.
fn chrono_like_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (secs, millis) = (now.as_secs(), now.subsec_millis());
    let days = secs / 86_400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn started_date_time_is_rfc3339_utc() {
        let now = super::chrono_like_now();
        assert_eq!(now.len(), "2026-12-02T03:00:00.000Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }

    /// Both recordings keep their budget in total: a refused body is cut to its first 64 KiB
    /// with its length and SHA-256, an accepted one kept whole; past the cap, the HAR stays
    /// valid JSON and says in its comment how many exchanges it left out, the NDJSON ends with
    /// one note line.
    #[test]
    fn recordings_stop_at_their_cap_and_cut_refused_bodies() {
        use super::*;
        let dir = std::env::temp_dir().join(format!("sessionkit-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = vec![b'x'; 200_000];
        assert_eq!(kept(&big, true).0.len(), REFUSED_BODY_KEPT);
        assert!(kept(&big, true).1 && !kept(&big, false).1);
        assert_eq!(kept(b"{}", true), (&b"{}"[..], false));
        let headers = Headers::new();
        let entry = |wire: &'static [u8], refused| HarEntry {
            method: "POST",
            url: "http://x/v1/sessions",
            headers: Box::leak(Box::new(headers.clone())),
            wire,
            refused,
            decoded: None,
            answer: None,
            millis: 1.0,
            verdict: json!({}),
        };
        let big: &'static [u8] = Box::leak(big.into_boxed_slice());
        let path = dir.join("cap.har");
        let mut har = HarWriter::create(&path).unwrap().with_cap(300_000);
        assert!(
            har.add(&entry(big, true)).unwrap(),
            "cut to 64 KiB, it fits"
        );
        assert!(!har.add(&entry(big, false)).unwrap(), "whole, it does not");
        assert!(
            !har.add(&entry(b"{}", false)).unwrap(),
            "nothing after the cap"
        );
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let entries = document["log"]["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        let post = &entries[0]["request"]["postData"];
        assert_eq!(
            (
                post["_wireTruncated"].as_bool(),
                post["_wireLength"].as_u64()
            ),
            (Some(true), Some(200_000))
        );
        assert_eq!(post["_wireSha256"], sha256_hex(big));
        assert!(
            document["log"]["comment"]
                .as_str()
                .unwrap()
                .contains("2 later exchange(s)")
        );
        let path = dir.join("cap.ndjson");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let mut lines = CappedLines::new(file, 30);
        assert!(lines.write_line("{\"n\":1}").unwrap());
        assert!(!lines.write_line(&"x".repeat(40)).unwrap());
        assert!(!lines.write_line("{\"n\":3}").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        let read: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(read.len(), 2, "{text}");
        assert!(
            read[1]["note"]
                .as_str()
                .unwrap()
                .contains("reached its cap")
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
