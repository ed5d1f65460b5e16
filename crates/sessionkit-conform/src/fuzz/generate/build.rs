//! Building the request of an input: the JSON with the json and schema mutations applied, the
//! wire bytes with the decode ones, the signature (or its mistake) and the header lines.

use serde_json::{Value, json};
use sessionkit::codec::Encoding;
use sessionkit::crypto::Algorithm;
use sessionkit::headers::{Headers, names};

use super::mutation::{Input, Mutation, SignMistake, Spelling};
use super::set;

/// A request ready to send, and the bytes its signature covers.
#[derive(Debug, Clone)]
pub struct Request {
    pub headers: Headers,
    pub body: Vec<u8>,
    /// What the signature was computed over, when it was computed over bytes with the secret.
    pub signed: Option<Vec<u8>>,
}

/// The target's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub api_key: String,
    pub secret: String,
}

/// How large an input is, for shrinking: its JSON's length, then compressed after plain.
pub fn weight(input: &Input) -> (usize, bool, bool) {
    (
        json_bytes(input).len(),
        input.encoding != Encoding::Identity,
        input.spelling != Spelling::Documented,
    )
}

/// The JSON text of the input, with the json and schema mutations applied.
pub(super) fn json_bytes(input: &Input) -> Vec<u8> {
    let mut payload = input.payload.clone();
    match &input.mutation {
        Mutation::Set(pointer, v) => set(&mut payload, pointer, Some(v.clone())),
        Mutation::Remove(pointer) => set(&mut payload, pointer, None),
        Mutation::Size(bytes) => {
            let now = serde_json::to_vec(&payload).map_or(0, |b| b.len());
            let room = bytes.saturating_sub(now + 120);
            payload["verification"]["consents"] = json!([{
                "type": "general", "approved": true,
                "text": sessionkit::samples::consent_text(room, 7),
                "timestamp": "2026-05-08T10:00:00Z",
            }]);
        }
        Mutation::Nested(depth) => {
            let mut v = json!(1);
            for _ in 0..*depth {
                v = json!([v]);
            }
            payload["verification"]["nested"] = v;
        }
        _ => {}
    }
    let compact = serde_json::to_vec(&payload).unwrap_or_default();
    match &input.mutation {
        Mutation::Pretty => serde_json::to_vec_pretty(&payload).unwrap_or_default(),
        Mutation::Reordered => {
            if let Some(map) = payload["verification"].as_object_mut() {
                let reversed: serde_json::Map<String, Value> =
                    std::mem::take(map).into_iter().rev().collect();
                *map = reversed;
            }
            serde_json::to_vec(&payload).unwrap_or_default()
        }
        Mutation::Escaped => {
            let ascii = sessionkit::json::STYLES
                .iter()
                .find(|(name, _)| *name == "compact, ASCII-escaped")
                .map(|(_, style)| sessionkit::json::reserialize(&payload, style))
                .unwrap_or(compact);
            String::from_utf8_lossy(&ascii)
                .replace('/', "\\/")
                .into_bytes()
        }
        Mutation::Number(n) => insert_member(&compact, &format!("\"amount\":{n}")),
        Mutation::VendorNumber(n) => {
            if let Some(v) = payload["verification"].as_object_mut() {
                v.remove("vendorData");
            }
            let without = serde_json::to_vec(&payload).unwrap_or_default();
            insert_member(&without, &format!("\"vendorData\":{n}"))
        }
        Mutation::DuplicateKey => insert_member(&compact, "\"tag\":\"a\",\"tag\":\"b\""),
        Mutation::InvalidUtf8 => {
            let mut member = b"\"note\":\"a".to_vec();
            member.push(0xff);
            member.extend_from_slice(b"\"");
            insert_member_bytes(&compact, &member)
        }
        Mutation::ByteOrderMark => [&b"\xef\xbb\xbf"[..], &compact].concat(),
        _ => compact,
    }
}

