//! The framings (RFC 1952 gzip members, RFC 1950 zlib streams) parsed around one raw DEFLATE
//! inflater per stream, under the decode limit, so that a truncated stream, a bad checksum and
//! trailing bytes are told apart; what a body looks like (for naming a mistake); and the one way
//! the fast and the reference inflater may differ.

use flate2::{Decompress, FlushDecompress, Status};

use super::{DecodeLimit, Encoding, output_buffer};
use crate::catalogue::ErrorKind;
use crate::error::Error;

/// zlib's words, in the reference decoder's refusal, for the codes RFC 1951 reserves: litlen
/// symbols 286-287 and distance symbols 30-31 ("will never actually occur"), and more than 286
/// litlen or 30 distance code lengths in a dynamic block header. zlib refuses them; libdeflate
/// decodes them (286-287 as length 258, 30-31 with the largest base; its source says it accepts
/// "what zlib accepts, plus a bit more"). So a body that uses them, with every checksum and
/// length right, is accepted by `decode` and refused as corrupt by the reference. No encoder
/// writes them, and the signature covers the decoded bytes, so accepting them lets no forged
/// body through; this is the one way the two decoders may differ. (zlib uses the same words for
/// the unused codeword of a code with one codeword, which libdeflate reads as the used symbol:
/// the same leniency, allowed the same way.)
pub(super) const RESERVED_CODE_REFUSALS: [&str; 3] = [
    "invalid literal/length code",
    "invalid distance code",
    "too many length or distance symbols",
];

/// Whether the reference decoder refused a body only for a code RFC 1951 reserves, which
/// libdeflate decodes (see `RESERVED_CODE_REFUSALS`): what the comparisons of the two decoders
/// (property test, `decode` fuzz target) allow when libdeflate's path accepted the body.
#[doc(hidden)] // reached through `internal`
pub fn refused_for_reserved_code(reference: &Error) -> bool {
    let message = reference.to_string();
    reference.kind() == ErrorKind::CorruptStream
        && RESERVED_CODE_REFUSALS
            .iter()
            .any(|words| message.contains(words))
}

/// Inflates one raw DEFLATE stream onto `out` and returns how many input bytes it used.
pub(super) type Inflate =
    fn(&[u8], &mut Vec<u8>, DecodeLimit, &str, Option<usize>) -> Result<usize, Error>;

pub(super) fn too_large(at_least: usize, limit: DecodeLimit) -> Error {
    Error::new(
        ErrorKind::DecodedTooLarge,
        format!(
            "decoded body exceeds limit ({at_least} > {} bytes)",
            limit.max_decoded
        ),
    )
}

pub(super) fn truncated(what: &str) -> Error {
    Error::new(ErrorKind::TruncatedStream, format!("{what} ends early"))
}

/// Inflates one raw DEFLATE stream from `input` onto `out`; returns how many input bytes it used.
/// libdeflate decodes (see `inflate.rs`), first into `hint` bytes of room when the stream says
/// how large it is (a gzip ISIZE), so that a small body gets a buffer of its size rather than the
/// whole limit's. The hint is never trusted: a stream that needs more gets all the room left under
/// the limit on a second try.
pub(super) fn inflate(
    input: &[u8],
    out: &mut Vec<u8>,
    limit: DecodeLimit,
    what: &str,
    hint: Option<usize>,
) -> Result<usize, Error> {
    use super::inflate::{Refused, raw};
    // One byte past the limit: a stream that fills it is over the limit.
    let room = (limit.max_decoded + 1).saturating_sub(out.len());
    let first = hint.map_or(room, |h| h.saturating_add(1).min(room));
    let mut result = raw(input, out, first);
    if result == Err(Refused::NoRoom) && first < room {
        result = raw(input, out, room);
    }
    // A refusal here is provisional: `decode_members` decodes a refused body again with the
    // streaming reference, which gives the error the answer reports.
    match result {
        Ok(_) if out.len() > limit.max_decoded => Err(too_large(out.len(), limit)),
        Ok(used) => Ok(used),
        Err(Refused::NoRoom) => Err(too_large(out.len() + room, limit)),
        Err(Refused::Bad) => Err(Error::new(
            ErrorKind::CorruptStream,
            format!("{what} data is corrupt"),
        )),
    }
}

