//! The signature doctor: after a signature check failed, hypotheses of what the client actually
//! signed, tried one HMAC each, to name the real-world mistake behind a 401.
//!
//! Guardrails (docs/contract.md §5): hypotheses run only after the normal check failed; a match
//! never changes the answer (still 401 or 400); the work per failed request is bounded by a
//! budget of HMAC computations that shrinks as the body grows; secrets labelled for another
//! environment are tried only for the API key they are labelled with. A hypothesis that matches
//! proves the sender already holds the secret it names, so naming it reveals nothing, and no
//! expected signature is ever shown.

use std::borrow::Cow;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalogue::{Diagnostic, Mistake};
use crate::codec::{self, Encoding};
use crate::config::LabelledSecret;
use crate::crypto::{self, Algorithm, Covered, Signature, Signed};
use crate::headers::{Headers, names};
use crate::json::{STYLES, Style, reserialize};
use crate::text::{self, string_holding_object, to_cp1252};

/// Hypotheses (one HMAC each) one failed request may cost: 64 up to 4 KiB of body, 12 up to
/// 64 KiB, 4 above. An HMAC over the body is most of a hypothesis's cost, so larger bodies try
/// fewer (benches/, group `doctor`).
pub fn budget(len: usize) -> usize {
    match len {
        0..=4_096 => 64,
        4_097..=65_536 => 12,
        _ => 4,
    }
}

/// Recompressions (at other levels) one failed request may cost, each also one HMAC of the
/// budget: all nine levels up to 4 KiB of decoded body, three up to 64 KiB, none above (level 9
/// on a 1 MiB body costs tens of milliseconds: too much to spend on a stranger's refusal).
pub fn recompressions(len: usize) -> usize {
    match len {
        0..=4_096 => 9,
        4_097..=65_536 => 3,
        _ => 0,
    }
}

/// The keys and bytes the doctor may try, and what is left of its budget.
pub struct Doctor<'a, S> {
    secrets: &'a [S],
    api_key: &'a str,
    labelled: &'a [LabelledSecret],
    signature: &'a Signature,
    left: usize,
}

impl<'a, S: AsRef<[u8]>> Doctor<'a, S> {
    /// A doctor for one failed request.
    pub fn new(
        secrets: &'a [S],
        api_key: &'a str,
        labelled: &'a [LabelledSecret],
        signature: &'a Signature,
        len: usize,
    ) -> Self {
        Self {
            secrets,
            api_key,
            labelled,
            signature,
            left: budget(len),
        }
    }

