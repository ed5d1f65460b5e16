//! `check --promote DIR`: captured requests turned into corpus cases (the wire bytes, a manifest
//! entry in the corpus's format with a signing recipe, and the answer the contract fixes), so
//! that `conform --corpus DIR` replays them against any server with its own credentials.
//!
//! The captured `X-AUTH-CLIENT` becomes the documentation's key (the replay puts the target's in);
//! a signature that is the HMAC of the decoded body with the client's secret becomes a recipe
//! (the replay signs the same bytes with the target's secret); any other signature is kept as a
//! literal, which stays wrong under every secret.

use std::path::Path;

use serde_json::{Value, json};
use sessionkit::codec::{DecodeLimit, Encoding};
use sessionkit::headers::names;
use sessionkit::{Config, EXAMPLE_API_KEY};
use sha2::{Digest, Sha256};

use super::{Body, Exchange};
use crate::Error;

/// Writes each exchange with exact wire bytes as a corpus case in `dir`; returns the files
/// written and, for each exchange left out, why.
pub fn promote(
    exchanges: &[&Exchange],
    config: &Config,
    dir: &Path,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let io = |e: std::io::Error| Error(format!("cannot write in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let (mut written, mut left_out, mut cases) = (Vec::new(), Vec::new(), Vec::new());
    for (n, exchange) in exchanges.iter().enumerate() {
        let Body::Wire(wire) = &exchange.body else {
            left_out.push(format!(
                "{}: the capture lost the wire bytes",
                exchange.source
            ));
            continue;
        };
        let id = 9500 + n;
        let file = format!("captured-{}.bin", n + 1);
        std::fs::write(dir.join(&file), wire).map_err(io)?;
        let outcome = sessionkit::receive(&exchange.headers, wire, config);
        let hex = |b: &[u8]| format!("{:x}", Sha256::digest(b));
        let sign = recipe(exchange, wire, config, dir, n + 1).map_err(io)?;
        let headers: Vec<Value> = exchange
            .headers
            .iter()
            .map(|(name, value)| {
                let known_key = name.eq_ignore_ascii_case(names::API_KEY)
                    && config.api_keys.iter().any(|k| k == value.trim());
                json!([name, if known_key { EXAMPLE_API_KEY } else { value }])
            })
            .collect();
        let mut request = json!({"headers": headers, "profile": config.profile.name()});
        if let Some(sign) = sign {
            request["sign"] = sign;
        }
        let mut expect = json!({"status": outcome.status()});
        if outcome.vendor_code() != 0 {
            expect["code"] = json!(outcome.vendor_code());
        }
        if let Some(error) = outcome.error_code() {
            expect["error"] = json!(error);
        }
        let rule = crate::rules::of_error(outcome.error_code().unwrap_or(""));
        cases.push(json!({
            "level": rule.map(|r| r.level),
            "rule": rule.map(|r| r.rule.as_str()),
            "reference": rule.map(|r| r.reference.as_str()),
            "id": id,
            "file": file,
            "source": format!("captured: {} ({})", exchange.source, exchange.url),
            "sha256": hex(wire),
            "result": if outcome.is_success() { "valid" } else { "invalid" },
            "request": request,
            "expect": expect,
        }));
        written.push(dir.join(&file).display().to_string());
    }
    let manifest = json!({"description": "requests captured in traffic, promoted by sessionkit check", "cases": cases});
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error(e.to_string()))?;
    std::fs::write(dir.join("manifest.json"), text + "\n").map_err(io)?;
    Ok((written, left_out))
}

/// The signing recipe of a captured request: over the decoded bytes when its signature is the
/// HMAC of them with the client's secret, else its value as a literal; `None` without one.
fn recipe(
    exchange: &Exchange,
    wire: &[u8],
    config: &Config,
    dir: &Path,
    n: usize,
) -> std::io::Result<Option<Value>> {
    let Some(value) = exchange.headers.get_one(names::SIGNATURE) else {
        return Ok(None);
    };
    let lines: Vec<&str> = exchange.headers.get_all(names::CONTENT_ENCODING);
    let encoding = Encoding::from_header(&lines).unwrap_or(Encoding::Identity);
    let decoded = sessionkit::codec::decode(wire, encoding, DecodeLimit::default()).ok();
    let hex = |b: &[u8]| format!("{:x}", Sha256::digest(b));
    let matches = |bytes: &[u8]| {
        config
            .secrets
            .iter()
            .any(|s| sessionkit::crypto::sign(s, bytes).to_string() == value.trim())
    };
    Ok(Some(match decoded {
        Some(decoded) if matches(&decoded) && decoded == wire => {
            json!({"bytes": "wire", "sha256": hex(wire), "form": "hex"})
        }
        Some(decoded) if matches(&decoded) => {
            let signed = format!("captured-{n}.signed.bin");
            std::fs::write(dir.join(&signed), &decoded)?;
            json!({"bytes": signed, "sha256": hex(&decoded), "form": "hex"})
        }
        _ => json!({"literal": value}),
    }))
}