/// The same on the C zlib, streaming into a buffer that grows up to just past the limit (no hint
/// needed: it grows as it goes).
pub(super) fn inflate_streaming(
    input: &[u8],
    out: &mut Vec<u8>,
    limit: DecodeLimit,
    what: &str,
    _hint: Option<usize>,
) -> Result<usize, Error> {
    let mut inflater = Decompress::new(false);
    loop {
        if out.len() > limit.max_decoded {
            return Err(too_large(out.len(), limit));
        }
        if out.capacity() == out.len() {
            // Only past UP_FRONT: double, but never beyond one byte over the limit.
            let room = out.len().max(1024).min(limit.max_decoded + 1 - out.len());
            out.reserve_exact(room);
        }
        let consumed = inflater.total_in() as usize;
        let produced = inflater.total_out();
        let status = inflater
            .decompress_vec(&input[consumed..], out, FlushDecompress::None)
            .map_err(|e| {
                // zlib reads a few bytes ahead: where it stopped, not the exact bit.
                let at = inflater.total_in();
                let words = e.message().unwrap_or("invalid data");
                Error::new(
                    ErrorKind::CorruptStream,
                    format!("{what} data is corrupt: {words} (zlib stopped at its byte {at})"),
                )
            })?;
        match status {
            // A stream may end exactly one byte past the limit, in the room left for detecting
            // that (found by comparing this decoder with libdeflate's path).
            Status::StreamEnd if out.len() > limit.max_decoded => {
                return Err(too_large(out.len(), limit));
            }
            Status::StreamEnd => return Ok(inflater.total_in() as usize),
            Status::Ok | Status::BufError => {
                let stalled =
                    inflater.total_in() as usize == consumed && inflater.total_out() == produced;
                if stalled && out.len() <= limit.max_decoded {
                    // No progress with output room left: the input is used up mid-stream.
                    return Err(truncated(what));
                }
            }
        }
    }
}

/// The ISIZE field that ends a gzip body: its last member's length modulo 2^32. A hint only.
pub(super) fn isize_hint(bytes: &[u8]) -> Option<usize> {
    let tail: [u8; 4] = bytes.get(bytes.len().checked_sub(4)?..)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(tail)).ok()
}

pub(super) fn decode_gzip(
    bytes: &[u8],
    limit: DecodeLimit,
    inflate: Inflate,
) -> Result<(Vec<u8>, usize), Error> {
    // Sized by the hint when there is one; `inflate` grows it when the hint was wrong.
    let mut out = match isize_hint(bytes) {
        Some(hint) => Vec::with_capacity(hint.min(limit.max_decoded).saturating_add(1)),
        None => output_buffer(limit),
    };
    let mut pos = 0;
    let mut members = 0;
    loop {
        let header = gzip_header_len(&bytes[pos..]).map_err(|e| {
            if members == 0 {
                e
            } else {
                Error::new(
                    ErrorKind::TrailingData,
                    format!("{} bytes follow the last gzip member", bytes.len() - pos),
                )
            }
        })?;
        pos += header;
        let start = out.len();
        // The last four bytes are the last member's ISIZE: the size of a one-member body.
        let hint = (members == 0).then(|| isize_hint(bytes)).flatten();
        pos += inflate(&bytes[pos..], &mut out, limit, "gzip member", hint)?;
        let trailer = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| truncated("gzip trailer"))?;
        let crc = libdeflater::crc32(&out[start..]);
        let want_crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let want_size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        if crc != want_crc {
            return Err(Error::new(
                ErrorKind::BadChecksum,
                format!("gzip CRC-32 mismatch (trailer {want_crc:08x}, data {crc:08x})"),
            ));
        }
        // ISIZE is the length modulo 2^32 (RFC 1952).
        if (out.len() - start) as u32 != want_size {
            return Err(Error::new(
                ErrorKind::BadChecksum,
                format!(
                    "gzip ISIZE mismatch (trailer {want_size}, data {})",
                    out.len() - start
                ),
            ));
        }
        pos += 8;
        members += 1;
        if pos == bytes.len() {
            return Ok((out, members));
        }
    }
}

