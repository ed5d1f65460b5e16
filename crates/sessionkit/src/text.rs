//! Text helpers the layers above share: Windows-1252, hex, and a JSON string holding JSON. The
//! only hex decoder of the crate is here.

use serde_json::Value;

/// Windows-1252's bytes 0x80-0x9F; `None` where the code page leaves a byte undefined.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The Windows-1252 byte of `c`, if it has one.
pub fn to_cp1252(c: char) -> Option<u8> {
    match u32::from(c) {
        n @ (0..=0x7f | 0xa0..=0xff) => u8::try_from(n).ok(),
        _ => CP1252_HIGH
            .iter()
            .position(|&d| d == Some(c))
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

/// The text of bytes that are not UTF-8 but are valid Windows-1252 (every byte defined).
pub fn as_cp1252(bytes: &[u8]) -> Option<String> {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
            _ => Some(char::from(b)),
        })
        .collect()
}

/// The text of a body that is a JSON string holding a JSON object.
pub fn string_holding_object(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::String(inner) if inner.trim_start().starts_with('{') => {
            serde_json::from_str::<Value>(&inner)
                .ok()?
                .is_object()
                .then_some(inner)
        }
        _ => None,
    }
}

/// The bytes of `text` read as pairs of hex digits (either case); `None` unless it is an even
/// number of hex digits.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(2)
            .map(|pair| (hex_digit(pair[0]) << 4) | hex_digit(pair[1]))
            .collect(),
    )
}

/// Lowercase hex of `bytes`.
pub fn hex_encode(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The value of one hex digit; callers have checked that it is one.
fn hex_digit(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => (digit | 0x20) - b'a' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_both_ways() {
        assert_eq!(as_cp1252(b"Jo\xe3o \x80").as_deref(), Some("João €"));
        assert_eq!(
            as_cp1252(b"\x81"),
            None,
            "0x81 is undefined in Windows-1252"
        );
        assert_eq!(to_cp1252('€'), Some(0x80));
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(hex_decode("00ff7A"), Some(vec![0, 255, 0x7a]));
        assert_eq!(hex_encode(&[0, 255, 0x7a]), "00ff7a");
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
    }
}
