//! The bounded codecs (decode and its client-side twin, encode): `Content-Encoding` parsing, gzip and
//! zlib-wrapped deflate under hard limits, and sniffing for the diagnostics.
//!
//! The server must inflate bytes nobody has authenticated yet (the signature covers the decoded
//! body), so [`decode`] never holds more than the limit plus one buffer: a 10 KiB gzip that
//! inflates to 1 GiB is rejected after inflating just past the limit. The gzip framing (RFC 1952)
//! and zlib framing (RFC 1950) are parsed here rather than by `flate2`'s readers, so that a
//! truncated stream, a bad checksum and trailing bytes are told apart, and multi-member gzip is
//! accepted while anything after the last member is not.

use libdeflater::{CompressionLvl, Compressor};
use std::cell::RefCell;
use std::fmt;

use crate::error::Error;

mod forms;
mod framing;
mod inflate;

pub use forms::{RECOMPRESSION_LEVELS, recompressed, rewraps};
pub use framing::{Sniffed, refused_for_reserved_code, sniff};
use framing::{decode_gzip, decode_zlib, inflate, inflate_streaming, too_large};

/// A `Content-Encoding` the endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// No `Content-Encoding` header: the body is the JSON itself.
    Identity,
    /// `gzip` (RFC 1952), multi-member allowed.
    Gzip,
    /// `deflate`: the zlib format (RFC 1950), as RFC 9110 §8.4.1.2 defines it.
    Deflate,
}

impl Encoding {
    /// All encodings, identity first.
    pub const ALL: [Encoding; 3] = [Encoding::Identity, Encoding::Gzip, Encoding::Deflate];

    /// The header value, or `None` for identity (the header is omitted).
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Deflate => Some("deflate"),
        }
    }

    /// `identity`, `gzip` or `deflate`.
    pub fn name(self) -> &'static str {
        self.header_value().unwrap_or("identity")
    }

    /// Parses the `Content-Encoding` header lines of a request (docs/contract.md §1): none means
    /// identity; exactly one line holding `gzip` or `deflate`, compared case-insensitively with
    /// surrounding spaces trimmed, is accepted; anything else is rejected with its reason.
    pub fn from_header<S: AsRef<str>>(lines: &[S]) -> Result<Self, EncodingRejection> {
        match lines {
            [] => Ok(Encoding::Identity),
            [line] => {
                let value = line.as_ref().trim();
                if value.contains(',') {
                    Err(EncodingRejection::List(value.to_owned()))
                } else if value.eq_ignore_ascii_case("gzip") {
                    Ok(Encoding::Gzip)
                } else if value.eq_ignore_ascii_case("deflate") {
                    Ok(Encoding::Deflate)
                } else {
                    Err(EncodingRejection::Unsupported(value.to_owned()))
                }
            }
            _ => Err(EncodingRejection::SeveralLines(lines.len())),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a `Content-Encoding` is refused (415).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingRejection {
    /// A list such as `gzip, deflate`: stacked encodings are not supported.
    List(String),
    /// Two or more `Content-Encoding` header lines.
    SeveralLines(usize),
    /// A token other than `gzip` and `deflate` (`br`, `zstd`, `identity`, `x-gzip`, ...).
    Unsupported(String),
}

impl fmt::Display for EncodingRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::List(v) => write!(f, "combined content encodings are not supported ({v:?})"),
            Self::SeveralLines(n) => {
                write!(f, "{n} content-encoding header lines, at most 1 allowed")
            }
            Self::Unsupported(v) => {
                write!(f, "content encoding {v:?} is not supported (gzip, deflate)")
            }
        }
    }
}

/// The highest compression level [`encode`] knows (libdeflate's; 10-12 search exhaustively: on
/// consent prose about 20 times slower than 9 for 1-4 % smaller output).
pub const MAX_LEVEL: u32 = 12;