    /// HMAC of `bytes` under `key` is the signature sent; one unit of budget.
    fn matches(&mut self, key: &[u8], bytes: &[u8]) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        crypto::verify(&[key], bytes, self.signature)
    }

    /// Any active secret signs `bytes` into the signature sent (one unit per secret).
    fn signed(&mut self, bytes: &[u8]) -> bool {
        let secrets = self.secrets;
        secrets.iter().any(|s| self.matches(s.as_ref(), bytes))
    }

    /// The first hypothesis that explains the mismatch, in order of how common the mistake is.
    pub fn mismatch(&mut self, signed: Signed<'_>) -> Option<Diagnostic> {
        let body = signed.bytes;
        if signed.encoding != Encoding::Identity && self.signed(signed.wire) {
            return Some(Mistake::SignedCompressedBytes.named());
        }
        if body.is_empty() && signed.covers == Covered::Body {
            return Some(Mistake::BodyDropped.named());
        }
        // Line endings first (a re-serialization would explain them less precisely), then the
        // documentation's own common mistake (json= re-serializing), keys, other bytes and
        // compressions; the budget cuts the rest short on large bodies.
        self.bodies(body, true)
            .or_else(|| self.serializations(body))
            .or_else(|| self.keys(body))
            .or_else(|| self.bodies(body, false))
            .or_else(|| self.compressions(signed))
            .or_else(|| self.algorithms(body))
    }

    /// The right bytes under the wrong key.
    fn keys(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let secrets = self.secrets;
        for secret in secrets {
            let secret = secret.as_ref();
            for (added, name) in [
                (&b"\n"[..], "a trailing newline"),
                (b"\r\n", "a trailing CRLF"),
                (b" ", "a trailing space"),
            ] {
                if self.matches(&[secret, added].concat(), body) {
                    return Some(Mistake::SecretWhitespace.diagnostic(format!(
                        "the signature is keyed with the secret plus {name}"
                    )));
                }
            }
            if self.matches(&[b"\n", secret].concat(), body) {
                return Some(
                    Mistake::SecretWhitespace.diagnostic(
                        "the signature is keyed with the secret plus a leading newline",
                    ),
                );
            }
            for (decoded, how) in decodings(secret) {
                if self.matches(&decoded, body) {
                    return Some(Mistake::SecretDecoded.diagnostic(format!(
                        "the signature is keyed with the secret {how}-decoded, not its UTF-8 bytes"
                    )));
                }
            }
        }
        if !self.api_key.is_empty() && self.matches(self.api_key.as_bytes(), body) {
            return Some(Mistake::SignedWithApiKey.named());
        }
        let api_key = self.api_key;
        for other in self.labelled {
            let same_key = other.api_key.as_deref().is_none_or(|k| k == api_key);
            if same_key && self.matches(&other.secret, body) {
                return Some(Mistake::SecretOfOtherEnvironment.diagnostic(format!(
                    "the signature is keyed with the secret labelled {:?}, not this server's",
                    other.label
                )));
            }
        }
        None
    }

    /// Other bytes than the body sent, under the right key: only the line-ending variants when
    /// `endings`, else all the others.
    fn bodies(&mut self, body: &[u8], endings: bool) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let is_ending =
            |m: &Mistake| matches!(m, Mistake::BodyNewline | Mistake::LineEndingsConverted);
        for (bytes, mistake, message) in body_variants(body) {
            if is_ending(&mistake) == endings && self.signed(&bytes) {
                return Some(mistake.diagnostic(message));
            }
        }
        if !endings {
            return self.encoded_twice(body);
        }
        if let Some(pretty) = newlines_restored(body) {
            for bytes in [pretty.clone(), [&pretty[..], b"\n"].concat()] {
                if self.signed(&bytes) {
                    return Some(Mistake::NewlinesStripped.named());
                }
            }
        }
        None
    }

    /// A JSON string holding the signed JSON object.
    fn encoded_twice(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        if let Some(inner) = string_holding_object(body) {
            let compact = serde_json::from_str::<Value>(&inner)
                .map(|v| reserialize(&v, &Style::COMPACT))
                .unwrap_or_default();
            for bytes in [inner.into_bytes(), compact] {
                if self.signed(&bytes) {
                    return Some(Mistake::JsonEncodedTwice.named());
                }
            }
        }
        None
    }

    /// Another compressed copy of the same JSON: cheap and exact rewraps of the stream sent.
    fn compressions(&mut self, signed: Signed<'_>) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        for (what, bytes) in codec::rewraps(signed.wire, signed.encoding, signed.bytes) {
            if self.signed(&bytes) {
                return Some(Mistake::SignedOtherCompression.diagnostic(format!(
                    "the signature matches {what} of the compressed body, not the decoded JSON"
                )));
            }
        }
        // Then the same JSON compressed anew at other levels by the C zlib (what Python, Java
        // and libcurl compress with; Node's and Go's compressors write other bytes and are not
        // reproduced). A compression costs more than an HMAC, so fewer are tried as bodies grow.
        let levels = codec::RECOMPRESSION_LEVELS
            .into_iter()
            .take(recompressions(signed.bytes.len()));
        for level in levels {
            if self.left == 0 {
                return None;
            }
            let Some(bytes) =
                codec::recompressed(signed.wire, signed.encoding, signed.bytes, level)
            else {
                continue;
            };
            if self.signed(&bytes) {
                return Some(Mistake::SignedOtherCompression.diagnostic(format!(
                    "the signature matches the same JSON compressed anew at level {level}, not the decoded JSON"
                )));
            }
        }
        None
    }

    /// The same JSON written another way (the contract's 16 styles, PHP's `\/`, HTML-safe).
    fn serializations(&mut self, body: &[u8]) -> Option<Diagnostic> {
        if self.left == 0 {
            return None; // nothing is built that the budget could not check
        }
        let value: Value = serde_json::from_slice(body).ok()?;
        let found = |name: &str| {
            Some(Mistake::SignedOtherSerialization.diagnostic(format!(
                "the signature matches the same JSON serialized differently ({name}), not the bytes sent"
            )))
        };
        for (name, style) in &STYLES {
            // Re-serializing costs more than the HMAC over it: stop before building one the
            // budget could not check.
            if self.left == 0 {
                return None;
            }
            let bytes = reserialize(&value, style);
            if bytes != body && self.signed(&bytes) {
                return found(name);
            }
        }
        let compact = reserialize(&value, &Style::COMPACT);
        let text = String::from_utf8_lossy(&compact);
        // In JSON, `/`, `&`, `<` and `>` only occur inside strings, so replacing them everywhere
        // escapes exactly the string contents.
        let php = text.replace('/', "\\/");
        // PHP's json_encode by default escapes `/` and writes non-ASCII as `\uXXXX` (surrogate
        // pairs beyond the BMP), as an ASCII-escaped serializer does; on an ASCII body the two
        // PHP forms are the same bytes, so only a body with non-ASCII text needs the second.
        let ascii = reserialize(&value, &Style::COMPACT_ASCII);
        let php_default = String::from_utf8_lossy(&ascii).replace('/', "\\/");
        let html = text
            .replace('&', "\\u0026")
            .replace('<', "\\u003c")
            .replace('>', "\\u003e");
        let mut written = vec![
            ("PHP's escaped slashes \\/", php.into_bytes()),
            (
                "PHP's json_encode default, \\/ and \\uXXXX",
                php_default.into_bytes(),
            ),
            ("HTML-safe \\u0026 \\u003c \\u003e", html.into_bytes()),
        ];
        // On an ASCII body both PHP forms are the same bytes: one HMAC of the budget, not two.
        written.dedup_by(|b, a| a.1 == b.1);
        for (name, bytes) in written.into_iter().chain(float_styles(body)) {
            if bytes != body && self.signed(&bytes) {
                return found(name);
            }
        }
        None
    }

    /// A digest of 64 hex characters that is not HMAC-SHA256: plain SHA-256 of the body, of
    /// secret and body concatenated, or the API's legacy scheme, of body and secret.
    fn algorithms(&mut self, body: &[u8]) -> Option<Diagnostic> {
        let want = self.signature.as_bytes().as_slice();
        if Algorithm::Sha256.digest(b"", body) == want {
            return Some(wrong_algorithm("a plain SHA-256 of the body"));
        }
        let secrets = self.secrets;
        if secrets
            .iter()
            .any(|s| Algorithm::LegacySha256.digest(s.as_ref(), body) == want)
        {
            return Some(Mistake::LegacySignatureScheme.named());
        }
        secrets
            .iter()
            .any(|s| Sha256::digest([s.as_ref(), body].concat()).as_slice() == want)
            .then(|| wrong_algorithm("a SHA-256 of the secret and the body concatenated"))
    }
}

