//! The one catalogue of every error kind and every named mistake (docs/contract.md §2, §3, §5):
//! stable code, stage, HTTP status, vendor code, message shape and hint, written once.
//!
//! Answers, `verify`, the reference server, the README's tables and the snapshots all read it
//! (ripgrep keeps its flags in one table that help, man page and completions read, for the same
//! reason: two tables drift apart). Adding a mistake means one [`Mistake`] variant, one entry
//! here, one detector in [`crate::diagnose`] and one corpus case.

use std::fmt;

use crate::error::ErrorKind;
use crate::payload::Diagnostic;

/// The stages of the receive pipeline, in the order data flows through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// API key, `Content-Type`, `Content-Encoding`.
    Headers,
    /// The body's length on the wire.
    Size,
    /// Decompression under the decoded-size limit.
    Decode,
    /// HMAC-SHA256 over the decoded bytes.
    Signature,
    /// UTF-8 JSON, one object with an object `verification`.
    Json,
    /// The profile's schema.
    Schema,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::Headers,
        Stage::Size,
        Stage::Decode,
        Stage::Signature,
        Stage::Json,
        Stage::Schema,
    ];

    /// The stage's name: also the name of its module, corpus folder, bench group and fuzz target.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Headers => "headers",
            Stage::Size => "size",
            Stage::Decode => "decode",
            Stage::Signature => "signature",
            Stage::Json => "json",
            Stage::Schema => "schema",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Stable snake_case code, never renamed.
    pub code: &'static str,
    /// The stage that finds it.
    pub stage: Stage,
    /// The HTTP status of the answer it comes with; `None` where that depends on the request.
    pub status: Option<u16>,
    /// The vendor code of that answer; `None` where that depends on the request, or on 201.
    pub vendor_code: Option<u16>,
    /// The shape of its message, with the numbers that vary in braces.
    pub message: &'static str,
    /// What the client should change.
    pub hint: &'static str,
}

const fn entry(
    code: &'static str,
    stage: Stage,
    status: u16,
    vendor_code: u16,
    message: &'static str,
    hint: &'static str,
) -> Entry {
    Entry {
        code,
        stage,
        status: Some(status),
        vendor_code: Some(vendor_code),
        message,
        hint,
    }
}

const DECODE_HINT: &str = "send the compressed bytes exactly as the compressor produced them, with the matching Content-Encoding";
const JSON_HINT: &str = "send one JSON object, UTF-8, without repeated keys";
const VERIFICATION_HINT: &str =
    "send {\"verification\": {...}}; {\"verification\": {}} is the minimal body";