/// Compresses `bytes` at `level` (0 stores, 1 fastest, [`MAX_LEVEL`] smallest; higher levels are
/// clamped). Identity returns a copy.
///
/// One-shot with libdeflate: the client holds the whole body anyway, since it signs it first, and
/// libdeflate is the fastest compressor measured in benches/ (figures in the workspace's
/// Cargo.toml). Decoding is bounded by the limit, see [`decode`].
pub fn encode(bytes: &[u8], encoding: Encoding, level: u32) -> Vec<u8> {
    if encoding == Encoding::Identity {
        return bytes.to_vec();
    }
    with_compressor(level.min(MAX_LEVEL), |compressor| {
        let gzip = encoding == Encoding::Gzip;
        let bound = if gzip {
            compressor.gzip_compress_bound(bytes.len())
        } else {
            compressor.zlib_compress_bound(bytes.len())
        };
        let mut out = vec![0; bound];
        let written = if gzip {
            compressor.gzip_compress(bytes, &mut out)
        } else {
            compressor.zlib_compress(bytes, &mut out)
        };
        // The buffer has libdeflate's bound for this input, so compression cannot run out of room.
        out.truncate(written.unwrap_or(0));
        out
    })
}

thread_local! {
    /// One compressor per level and thread, made on first use: allocating libdeflate's state per
    /// call cost 20 % of encoding a 1 KiB body (benches/, 2026-11-27).
    static COMPRESSORS: RefCell<Vec<Option<Compressor>>> = const { RefCell::new(Vec::new()) };
}

fn with_compressor<R>(level: u32, f: impl FnOnce(&mut Compressor) -> R) -> R {
    COMPRESSORS.with_borrow_mut(|compressors| {
        let slot = level as usize;
        if compressors.len() <= slot {
            compressors.resize_with(slot + 1, || None);
        }
        let compressor = compressors[slot].get_or_insert_with(|| {
            // `level` is at most MAX_LEVEL, which libdeflate accepts.
            let level = CompressionLvl::new(level as i32).unwrap_or_default();
            Compressor::new(level)
        });
        f(compressor)
    })
}

/// How far [`decode`] may inflate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimit {
    /// The largest decoded body accepted, in bytes.
    pub max_decoded: usize,
}

impl Default for DecodeLimit {
    fn default() -> Self {
        Self {
            max_decoded: 1 << 20,
        }
    }
}

/// Output buffers are reserved once, up to this size: a single allocation means no copy when it
/// fills, so peak memory is the limit plus the inflater's state. Larger limits grow by doubling.
const UP_FRONT: usize = 8 << 20;

/// An empty output buffer for a decode limited to `limit`. On Linux a large reservation is mapped
/// lazily, so a small body does not cost the whole limit in resident memory.
fn output_buffer(limit: DecodeLimit) -> Vec<u8> {
    Vec::with_capacity(limit.max_decoded.saturating_add(1).min(UP_FRONT))
}

/// Decodes a body of the declared encoding, stopping just past `limit`.
pub fn decode(bytes: &[u8], encoding: Encoding, limit: DecodeLimit) -> Result<Vec<u8>, Error> {
    decode_members(bytes, encoding, limit).map(|(out, _)| out)
}

/// [`decode`], also counting the gzip members (`None` for the other encodings), for the receipt.
pub fn decode_members(
    bytes: &[u8],
    encoding: Encoding,
    limit: DecodeLimit,
) -> Result<(Vec<u8>, Option<usize>), Error> {
    match encoding {
        Encoding::Identity => {
            if bytes.len() > limit.max_decoded {
                return Err(too_large(bytes.len(), limit));
            }
            Ok((bytes.to_vec(), None))
        }
        // A refusal is always the reference decoder's: libdeflate decodes some corrupt streams
        // that zlib refuses (the checksum then fails), and the error kind must not depend on
        // which decoder ran. Refusals are rare, so decoding them twice costs nothing that matters.
        Encoding::Gzip => decode_gzip(bytes, limit, inflate)
            .map(|(out, members)| (out, Some(members)))
            .or_else(|_| decode_members_streaming(bytes, encoding, limit)),
        Encoding::Deflate => decode_zlib(bytes, limit, inflate)
            .map(|out| (out, None))
            .or_else(|_| decode_members_streaming(bytes, encoding, limit)),
    }
}