/// `member` inserted first in `verification`'s object.
pub(super) fn insert_member(json: &[u8], member: &str) -> Vec<u8> {
    insert_member_bytes(json, member.as_bytes())
}

pub(super) fn insert_member_bytes(json: &[u8], member: &[u8]) -> Vec<u8> {
    let key = b"\"verification\":{";
    match json.windows(key.len()).position(|w| w == key) {
        Some(at) => {
            let after = at + key.len();
            let comma: &[u8] = if json.get(after) == Some(&b'}') {
                b""
            } else {
                b","
            };
            [&json[..after], member, comma, &json[after..]].concat()
        }
        None => json.to_vec(),
    }
}

/// The wire bytes for `json` in the input's encoding, with the decode mutations applied.
pub(super) fn wire_bytes(input: &Input, json: &[u8]) -> Vec<u8> {
    let level = match input.mutation {
        Mutation::Level(l) => l,
        _ => 6,
    };
    let mut wire = match (&input.mutation, input.encoding) {
        (Mutation::Members(n), Encoding::Gzip) => {
            let step = json.len().div_ceil(*n).max(1);
            json.chunks(step)
                .flat_map(|c| sessionkit::codec::encode(c, Encoding::Gzip, level))
                .collect()
        }
        (Mutation::RawDeflate, Encoding::Deflate) => {
            let z = sessionkit::codec::encode(json, Encoding::Deflate, level);
            z[2..z.len().saturating_sub(4)].to_vec()
        }
        (Mutation::GzipHeader(flags, mtime), Encoding::Gzip) => {
            gzip_with_header(json, *flags, *mtime)
        }
        _ => sessionkit::codec::encode(json, input.encoding, level),
    };
    match &input.mutation {
        Mutation::Truncate(n) => wire.truncate(wire.len().saturating_sub(*n)),
        Mutation::FlipFromEnd(n) if *n <= wire.len() => {
            let at = wire.len() - n;
            wire[at] ^= 0x01;
        }
        Mutation::Trailing(bytes) => wire.extend_from_slice(bytes),
        _ => {}
    }
    wire
}

/// A gzip member with the optional header fields `flags` asks for (RFC 1952 §2.3).
pub(super) fn gzip_with_header(json: &[u8], flags: u8, mtime: u32) -> Vec<u8> {
    let plain = sessionkit::codec::encode(json, Encoding::Gzip, 6);
    let raw = &plain[10..plain.len() - 8];
    let mut head = vec![0x1f, 0x8b, 8, flags & 0x1f];
    head.extend_from_slice(&mtime.to_le_bytes());
    head.extend_from_slice(&[0, 3]);
    if flags & 4 != 0 {
        head.extend_from_slice(&[4, 0, b'a', b'b', 0, 0]);
    }
    if flags & 8 != 0 {
        head.extend_from_slice(b"body.json\0");
    }
    if flags & 16 != 0 {
        head.extend_from_slice(b"a comment\0");
    }
    if flags & 2 != 0 {
        let crc = gzip_header_crc(&head);
        head.extend_from_slice(&(crc as u16).to_le_bytes());
    }
    [&head[..], raw, &plain[plain.len() - 8..]].concat()
}

