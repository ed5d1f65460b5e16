//! The NDJSON reports of `serve` and `proxy` (`--report F`): one record per request with its
//! header lines, and its wire bytes in `wire_base64` (and, from the proxy, the answer in
//! `answer`). A record without wire bytes (a report of an older sessionkit) is read with its
//! body missing, and judged as far as that allows: not at all.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sessionkit::headers::Headers;

use super::{Body, Exchange};
use crate::Error;
use crate::client::Reply;

fn lines_of(value: &Value) -> Headers {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
        .collect()
}

/// One line of a report: its exchange, `None` for the recorder's own note (its size cap was
/// reached: said on stderr, not judged).
pub(super) fn record(name: &str, number: usize, line: &str) -> Result<Option<Exchange>, Error> {
    let record: Value = serde_json::from_str(line)
        .map_err(|e| Error(format!("{name} line {number}: not a JSON record ({e})")))?;
    if let (Some(note), false) = (record["note"].as_str(), record["method"].is_string()) {
        eprintln!("{name} line {number}: {note}");
        return Ok(None);
    }
    if !(record["method"].is_string() && record["headers"].is_array()) {
        return Err(Error(format!(
            "{name} line {number}: not a report record (no method and headers): a request body \
             is judged with --headers FILE, or by `sessionkit verify`"
        )));
    }
    let body = match record["wire_base64"].as_str().map(|b| STANDARD.decode(b)) {
        _ if record["wire_truncated"] == true => Body::Cut {
            len: record["wire_bytes"].as_u64().unwrap_or(0) as usize,
            sha256: record["wire_sha256"].as_str().unwrap_or("").to_owned(),
        },
        Some(Ok(bytes)) => Body::Wire(bytes),
        Some(Err(e)) => {
            return Err(Error(format!(
                "{name} line {number}: wire_base64 is not base64 ({e})"
            )));
        }
        None => Body::Missing,
    };
    let answer = record["answer"].as_object().and_then(|a| {
        Some(Reply {
            status: a.get("status")?.as_u64()? as u16,
            headers: lines_of(a.get("headers")?),
            body: STANDARD.decode(a.get("body_base64")?.as_str()?).ok()?,
        })
    });
    Ok(Some(Exchange {
        source: format!("{name} line {number}"),
        method: record["method"].as_str().unwrap_or("").to_owned(),
        url: record["path"].as_str().unwrap_or("").to_owned(),
        headers: lines_of(&record["headers"]),
        body,
        answer,
        recorded: super::Recorded::default(),
    }))
}
