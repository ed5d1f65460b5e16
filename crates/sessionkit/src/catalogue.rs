//! The one catalogue of every error kind, named mistake and schema violation (docs/contract.md §2,
//! §3, §5): stable code, stage, HTTP status, vendor code, message shape and hint, each written once.
//!
//! This is the bottom layer: it imports nothing of the crate. Answers, `verify`, the reference
//! server, the README's tables and the snapshots all read it (ripgrep keeps its flags in one table
//! that help, man page and completions read, for the same reason: two tables drift apart). Each
//! kind is one line of a [`catalogue!`] invocation, which writes the enum, its `ALL` list and its
//! entry from that one line (axum's `define_rejection!` does the same for its rejections). Adding a
//! mistake means one line here, one detector under `diagnose/` and one corpus case
//! (docs/architecture.md).

use std::fmt;

use serde::{Deserialize, Serialize};

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

    /// The stage of that name.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
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
    /// The shape of its message: literal text, with what varies in braces (`{length}`), and
    /// alternatives of fixed wording as `{with|without}`.
    pub message: &'static str,
    /// What the client should change.
    pub hint: &'static str,
}

impl Entry {
    /// True when `message` has this entry's shape: every literal part of the shape in order,
    /// a braced part standing for any text (one of its alternatives, when they are all literal
    /// words). Detectors' messages are checked against their entry with this (a test renders every
    /// message), so the wording cannot drift from the catalogue.
    pub fn admits(&self, message: &str) -> bool {
        admits(self.message, message)
    }
}

fn admits(shape: &str, message: &str) -> bool {
    let Some(open) = shape.find('{') else {
        return shape == message;
    };
    let Some(tail) = message.strip_prefix(&shape[..open]) else {
        return false;
    };
    let Some(close) = closing_brace(shape, open) else {
        return shape == message;
    };
    let (part, rest) = (&shape[open + 1..close], &shape[close + 1..]);
    let alternatives = top_level_alternatives(part);
    if alternatives.len() > 1 {
        // One of the alternatives, each a shape of its own, then the rest.
        return alternatives
            .iter()
            .any(|alt| admits(&format!("{alt}{rest}"), tail));
    }
    // A named part matches at least one character, at any length (backtracking over where it
    // ends): shapes are short and have few parts, so this stays cheap.
    (1..=tail.len()).any(|n| tail.is_char_boundary(n) && admits(rest, &tail[n..]))
}