/// Every error kind's entry, in [`ErrorKind::ALL`] order. Where the vendor's tables have no code
/// (413, 415), the HTTP status stands in, so clients can still switch on `code` alone.
pub(crate) const ERRORS: [Entry; ErrorKind::ALL.len()] = {
    use Stage::*;
    [
        entry(
            "missing_api_key",
            Headers,
            401,
            1801,
            "missing X-AUTH-CLIENT header",
            "send your API key in X-AUTH-CLIENT",
        ),
        entry(
            "unknown_api_key",
            Headers,
            401,
            1803,
            "{unknown|repeated} API key in X-AUTH-CLIENT",
            "check X-AUTH-CLIENT: the key is not one this server knows",
        ),
        entry(
            "unsupported_media_type",
            Headers,
            415,
            415,
            "Content-Type {value} is not application/json",
            "send Content-Type: application/json",
        ),
        entry(
            "unsupported_encoding",
            Headers,
            415,
            415,
            "content encoding {value} is not supported (gzip, deflate)",
            "send exactly one Content-Encoding line, gzip (recommended) or deflate, or none for plain JSON; lists and br are not supported, and a second line means a proxy or HTTP client compresses again",
        ),
        entry(
            "body_too_large",
            Size,
            413,
            413,
            "body exceeds limit ({length} > {limit} bytes)",
            "send a smaller body",
        ),
        entry(
            "decoded_too_large",
            Decode,
            413,
            413,
            "decoded body exceeds limit ({length} > {limit} bytes)",
            "send a smaller body",
        ),
        entry(
            "not_encoded",
            Decode,
            400,
            1104,
            "body is not {encoding} data (it looks like {format})",
            DECODE_HINT,
        ),
        entry(
            "corrupt_stream",
            Decode,
            400,
            1104,
            "{format} data is corrupt: {reason} (zlib stopped at its byte {offset})",
            DECODE_HINT,
        ),
        entry(
            "truncated_stream",
            Decode,
            400,
            1104,
            "{part} ends early",
            DECODE_HINT,
        ),
        entry(
            "bad_checksum",
            Decode,
            400,
            1104,
            "{checksum} mismatch (trailer {expected}, data {found})",
            DECODE_HINT,
        ),
        entry(
            "trailing_data",
            Decode,
            400,
            1104,
            "{n} bytes follow the {format} stream",
            DECODE_HINT,
        ),
        entry(
            "missing_signature",
            Signature,
            401,
            1812,
            "missing X-HMAC-SIGNATURE header",
            "send X-HMAC-SIGNATURE: the HMAC-SHA256 of the uncompressed body",
        ),
        entry(
            "malformed_signature",
            Signature,
            401,
            1812,
            "signature {is not 64 lowercase hex characters, why}",
            "send one X-HMAC-SIGNATURE line: 64 lowercase hex characters, no prefix",
        ),
        entry(
            "signature_mismatch",
            Signature,
            401,
            1819,
            "signature does not match the {decoded body|session id}",
            "sign the exact uncompressed bytes you send, with the shared secret, before compressing",
        ),
        entry(
            "invalid_utf8",
            Json,
            400,
            1104,
            "body is not valid UTF-8 (first bad byte at offset {offset})",
            JSON_HINT,
        ),
        entry(
            "invalid_json",
            Json,
            400,
            1104,
            "body is not valid JSON ({reason} at line {line} column {column})",
            JSON_HINT,
        ),
        entry(
            "duplicate_key",
            Json,
            400,
            1104,
            "duplicate key at {pointer}",
            JSON_HINT,
        ),
        entry(
            "too_deep",
            Json,
            400,
            1104,
            "nesting deeper than 64 levels at {pointer}",
            JSON_HINT,
        ),
        entry(
            "not_an_object",
            Json,
            400,
            1104,
            "body is not a JSON object",
            JSON_HINT,
        ),
        entry(
            "missing_verification",
            Json,
            400,
            1102,
            "required property verification is missing",
            VERIFICATION_HINT,
        ),
        entry(
            "verification_not_object",
            Json,
            400,
            1104,
            "verification is not an object",
            VERIFICATION_HINT,
        ),
        entry(
            "schema_violation",
            Schema,
            400,
            1104,
            "{n} schema violations ({profile} profile); the vendor code is the first violation's",
            "fix every violation listed",
        ),
    ]
};

/// A client mistake the server names beside the error (docs/contract.md §5). None of them reveals
/// an expected signature or a secret: they say *which bytes* the client signed or sent, never what
/// the right signature would have been, so the server is no signing oracle.
///
/// `unsupported_encoding`, the contract's other named mistake, is the error kind of that name: it
/// is listed once, as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mistake {
    /// `Content-Encoding` declared, but the body is not of that encoding.
    EncodingMismatch,
    /// `deflate` declared, the body is raw DEFLATE without the zlib wrapper.
    RawDeflate,
    /// After decoding, the body is still gzip or zlib.
    DoubleCompression,
    /// No `Content-Encoding`, but the body is gzip or zlib.
    UndeclaredCompression,
    /// The signature is not 64 lowercase hex characters (uppercase, a prefix, base64).
    SignatureNotLowercaseHex,
    /// The signature matches the compressed wire bytes.
    SignedCompressedBytes,
    /// The signature matches a re-serialization of the same JSON.
    SignedOtherSerialization,
    /// the HMAC matches with the secret plus a leading or trailing newline, CRLF or space.
    SecretWhitespace,
    /// it matches with the secret hex- or base64-decoded.
    SecretDecoded,
    /// it matches with the API key as the HMAC key.
    SignedWithApiKey,
    /// it matches another secret the server knows under a label, for the same API key.
    SecretOfOtherEnvironment,
    /// it matches the body with a trailing \n or \r\n added or removed.
    BodyNewline,
    /// it matches with CRLF and LF swapped.
    LineEndingsConverted,
    /// it matches with a UTF-8 BOM added or removed.
    ByteOrderMark,
    /// the body is indented JSON without line breaks and the HMAC matches it pretty-printed.
    NewlinesStripped,
    /// it matches the text encoded as Latin-1/Windows-1252, or with non-ASCII replaced by ?.
    SignedOtherTextEncoding,
    /// the body is not UTF-8 but is valid Windows-1252.
    BodyNotUtf8,
    /// the body is a JSON string holding the JSON object.
    JsonEncodedTwice,
    /// the HMAC matches "", {}, null, undefined or [object Object].
    SignedPlaceholder,
    /// the signature is HMAC-SHA1 or HMAC-SHA512, or a plain SHA-256 of the body or of secret and body.
    WrongAlgorithm,
    /// the header holds a tool's output around a valid digest: (stdin)= , SHA2-256(stdin)= , quotes, sha256= with a space.
    SignatureToolOutput,
    /// no X-HMAC-SIGNATURE, but a digest sits in another header.
    SignatureInOtherHeader,
    /// Content-Encoding is declared, the body is plain JSON, and the HMAC over it is valid.
    IntermediaryDecompressed,
    /// the HMAC matches another compressed copy of the same JSON.
    SignedOtherCompression,
    /// the body is empty but a signature of something else is present.
    BodyDropped,
    /// Advisory: the body was compressed where compression costs more than it saves.
    CompressionNotWorthIt,
}

