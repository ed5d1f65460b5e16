//! The C zlib's one-shot compressor, for one purpose: the doctor's "compressed at another level"
//! hypothesis must reproduce the exact bytes a client's library wrote, and Python's `gzip` and
//! `zlib` modules, Java's `GZIPOutputStream` and curl's libcurl all compress with the C zlib,
//! whose output at levels 1-8 differs from zlib-rs's (they agree at 9; checked in the tests).
//! Never used on the decode path: untrusted bytes are only ever inflated by flate2.

/// `input` in the zlib format at `level` (0-9), or `None` when zlib refuses (never for a valid
/// level and an input that fits in memory).
#[allow(unsafe_code)]
pub fn compress(input: &[u8], level: u32) -> Option<Vec<u8>> {
    let input_len = libz_sys::uLong::try_from(input.len()).ok()?;
    let level = i32::try_from(level).ok()?;
    // SAFETY: compressBound is a pure function of its argument.
    let mut len = unsafe { libz_sys::compressBound(input_len) };
    let mut out = vec![0u8; usize::try_from(len).ok()?];
    // SAFETY: `out` is writable for `len` bytes (compressBound's bound for `input_len`), `input`
    // is readable for `input_len` bytes, and compress2 writes the length it used back to `len`.
    let rc = unsafe {
        libz_sys::compress2(out.as_mut_ptr(), &mut len, input.as_ptr(), input_len, level)
    };
    (rc == libz_sys::Z_OK).then(|| {
        out.truncate(usize::try_from(len).unwrap_or(0));
        out
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    #[test]
    fn output_inflates_back_and_differs_from_zlib_rs_below_level_9() {
        let text = crate::prose::consent_text(4096, 7);
        let mut differ = 0;
        for level in 1..=9 {
            let c = super::compress(text.as_bytes(), level).unwrap();
            let mut back = String::new();
            flate2::read::ZlibDecoder::new(&c[..])
                .read_to_string(&mut back)
                .unwrap();
            assert_eq!(back, text);
            let mut rs =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
            rs.write_all(text.as_bytes()).unwrap();
            if rs.finish().unwrap() != c {
                differ += 1;
            }
        }
        // Why this module exists: zlib-rs alone could not reproduce a C zlib client's bytes.
        assert!(differ > 0);
    }
}
