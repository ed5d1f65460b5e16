//! The decode stage's detectors: a body not of its declared encoding (`encoding_mismatch`,
//! `raw_deflate`), one still compressed after decoding (`double_compression`,
//! `undeclared_compression`), one a proxy decompressed on the way (`intermediary_decompressed`),
//! and the advisory `compression_not_worth_it`.

use crate::catalogue::{Diagnostic, Mistake};
use crate::codec::{self, Encoding, Sniffed};
use crate::cost::{Connection, CostModel};
use crate::crypto::{self, Signature};
use crate::headers::{Headers, names};

/// `encoding_mismatch` or `raw_deflate`, for a body that is not of its declared encoding.
pub fn not_of_declared_encoding(declared: Encoding, found: Sniffed) -> Diagnostic {
    if declared == Encoding::Deflate && found == Sniffed::RawDeflate {
        return Mistake::RawDeflate.diagnostic(
            "Content-Encoding: deflate, but the body is raw DEFLATE without the zlib wrapper",
        );
    }
    Mistake::EncodingMismatch.diagnostic(format!(
        "Content-Encoding: {declared}, but the body is {}",
        found.describe()
    ))
}

/// `double_compression` or `undeclared_compression`, for a decoded body that is still compressed.
pub fn still_compressed(declared: Encoding, decoded: Sniffed) -> Option<Diagnostic> {
    if !decoded.is_compressed() {
        return None;
    }
    Some(if declared == Encoding::Identity {
        Mistake::UndeclaredCompression.diagnostic(format!(
            "no Content-Encoding, but the body is {}",
            decoded.describe()
        ))
    } else {
        Mistake::DoubleCompression.diagnostic(format!(
            "after {declared} decoding the body is still {}",
            decoded.describe()
        ))
    })
}

/// `compression_not_worth_it` (advisory): the link time the compression saved is less than the
/// CPU time it costs both sides, under `model` (see [`CostModel`]).
pub fn compression_not_worth_it(
    encoding: Encoding,
    decoded_len: usize,
    wire_len: usize,
    model: &CostModel,
) -> Option<Diagnostic> {
    (encoding != Encoding::Identity && !model.worth_it(decoded_len, wire_len)).then(|| {
        let saved_us = (model.transfer_ns(decoded_len) - model.transfer_ns(wire_len)) / 1000.0;
        Mistake::CompressionNotWorthIt.diagnostic(format!(
            "{encoding} took a {decoded_len}-byte body to {wire_len} bytes: {saved_us:.0} µs saved on the {} link ({} Mbit/s, {} ms round trip, {} connection), about {:.0} µs of CPU spent",
            model.link.name,
            model.link.mbps,
            model.link.rtt_ms,
            match model.connection {
                Connection::Cold => "new",
                Connection::Warm => "kept-alive",
            },
            model.cpu_ns(decoded_len) / 1000.0
        ))
    })
}

/// A body declared compressed that is the signed JSON itself: a proxy or gateway decompressed
/// it and kept `Content-Encoding`. Replaces `encoding_mismatch` with the more precise mistake.
pub fn intermediary_decompressed<S: AsRef<[u8]>>(
    headers: &Headers,
    wire: &[u8],
    secrets: &[S],
) -> Option<Diagnostic> {
    if codec::sniff(wire) != codec::Sniffed::Json {
        return None;
    }
    let value = headers.get_one(names::SIGNATURE)?;
    let sig = Signature::from_hex(value.trim()).ok()?;
    crypto::verify(secrets, wire, &sig).then(|| {
        Mistake::IntermediaryDecompressed.diagnostic(format!(
            "Content-Encoding: {} but the body is the signed JSON itself: something on the way decompressed it and kept the header",
            headers.get_one(names::CONTENT_ENCODING).unwrap_or("?").trim()
        ))
    })
}
