//! HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) read: what browsers, Playwright,
//! mitmproxy and Charles write, and the lossless recordings of `serve --har` and `proxy --har`
//! (their writer is `sessionkit_server::har`), whose `postData._wireBase64` holds the exact bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sessionkit::headers::{Headers, names};

use super::{Body, Exchange};
use crate::client::Reply;
pub use sessionkit_server::har::{HarAnswer, HarEntry, HarWriter};

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

/// `text`'s bytes, decoded from base64 when the HAR says `encoding: base64`; a character
/// U+10FF80 to U+10FFFF is a byte read from a lone surrogate ([`super::stream::LoneSurrogates`]).
fn content_bytes(holder: &Value) -> Option<Vec<u8>> {
    let text = holder["text"].as_str()?;
    if holder["encoding"].as_str() == Some("base64") {
        return STANDARD.decode(text).ok();
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c) {
            escaped @ 0x10_ff80..=0x10_ffff => bytes.push((escaped & 0xff) as u8),
            _ => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Some(bytes)
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

/// Binary written as text: a gzip magic byte followed by U+FFFD where 0x8b was, or any U+FFFD in
/// a body said to be compressed.
fn mangled(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.starts_with("\u{1f}\u{fffd}")
        || (text.contains('\u{fffd}') && !text.trim_start().starts_with('{'))
}

/// One entry; `decodes` when the tool that wrote it keeps the decoded body, whatever it looks
/// like (a text still compressed once decoded is a body compressed twice).
pub(super) fn exchange(name: &str, index: usize, entry: &Value, decodes: bool) -> Exchange {
    let request = &entry["request"];
    let headers = header_lines(&request["headers"]);
    let post = &request["postData"];
    let body = if post["_wireTruncated"] == true {
        Body::Cut {
            len: post["_wireLength"].as_u64().unwrap_or(0) as usize,
            sha256: post["_wireSha256"].as_str().unwrap_or("").to_owned(),
        }
    } else if let Some(wire) = post["_wireBase64"]
        .as_str()
        .and_then(|b| STANDARD.decode(b).ok())
    {
        Body::Wire(wire)
    } else {
        match content_bytes(post) {
            None => Body::Missing,
            Some(bytes) => match headers.get_one(names::CONTENT_ENCODING) {
                Some(_)
                    if !decodes
                        && post["encoding"].as_str() != Some("base64")
                        && mangled(&bytes) =>
                {
                    Body::Mangled(bytes)
                }
                Some(encoding) if decodes || !looks_encoded(&bytes, encoding) => {
                    Body::DecodedOnly(bytes)
                }
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
        recorded: super::Recorded {
            size: request["bodySize"]
                .as_u64()
                .and_then(|s| usize::try_from(s).ok()),
            sent_at: entry["startedDateTime"]
                .as_str()
                .and_then(super::evidence::unix_seconds),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    /// The exchanges of a HAR document (tests; `check` streams).
    fn read(name: &str, document: &Value) -> Result<Vec<Exchange>, Error> {
        let entries = document["log"]["entries"]
            .as_array()
            .ok_or_else(|| Error(format!("{name}: a HAR file without log.entries")))?;
        // mitmproxy writes `postData.text` from the decoded body, whatever its bytes.
        let decodes = document["log"]["creator"]["name"].as_str() == Some("mitmproxy");
        Ok(entries
            .iter()
            .enumerate()
            .map(|(i, entry)| exchange(name, i + 1, entry, decodes))
            .collect())
    }

    /// A whole HAR document, its lone surrogates read as [`super::stream::LoneSurrogates`] reads
    /// them (tests; `check` streams).
    fn parse(text: &str) -> serde_json::Result<Value> {
        serde_json::from_reader(crate::capture::stream::LoneSurrogates::new(text.as_bytes()))
    }
    use serde_json::json;

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
                    refused: false,
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
        let exchange = exchange("x.har", 1, &entry, false);
        assert_eq!(
            exchange.body,
            Body::DecodedOnly(b"{\"verification\":{}}".to_vec())
        );
        let wire = sessionkit::codec::encode(b"{}", sessionkit::codec::Encoding::Gzip, 6);
        let entry = json!({"request": {"method": "POST", "url": "https://x/v1/sessions",
            "headers": [{"name": "Content-Encoding", "value": "gzip"}],
            "postData": {"mimeType": "application/json", "text": STANDARD.encode(&wire), "encoding": "base64"}}});
        assert_eq!(exchange_body(&entry), Body::Wire(wire.clone()));
        // Chromium writes the gzip bytes as text, each non-UTF-8 byte a U+FFFD.
        let lossy = String::from_utf8_lossy(&wire).into_owned();
        let entry = json!({"request": {"method": "POST", "url": "https://x/v1/sessions",
            "headers": [{"name": "Content-Encoding", "value": "gzip"}],
            "postData": {"mimeType": "application/json", "text": lossy}}});
        assert!(matches!(exchange_body(&entry), Body::Mangled(_)));
    }

    /// mitmproxy writes a body that is not UTF-8 as lone surrogates (`\udc8b`), which serde_json
    /// refuses: each is read back as its byte, exactly, and an escaped backslash or a real
    /// surrogate pair is left alone. mitmproxy's text is the decoded body, even when it is
    /// still compressed.
    #[test]
    fn lone_surrogates_of_python_read_back_as_their_bytes() {
        let har = r#"{"log":{"creator":{"name":"mitmproxy"},"entries":[{"request":{
            "method":"POST","url":"http://x/v1/sessions",
            "headers":[{"name":"Content-Encoding","value":"gzip"}],
            "postData":{"text":"\u001f\udc8b\b\u0000 \\udc8b \ud83d\ude00 \udcff"}}}]}}"#;
        let document = parse(har).unwrap();
        let exchanges = read("m.har", &document).unwrap();
        let mut expected = vec![0x1f, 0x8b, 8, 0];
        expected.extend_from_slice(" \\udc8b \u{1f600} ".as_bytes());
        expected.push(0xff);
        assert_eq!(exchanges[0].body, Body::DecodedOnly(expected));
        assert!(
            serde_json::from_str::<Value>(har).is_err(),
            "serde_json alone refuses it"
        );
    }

    fn exchange_body(entry: &Value) -> Body {
        exchange("x.har", 1, entry, false).body
    }
}