impl Mistake {
    /// Every mistake: those the decode stage sees, then the signature stage's, then the advisory.
    pub const ALL: [Mistake; 26] = [
        Mistake::EncodingMismatch,
        Mistake::RawDeflate,
        Mistake::DoubleCompression,
        Mistake::UndeclaredCompression,
        Mistake::SignatureNotLowercaseHex,
        Mistake::SignedCompressedBytes,
        Mistake::SignedOtherSerialization,
        Mistake::SecretWhitespace,
        Mistake::SecretDecoded,
        Mistake::SignedWithApiKey,
        Mistake::SecretOfOtherEnvironment,
        Mistake::BodyNewline,
        Mistake::LineEndingsConverted,
        Mistake::ByteOrderMark,
        Mistake::NewlinesStripped,
        Mistake::SignedOtherTextEncoding,
        Mistake::BodyNotUtf8,
        Mistake::JsonEncodedTwice,
        Mistake::SignedPlaceholder,
        Mistake::WrongAlgorithm,
        Mistake::SignatureToolOutput,
        Mistake::SignatureInOtherHeader,
        Mistake::IntermediaryDecompressed,
        Mistake::SignedOtherCompression,
        Mistake::BodyDropped,
        Mistake::CompressionNotWorthIt,
    ];

    /// Its catalogue entry.
    pub fn entry(self) -> &'static Entry {
        &MISTAKES[self as usize]
    }

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    /// True for advice that never changes the answer.
    pub fn is_advisory(self) -> bool {
        self == Mistake::CompressionNotWorthIt
    }

    /// The mistake of that code.
    pub fn from_code(code: &str) -> Option<Mistake> {
        Mistake::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The diagnostic naming this mistake, with `message` saying what was seen.
    pub fn diagnostic(self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.code().to_owned(),
            pointer: String::new(),
            message: message.into(),
            hint: self.entry().hint.to_owned(),
        }
    }
}

