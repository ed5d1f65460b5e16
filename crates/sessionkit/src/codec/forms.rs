//! Other forms of a body, for the doctor: the same compressed stream framed otherwise, and the
//! same JSON compressed anew as common clients compress it.

use flate2::Crc;

use super::Encoding;
use super::framing::{GZIP_MAGIC, gzip_header_len, is_zlib_header};

/// Other exact framings of the same compressed stream, for the doctor: the gzip member with its
/// mtime zeroed or a few seconds off and its name dropped, rewrapped as zlib; the zlib stream
/// rewrapped as gzip as Python's and Node's gzip write it. Only single-member streams whose
/// `decoded` bytes are known; at most a dozen copies.
pub fn rewraps(wire: &[u8], encoding: Encoding, decoded: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut crc = Crc::new();
    crc.update(decoded);
    let trailer_gzip = [
        crc.sum().to_le_bytes(),
        (decoded.len() as u32).to_le_bytes(),
    ]
    .concat();
    let adler = libdeflater::adler32(decoded).to_be_bytes();
    match encoding {
        Encoding::Gzip => {
            let Ok(header) = gzip_header_len(wire) else {
                return out;
            };
            if wire.len() < header + 8 {
                return out;
            }
            let raw = &wire[header..wire.len() - 8];
            let mtime = u32::from_le_bytes([wire[4], wire[5], wire[6], wire[7]]);
            let mut plain = wire[..10].to_vec();
            plain[3] = 0; // no name, comment or extra field
            for (what, time) in [("the same gzip member with mtime 0", 0u32)]
                .into_iter()
                .map(|(w, t)| (w.to_owned(), t))
                .chain((1..=3).flat_map(|d| {
                    [
                        (
                            format!("the same gzip member {d} s later"),
                            mtime.wrapping_add(d),
                        ),
                        (
                            format!("the same gzip member {d} s earlier"),
                            mtime.wrapping_sub(d),
                        ),
                    ]
                }))
            {
                let mut head = plain.clone();
                head[4..8].copy_from_slice(&time.to_le_bytes());
                let copy = [&head[..], raw, &trailer_gzip].concat();
                if copy != wire {
                    out.push((what, copy));
                }
            }
            for flags in [[0x78, 0x9c], [0x78, 0xda], [0x78, 0x01], [0x78, 0x5e]] {
                out.push((
                    "the same stream as zlib (deflate)".to_owned(),
                    [&flags[..], raw, &adler].concat(),
                ));
            }
        }
        Encoding::Deflate if wire.len() > 6 => {
            let raw = &wire[2..wire.len() - 4];
            // Python's gzip.compress: XFL 2 at level 9, OS 255; Node's zlib.gzipSync: OS 3.
            for (xfl, os) in [(0u8, 3u8), (0, 255), (2, 255), (4, 255), (2, 3), (0, 0)] {
                let head = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, os];
                out.push((
                    "the same stream as gzip".to_owned(),
                    [&head[..], raw, &trailer_gzip].concat(),
                ));
            }
        }
        _ => {}
    }
    out
}

/// Compression levels in the order the doctor tries them: Python's `gzip.compress` default (9),
/// zlib's default (6: Python's `zlib.compress`, Java, libcurl), the fastest (1), then the rest.
pub const RECOMPRESSION_LEVELS: [u32; 9] = [9, 6, 1, 2, 3, 4, 5, 7, 8];

/// `decoded` compressed anew by the C zlib at `level` and framed like `wire`: a gzip member keeps
/// the sent header's mtime and OS byte, with the XFL byte zlib writes for that level; a zlib stream
/// is zlib's own. `None` when `wire` is not a gzip member or zlib stream, or when the copy is
/// `wire` itself. The C zlib (flate2's backend) is the compressor of Python's `gzip` and `zlib`
/// modules, Java's `GZIPOutputStream` and libcurl, so the copy has their bytes; zlib-rs's differ
/// below level 9.
pub fn recompressed(
    wire: &[u8],
    encoding: Encoding,
    decoded: &[u8],
    level: u32,
) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    std::io::Write::write_all(&mut encoder, decoded).ok()?;
    let zlib = encoder.finish().ok()?;
    let copy = match encoding {
        Encoding::Gzip if wire.len() >= 10 && wire[..2] == GZIP_MAGIC => {
            let raw = zlib.get(2..zlib.len().checked_sub(4)?)?;
            let xfl = match level {
                9 => 2,
                1 => 4,
                _ => 0,
            };
            let mut crc = Crc::new();
            crc.update(decoded);
            let head = [
                0x1f, 0x8b, 8, 0, wire[4], wire[5], wire[6], wire[7], xfl, wire[9],
            ];
            [
                &head[..],
                raw,
                &crc.sum().to_le_bytes(),
                &(decoded.len() as u32).to_le_bytes(),
            ]
            .concat()
        }
        Encoding::Deflate if is_zlib_header(wire) => zlib,
        _ => return None,
    };
    (copy != wire).then_some(copy)
}