/// The index of the `}` closing the `{` at `open`, braces nesting.
fn closing_brace(shape: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in shape[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `part` split at the `|`s outside nested braces.
fn top_level_alternatives(part: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in part.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(&part[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&part[start..]);
    out
}

/// One finding in a failure answer: an error, a named mistake or a violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable snake_case code.
    pub code: String,
    /// JSON pointer into the request body, or empty.
    pub pointer: String,
    /// What was found.
    pub message: String,
    /// What the client should change.
    pub hint: String,
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

/// An entry whose status and vendor code depend on the request (a mistake named beside
/// whichever error the request gets).
const fn varies(
    code: &'static str,
    stage: Stage,
    message: &'static str,
    hint: &'static str,
) -> Entry {
    Entry {
        code,
        stage,
        status: None,
        vendor_code: None,
        message,
        hint,
    }
}

/// A schema violation's entry: always a 400 of the schema stage.
const fn violation(
    code: &'static str,
    vendor_code: u16,
    message: &'static str,
    hint: &'static str,
) -> Entry {
    entry(code, Stage::Schema, 400, vendor_code, message, hint)
}

/// Writes an enum whose every variant is one catalogue line: the enum, `ALL` in declaration
/// order, `entry()`, `code()` and `from_code()`. One line per kind, so enum, list and table cannot
/// fall out of step.
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident => $entry:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl $name {
            /// Every kind, in the catalogue's order.
            pub const ALL: [$name; [$(stringify!($variant)),*].len()] = [$($name::$variant),*];

            /// Its catalogue entry: code, stage, status, vendor code, message shape and hint.
            pub fn entry(self) -> &'static Entry {
                match self {
                    $( $name::$variant => const { &$entry }, )*
                }
            }

            /// Stable snake_case code.
            pub fn code(self) -> &'static str {
                self.entry().code
            }

            /// The kind of that code.
            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|k| k.code() == code)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

const DECODE_HINT: &str = "send the compressed bytes exactly as the compressor produced them, with the matching Content-Encoding";
const JSON_HINT: &str = "send one JSON object, UTF-8, without repeated keys";
const VERIFICATION_HINT: &str =
    "send {\"verification\": {...}}; {\"verification\": {}} is the minimal body";

catalogue! {
    /// What went wrong, in pipeline order: headers → size → decode → signature → json → schema.
    ///
    /// Each kind has a stable snake_case [`code`](ErrorKind::code) carried by the corpus manifest,
    /// the CLI's `--format json`, the server's answers and the snapshots. Codes are never renamed.
    /// Where the vendor's tables have no code (413, 415), the HTTP status stands in, so clients
    /// can still switch on `code` alone (a project choice: conform does not hold others to it).
    pub enum ErrorKind {
        /// headers: no `X-AUTH-CLIENT` header.
        MissingApiKey => entry(
            "missing_api_key",
            Stage::Headers,
            401,
            1801,
            "missing X-AUTH-CLIENT header",
            "send your API key in X-AUTH-CLIENT",
        ),
        /// headers: the API key is not one the server knows.
        UnknownApiKey => entry(
            "unknown_api_key",
            Stage::Headers,
            401,
            1803,
            "{unknown|repeated} API key in X-AUTH-CLIENT",
            "check X-AUTH-CLIENT: the key is not one this server knows",
        ),
        /// headers: `Content-Type` is missing or not `application/json`.
        UnsupportedMediaType => entry(
            "unsupported_media_type",
            Stage::Headers,
            415,
            415,
            "{missing Content-Type|Content-Type {value} is not application/json}",
            "send Content-Type: application/json",
        ),
        /// headers: `Content-Encoding` is not absent, `gzip` or `deflate` (a list, `br`, two lines...).
        UnsupportedEncoding => entry(
            "unsupported_encoding",
            Stage::Headers,
            415,
            415,
            "{content encoding {value} is not supported (gzip, deflate)|combined content encodings are not supported ({value})|{n} content-encoding header lines, at most 1 allowed}",
            "send exactly one Content-Encoding line, gzip (recommended) or deflate, or none for plain JSON; lists and br are not supported, and a second line means a proxy or HTTP client compresses again",
        ),
        /// size: the body on the wire exceeds the limit.
        BodyTooLarge => entry(
            "body_too_large",
            Stage::Size,
            413,
            413,
            "body exceeds limit ({length} > {limit} bytes)",
            "send a smaller body",
        ),
        /// decode: the decoded body exceeds the limit (a decompression bomb stops here).
        DecodedTooLarge => entry(
            "decoded_too_large",
            Stage::Decode,
            413,
            413,
            "decoded body exceeds limit ({length} > {limit} bytes)",
            "send a smaller body",
        ),
        /// decode: the body does not start as the declared encoding does.
        NotEncoded => entry(
            "not_encoded",
            Stage::Decode,
            400,
            1104,
            "body is not {encoding} data (it looks like {format})",
            DECODE_HINT,
        ),
        /// decode: the compressed data is corrupt.
        CorruptStream => entry(
            "corrupt_stream",
            Stage::Decode,
            400,
            1104,
            "{format} data is corrupt: {reason} (zlib stopped at its byte {offset})",
            DECODE_HINT,
        ),
        /// decode: the compressed stream ends early.
        TruncatedStream => entry(
            "truncated_stream",
            Stage::Decode,
            400,
            1104,
            "{part} ends early",
            DECODE_HINT,
        ),
        /// decode: CRC-32, ISIZE or Adler-32 does not match the data.
        BadChecksum => entry(
            "bad_checksum",
            Stage::Decode,
            400,
            1104,
            "{checksum} mismatch (trailer {expected}, data {found})",
            DECODE_HINT,
        ),
        /// decode: bytes follow the end of the compressed stream.
        TrailingData => entry(
            "trailing_data",
            Stage::Decode,
            400,
            1104,
            "{n} bytes follow the {last gzip member|zlib stream}",
            DECODE_HINT,
        ),
        /// signature: no `X-HMAC-SIGNATURE` header.
        MissingSignature => entry(
            "missing_signature",
            Stage::Signature,
            401,
            1812,
            "missing X-HMAC-SIGNATURE header",
            "send X-HMAC-SIGNATURE: the HMAC-SHA256 of the uncompressed body",
        ),
        /// signature: not 64 lowercase hex characters.
        MalformedSignature => entry(
            "malformed_signature",
            Stage::Signature,
            401,
            1812,
            "{signature {why}|{n} X-HMAC-SIGNATURE header lines, exactly 1 expected}",
            "send one X-HMAC-SIGNATURE line: 64 lowercase hex characters, no prefix",
        ),
        /// signature: does not match the decoded body under any active secret.
        SignatureMismatch => entry(
            "signature_mismatch",
            Stage::Signature,
            401,
            1819,
            "signature does not match the {decoded body|session id}",
            "sign the exact uncompressed bytes you send, with the shared secret, before compressing",
        ),
        /// signature: no X-HMAC-SIGNATURE, and X-SIGNATURE is not the legacy digest of this body.
        LegacySignatureMismatch => entry(
            "legacy_signature_mismatch",
            Stage::Signature,
            401,
            1814,
            "X-SIGNATURE does not match the legacy SHA-256 of the decoded body followed by the shared secret",
            "send HMAC-SHA256 of the uncompressed body in X-HMAC-SIGNATURE; in the legacy X-SIGNATURE, sha256(body + secret) of the exact bytes sent",
        ),
        /// json: the decoded body is not UTF-8.
        InvalidUtf8 => entry(
            "invalid_utf8",
            Stage::Json,
            400,
            1104,
            "body is not valid UTF-8 (first bad byte at offset {offset})",
            JSON_HINT,
        ),
        /// json: the decoded body is not JSON.
        InvalidJson => entry(
            "invalid_json",
            Stage::Json,
            400,
            1104,
            "body is not valid JSON ({reason} at line {line} column {column})",
            JSON_HINT,
        ),
        /// json: a number beyond the range of a double (RFC 8259 §6 lets a reader limit it).
        NumberOutOfRange => entry(
            "number_out_of_range",
            Stage::Json,
            400,
            1104,
            "a number beyond the range of a double at line {line} column {column}",
            JSON_HINT,
        ),
        /// json: an object repeats a key.
        DuplicateKey => entry(
            "duplicate_key",
            Stage::Json,
            400,
            1104,
            "duplicate key at {pointer}",
            JSON_HINT,
        ),
        /// json: nesting deeper than 64 levels.
        TooDeep => entry(
            "too_deep",
            Stage::Json,
            400,
            1104,
            "nesting deeper than 64 levels at {pointer}",
            JSON_HINT,
        ),
        /// json: the top level is not an object.
        NotAnObject => entry(
            "not_an_object",
            Stage::Json,
            400,
            1104,
            "body is not a JSON object",
            JSON_HINT,
        ),
        /// json: the top-level object has no `verification`.
        MissingVerification => entry(
            "missing_verification",
            Stage::Json,
            400,
            1102,
            "required property verification is missing",
            VERIFICATION_HINT,
        ),
        /// json: `verification` is not an object.
        VerificationNotObject => entry(
            "verification_not_object",
            Stage::Json,
            400,
            1104,
            "verification is not an object",
            VERIFICATION_HINT,
        ),
        /// schema: the body violates the profile's schema; the violations list says where.
        SchemaViolation => entry(
            "schema_violation",
            Stage::Schema,
            400,
            1104,
            "{{n} schema {violation|violations} ({profile} profile)|body passes the schema but not the typed model ({why})}",
            "fix every violation listed",
        ),
    }
}

impl ErrorKind {
    /// The pipeline stage the kind belongs to.
    pub fn stage(self) -> Stage {
        self.entry().stage
    }

    /// The HTTP status of the answer (docs/contract.md §2).
    pub fn status(self) -> u16 {
        // Every error entry has a status; only mistakes may leave it to the request.
        self.entry().status.unwrap_or(400)
    }

    /// The vendor error code of the answer (docs/contract.md §3).
    pub fn vendor_code(self) -> u16 {
        // Every error entry has a vendor code; only mistakes may leave it to the request.
        self.entry().vendor_code.unwrap_or(1104)
    }

    /// Headers the answer must carry: `Accept-Encoding` on a 415 for the encoding (RFC 9110
    /// §12.5.3, docs/contract.md §1).
    pub fn answer_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            ErrorKind::UnsupportedEncoding => &[("Accept-Encoding", "gzip, deflate")],
            _ => &[],
        }
    }
}