/// CRC-32 of a gzip header, for its FHCRC field (the low 16 bits).
pub(super) fn gzip_header_crc(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Builds the request: JSON, signature, wire bytes and headers.
pub fn build(input: &Input, credentials: &Credentials) -> Request {
    let json = json_bytes(input);
    let wire = wire_bytes(input, &sent_bytes(input, &json));
    let mut headers = Headers::new();
    match &input.mutation {
        Mutation::ApiKey(None) => {}
        Mutation::ApiKey(Some(other)) => headers.push(names::API_KEY, other),
        _ => headers.push(names::API_KEY, &credentials.api_key),
    }
    let signed = sign(input, credentials, &json, &wire, &mut headers);
    match &input.mutation {
        Mutation::ContentType(value) => headers.push(names::CONTENT_TYPE, value),
        _ => headers.push(names::CONTENT_TYPE, "application/json"),
    }
    let encoding = input.encoding.name();
    match &input.mutation {
        Mutation::EncodingHeader(value) => headers.push(names::CONTENT_ENCODING, value),
        Mutation::DuplicateEncoding if input.encoding != Encoding::Identity => {
            headers.push(names::CONTENT_ENCODING, encoding);
            headers.push(names::CONTENT_ENCODING, encoding);
        }
        _ if input.encoding != Encoding::Identity => {
            headers.push(names::CONTENT_ENCODING, encoding);
        }
        _ => {}
    }
    Request {
        headers: input.spelling.apply(headers),
        body: wire,
        signed,
    }
}

/// The bytes sent before any compression: the JSON, or other bytes for the signature mistakes
/// where the bytes sent are not the bytes signed.
fn sent_bytes(input: &Input, json: &[u8]) -> Vec<u8> {
    match &input.mutation {
        Mutation::Sign(SignMistake::BodyNewline) => [json, b"\n"].concat(),
        Mutation::Sign(SignMistake::ByteOrderMark) => [&b"\xef\xbb\xbf"[..], json].concat(),
        Mutation::Sign(SignMistake::Reserialized) => serde_json::from_slice::<Value>(json)
            .and_then(|v| serde_json::to_vec_pretty(&v))
            .unwrap_or_else(|_| json.to_vec()),
        Mutation::Sign(SignMistake::EncodedTwice) => {
            serde_json::to_vec(&String::from_utf8_lossy(json)).unwrap_or_default()
        }
        Mutation::Sign(SignMistake::BodyDropped) => Vec::new(),
        _ => json.to_vec(),
    }
}

/// Adds the signature lines (or their mistake) to `headers`; the bytes the signature is the HMAC
/// of with the secret, `None` when it is no such HMAC.
fn sign(
    input: &Input,
    credentials: &Credentials,
    json: &[u8],
    wire: &[u8],
    headers: &mut Headers,
) -> Option<Vec<u8>> {
    let secret = credentials.secret.as_bytes();
    let hex = |key: &[u8], bytes: &[u8]| sessionkit::crypto::sign(key, bytes).to_string();
    let right = || hex(secret, json);
    let Mutation::Sign(mistake) = &input.mutation else {
        headers.push(names::SIGNATURE, right());
        return Some(json.to_vec());
    };
    let value = match mistake {
        SignMistake::Missing => return None,
        SignMistake::OverCompressed => {
            headers.push(names::SIGNATURE, hex(secret, wire));
            return Some(wire.to_vec());
        }
        SignMistake::TwoHeaders => {
            headers.push(names::SIGNATURE, right());
            headers.push(names::SIGNATURE, right());
            return Some(json.to_vec());
        }
        SignMistake::OtherHeader => {
            headers.push("X-Signature", right());
            return None;
        }
        SignMistake::Uppercase => right().to_uppercase(),
        SignMistake::Prefixed => format!("sha256={}", right()),
        SignMistake::SecretNewline => hex(&[secret, b"\n"].concat(), json),
        SignMistake::WrongSecret => hex(b"not-the-secret", json),
        SignMistake::Truncated => right()[..63].to_owned(),
        SignMistake::ApiKeyAsKey => hex(credentials.api_key.as_bytes(), json),
        SignMistake::Placeholder => hex(secret, b"{}"),
        SignMistake::HmacSha512 => Algorithm::HmacSha512.hex(secret, json),
        SignMistake::ToolOutput => format!("(stdin)= {}", right()),
        SignMistake::PlainSha256 => Algorithm::Sha256.hex(b"", json),
        // The bytes sent differ from the JSON signed (`sent_bytes`); the signature is right.
        SignMistake::BodyNewline
        | SignMistake::ByteOrderMark
        | SignMistake::Reserialized
        | SignMistake::EncodedTwice
        | SignMistake::BodyDropped => {
            headers.push(names::SIGNATURE, right());
            return Some(json.to_vec());
        }
    };
    headers.push(names::SIGNATURE, value);
    None
}
