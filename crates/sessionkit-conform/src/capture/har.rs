//! HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): reading what browsers, Playwright,
//! mitmproxy and Charles write, and writing lossless recordings. A recording's request carries
//! the exact wire bytes in `postData._wireBase64` and its verdict in the entry's `_sessionkit`
//! (custom fields start with an underscore, which HAR allows); `postData.text` holds the decoded
//! text, as other tools write it, so that any HAR viewer shows the body.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sessionkit::headers::{Headers, names};

use super::{Body, Exchange};
use crate::Error;
use crate::client::Reply;

/// The exchanges of a HAR document.
pub(super) fn read(name: &str, document: &Value) -> Result<Vec<Exchange>, Error> {
    let entries = document["log"]["entries"]
        .as_array()
        .ok_or_else(|| Error(format!("{name}: a HAR file without log.entries")))?;
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, entry)| exchange(name, i + 1, entry))
        .collect())
}

fn header_lines(list: &Value) -> Headers {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| {
            Some((
                h["name"].as_str()?.to_owned(),
                h["value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// `text`'s bytes, decoded from base64 when the HAR says `encoding: base64`.
fn content_bytes(holder: &Value) -> Option<Vec<u8>> {
    let text = holder["text"].as_str()?;
    if holder["encoding"].as_str() == Some("base64") {
        return STANDARD.decode(text).ok();
    }
    Some(text.as_bytes().to_vec())
}

/// True when `bytes` open like the coding `Content-Encoding` names: a gzip member's magic, a
/// zlib header. A body that does not is text some tool decoded.
fn looks_encoded(bytes: &[u8], encoding: &str) -> bool {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "gzip" | "x-gzip" => bytes.starts_with(&[0x1f, 0x8b]),
        "deflate" => {
            bytes.len() >= 2
                && bytes[0] & 0x0f == 8
                && (u16::from(bytes[0]) << 8 | u16::from(bytes[1])) % 31 == 0
        }
        // Another coding: whatever the bytes are, they are what was sent.
        _ => true,
    }
}

fn exchange(name: &str, index: usize, entry: &Value) -> Exchange {
    let request = &entry["request"];
    let headers = header_lines(&request["headers"]);
    let post = &request["postData"];
    let body = if let Some(wire) = post["_wireBase64"]
        .as_str()
        .and_then(|b| STANDARD.decode(b).ok())
    {
        Body::Wire(wire)
    } else {
        match content_bytes(post) {
            None => Body::Missing,
            Some(bytes) => match headers.get_one(names::CONTENT_ENCODING) {
                Some(encoding) if !looks_encoded(&bytes, encoding) => Body::DecodedOnly(bytes),
                _ => Body::Wire(bytes),
            },
        }
    };
    let response = &entry["response"];
    let answer = response["status"]
        .as_u64()
        .filter(|s| *s > 0)
        .map(|status| Reply {
            status: status as u16,
            headers: header_lines(&response["headers"]),
            body: response["content"]["_wireBase64"]
                .as_str()
                .and_then(|b| STANDARD.decode(b).ok())
                .or_else(|| content_bytes(&response["content"]))
                .unwrap_or_default(),
        });
    Exchange {
        source: format!("{name} entry {index}"),
        method: request["method"].as_str().unwrap_or("").to_owned(),
        url: request["url"].as_str().unwrap_or("").to_owned(),
        headers,
        body,
        answer,
    }
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
    pub answer: Option<&'a Reply>,
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
    pub fn create(path: &Path) -> Result<Self, Error> {
        let io = |e: std::io::Error| Error(format!("cannot write {}: {e}", path.display()));
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
        let response = match entry.answer {
            Some(answer) => json!({
                "status": answer.status, "statusText": sessionkit::reason(answer.status),
                "httpVersion": "HTTP/1.1", "cookies": [], "headers": pairs(&answer.headers),
                "content": {"size": answer.body.len(),
                            "mimeType": answer.headers.get_one(names::CONTENT_TYPE).unwrap_or(""),
                            "text": String::from_utf8_lossy(&answer.body),
                            "_wireBase64": STANDARD.encode(&answer.body)},
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
    use super::*;

    /// A recording reads back to the exact wire bytes, and is valid JSON after every entry.
    #[test]
    fn a_recording_reads_back_exactly() {
        let path = std::env::temp_dir().join(format!("sessionkit-har-{}.har", std::process::id()));
        let mut writer = HarWriter::create(&path).unwrap();
        let headers: Headers = [
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ]
        .into_iter()
        .collect();
        let wire = sessionkit::codec::encode(
            b"{\"verification\":{}}",
            sessionkit::codec::Encoding::Gzip,
            6,
        );
        for n in 0..2 {
            writer
                .add(&HarEntry {
                    method: "POST",
                    url: "http://127.0.0.1:1/v1/sessions",
                    headers: &headers,
                    wire: &wire,
                    decoded: Some(b"{\"verification\":{}}"),
                    answer: None,
                    millis: 1.0,
                    verdict: json!({"n": n}),
                })
                .unwrap();
            let document: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let read = read("x.har", &document).unwrap();
            assert_eq!(read.len(), n + 1);
            assert_eq!(read[n].body, Body::Wire(wire.clone()));
            assert_eq!(read[n].headers, headers);
        }
        std::fs::remove_file(&path).ok();
    }

    /// Decoded text under `Content-Encoding: gzip` (what mitmproxy and browsers write) is known
    /// for what it is; base64 content is decoded.
    #[test]
    fn decoded_text_under_an_encoding_is_known_as_such() {
        let entry = json!({"request": {"method": "POST", "url": "https://x/v1/sessions",
            "headers": [{"name": "Content-Encoding", "value": "gzip"}],
            "postData": {"mimeType": "application/json", "text": "{\"verification\":{}}"}}});
        let exchange = exchange("x.har", 1, &entry);
        assert_eq!(
            exchange.body,
            Body::DecodedOnly(b"{\"verification\":{}}".to_vec())
        );
        let wire = sessionkit::codec::encode(b"{}", sessionkit::codec::Encoding::Gzip, 6);
        let entry = json!({"request": {"method": "POST", "url": "https://x/v1/sessions",
            "headers": [{"name": "Content-Encoding", "value": "gzip"}],
            "postData": {"mimeType": "application/json", "text": STANDARD.encode(&wire), "encoding": "base64"}}});
        assert_eq!(exchange_body(&entry), Body::Wire(wire));
        assert_eq!(chrono_like_now().len(), "2026-12-02T03:00:00.000Z".len());
    }

    fn exchange_body(entry: &Value) -> Body {
        exchange("x.har", 1, entry).body
    }
}