catalogue! {
    /// A client mistake the server names beside the error (docs/contract.md §5). None of them
    /// reveals an expected signature or a secret: they say *which bytes* the client signed or
    /// sent, never what the right signature would have been, so the server is no signing oracle.
    ///
    /// `unsupported_encoding`, the contract's other named mistake, is the error kind of that name:
    /// it is listed once, as an error. Order: those the decode stage sees, then the signature
    /// stage's, then the advisory.
    pub enum Mistake {
        /// `Content-Encoding` declared, but the body is not of that encoding.
        EncodingMismatch => entry(
            "encoding_mismatch",
            Stage::Decode,
            400,
            1104,
            "Content-Encoding: {declared}, but the body is {format}",
            "compress the serialized JSON with the encoding you declare and send those bytes unchanged; if you do not compress, omit Content-Encoding",
        ),
        /// `deflate` declared, the body is raw DEFLATE without the zlib wrapper.
        RawDeflate => entry(
            "raw_deflate",
            Stage::Decode,
            400,
            1104,
            "Content-Encoding: deflate, but the body is raw DEFLATE without the zlib wrapper",
            "deflate means the zlib format (RFC 1950): use zlib.compress / zlib.deflateSync, not a raw deflate stream; or send gzip",
        ),
        /// After decoding, the body is still gzip or zlib.
        DoubleCompression => varies(
            "double_compression",
            Stage::Decode,
            "after {encoding} decoding the body is still {format}",
            "compress once: your HTTP client or a proxy is compressing again; check the outbound body and Content-Encoding",
        ),
        /// No `Content-Encoding`, but the body is gzip or zlib.
        UndeclaredCompression => varies(
            "undeclared_compression",
            Stage::Decode,
            "no Content-Encoding, but the body is {format}",
            "declare the compression with Content-Encoding: gzip or deflate, or send plain JSON",
        ),
        /// The signature is not 64 lowercase hex characters (uppercase, a prefix, base64).
        SignatureNotLowercaseHex => entry(
            "signature_not_lowercase_hex",
            Stage::Signature,
            401,
            1812,
            "signature {uses uppercase hex digits|carries a {prefix} prefix|is base64, not hex}",
            "send the HMAC-SHA256 as 64 lowercase hex characters, no prefix (hexdigest() in Python, digest('hex') in Node.js)",
        ),
        /// The signature matches the compressed wire bytes.
        SignedCompressedBytes => entry(
            "signed_compressed_bytes",
            Stage::Signature,
            401,
            1819,
            "the signature matches the compressed bytes, not the decoded JSON",
            "sign the serialized JSON before compressing it: serialize, sign, then compress and send",
        ),
        /// The signature matches a re-serialization of the same JSON.
        SignedOtherSerialization => entry(
            "signed_other_serialization",
            Stage::Signature,
            401,
            1819,
            "the signature matches the same JSON serialized differently ({style}), not the bytes sent",
            "send the exact bytes you signed as the raw body (data= in requests, content= in httpx), not json=, which re-serializes",
        ),
        /// the HMAC matches with the secret plus a leading or trailing newline, CRLF or space.
        SecretWhitespace => entry(
            "secret_whitespace",
            Stage::Signature,
            401,
            1819,
            "the signature is keyed with the secret plus {a leading newline|a trailing newline|a trailing CRLF|a trailing space}",
            "strip the secret you sign with: a file or Kubernetes secret read with its trailing newline is another key",
        ),
        /// it matches with the secret hex- or base64-decoded.
        SecretDecoded => entry(
            "secret_decoded",
            Stage::Signature,
            401,
            1819,
            "the signature is keyed with the secret {hex|base64}-decoded, not its UTF-8 bytes",
            "key the HMAC with the secret's UTF-8 bytes exactly as issued; do not hex- or base64-decode it",
        ),
        /// it matches with the API key as the HMAC key.
        SignedWithApiKey => entry(
            "signed_with_api_key",
            Stage::Signature,
            401,
            1819,
            "the signature is keyed with the API key (X-AUTH-CLIENT), not the shared secret",
            "key the HMAC with the shared secret; the API key only goes in X-AUTH-CLIENT",
        ),
        /// it matches another secret the server knows under a label, for the same API key.
        SecretOfOtherEnvironment => entry(
            "secret_of_other_environment",
            Stage::Signature,
            401,
            1819,
            "the signature is keyed with the secret labelled {label}, not this server's",
            "use the shared secret of the environment you send to (check which configuration your deployment loads)",
        ),
        /// it matches the body with a trailing \n or \r\n added or removed.
        BodyNewline => entry(
            "body_newline",
            Stage::Signature,
            401,
            1819,
            "the signature matches the body {without its trailing {newline}: a tool added it to the body sent|with a trailing {newline}, which the body sent lacks}",
            "sign the exact bytes you send: echo and Go's json.Encoder add a newline, some HTTP tools strip one",
        ),
        /// it matches with CRLF and LF swapped.
        LineEndingsConverted => entry(
            "line_endings_converted",
            Stage::Signature,
            401,
            1819,
            "the signature matches the body with {CRLF→LF|LF→CRLF} line endings",
            "sign and send the same bytes: a checkout, an editor or an HTTP tool converted the line endings",
        ),
        /// it matches with a UTF-8 BOM added or removed.
        ByteOrderMark => entry(
            "byte_order_mark",
            Stage::Signature,
            401,
            1819,
            "the signature matches the body {without the UTF-8 byte order mark it was sent with|with a UTF-8 byte order mark the body sent lacks}",
            "send and sign UTF-8 without a byte order mark (editors and the VS Code REST client may add one)",
        ),
        /// the body is indented JSON without line breaks and the HMAC matches it pretty-printed.
        NewlinesStripped => entry(
            "newlines_stripped",
            Stage::Signature,
            401,
            1819,
            "the body is indented JSON with its line breaks removed; the signature matches it with them",
            "send the file's bytes unchanged: curl -d @file strips newlines; use --data-binary @file",
        ),
        /// it matches the text encoded as Latin-1/Windows-1252, or with non-ASCII replaced by ?.
        SignedOtherTextEncoding => entry(
            "signed_other_text_encoding",
            Stage::Signature,
            401,
            1819,
            "the signature matches the body encoded as {encoding}, not the UTF-8 bytes sent",
            "encode the JSON as UTF-8 before signing and send those bytes (PowerShell and Java may default to Latin-1)",
        ),
        /// the body is not UTF-8 but is valid Windows-1252.
        BodyNotUtf8 => entry(
            "body_not_utf8",
            Stage::Json,
            400,
            1104,
            "the body is not UTF-8 but reads as Windows-1252 (sent as Latin-1)",
            "encode the body as UTF-8 (PowerShell's Invoke-RestMethod and Java's default charset may send Latin-1)",
        ),
        /// the body is UTF-16 or UTF-32 (a byte order mark, or the NUL bytes of ASCII text in them).
        BodyUtf16OrUtf32 => entry(
            "body_utf16_or_utf32",
            Stage::Json,
            400,
            1104,
            "the body is {UTF-16LE|UTF-16BE|UTF-32LE|UTF-32BE}{, with a byte order mark|}, not UTF-8",
            "encode the body as UTF-8 without a byte order mark (.NET's Encoding.Unicode and Python's str.encode('utf-16') write UTF-16)",
        ),
        /// the body is a JSON string holding the JSON object.
        JsonEncodedTwice => varies(
            "json_encoded_twice",
            Stage::Json,
            "the body is a JSON string that holds the JSON object: it was encoded twice",
            "serialize once: json=json.dumps(payload) in requests encodes the string again; send data=payload_bytes",
        ),
        /// the HMAC matches "", {}, null, undefined or [object Object].
        SignedPlaceholder => varies(
            "signed_placeholder",
            Stage::Signature,
            "the signature matches {placeholder}: it was computed before the body existed",
            "compute the signature from the final body bytes, after serialization (Postman pre-request scripts and axios interceptors may run too early)",
        ),
        /// the signature is the API's legacy scheme: SHA-256 of the body followed by the secret.
        LegacySignatureScheme => varies(
            "legacy_signature_scheme",
            Stage::Signature,
            "{the signature|X-SIGNATURE} is the legacy SHA-256 of the body followed by the shared secret (the X-SIGNATURE scheme){, not HMAC-SHA256|: valid in that scheme; the current one is HMAC-SHA256 in X-HMAC-SIGNATURE}",
            "X-HMAC-SIGNATURE takes HMAC-SHA256 keyed with the shared secret: hmac.new(secret, body, hashlib.sha256).hexdigest(); sha256(body + secret) is the older X-SIGNATURE header's scheme, copied from old samples",
        ),
        /// the signature is HMAC-SHA1 or HMAC-SHA512, or a plain SHA-256 of the body or of secret and body.
        WrongAlgorithm => varies(
            "wrong_algorithm",
            Stage::Signature,
            "the signature is {algorithm}, not HMAC-SHA256",
            "use HMAC-SHA256 keyed with the shared secret: hmac.new(secret, body, hashlib.sha256).hexdigest()",
        ),
        /// the header holds a tool's output around a valid digest: (stdin)= , SHA2-256(stdin)= , quotes, sha256= with a space.
        SignatureToolOutput => varies(
            "signature_tool_output",
            Stage::Signature,
            "X-HMAC-SIGNATURE holds {tool output} around the digest",
            "send only the 64 hex characters: cut the tool's prefix (openssl dgst prints \"(stdin)= \") and quotes",
        ),
        /// several signatures in one X-HMAC-SIGNATURE line (`sig1, sig2`).
        SignaturesInOneLine => entry(
            "signatures_in_one_line",
            Stage::Signature,
            401,
            1812,
            "X-HMAC-SIGNATURE holds {n} signatures in one line; {which of them matches this body}",
            "set X-HMAC-SIGNATURE on each request, not on a shared client's default headers: they accumulate one value per request (.NET HttpClient.DefaultRequestHeaders sends them joined by commas)",
        ),
        /// no X-HMAC-SIGNATURE, but a digest sits in another header.
        SignatureInOtherHeader => entry(
            "signature_in_other_header",
            Stage::Signature,
            401,
            1812,
            "no X-HMAC-SIGNATURE, but header {name} holds a digest",
            "send the signature in X-HMAC-SIGNATURE (with hyphens: nginx drops headers with underscores)",
        ),
        /// Content-Encoding is declared, the body is plain JSON, and the HMAC over it is valid.
        IntermediaryDecompressed => entry(
            "intermediary_decompressed",
            Stage::Decode,
            400,
            1104,
            "Content-Encoding: {encoding} but the body is the signed JSON itself: something on the way decompressed it and kept the header",
            "have the proxy or gateway drop Content-Encoding when it decompresses (AWS API Gateway REST, serverless-http), or pass the body through untouched",
        ),
        /// the HMAC matches another compressed copy of the same JSON.
        SignedOtherCompression => entry(
            "signed_other_compression",
            Stage::Signature,
            401,
            1819,
            "the signature matches {{other copy} of the compressed body|the same JSON compressed anew at level {level}}, not the decoded JSON",
            "sign the JSON before compressing, and compress once: the client compressed twice, signed one copy and sent the other",
        ),
        /// the body is empty but a signature of something else is present.
        BodyDropped => entry(
            "body_dropped",
            Stage::Signature,
            401,
            1819,
            "the body is empty, but the signature is not that of an empty body: the body was dropped on the way",
            "check that your HTTP library or proxy forwards the body (a GET, a redirect or a stream read twice loses it)",
        ),
        /// Advisory: no `X-HMAC-SIGNATURE`, accepted as the API accepts session creation unsigned.
        UnsignedRequest => Entry {
            code: "unsigned_request",
            stage: Stage::Signature,
            status: Some(201),
            vendor_code: None,
            message: "no X-HMAC-SIGNATURE: accepted, as the API accepts POST /v1/sessions unsigned; a signature that is sent must be right",
            hint: "sign the uncompressed body (HMAC-SHA256, lowercase hex) in X-HMAC-SIGNATURE: the strict profile and serve --require-signature refuse unsigned requests",
        },
        /// Advisory: the body was compressed where compression costs more than it saves.
        CompressionNotWorthIt => Entry {
            code: "compression_not_worth_it",
            stage: Stage::Decode,
            status: Some(201),
            vendor_code: None,
            message: "{encoding} took a {n}-byte body to {m} bytes: {saved} µs saved on the {link} link ({mbps} Mbit/s, {rtt} ms round trip, {connection} connection), about {cpu} µs of CPU spent",
            hint: "send small bodies uncompressed; compress when consent texts make the body several KB (sessionkit threshold measures where)",
        },
    }
}

