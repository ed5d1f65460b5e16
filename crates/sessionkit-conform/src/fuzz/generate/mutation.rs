//! What a case changes: the mutations, named by the stage they aim at, and how header names are
//! spelled; with the payload and the encoding they make an [`Input`].

use serde::Serialize;
use serde_json::Value;
use sessionkit::codec::Encoding;
use sessionkit::headers::Headers;

/// How the signature is made wrong (the mistakes the doctor names, and plain ones).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SignMistake {
    Missing,
    OverCompressed,
    Uppercase,
    Prefixed,
    SecretNewline,
    WrongSecret,
    Truncated,
    TwoHeaders,
    ApiKeyAsKey,
    Placeholder,
    HmacSha512,
    ToolOutput,
    OtherHeader,
    /// The JSON signed, then sent with a trailing newline (echo, Go's json.Encoder).
    BodyNewline,
    /// The JSON signed, then sent after a byte order mark.
    ByteOrderMark,
    /// The compact JSON signed, pretty JSON sent (an HTTP library re-serialized it).
    Reserialized,
    /// The JSON signed, a JSON string holding it sent (encoded twice).
    EncodedTwice,
    /// The JSON signed, an empty body sent (dropped on the way).
    BodyDropped,
    /// A plain SHA-256 of the JSON instead of the HMAC.
    PlainSha256,
}

/// One change to a valid request, named by the stage it aims at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Mutation {
    /// The request as the contract wants it.
    Valid,
    /// headers: `Content-Encoding` sent as this text.
    EncodingHeader(String),
    /// headers: two `Content-Encoding` lines.
    DuplicateEncoding,
    /// headers: `Content-Type` sent as this text.
    ContentType(String),
    /// headers: this API key (`None`: no `X-AUTH-CLIENT`).
    ApiKey(Option<String>),
    /// size: a consent text making the JSON about this many bytes.
    Size(usize),
    /// decode: compression level.
    Level(u32),
    /// decode: the gzip body split into this many members.
    Members(usize),
    /// decode: gzip header flags (FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16) and mtime.
    GzipHeader(u8, u32),
    /// decode: the last N bytes cut off.
    Truncate(usize),
    /// decode: a byte this far from the end flipped.
    FlipFromEnd(usize),
    /// decode: bytes after the stream.
    Trailing(Vec<u8>),
    /// decode: raw DEFLATE declared as deflate.
    RawDeflate,
    /// signature: one of the mistakes.
    Sign(SignMistake),
    /// json: pretty-printed.
    Pretty,
    /// json: `verification`'s members in reverse order.
    Reordered,
    /// json: every non-ASCII character escaped, and `/` as `\/`.
    Escaped,
    /// json: the value nested this deep at `verification.nested`.
    Nested(usize),
    /// json: a number written this way at `verification.amount`.
    Number(String),
    /// json: a key twice.
    DuplicateKey,
    /// json: a byte that is not UTF-8 in a string.
    InvalidUtf8,
    /// json: a byte order mark first.
    ByteOrderMark,
    /// schema: the member at this pointer set to this value.
    Set(String, Value),
    /// schema: the member at this pointer removed.
    Remove(String),
    /// schema: `vendorData` written as this number text (the echo must keep it as sent).
    VendorNumber(String),
    /// The coverage phase: the payload holds a value at one constraint's boundary, named here.
    Probe(String),
}

