//! The decode stage: the wire bytes decoded per `Content-Encoding` under the decoded-size limit
//! (docs/contract.md §2 step 4), with the mistakes that show in the bytes: a body not of its
//! declared encoding (`encoding_mismatch`, `raw_deflate`), one still compressed after decoding
//! (`double_compression`, `undeclared_compression`), and the advisory `compression_not_worth_it`.
//!
//! The bounded codec itself is [`crate::codec::decode`]; this module decides what its result
//! means for the answer.

use crate::catalogue::{Diagnostic, ErrorKind};
use crate::codec::{self, DecodeLimit, Encoding};
use crate::cost::CostModel;
use crate::diagnose::decode as diagnose;
use crate::error::Rejection;

/// A decoded body and what its bytes say about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded bytes: what the signature covers.
    pub bytes: Vec<u8>,
    /// Mistakes seen in a body that decoded, reported if a later stage refuses it (a body still
    /// compressed after decoding fails the signature or the json stage; this says why up front).
    pub mistakes: Vec<Diagnostic>,
    /// Advice that never changes the answer (`compression_not_worth_it`).
    pub advisories: Vec<Diagnostic>,
    /// Members of a gzip body; `None` for the other encodings.
    pub gzip_members: Option<usize>,
}

/// Decodes `wire` as `encoding` declares, refusing more than `max_decoded` bytes of output.
pub fn check(
    wire: &[u8],
    encoding: Encoding,
    max_decoded: usize,
    cost: &CostModel,
) -> Result<Decoded, Rejection> {
    let limit = DecodeLimit { max_decoded };
    let (bytes, gzip_members) = codec::decode_members(wire, encoding, limit).map_err(|error| {
        let mistake = (error.kind() == ErrorKind::NotEncoded)
            .then(|| diagnose::not_of_declared_encoding(encoding, codec::sniff(wire)));
        Rejection::from(error).naming(mistake)
    })?;
    let mistakes = diagnose::still_compressed(encoding, codec::sniff(&bytes))
        .into_iter()
        .collect();
    let advisories = diagnose::compression_not_worth_it(encoding, bytes.len(), wire.len(), cost)
        .into_iter()
        .collect();
    Ok(Decoded {
        bytes,
        mistakes,
        advisories,
        gzip_members,
    })
}
