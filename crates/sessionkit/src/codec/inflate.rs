//! One raw DEFLATE stream inflated by libdeflate, the fastest decoder measured (benches/, group
//! `parts`: 2.4x faster than zlib-rs at 16 KiB). libdeflate decodes in one shot into a buffer it
//! must not overrun, so the output goes straight into the spare capacity of the caller's vector,
//! bounded by what is left of the decoded-size limit: no copy, no zero-filling, and a stream that
//! would exceed the limit stops there. Only a successful decode is taken from libdeflate; when the
//! body is refused for any reason, the C zlib, streaming, runs on the same bytes and gives
//! the error (truncated, corrupt, bad checksum, over the limit), so a refusal never depends on
//! which decoder ran (checked by a property test and the `decode` fuzz target). libdeflate also
//! decodes codes RFC 1951 reserves, which zlib refuses: see `encoding::RESERVED_CODE_REFUSALS`.

use std::cell::RefCell;
use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_deflate_decompress_ex,
    libdeflate_free_decompressor, libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE,
    libdeflate_result_LIBDEFLATE_SUCCESS,
};

/// A libdeflate decompressor (about 11 KB of tables), one per thread, reused across requests.
struct Decompressor(NonNull<libdeflate_decompressor>);

impl Decompressor {
    #[allow(unsafe_code)]
    fn new() -> Option<Self> {
        // SAFETY: allocation only; a null result (out of memory) is turned into `None`.
        NonNull::new(unsafe { libdeflate_alloc_decompressor() }).map(Self)
    }
}

impl Drop for Decompressor {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the pointer came from libdeflate_alloc_decompressor and is freed once.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
}

/// Why libdeflate did not decode a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The output needs more than the room given.
    NoRoom,
    /// Bad or truncated data (or no memory for the decoder).
    Bad,
}

/// Inflates the raw DEFLATE stream at the start of `input`, appending at most `room` bytes to
/// `out`. Returns the input bytes the stream used, or why libdeflate refused it: the caller then
/// gives more room, or asks the streaming decoder why. `out` is unchanged on refusal.
#[allow(unsafe_code)]
pub(crate) fn raw(input: &[u8], out: &mut Vec<u8>, room: usize) -> Result<usize, Refused> {
    out.try_reserve_exact(room).map_err(|_| Refused::NoRoom)?;
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.try_borrow_mut().map_err(|_| Refused::Bad)?;
        if slot.is_none() {
            *slot = Decompressor::new();
        }
        let decompressor = slot.as_ref().ok_or(Refused::Bad)?;
        let start = out.len();
        let (mut used, mut produced) = (0usize, 0usize);
        // SAFETY: `input` is readable for its length; the output pointer is the vector's spare
        // capacity, which `try_reserve_exact` made at least `room` bytes long, and libdeflate
        // writes at most `room` bytes there (it fails with INSUFFICIENT_SPACE instead of going
        // further). `used` and `produced` are written by libdeflate on success.
        let result = unsafe {
            libdeflate_deflate_decompress_ex(
                decompressor.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().add(start).cast(),
                room,
                &mut used,
                &mut produced,
            )
        };
        if result == libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE {
            return Err(Refused::NoRoom);
        }
        if result != libdeflate_result_LIBDEFLATE_SUCCESS || produced > room || used > input.len() {
            return Err(Refused::Bad);
        }
        // SAFETY: on success libdeflate initialized exactly `produced` (≤ room) bytes after
        // `start`, all within the capacity reserved above.
        unsafe { out.set_len(start + produced) };
        Ok(used)
    })
}