impl Mistake {
    /// True for advice that never changes the answer.
    pub fn is_advisory(self) -> bool {
        matches!(
            self,
            Mistake::CompressionNotWorthIt | Mistake::UnsignedRequest
        )
    }

    /// The diagnostic naming this mistake in its entry's words, for a mistake whose message has
    /// nothing that varies.
    pub fn named(self) -> Diagnostic {
        self.diagnostic(self.entry().message)
    }

    /// The diagnostic naming this mistake, with `message` saying what was seen (of the entry's
    /// shape: a test holds every detector to it).
    pub fn diagnostic(self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.code().to_owned(),
            pointer: String::new(),
            message: message.into(),
            hint: self.entry().hint.to_owned(),
        }
    }
}

catalogue! {
    /// What the schema stage found wrong with one value (docs/contract.md §4). The vendor code of
    /// a schema refusal is its first violation's.
    pub enum ViolationKind {
        /// A required member is missing (`verification`; `text` of an approved `eid` consent;
        /// `name` of an acceptable type).
        MissingProperty => violation(
            "missing_property",
            1102,
            "{what} is {missing|required when type is eid and approved is true}",
            "send every required member",
        ),
        /// A value of the wrong JSON type.
        WrongType => violation(
            "wrong_type",
            1104,
            "{field} must be of type {expected} (found {found})",
            "send the documented JSON type",
        ),
        /// `vendorData` is not a string (strict), or not a string or integer (documented).
        VendorDataNotString => violation(
            "vendor_data_not_string",
            1501,
            "vendorData must be of type {expected} (found {found})",
            "send vendorData as a string",
        ),
        /// `vendorData` over 1,000 characters.
        VendorDataTooLong => violation(
            "vendor_data_too_long",
            1500,
            "vendorData is too long ({chars} > {limit} characters)",
            "send at most 1,000 characters of vendorData",
        ),
        /// `tag` over 64 characters.
        TagTooLong => violation(
            "tag_too_long",
            1104,
            "tag is too long ({chars} > {limit} characters)",
            "send at most 64 characters of tag",
        ),
        /// Another string over its documented length.
        TooLong => violation(
            "too_long",
            1104,
            "{field} is too long ({chars} > {limit} characters)",
            "send a shorter value",
        ),
        /// A date that is not `YYYY-MM-DD` or not on the calendar.
        InvalidDate => violation(
            "invalid_date",
            1203,
            "{field} is not a real calendar date in YYYY-MM-DD format ({value})",
            "send a calendar date as YYYY-MM-DD",
        ),
        /// A consent timestamp that is not RFC 3339 in UTC.
        InvalidTimestamp => violation(
            "invalid_timestamp",
            1104,
            "timestamp must be an RFC 3339 date-time in UTC (Z) ({value})",
            "send the time as YYYY-MM-DDTHH:MM:SS(.sss)Z",
        ),
        /// Not two capital letters.
        InvalidCountry => violation(
            "invalid_country",
            1104,
            "country must be two capital letters (ISO 3166-1 alpha-2) ({value})",
            "send an ISO 3166-1 alpha-2 code in capitals",
        ),
        /// `document.number` with anything but ASCII letters and digits.
        InvalidDocumentNumber => violation(
            "invalid_document_number",
            1104,
            "number must be ASCII letters and digits only ({value})",
            "send the document number without spaces or punctuation",
        ),
        /// `document.idCardType` with anything but ASCII letters.
        InvalidIdCardType => violation(
            "invalid_id_card_type",
            1104,
            "idCardType must be ASCII letters only ({value})",
            "send the ID card type as letters only",
        ),
        /// `endUserId` is not a UUID.
        InvalidUuid => violation(
            "invalid_uuid",
            1104,
            "endUserId must be a UUID ({value})",
            "send endUserId as a UUID",
        ),
        /// `callback` or `hostAppLink` is not an absolute URI.
        InvalidUri => violation(
            "invalid_uri",
            1104,
            "{callback|hostAppLink} must be an absolute URI ({value})",
            "send an absolute URI in RFC 3986 ASCII (punycode hosts, percent-encoded paths)",
        ),
        /// `callback` is not HTTPS (strict).
        CallbackNotHttps => violation(
            "callback_not_https",
            1302,
            "callback must be an https URL ({value})",
            "send an https callback",
        ),
        /// `mxIne`/`mxIfe` string with non-digits (strict).
        NotDigits => violation(
            "not_digits",
            1104,
            "{mxIne|mxIfe} must be a string of digits ({value})",
            "send the identifier as digits only",
        ),
        /// Another value not of its documented format.
        InvalidFormat => violation(
            "invalid_format",
            1104,
            "{field} must be of the documented format ({value})",
            "send the documented format",
        ),
        /// A value outside an enumeration (`document.type`, `person.maritalStatus`).
        NotAllowedValue => violation(
            "not_allowed_value",
            1104,
            "{field} must be one of {values}",
            "send one of the listed values",
        ),
        /// A property the documentation does not name (a warning in the documented profile).
        UnknownProperty => violation(
            "unknown_property",
            1104,
            "unknown property {name}",
            "check the property's spelling against the documentation",
        ),
        /// The findings past the first [`crate::schema::LISTED_AT_MOST`] of a list, counted, not
        /// listed: a flood of unknown members costs the answer, the journal and the report no more
        /// than a few lines.
        MoreFindings => violation(
            "more_findings",
            1104,
            "{count} more {errors|warnings} not listed",
            "fix the listed ones first; the count says how many more there are",
        ),
        /// Any other schema rule the body breaks.
        Other => violation(
            "schema_violation",
            1104,
            "{what}",
            "fix the value the pointer names",
        ),
    }
}