const MISTAKES: [Entry; Mistake::ALL.len()] = [
    entry(
        "encoding_mismatch",
        Stage::Decode,
        400,
        1104,
        "Content-Encoding: {declared}, but the body is {format}",
        "compress the serialized JSON with the encoding you declare and send those bytes unchanged; if you do not compress, omit Content-Encoding",
    ),
    entry(
        "raw_deflate",
        Stage::Decode,
        400,
        1104,
        "Content-Encoding: deflate, but the body is raw DEFLATE without the zlib wrapper",
        "deflate means the zlib format (RFC 1950): use zlib.compress / zlib.deflateSync, not a raw deflate stream; or send gzip",
    ),
    Entry {
        code: "double_compression",
        stage: Stage::Decode,
        status: None,
        vendor_code: None,
        message: "after {encoding} decoding the body is still {format}",
        hint: "compress once: your HTTP client or a proxy is compressing again; check the outbound body and Content-Encoding",
    },
    Entry {
        code: "undeclared_compression",
        stage: Stage::Decode,
        status: None,
        vendor_code: None,
        message: "no Content-Encoding, but the body is {format}",
        hint: "declare the compression with Content-Encoding: gzip or deflate, or send plain JSON",
    },
    entry(
        "signature_not_lowercase_hex",
        Stage::Signature,
        401,
        1812,
        "signature {uses uppercase hex digits|carries a prefix|is base64, not hex}",
        "send the HMAC-SHA256 as 64 lowercase hex characters, no prefix (hexdigest() in Python, digest('hex') in Node.js)",
    ),
    entry(
        "signed_compressed_bytes",
        Stage::Signature,
        401,
        1819,
        "the signature matches the compressed bytes, not the decoded JSON",
        "sign the serialized JSON before compressing it: serialize, sign, then compress and send",
    ),
    entry(
        "signed_other_serialization",
        Stage::Signature,
        401,
        1819,
        "the signature matches the same JSON serialized differently ({style}), not the bytes sent",
        "send the exact bytes you signed as the raw body (data= in requests, content= in httpx), not json=, which re-serializes",
    ),
    entry(
        "secret_whitespace",
        Stage::Signature,
        401,
        1819,
        "the secret carries {whitespace} ({where}): it was read from a file or environment with its line ending",
        "strip the secret you sign with: a file or Kubernetes secret read with its trailing newline is another key",
    ),
    entry(
        "secret_decoded",
        Stage::Signature,
        401,
        1819,
        "the signature is keyed with the secret {hex|base64}-decoded, not its UTF-8 bytes",
        "key the HMAC with the secret's UTF-8 bytes exactly as issued; do not hex- or base64-decode it",
    ),
    entry(
        "signed_with_api_key",
        Stage::Signature,
        401,
        1819,
        "the signature is keyed with the API key (X-AUTH-CLIENT), not the shared secret",
        "key the HMAC with the shared secret; the API key only goes in X-AUTH-CLIENT",
    ),
    entry(
        "secret_of_other_environment",
        Stage::Signature,
        401,
        1819,
        "the signature is keyed with the secret labelled {label}, not this server's",
        "use the shared secret of the environment you send to (check which configuration your deployment loads)",
    ),
    entry(
        "body_newline",
        Stage::Signature,
        401,
        1819,
        "the signature matches the body {with|without} a trailing {newline} ({tool})",
        "sign the exact bytes you send: echo and Go's json.Encoder add a newline, some HTTP tools strip one",
    ),
    entry(
        "line_endings_converted",
        Stage::Signature,
        401,
        1819,
        "the signature matches the body with {CRLF→LF|LF→CRLF} line endings",
        "sign and send the same bytes: a checkout, an editor or an HTTP tool converted the line endings",
    ),
    entry(
        "byte_order_mark",
        Stage::Signature,
        401,
        1819,
        "the signature matches the body {with|without} a UTF-8 byte order mark",
        "send and sign UTF-8 without a byte order mark (editors and the VS Code REST client may add one)",
    ),
    entry(
        "newlines_stripped",
        Stage::Signature,
        401,
        1819,
        "the body is indented JSON with its line breaks removed; the signature matches it with them",
        "send the file's bytes unchanged: curl -d @file strips newlines; use --data-binary @file",
    ),
    entry(
        "signed_other_text_encoding",
        Stage::Signature,
        401,
        1819,
        "the signature matches the body encoded as {encoding}, not the UTF-8 bytes sent",
        "encode the JSON as UTF-8 before signing and send those bytes (PowerShell and Java may default to Latin-1)",
    ),
    entry(
        "body_not_utf8",
        Stage::Json,
        400,
        1104,
        "the body is not UTF-8 but reads as Windows-1252 (sent as Latin-1)",
        "encode the body as UTF-8 (PowerShell's Invoke-RestMethod and Java's default charset may send Latin-1)",
    ),
    Entry {
        code: "json_encoded_twice",
        stage: Stage::Json,
        status: None,
        vendor_code: None,
        message: "the body is a JSON string that holds the JSON object: it was encoded twice",
        hint: "serialize once: json=json.dumps(payload) in requests encodes the string again; send data=payload_bytes",
    },
    Entry {
        code: "signed_placeholder",
        stage: Stage::Signature,
        status: None,
        vendor_code: None,
        message: "the signature matches {placeholder}: it was computed before the body existed",
        hint: "compute the signature from the final body bytes, after serialization (Postman pre-request scripts and axios interceptors may run too early)",
    },
    Entry {
        code: "wrong_algorithm",
        stage: Stage::Signature,
        status: None,
        vendor_code: None,
        message: "the signature is {algorithm}, not HMAC-SHA256",
        hint: "use HMAC-SHA256 keyed with the shared secret: hmac.new(secret, body, hashlib.sha256).hexdigest()",
    },
    Entry {
        code: "signature_tool_output",
        stage: Stage::Signature,
        status: None,
        vendor_code: None,
        message: "X-HMAC-SIGNATURE holds {tool output} around the digest",
        hint: "send only the 64 hex characters: cut the tool's prefix (openssl dgst prints \"(stdin)= \") and quotes",
    },
    entry(
        "signature_in_other_header",
        Stage::Signature,
        401,
        1812,
        "no X-HMAC-SIGNATURE, but header {name} holds a digest",
        "send the signature in X-HMAC-SIGNATURE (with hyphens: nginx drops headers with underscores)",
    ),
    entry(
        "intermediary_decompressed",
        Stage::Decode,
        400,
        1104,
        "Content-Encoding: {encoding} but the body is the signed JSON itself: something on the way decompressed it and kept the header",
        "have the proxy or gateway drop Content-Encoding when it decompresses (AWS API Gateway REST, serverless-http), or pass the body through untouched",
    ),
    entry(
        "signed_other_compression",
        Stage::Signature,
        401,
        1819,
        "the signature matches {other copy} of the compressed body, not the decoded JSON",
        "sign the JSON before compressing, and compress once: the client compressed twice, signed one copy and sent the other",
    ),
    entry(
        "body_dropped",
        Stage::Signature,
        401,
        1819,
        "the body is empty, but the signature is not that of an empty body: the body was dropped on the way",
        "check that your HTTP library or proxy forwards the body (a GET, a redirect or a stream read twice loses it)",
    ),
    Entry {
        code: "compression_not_worth_it",
        stage: Stage::Decode,
        status: Some(201),
        vendor_code: None,
        message: "{encoding} took a {n}-byte body to {m} bytes: {saved} µs saved on the {link} link ({mbps} Mbit/s, {rtt} ms round trip, {connection} connection), about {cpu} µs of CPU spent",
        hint: "send small bodies uncompressed; compress when consent texts make the body several KB (sessionkit threshold measures where)",
    },
];

