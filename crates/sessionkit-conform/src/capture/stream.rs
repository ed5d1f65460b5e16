//! Captures read one exchange at a time, so that `check` holds one entry, not the file: a HAR's
//! `log.entries` walked element by element by serde (a visitor that never builds the array),
//! an NDJSON report line by line. What gets through is the reader's bytes and one entry's tree.
//!
//! Python's `json` (mitmproxy) writes each byte of a body that is not UTF-8 as a lone surrogate
//! escape, `\udcXX` (the `surrogateescape` error handler), which is not Unicode and which
//! serde_json refuses. [`LoneSurrogates`] rewrites each, as the bytes stream by, to the private
//! character U+10FFXX (`\udbff\udfXX`), which the HAR reader turns back into the byte: exact.

use std::fmt;
use std::io::{self, BufRead, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Exchange, har, ndjson};
use crate::Error;

/// A reader of JSON text whose lone low surrogates (`\udc80` to `\udcff`, not after a high
/// surrogate) come out as `\udbff\udfXX`; everything else passes unchanged.
pub(super) struct LoneSurrogates<R> {
    inner: R,
    /// Bytes read and not yet looked at (an escape cut by a read waits here for the rest).
    input: Vec<u8>,
    out: Vec<u8>,
    given: usize,
    in_string: bool,
    /// The last escape was a high surrogate: a low one after it is half of a pair.
    high: bool,
    eof: bool,
}

impl<R: Read> LoneSurrogates<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            input: Vec::new(),
            out: Vec::new(),
            given: 0,
            in_string: false,
            high: false,
            eof: false,
        }
    }

    /// Rewrites what `input` holds, leaving an escape that is not whole yet (unless at the end).
    fn rewrite(&mut self) {
        let b = &self.input;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    self.in_string = !self.in_string;
                    self.high = false;
                    self.out.push(b'"');
                    i += 1;
                }
                b'\\' if self.in_string => {
                    let whole = if b.get(i + 1) == Some(&b'u') { 6 } else { 2 };
                    if i + whole > b.len() && !self.eof {
                        break;
                    }
                    let escape = &b[i..(i + whole).min(b.len())];
                    let unit = std::str::from_utf8(escape.get(2..).unwrap_or_default())
                        .ok()
                        .filter(|_| whole == 6 && escape.len() == 6)
                        .and_then(|h| u16::from_str_radix(h, 16).ok());
                    match unit {
                        Some(0xd800..=0xdbff) => {
                            self.out.extend_from_slice(escape);
                            self.high = true;
                        }
                        Some(unit @ 0xdc80..=0xdcff) if !self.high => {
                            self.out.extend_from_slice(
                                format!("\\udbff\\udf{:02x}", unit & 0xff).as_bytes(),
                            );
                            self.high = false;
                        }
                        _ => {
                            self.out.extend_from_slice(escape);
                            self.high = false;
                        }
                    }
                    i += escape.len();
                }
                byte => {
                    self.out.push(byte);
                    self.high = false;
                    i += 1;
                }
            }
        }
        self.input.drain(..i);
    }
}

impl<R: Read> Read for LoneSurrogates<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.given == self.out.len() {
            self.out.clear();
            self.given = 0;
            if self.eof && self.input.is_empty() {
                return Ok(0);
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.inner.read(&mut chunk)?;
            self.eof = n == 0;
            self.input.extend_from_slice(&chunk[..n]);
            self.rewrite();
        }
        let n = buf.len().min(self.out.len() - self.given);
        buf[..n].copy_from_slice(&self.out[self.given..self.given + n]);
        self.given += n;
        Ok(n)
    }
}