/// The README's table of error kinds, as Markdown (a test keeps the README equal to it).
pub fn errors_table() -> String {
    table(ErrorKind::ALL.iter().map(|k| k.entry()))
}

/// The README's table of named mistakes, as Markdown (a test keeps the README equal to it).
pub fn mistakes_table() -> String {
    table(Mistake::ALL.iter().map(|m| m.entry()))
}

/// The README's table of schema violations, as Markdown (a test keeps the README equal to it).
pub fn violations_table() -> String {
    let mut out = String::from("| code | vendor code | message | hint |\n|---|---|---|---|\n");
    for e in ViolationKind::ALL.iter().map(|v| v.entry()) {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            e.code,
            e.vendor_code.unwrap_or(1104),
            cell(e.message),
            cell(e.hint),
        ));
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn table<'a>(entries: impl Iterator<Item = &'a Entry>) -> String {
    let mut out = String::from(
        "| code | stage | status | vendor code | message | hint |\n|---|---|---|---|---|---|\n",
    );
    let or_varies = |n: Option<u16>| n.map_or("varies".to_owned(), |n| n.to_string());
    for e in entries {
        let vendor = match (e.vendor_code, e.status) {
            (Some(n), _) => n.to_string(),
            (None, Some(201)) => "none".into(),
            (None, _) => or_varies(None),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            e.code,
            e.stage,
            or_varies(e.status),
            vendor,
            cell(e.message),
            cell(e.hint),
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
        let errors = ErrorKind::ALL.iter().map(|k| k.entry());
        for e in errors.chain(Mistake::ALL.iter().map(|m| m.entry())) {
            assert!(seen.insert(e.code), "{} is in the catalogue twice", e.code);
        }
        let mut violations = HashSet::new();
        for v in ViolationKind::ALL {
            assert!(violations.insert(v.code()), "{v} is listed twice");
            assert_eq!(ViolationKind::from_code(v.code()), Some(v));
        }
    }

    #[test]
    fn entries_sit_in_pipeline_order() {
        let stages: Vec<Stage> = ErrorKind::ALL.iter().map(|k| k.stage()).collect();
        assert!(stages.is_sorted(), "{stages:?}");
        for m in Mistake::ALL {
            assert_eq!(Mistake::from_code(m.code()), Some(m));
        }
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn a_shape_admits_its_fillings_and_nothing_else() {
        let e = ErrorKind::BodyTooLarge.entry();
        assert!(e.admits("body exceeds limit (1048577 > 1048576 bytes)"));
        assert!(!e.admits("body exceeds limit (1048577 > 1048576 byte)"));
        assert!(
            !e.admits("body exceeds limit ( > 1048576 bytes)"),
            "a part is never empty"
        );
        assert!(
            ErrorKind::NotAnObject
                .entry()
                .admits("body is not a JSON object")
        );
        assert!(
            !ErrorKind::NotAnObject
                .entry()
                .admits("body is not a JSON object!")
        );
        let twice = Mistake::JsonEncodedTwice.entry();
        let with = Mistake::ByteOrderMark.entry();
        assert!(with.admits(
            "the signature matches the body without the UTF-8 byte order mark it was sent with"
        ));
        assert!(!with.admits("the signature matches the body within the UTF-8 byte order mark"));
        let media = ErrorKind::UnsupportedMediaType.entry();
        assert!(media.admits("missing Content-Type"));
        assert!(media.admits("Content-Type \"text/plain\" is not application/json"));
        assert!(!media.admits("Content-Type is not application/json"));
        assert!(!twice.admits("the body is a JSON string that holds the signed JSON object"));
    }
}
