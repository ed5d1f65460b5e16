//! The size stage: the body's length on the wire against the limit (docs/contract.md §2 step 3),
//! before a byte of it is decoded.

use crate::catalogue::ErrorKind;
use crate::error::{Error, Rejection};

/// Refuses a wire body longer than `max_wire` bytes. The reference server also calls it with a
/// declared `Content-Length`, so an oversized body is refused before it is read.
pub fn check(wire_len: usize, max_wire: usize) -> Result<(), Rejection> {
    if wire_len > max_wire {
        return Err(Error::new(
            ErrorKind::BodyTooLarge,
            format!("body exceeds limit ({wire_len} > {max_wire} bytes)"),
        )
        .into());
    }
    Ok(())
}