/// Calls `visit` with each exchange of the HAR that `reader` holds, one entry in memory at a time;
/// the number of entries.
pub(super) fn har(
    name: &str,
    reader: impl Read,
    visit: &mut dyn FnMut(Exchange),
) -> Result<usize, Error> {
    let mut walk = Walk {
        name,
        visit,
        count: 0,
        decodes: false,
        log: false,
    };
    // serde_json reads a byte at a time: a buffer in front keeps that cheap.
    let buffered = io::BufReader::with_capacity(64 * 1024, LoneSurrogates::new(reader));
    let mut json = serde_json::Deserializer::from_reader(buffered);
    let walked = (&mut walk).deserialize(&mut json).and_then(|()| json.end());
    match walked {
        Ok(()) if !walk.log => Err(Error(format!(
            "{name}: a JSON document without log.entries"
        ))),
        Ok(()) => Ok(walk.count),
        Err(e) => Err(Error(format!(
            "{name}: a HAR file that is not valid JSON, cut short or written in part ({e}; {} \
             entries were read before it)",
            walk.count
        ))),
    }
}

/// The walk through a HAR document: `log`, its `creator`, each of its `entries`.
struct Walk<'a, 'v> {
    name: &'a str,
    visit: &'v mut dyn FnMut(Exchange),
    count: usize,
    /// mitmproxy writes `postData.text` from the decoded body (its `creator` comes first).
    decodes: bool,
    log: bool,
}

impl<'de> DeserializeSeed<'de> for &mut Walk<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(Document(self))
    }
}

struct Document<'w, 'a, 'v>(&'w mut Walk<'a, 'v>);
struct Log<'w, 'a, 'v>(&'w mut Walk<'a, 'v>);
struct Entries<'w, 'a, 'v>(&'w mut Walk<'a, 'v>);

impl<'de> Visitor<'de> for Document<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                self.0.log = true;
                map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR log")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "creator" => {
                    let creator: Value = map.next_value()?;
                    self.0.decodes = creator["name"].as_str() == Some("mitmproxy");
                }
                "entries" => map.next_value_seed(Entries(&mut *self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Value>()? {
            self.0.count += 1;
            let exchange = har::exchange(self.0.name, self.0.count, &entry, self.0.decodes);
            (self.0.visit)(exchange);
        }
        Ok(())
    }
}

/// Calls `visit` with each record of an NDJSON report, a line at a time; the number read.
pub(super) fn ndjson(
    name: &str,
    mut reader: impl BufRead,
    visit: &mut dyn FnMut(Exchange),
) -> Result<usize, Error> {
    let (mut line, mut number, mut count) = (String::new(), 0, 0);
    loop {
        line.clear();
        number += 1;
        let n = reader.read_line(&mut line).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => Error(format!(
                "{name} line {number}: not UTF-8 text (a HAR or NDJSON file is)"
            )),
            _ => Error(format!("cannot read {name}: {e}")),
        })?;
        if n == 0 {
            return Ok(count);
        }
        if line.trim().is_empty() {
            continue;
        }
        if let Some(exchange) = ndjson::record(name, number, &line)? {
            count += 1;
            visit(exchange);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(text: &str, chunk: usize) -> String {
        /// A reader that gives at most `chunk` bytes per read, to cut escapes in two.
        struct Dribble<'a>(&'a [u8], usize);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = String::new();
        LoneSurrogates::new(Dribble(text.as_bytes(), chunk))
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    /// Only lone low surrogates inside strings are rewritten, wherever a read cuts them; an
    /// escaped backslash, a real pair and text outside strings pass as they are.
    #[test]
    fn lone_surrogates_are_rewritten_as_they_stream() {
        let text = r#"{"t":"\u001f\udc8b a\\udc8b \ud83d\ude00 \udcff"} \udc8b"#;
        let want = r#"{"t":"\u001f\udbff\udf8b a\\udc8b \ud83d\ude00 \udbff\udfff"} \udc8b"#;
        for chunk in [1, 2, 3, 5, 7, 64 * 1024] {
            assert_eq!(rewritten(text, chunk), want, "chunk {chunk}");
        }
    }
}