/// [`decode_members`] on the streaming C zlib decoder alone: the reference the libdeflate path
/// is compared with, input for input, by a property test and the `decode` fuzz target.
#[doc(hidden)] // reached through `internal`
pub fn decode_members_streaming(
    bytes: &[u8],
    encoding: Encoding,
    limit: DecodeLimit,
) -> Result<(Vec<u8>, Option<usize>), Error> {
    match encoding {
        Encoding::Gzip => {
            decode_gzip(bytes, limit, inflate_streaming).map(|(out, members)| (out, Some(members)))
        }
        Encoding::Deflate => decode_zlib(bytes, limit, inflate_streaming).map(|out| (out, None)),
        Encoding::Identity => decode_members(bytes, encoding, limit),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::catalogue::ErrorKind;

    /// A `decode` fuzz target input as the target reads it: the encoding (first byte), the limit
    /// (next two, modulo 8192) and the body. (`sessionkit_fuzzing::decode` reads the same format;
    /// it cannot be called here: through the dev-dependency its types are another build's.)
    fn decode_fuzz_input(input: &[u8]) -> (Encoding, DecodeLimit, &[u8]) {
        let [e, hi, lo, wire @ ..] = input else {
            panic!("a decode input has at least 3 bytes")
        };
        let limit = DecodeLimit {
            max_decoded: usize::from(u16::from_be_bytes([*hi, *lo])) % 8192,
        };
        (Encoding::ALL[usize::from(*e) % 3], limit, wire)
    }

    /// Found by the `decode` fuzz target: a gzip member whose DEFLATE data libdeflate decodes
    /// but zlib calls corrupt (the CRC then fails). The refusal is the reference's: corrupt.
    #[test]
    fn a_stream_only_libdeflate_decodes_is_refused_as_corrupt() {
        let input = include_bytes!(
            "../../../../fuzz/regressions/decode/crash-9bb4f1990132a0e8d094403592976430301bf6a1"
        );
        let (encoding, limit, wire) = decode_fuzz_input(input);
        let error = decode(wire, encoding, limit).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::CorruptStream, "{error}");
        let reference = decode_members_streaming(wire, encoding, limit).unwrap_err();
        assert_eq!(reference.kind(), error.kind());
    }

    /// Found by the `decode` fuzz target in a CI run: a gzip body of 1,037 bytes of JSON whose
    /// DEFLATE data uses a reserved literal/length code, which libdeflate decodes. The reference
    /// was zlib-rs then, whose fast path lost the error's words ("repeated call with bad state"),
    /// so the refusal could not be recognised as the allowed one. The C zlib names it.
    #[test]
    fn a_reserved_code_deep_in_a_stream_is_named_by_the_reference() {
        let input = include_bytes!(
            "../../../../fuzz/regressions/decode/crash-6e84da257e474b68c6a26360950ad59102559cd6"
        );
        let (encoding, limit, wire) = decode_fuzz_input(input);
        assert_eq!(encoding, Encoding::Gzip);
        let (fast, _) = decode_members(wire, encoding, limit).unwrap();
        assert_eq!(fast.len(), 1037);
        assert!(serde_json::from_slice::<serde_json::Value>(&fast).is_ok());
        let reference = decode_members_streaming(wire, encoding, limit).unwrap_err();
        assert!(
            reference
                .to_string()
                .contains("invalid literal/length code"),
            "{reference}"
        );
        assert!(refused_for_reserved_code(&reference));
    }

    /// Every corrupt stream is refused with zlib's words for what is wrong: each single-bit flip
    /// of a 16 KiB gzip body that makes its DEFLATE data corrupt. (zlib-rs, the reference until
    /// this test, said "repeated call with bad state" for most of them.)
    #[test]
    fn a_corrupt_stream_is_refused_with_the_reason() {
        const ZLIB_WORDS: [&str; 11] = [
            "invalid block type",
            "invalid stored block lengths",
            "too many length or distance symbols",
            "invalid code lengths set",
            "invalid bit length repeat",
            "invalid code -- missing end-of-block",
            "invalid literal/lengths set",
            "invalid distances set",
            "invalid literal/length code",
            "invalid distance code",
            "invalid distance too far back",
        ];
        let body = crate::samples::consent_text(16 * 1024, 1).into_bytes();
        let wire = encode(&body, Encoding::Gzip, 6);
        let limit = DecodeLimit::default();
        let mut corrupt = 0;
        // Every third byte of the DEFLATE data (header and trailer excluded), every bit.
        for i in (10..wire.len() - 8).step_by(3) {
            for bit in 0..8 {
                let mut damaged = wire.clone();
                damaged[i] ^= 1 << bit;
                let Err(error) = decode(&damaged, Encoding::Gzip, limit) else {
                    continue;
                };
                if error.kind() == ErrorKind::CorruptStream {
                    corrupt += 1;
                    let message = error.to_string();
                    assert!(
                        ZLIB_WORDS.iter().any(|words| message.contains(words)),
                        "byte {i} bit {bit}: {message}"
                    );
                }
            }
        }
        assert!(corrupt > 1000, "only {corrupt} corrupt streams");
    }

    /// A body of exactly one byte more than the limit is refused by both decoders, whatever
    /// the call on which the stream ends (the streaming decoder once accepted it when the end
    /// came in the same call that filled the byte past the limit).
    #[test]
    fn one_byte_past_the_limit_is_refused_by_both_decoders() {
        for size in [1usize, 2, 100, 1023, 1024, 1025, 4096, 65_537] {
            let body: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            for encoding in [Encoding::Gzip, Encoding::Deflate] {
                let wire = encode(&body, encoding, 6);
                for (decoder, decode) in [
                    ("libdeflate", decode_members as fn(_, _, _) -> _),
                    ("C zlib", decode_members_streaming),
                ] {
                    let at = |max_decoded| decode(&wire, encoding, DecodeLimit { max_decoded });
                    assert!(at(size).is_ok(), "{decoder} {encoding:?} {size}");
                    let over = at(size - 1).unwrap_err();
                    assert_eq!(over.kind(), ErrorKind::DecodedTooLarge, "{decoder} {size}");
                }
            }
        }
    }

    #[test]
    fn header_rules() {
        assert_eq!(Encoding::from_header::<&str>(&[]), Ok(Encoding::Identity));
        assert_eq!(Encoding::from_header(&[" GZIP "]), Ok(Encoding::Gzip));
        assert_eq!(Encoding::from_header(&["Deflate"]), Ok(Encoding::Deflate));
        for bad in ["br", "zstd", "identity", "x-gzip", ""] {
            assert!(matches!(
                Encoding::from_header(&[bad]),
                Err(EncodingRejection::Unsupported(_))
            ));
        }
        assert!(matches!(
            Encoding::from_header(&["gzip, deflate"]),
            Err(EncodingRejection::List(_))
        ));
        assert_eq!(
            Encoding::from_header(&["gzip", "gzip"]),
            Err(EncodingRejection::SeveralLines(2))
        );
    }

    #[test]
    fn reused_compressors_carry_nothing_between_calls() {
        let (a, b) = (
            b"first body ".repeat(300),
            b"second, other body ".repeat(20),
        );
        let fresh = std::thread::scope(|s| s.spawn(|| encode(&b, Encoding::Gzip, 6)).join());
        let _ = encode(&a, Encoding::Gzip, 6);
        let _ = encode(&a, Encoding::Deflate, 6);
        assert_eq!(encode(&b, Encoding::Gzip, 6), fresh.unwrap());
        // Levels past the highest are clamped, not refused.
        assert_eq!(
            encode(&b, Encoding::Deflate, 99),
            encode(&b, Encoding::Deflate, MAX_LEVEL)
        );
        // Level 0 stores: larger than the input, still a valid stream.
        let stored = encode(&a, Encoding::Gzip, 0);
        assert!(stored.len() > a.len());
        assert_eq!(
            decode(&stored, Encoding::Gzip, DecodeLimit::default()).unwrap(),
            a
        );
    }

    #[test]
    fn round_trip_and_classification() {
        let body = br#"{"verification":{}}"#.repeat(50);
        for encoding in Encoding::ALL {
            let wire = encode(&body, encoding, 6);
            assert_eq!(
                decode(&wire, encoding, DecodeLimit::default()).unwrap(),
                body
            );
        }
        let gz = encode(&body, Encoding::Gzip, 6);
        let kind = |r: Result<Vec<u8>, Error>| r.unwrap_err().kind();
        let limit = DecodeLimit::default();
        assert_eq!(
            kind(decode(&gz[..gz.len() - 3], Encoding::Gzip, limit)),
            ErrorKind::TruncatedStream
        );
        let mut bad_crc = gz.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        assert_eq!(
            kind(decode(&bad_crc, Encoding::Gzip, limit)),
            ErrorKind::BadChecksum
        );
        let mut trailing = gz.clone();
        trailing.extend_from_slice(b"xx");
        assert_eq!(
            kind(decode(&trailing, Encoding::Gzip, limit)),
            ErrorKind::TrailingData
        );
        let mut two = gz.clone();
        two.extend_from_slice(&gz);
        assert_eq!(
            decode(&two, Encoding::Gzip, limit).unwrap().len(),
            body.len() * 2
        );
        assert_eq!(
            kind(decode(&gz, Encoding::Deflate, limit)),
            ErrorKind::NotEncoded
        );
        assert_eq!(
            kind(decode(&body, Encoding::Gzip, limit)),
            ErrorKind::NotEncoded
        );
        assert_eq!(
            decode(&encode(b"", Encoding::Gzip, 6), Encoding::Gzip, limit).unwrap(),
            b""
        );
        let small = DecodeLimit { max_decoded: 100 };
        assert_eq!(
            kind(decode(&gz, Encoding::Gzip, small)),
            ErrorKind::DecodedTooLarge
        );
    }

    #[test]
    fn sniffing() {
        let body = br#"{"verification":{"tag":"abc"}}"#;
        assert_eq!(sniff(&encode(body, Encoding::Gzip, 6)), Sniffed::Gzip);
        assert_eq!(sniff(&encode(body, Encoding::Deflate, 6)), Sniffed::Zlib);
        assert_eq!(
            sniff(&encode(body, Encoding::Deflate, 6)[2..]),
            Sniffed::Unknown
        );
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        raw.write_all(body).unwrap();
        assert_eq!(sniff(&raw.finish().unwrap()), Sniffed::RawDeflate);
        assert_eq!(sniff(body), Sniffed::Json);
        assert_eq!(sniff(b""), Sniffed::Empty);
    }

    /// The codes RFC 1951 reserves, in bodies with every checksum and length right (built by
    /// hand: no encoder writes them): libdeflate's path decodes them, the reference refuses
    /// them as corrupt, and `refused_for_reserved_code` names exactly that refusal.
    #[test]
    fn reserved_codes_are_decoded_by_libdeflate_and_refused_by_the_reference() {
        let limit = DecodeLimit {
            max_decoded: 1 << 20,
        };
        for (name, wire, decoded) in [
            (
                "litlen symbol 286 in a fixed block",
                include_bytes!("../../tests/data/reserved-litlen-286.gz").as_slice(),
                259,
            ),
            (
                "distance symbol 30 in a fixed block",
                include_bytes!("../../tests/data/reserved-distance-30.gz").as_slice(),
                25_804,
            ),
            (
                "287 litlen code lengths in a dynamic block",
                include_bytes!("../../tests/data/reserved-hlit-287.gz").as_slice(),
                1,
            ),
        ] {
            let (out, _) = decode_members(wire, Encoding::Gzip, limit).expect(name);
            assert_eq!(out.len(), decoded, "{name}");
            assert!(out.iter().all(|&b| b == b'a'), "{name}");
            let reference = decode_members_streaming(wire, Encoding::Gzip, limit).unwrap_err();
            assert!(refused_for_reserved_code(&reference), "{name}: {reference}");
        }
        // Any other refusal is not this one: a flipped checksum, a cut stream.
        let wire = encode(b"{\"verification\":{}}", Encoding::Gzip, 6);
        let mut flipped = wire.clone();
        let crc = flipped.len() - 8;
        flipped[crc] ^= 1;
        for damaged in [flipped, wire[..wire.len() - 3].to_vec()] {
            let error = decode_members_streaming(&damaged, Encoding::Gzip, limit).unwrap_err();
            assert!(!refused_for_reserved_code(&error), "{error}");
        }
    }
}