impl Mutation {
    /// The family of mutations it belongs to, for grouping findings: its kind, and for a schema
    /// mutation the member it changes (a bug in one field's rule is not one in another's).
    pub fn family(&self) -> String {
        let field = |pointer: &str| pointer.rsplit('/').next().unwrap_or("").to_owned();
        match self {
            Mutation::Valid => "valid".into(),
            Mutation::EncodingHeader(_) => "content-encoding".into(),
            Mutation::DuplicateEncoding => "two content-encoding lines".into(),
            Mutation::ContentType(_) => "content-type".into(),
            Mutation::ApiKey(_) => "api key".into(),
            Mutation::Size(_) => "size".into(),
            Mutation::Level(_) => "compression level".into(),
            Mutation::Members(_) => "gzip members".into(),
            Mutation::GzipHeader(..) => "gzip header".into(),
            Mutation::Truncate(_) => "truncated".into(),
            Mutation::FlipFromEnd(_) => "flipped byte".into(),
            Mutation::Trailing(_) => "trailing bytes".into(),
            Mutation::RawDeflate => "raw deflate".into(),
            Mutation::Sign(mistake) => format!("signature {mistake:?}").to_lowercase(),
            Mutation::Pretty => "pretty-printed".into(),
            Mutation::Reordered => "reordered".into(),
            Mutation::Escaped => "escaped".into(),
            Mutation::Nested(_) => "nesting".into(),
            Mutation::Number(_) => "number".into(),
            Mutation::DuplicateKey => "duplicate key".into(),
            Mutation::InvalidUtf8 => "invalid utf-8".into(),
            Mutation::ByteOrderMark => "byte order mark".into(),
            Mutation::Set(pointer, _) => format!("{} set", field(pointer)),
            Mutation::Remove(pointer) => format!("{} removed", field(pointer)),
            Mutation::VendorNumber(_) => "vendorData number".into(),
            Mutation::Probe(constraint) => format!("coverage {constraint}"),
        }
    }

    /// The stage the mutation aims at, for the summary.
    pub fn stage(&self) -> &'static str {
        match self {
            Mutation::Valid => "valid",
            Mutation::EncodingHeader(_)
            | Mutation::DuplicateEncoding
            | Mutation::ContentType(_)
            | Mutation::ApiKey(_) => "headers",
            Mutation::Size(_) => "size",
            Mutation::Level(_)
            | Mutation::Members(_)
            | Mutation::GzipHeader(..)
            | Mutation::Truncate(_)
            | Mutation::FlipFromEnd(_)
            | Mutation::Trailing(_)
            | Mutation::RawDeflate => "decode",
            Mutation::Sign(_) => "signature",
            Mutation::Pretty
            | Mutation::Reordered
            | Mutation::Escaped
            | Mutation::Nested(_)
            | Mutation::Number(_)
            | Mutation::DuplicateKey
            | Mutation::InvalidUtf8
            | Mutation::ByteOrderMark => "json",
            Mutation::Set(..)
            | Mutation::Remove(_)
            | Mutation::VendorNumber(_)
            | Mutation::Probe(_) => "schema",
        }
    }
}

/// Everything a request is built from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub payload: Value,
    #[serde(serialize_with = "encoding_name")]
    pub encoding: Encoding,
    pub mutation: Mutation,
    /// How the header names are spelled and ordered (RFC 9110 §5.1: names are case-insensitive,
    /// and the order of different names carries no meaning).
    pub spelling: Spelling,
}

/// How a request's header names are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Spelling {
    /// As the documentation's examples write them (`X-AUTH-CLIENT`, `Content-Type`).
    #[default]
    Documented,
    /// `x-auth-client`, as HTTP/2 and many libraries send them.
    Lower,
    /// `X-Auth-Client`.
    Title,
    /// `CONTENT-TYPE`.
    Upper,
    /// The documented names in the reverse order.
    Reversed,
}

impl Spelling {
    pub(super) fn apply(self, headers: Headers) -> Headers {
        let title = |name: &str| {
            name.split('-')
                .map(|w| {
                    let mut chars = w.chars();
                    chars.next().map_or(String::new(), |c| {
                        c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join("-")
        };
        let lines: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let renamed = lines.into_iter().map(|(name, value)| {
            let name = match self {
                Spelling::Documented | Spelling::Reversed => name,
                Spelling::Lower => name.to_ascii_lowercase(),
                Spelling::Title => title(&name),
                Spelling::Upper => name.to_ascii_uppercase(),
            };
            (name, value)
        });
        if self == Spelling::Reversed {
            renamed.rev().collect()
        } else {
            renamed.collect()
        }
    }
}

impl Input {
    /// `payload` as the contract wants it: uncompressed, unmutated.
    pub fn plain(payload: Value) -> Self {
        Input {
            payload,
            encoding: Encoding::Identity,
            mutation: Mutation::Valid,
            spelling: Spelling::Documented,
        }
    }
}

pub(super) fn encoding_name<S: serde::Serializer>(e: &Encoding, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.name())
}