/// Length of the gzip member header at the start of `b`, or why it is not one.
pub(super) fn gzip_header_len(b: &[u8]) -> Result<usize, Error> {
    if b.len() < 10 {
        if b.is_empty() || !b.starts_with(&GZIP_MAGIC[..b.len().min(2)]) {
            return Err(not_encoded(Encoding::Gzip, b));
        }
        return Err(truncated("gzip header"));
    }
    if b[..2] != GZIP_MAGIC || b[2] != 8 {
        return Err(not_encoded(Encoding::Gzip, b));
    }
    let flags = b[3];
    let mut pos = 10;
    if flags & 0x04 != 0 {
        let len = b
            .get(pos..pos + 2)
            .ok_or_else(|| truncated("gzip header"))?;
        pos += 2 + u16::from_le_bytes([len[0], len[1]]) as usize;
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            let end = b
                .get(pos..)
                .and_then(|rest| rest.iter().position(|&c| c == 0));
            pos += end.ok_or_else(|| truncated("gzip header"))? + 1;
        }
    }
    if flags & 0x02 != 0 {
        pos += 2;
    }
    if pos > b.len() {
        return Err(truncated("gzip header"));
    }
    Ok(pos)
}

pub(super) fn decode_zlib(
    bytes: &[u8],
    limit: DecodeLimit,
    inflate: Inflate,
) -> Result<Vec<u8>, Error> {
    if bytes.len() < 2 || !is_zlib_header(bytes) {
        if bytes.len() == 1 && bytes[0] & 0x0f == 8 {
            return Err(truncated("zlib header"));
        }
        return Err(not_encoded(Encoding::Deflate, bytes));
    }
    if bytes[1] & 0x20 != 0 {
        return Err(Error::new(
            ErrorKind::NotEncoded,
            "zlib stream asks for a preset dictionary, which no client can share with the server",
        ));
    }
    let mut out = output_buffer(limit);
    let used = inflate(&bytes[2..], &mut out, limit, "zlib stream", None)?;
    let pos = 2 + used;
    let trailer = bytes
        .get(pos..pos + 4)
        .ok_or_else(|| truncated("zlib trailer"))?;
    let want = u32::from_be_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let got = libdeflater::adler32(&out);
    if want != got {
        return Err(Error::new(
            ErrorKind::BadChecksum,
            format!("zlib Adler-32 mismatch (trailer {want:08x}, data {got:08x})"),
        ));
    }
    if pos + 4 != bytes.len() {
        return Err(Error::new(
            ErrorKind::TrailingData,
            format!("{} bytes follow the zlib stream", bytes.len() - pos - 4),
        ));
    }
    Ok(out)
}

pub(super) fn not_encoded(declared: Encoding, bytes: &[u8]) -> Error {
    Error::new(
        ErrorKind::NotEncoded,
        format!(
            "body is not {declared} data (it looks like {})",
            sniff(bytes).describe()
        ),
    )
}

pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub(super) fn is_zlib_header(b: &[u8]) -> bool {
    b.len() >= 2
        && b[0] & 0x0f == 8
        && b[0] >> 4 <= 7
        && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

/// What a body looks like, for naming the client's mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Starts with the gzip magic bytes.
    Gzip,
    /// Starts with a valid zlib header.
    Zlib,
    /// Inflates as raw DEFLATE from start to end (no zlib wrapper).
    RawDeflate,
    /// Starts like JSON text.
    Json,
    /// An empty body.
    Empty,
    /// None of the above.
    Unknown,
}

impl Sniffed {
    /// A short phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Gzip => "gzip",
            Sniffed::Zlib => "zlib-wrapped deflate",
            Sniffed::RawDeflate => "raw DEFLATE without the zlib wrapper",
            Sniffed::Json => "uncompressed JSON",
            Sniffed::Empty => "an empty body",
            Sniffed::Unknown => "no known format",
        }
    }

    /// True for gzip and zlib: a compressed body.
    pub fn is_compressed(self) -> bool {
        matches!(self, Sniffed::Gzip | Sniffed::Zlib)
    }
}

/// Tells gzip, zlib, raw DEFLATE and JSON apart. The raw DEFLATE trial is bounded (64 KiB out).
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.is_empty() {
        return Sniffed::Empty;
    }
    if bytes.len() >= 3 && bytes[..2] == GZIP_MAGIC && bytes[2] == 8 {
        return Sniffed::Gzip;
    }
    if is_zlib_header(bytes) {
        return Sniffed::Zlib;
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[' | b'"')) {
        return Sniffed::Json;
    }
    let trial = DecodeLimit {
        max_decoded: 64 * 1024,
    };
    let mut out = output_buffer(trial);
    match inflate_streaming(bytes, &mut out, trial, "raw deflate", None) {
        Ok(used) if used == bytes.len() => Sniffed::RawDeflate,
        // Inflating past the trial limit also means the bytes are a raw DEFLATE stream.
        Err(e) if e.kind() == ErrorKind::DecodedTooLarge => Sniffed::RawDeflate,
        _ => Sniffed::Unknown,
    }
}