fn wrong_algorithm(what: &str) -> Diagnostic {
    Mistake::WrongAlgorithm.diagnostic(format!("the signature is {what}, not HMAC-SHA256"))
}

/// The secret read as hex and as base64, when it is either.
fn decodings(secret: &[u8]) -> Vec<(Vec<u8>, &'static str)> {
    use base64::Engine;
    let mut out = Vec::new();
    if let Some(hex) = std::str::from_utf8(secret)
        .ok()
        .filter(|s| !s.is_empty())
        .and_then(text::hex_decode)
    {
        out.push((hex, "hex"));
    }
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        if let Ok(bytes) = engine.decode(secret) {
            out.push((bytes, "base64"));
            break;
        }
    }
    out
}

/// Byte-level variants of the body, each with the mistake it would name.
fn body_variants(body: &[u8]) -> Vec<(Cow<'_, [u8]>, Mistake, String)> {
    let mut out: Vec<(Cow<'_, [u8]>, Mistake, String)> = Vec::new();
    let mut add = |bytes: Vec<u8>, mistake, message: &str| {
        out.push((Cow::Owned(bytes), mistake, message.to_owned()));
    };
    for (end, name) in [(&b"\r\n"[..], "CRLF"), (b"\n", "newline")] {
        if let Some(stripped) = body.strip_suffix(end) {
            add(
                stripped.to_vec(),
                Mistake::BodyNewline,
                &format!(
                    "the signature matches the body without its trailing {name}: a tool added it to the body sent"
                ),
            );
        }
    }
    for (end, name) in [
        (&b"\n"[..], "newline (echo, Go's json.Encoder)"),
        (b"\r\n", "CRLF"),
    ] {
        add(
            [body, end].concat(),
            Mistake::BodyNewline,
            &format!(
                "the signature matches the body with a trailing {name}, which the body sent lacks"
            ),
        );
    }
    if body.contains(&b'\n') {
        let crlf = body.contains(&b'\r');
        let swapped = if crlf {
            String::from_utf8_lossy(body).replace("\r\n", "\n")
        } else {
            String::from_utf8_lossy(body).replace('\n', "\r\n")
        };
        let how = if crlf { "CRLF→LF" } else { "LF→CRLF" };
        add(
            swapped.into_bytes(),
            Mistake::LineEndingsConverted,
            &format!("the signature matches the body with {how} line endings"),
        );
    }
    const BOM: &[u8] = b"\xef\xbb\xbf";
    match body.strip_prefix(BOM) {
        Some(rest) => add(
            rest.to_vec(),
            Mistake::ByteOrderMark,
            "the signature matches the body without the UTF-8 byte order mark it was sent with",
        ),
        None => add(
            [BOM, body].concat(),
            Mistake::ByteOrderMark,
            "the signature matches the body with a UTF-8 byte order mark the body sent lacks",
        ),
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if !text.is_ascii() {
            if let Some(latin1) = text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
            {
                add(
                    latin1,
                    Mistake::SignedOtherTextEncoding,
                    "the signature matches the body encoded as Latin-1 (ISO-8859-1), not the UTF-8 bytes sent",
                );
            }
            if let Some(cp1252) = text.chars().map(to_cp1252).collect::<Option<Vec<u8>>>() {
                add(
                    cp1252,
                    Mistake::SignedOtherTextEncoding,
                    "the signature matches the body encoded as Windows-1252, not the UTF-8 bytes sent",
                );
            }
            let ascii: String = text
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect();
            add(
                ascii.into_bytes(),
                Mistake::SignedOtherTextEncoding,
                "the signature matches the body with its non-ASCII characters replaced by ?",
            );
        }
    }
    for placeholder in ["", "{}", "null", "undefined", "[object Object]"] {
        if placeholder.as_bytes() != body {
            add(
                placeholder.as_bytes().to_vec(),
                Mistake::SignedPlaceholder,
                &format!(
                    "the signature matches {placeholder:?}: it was computed before the body existed"
                ),
            );
        }
    }
    out
}

/// For JSON with its line breaks removed (`curl -d @file`): the pretty-printed text whose line
/// breaks, removed, give exactly `body`.
fn newlines_restored(body: &[u8]) -> Option<Vec<u8>> {
    if body.contains(&b'\n') || !body.windows(3).any(|w| w == b"{  " || w == b",  ") {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    STYLES
        .iter()
        .filter(|(name, _)| name.starts_with("pretty"))
        .map(|(_, style)| reserialize(&value, style))
        .find(|pretty| pretty.iter().filter(|&&b| b != b'\n').eq(body.iter()))
}

/// The body with its numbers written in the other float style, each only when it changes a
/// number: whole floats as integers (`1.0` → `1`: JavaScript's `JSON.stringify`, which has one
/// number type) and integers as floats (`1` → `1.0`: Python's `json.dumps` of a `float`). The
/// rest of the bytes are kept, so the hypothesis is independent of spacing and key order.
fn float_styles(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut as_integers = Vec::with_capacity(body.len());
    let mut as_floats = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let mut at = 0;
    while at < body.len() {
        let b = body[at];
        if in_string {
            (escaped, in_string) = (!escaped && b == b'\\', escaped || b != b'"');
        } else if b == b'"' {
            in_string = true;
        } else if b == b'-' || b.is_ascii_digit() {
            let end = at
                + body[at..]
                    .iter()
                    .position(|c| !(c.is_ascii_digit() || b"+-.eE".contains(c)))
                    .unwrap_or(body.len() - at);
            let number = &body[at..end];
            as_integers.extend_from_slice(whole_float_as_integer(number).unwrap_or(number));
            as_floats.extend_from_slice(number);
            if number.iter().all(|c| c.is_ascii_digit() || *c == b'-') {
                as_floats.extend_from_slice(b".0");
            }
            at = end;
            continue;
        }
        as_integers.push(b);
        as_floats.push(b);
        at += 1;
    }
    [
        ("whole floats written as integers, 1.0 as 1", as_integers),
        ("integers written as floats, 1 as 1.0", as_floats),
    ]
    .into_iter()
    .filter(|(_, bytes)| bytes != body)
    .collect()
}

/// `1.0` or `-20.000` without its zero fraction; `None` for any other number.
fn whole_float_as_integer(number: &[u8]) -> Option<&[u8]> {
    let dot = number.iter().position(|&c| c == b'.')?;
    let (whole, fraction) = number.split_at(dot);
    (fraction.len() > 1 && fraction[1..].iter().all(|&c| c == b'0') && !whole.is_empty())
        .then_some(whole)
}

/// A header value that is not a signature in the documented form: a tool's output around a
/// valid digest, or HMAC-SHA1 / HMAC-SHA512 in hex. `None` leaves it to
/// `signature_not_lowercase_hex`.
pub fn malformed<S: AsRef<[u8]>>(value: &str, secrets: &[S], bytes: &[u8]) -> Option<Diagnostic> {
    let hex_run = |v: &str| -> Option<String> {
        let start = v.find(|c: char| c.is_ascii_hexdigit())?;
        let run: String = v[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        Some(run)
    };
    let trimmed = value.trim_matches(|c| c == '"' || c == '\'');
    let tool_prefix = [
        "(stdin)= ",
        "SHA2-256(stdin)= ",
        "SHA256(stdin)= ",
        "sha256= ",
    ]
    .iter()
    .find(|p| value.starts_with(**p));
    if tool_prefix.is_some() || trimmed.len() != value.len() {
        let digest = hex_run(trimmed.rsplit(' ').next().unwrap_or(trimmed))?;
        let sig = Signature::from_hex(&digest).ok()?;
        if crypto::verify(secrets, bytes, &sig) {
            let what = tool_prefix.map_or("quotes".to_owned(), |p| format!("{p:?}"));
            return Some(
                Mistake::SignatureToolOutput
                    .diagnostic(format!("X-HMAC-SIGNATURE holds {what} around the digest")),
            );
        }
        return None;
    }
    if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (algorithm, name) = match value.len() {
        40 => (Algorithm::HmacSha1, "HMAC-SHA1"),
        128 => (Algorithm::HmacSha512, "HMAC-SHA512"),
        _ => return None,
    };
    let lower = value.to_ascii_lowercase();
    secrets
        .iter()
        .any(|s| algorithm.hex(s.as_ref(), bytes) == lower)
        .then(|| wrong_algorithm(name))
}

/// No `X-HMAC-SIGNATURE`: a digest in a header of another name (`X-Signature`,
/// `X-Hub-Signature-256`, `Signature`, `X_HMAC_SIGNATURE`...), named in the answer.
pub fn other_header(headers: &Headers) -> Option<Diagnostic> {
    headers.iter().find_map(|(name, value)| {
        let lower = name.to_ascii_lowercase();
        let named = lower.contains("signature") || lower.contains("hmac") || lower == "digest";
        let digest_len = value
            .split(|c: char| !c.is_ascii_hexdigit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        let looks_like_digest = matches!(digest_len, 40 | 64 | 128) || value.len() == 44;
        (named && !name.eq_ignore_ascii_case(names::SIGNATURE) && looks_like_digest).then(|| {
            Mistake::SignatureInOtherHeader.diagnostic(format!(
                "no X-HMAC-SIGNATURE, but header {name} holds a digest"
            ))
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(api_key: Option<&str>) -> LabelledSecret {
        LabelledSecret {
            label: "sandbox".into(),
            api_key: api_key.map(str::to_owned),
            secret: b"sandbox-secret".to_vec(),
        }
    }

    #[test]
    fn float_styles_change_only_numbers_outside_strings() {
        let body = br#"{"a":1.0,"b":"1.0 and 2","c":[-20.00,3,1e5,0.5],"d\"":7}"#;
        let styles = float_styles(body);
        assert_eq!(styles.len(), 2);
        assert_eq!(
            styles[0].1,
            br#"{"a":1,"b":"1.0 and 2","c":[-20,3,1e5,0.5],"d\"":7}"#
        );
        assert_eq!(
            styles[1].1,
            br#"{"a":1.0,"b":"1.0 and 2","c":[-20.00,3.0,1e5,0.5],"d\"":7.0}"#
        );
        // Nothing to change: no variant is built.
        assert!(float_styles(br#"{"a":"1","b":0.5}"#).is_empty());
    }

    #[test]
    fn labelled_secrets_are_tried_only_for_their_api_key() {
        let body = br#"{"verification":{}}"#;
        let sig = crypto::sign(b"sandbox-secret", body);
        let secrets = [b"live-secret".to_vec()];
        for (owner, named) in [(Some("key-a"), true), (Some("key-b"), false), (None, true)] {
            let others = [labelled(owner)];
            let mut doctor = Doctor::new(&secrets, "key-a", &others, &sig, body.len());
            let found = doctor.mismatch(Signed::body(body, body, Encoding::Identity));
            let code = found.map(|d| d.code);
            assert_eq!(
                code.as_deref() == Some("secret_of_other_environment"),
                named,
                "{owner:?}: {code:?}"
            );
        }
    }

    #[test]
    fn the_budget_bounds_the_work_and_shrinks_with_the_body() {
        assert!(budget(1024) > budget(60_000) && budget(60_000) > budget(1 << 20));
        for len in [1024, 60_000, 1 << 20] {
            let body = vec![b' '; len];
            let sig = crypto::sign(b"nobody's", b"x");
            let secrets = [b"secret".to_vec(), b"rotated".to_vec()];
            let mut doctor = Doctor::new(&secrets, "key", &[], &sig, len);
            assert!(
                doctor
                    .mismatch(Signed::body(&body, &body, Encoding::Identity))
                    .is_none()
            );
            // Every HMAC goes through `matches`, which refuses once the budget is spent: a small
            // body gets through its hypotheses, a 1 MiB one stops after 4 HMACs.
            let spent = budget(len) - doctor.left;
            assert!(spent > 0 && spent <= budget(len), "{len}: {spent}");
            if len == 1 << 20 {
                assert_eq!(doctor.left, 0);
            }
        }
    }
}
