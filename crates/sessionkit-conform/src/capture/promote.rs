//! `check --promote DIR`: captured requests turned into corpus cases (the wire bytes, a manifest
//! entry in the corpus's format with a signing recipe, and the answer the contract fixes), so
//! that `conform --corpus DIR` replays them against any server with its own credentials.
//!
//! The captured `X-AUTH-CLIENT` becomes the documentation's key (the replay puts the target's in);
//! a signature that is the HMAC of the decoded body with the client's secret becomes a recipe
//! (the replay signs the same bytes with the target's secret); any other signature is kept as a
//! literal, which stays wrong under every secret.

use std::path::Path;

use sessionkit::codec::{DecodeLimit, Encoding};
use sessionkit::corpus::{Case, Expect, Manifest, SignRecipe, WireRequest};
use sessionkit::headers::{Headers, names};
use sessionkit::{Config, EXAMPLE_API_KEY};

use super::{Body, Exchange};
use crate::Error;
use crate::corpus_writer::CorpusFolder;

/// Writes each exchange with exact wire bytes as a corpus case in `dir`; returns the files
/// written and, for each exchange left out, why.
pub fn promote(
    exchanges: &[&Exchange],
    config: &Config,
    dir: &Path,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let folder = CorpusFolder::create(dir)?;
    let mut manifest =
        Manifest::described("requests captured in traffic, promoted by sessionkit check");
    let (mut written, mut left_out) = (Vec::new(), Vec::new());
    for (n, exchange) in exchanges.iter().enumerate() {
        let Body::Wire(wire) = &exchange.body else {
            left_out.push(format!(
                "{}: the capture lost the wire bytes",
                exchange.source
            ));
            continue;
        };
        let file = format!("captured-{}.bin", n + 1);
        let path = folder.write(&file, wire)?;
        let outcome = sessionkit::receive(&exchange.headers, wire, config);
        let sign = recipe(exchange, wire, config, &folder, n + 1)?;
        // The client's key becomes the documentation's: the replay puts the target's in.
        let headers: Headers = exchange
            .headers
            .iter()
            .map(|(name, value)| {
                let known_key = name.eq_ignore_ascii_case(names::API_KEY)
                    && config.api_keys.iter().any(|k| k == value.trim());
                let value = if known_key { EXAMPLE_API_KEY } else { value };
                (name.to_owned(), value.to_owned())
            })
            .collect();
        let rule = crate::rules::of_error(outcome.error().map(|e| e.kind()));
        manifest.cases.push(Case::wire(
            u32::try_from(9500 + n).unwrap_or(u32::MAX),
            file,
            format!("captured: {} ({})", exchange.source, exchange.url),
            wire,
            WireRequest::new(&headers, config.profile, sign),
            Expect::of(&outcome),
            rule.cloned().unwrap_or_default(),
        ));
        written.push(path.display().to_string());
    }
    folder.save(&manifest)?;
    Ok((written, left_out))
}

/// The signing recipe of a captured request: over the decoded bytes when its signature is the
/// HMAC of them with the client's secret, else its value as a literal; `None` without one.
fn recipe(
    exchange: &Exchange,
    wire: &[u8],
    config: &Config,
    folder: &CorpusFolder<'_>,
    n: usize,
) -> Result<Option<SignRecipe>, Error> {
    let Some(value) = exchange.headers.get_one(names::SIGNATURE) else {
        return Ok(None);
    };
    let lines: Vec<&str> = exchange.headers.get_all(names::CONTENT_ENCODING);
    let encoding = Encoding::from_header(&lines).unwrap_or(Encoding::Identity);
    let decoded = sessionkit::codec::decode(wire, encoding, DecodeLimit::default()).ok();
    let matches = |bytes: &[u8]| {
        config
            .secrets
            .iter()
            .any(|s| sessionkit::crypto::sign(s, bytes).to_string() == value.trim())
    };
    match decoded {
        Some(decoded) if matches(&decoded) => folder
            .hmac_recipe(&decoded, wire, &format!("captured-{n}.signed.bin"))
            .map(Some),
        _ => Ok(Some(SignRecipe::literal(value))),
    }
}