/// The README's table of error kinds, as Markdown (a test keeps the README equal to it).
pub fn errors_table() -> String {
    table(ErrorKind::ALL.iter().map(|k| k.entry()))
}

/// The README's table of named mistakes, as Markdown (a test keeps the README equal to it).
pub fn mistakes_table() -> String {
    table(Mistake::ALL.iter().map(|m| m.entry()))
}

fn table<'a>(entries: impl Iterator<Item = &'a Entry>) -> String {
    let mut out = String::from(
        "| code | stage | status | vendor code | message | hint |\n|---|---|---|---|---|---|\n",
    );
    let or_varies = |n: Option<u16>| n.map_or("varies".to_owned(), |n| n.to_string());
    for e in entries {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            e.code,
            e.stage,
            or_varies(e.status),
            e.vendor_code.map_or_else(
                || if e.status == Some(201) {
                    "none".into()
                } else {
                    or_varies(None)
                },
                |n| n.to_string()
            ),
            e.message.replace('|', "\\|"),
            e.hint.replace('|', "\\|"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_across_errors_and_mistakes() {
        let mut seen = HashSet::new();
        for e in ERRORS.iter().chain(MISTAKES.iter()) {
            assert!(seen.insert(e.code), "{} is in the catalogue twice", e.code);
        }
    }

    #[test]
    fn each_kind_reads_its_own_entry() {
        // `ErrorKind::entry` indexes by discriminant: ALL, the enum and ERRORS share one order.
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn entries_sit_in_pipeline_order() {
        let stages: Vec<Stage> = ERRORS.iter().map(|e| e.stage).collect();
        assert!(stages.is_sorted(), "{stages:?}");
        for m in Mistake::ALL {
            assert_eq!(Mistake::from_code(m.code()), Some(m));
        }
    }
}
