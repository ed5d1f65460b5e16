//! Lossless HAR 1.2 recordings (`serve --har`, `proxy --har`): each request's entry carries the
//! exact wire bytes in `postData._wireBase64` and the verdict in the entry's `_sessionkit`
//! (custom fields start with an underscore, which HAR allows); `postData.text` holds the text,
//! as other tools write it, so that any HAR viewer shows the body. `sessionkit check` reads
//! them back exactly.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sessionkit::headers::{Headers, names};

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
        })
    }

    /// Appends one entry.
    pub fn add(&mut self, entry: &HarEntry<'_>) -> std::io::Result<()> {
        let pairs = |headers: &Headers| -> Vec<Value> {
            headers
                .iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        };
        let shown = entry.decoded.unwrap_or(entry.wire);
        let mime = entry.headers.get_one(names::CONTENT_TYPE).unwrap_or("");
        let mut request = json!({
            "method": entry.method, "url": entry.url, "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": pairs(entry.headers), "queryString": [],
            "headersSize": -1, "bodySize": entry.wire.len(),
            "postData": {"mimeType": mime, "text": String::from_utf8_lossy(shown),
                         "_wireBase64": STANDARD.encode(entry.wire)},
        });
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
        self.file.write_all(text.as_bytes())?;
        self.end += text.len() as u64;
        self.file.write_all(CLOSE)?;
        self.file.flush()?;
        self.entries += 1;
        Ok(())
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
}
