//! Generation: a valid payload (one of the documentation's examples with random values in its
//! documented fields), then one mutation aimed at one stage, built into the exact request bytes
//! and signed with the target's credentials unless the mutation is about the signature. Every
//! input is a plain value (`Input`), so that a finding can be rebuilt, shrunk and written out.

use serde::Serialize;
use serde_json::{Value, json};
use sessionkit::codec::Encoding;
use sessionkit::crypto::Algorithm;
use sessionkit::headers::Headers;

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of case `index` in a run seeded with `seed`: each case depends on these two
    /// only, so the same seed sends the same requests whatever the concurrency.
    pub fn for_case(seed: u64, index: u64) -> Self {
        let mut rng = Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Characters strings are made of: ASCII, two-, three- and four-byte UTF-8 (beyond the BMP, so
/// two UTF-16 units), and a few rare ones servers trip on.
const CHARACTERS: [&str; 30] = [
    "a",
    "Z",
    "7",
    " ",
    "-",
    "ü",
    "ñ",
    "é",
    "ß",
    "€",
    "ẞ",
    "中",
    "😀",
    "𝄞",
    // A combining mark, right-to-left text and its override, the line and paragraph separators
    // (valid in JSON, not in JavaScript source), the replacement character, noncharacters, the
    // last code point, a private-use one, and characters whose upper-case form changes length.
    "e\u{301}",
    "א",
    "\u{202e}",
    "\u{2028}",
    "\u{2029}",
    "\u{fffd}",
    "\u{fdd0}",
    "\u{fffe}",
    "\u{10ffff}",
    "\u{e000}",
    "ﬁ",
    "ŉ",
    "İ",
    "ǅ",
    "\u{1f3fb}",
    "\u{feff}",
];

/// A string of `len` characters drawn from one or two of [`CHARACTERS`].
pub fn text(rng: &mut Rng, len: usize) -> String {
    let a = *rng.pick(&CHARACTERS);
    let b = *rng.pick(&CHARACTERS);
    (0..len).map(|i| if i % 3 == 2 { b } else { a }).collect()
}

/// Lengths around each documented limit.
fn near(rng: &mut Rng, limit: usize) -> usize {
    let delta = [0usize, 1, 2, 10];
    let d = *rng.pick(&delta);
    if rng.chance(2) {
        limit + d
    } else {
        limit.saturating_sub(d)
    }
}

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
    fn apply(self, headers: Headers) -> Headers {
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

fn encoding_name<S: serde::Serializer>(e: &Encoding, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.name())
}

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

/// A valid date, leap days included.
fn date(rng: &mut Rng) -> String {
    let year = 1900 + rng.below(131);
    let month = 1 + rng.below(12);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // The last day of the month one time in four: where date checks go wrong.
    let day = if rng.chance(4) {
        days
    } else {
        1 + rng.below(days)
    };
    format!("{year:04}-{month:02}-{day:02}")
}

fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// 1 to `max` letters and digits.
fn alphanumeric(rng: &mut Rng, max: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let len = 1 + rng.below(max);
    (0..len).map(|_| char::from(*rng.pick(ALNUM))).collect()
}

/// URIs on both sides of `format: uri` and the strict profile's HTTPS rule.
pub(super) const URIS: &[&str] = &[
    "https://example.com/callback",
    "http://example.com/callback",
    "https://example.com/a b",
    "example.com/callback",
    "https://",
    "ftp://example.com/x",
    "https://例え.jp/コールバック",
    "myapp://open",
];

/// UUIDs and near-UUIDs (upper case, no hyphens, braces, one digit short, nil).
pub(super) const UUIDS: &[&str] = &[
    "f04bdb47-d3be-4b28-b028-a652feb060b5",
    "F04BDB47-D3BE-4B28-B028-A652FEB060B5",
    "f04bdb47d3be4b28b028a652feb060b5",
    "{f04bdb47-d3be-4b28-b028-a652feb060b5}",
    "f04bdb47-d3be-4b28-b028-a652feb060b",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
];

/// Dates on and off the calendar (leap days of every kind of year), and in other shapes.
pub(super) const DATES: &[&str] = &[
    "2024-02-29",
    "2023-02-29",
    "2000-02-29",
    "1900-02-29",
    "2100-02-29",
    "1990-12-31",
    "1990-13-01",
    "1990-00-10",
    "1990-1-1",
    "1990-02-30",
    "1990-04-31",
    "0000-01-01",
    "1990-01-01T00:00:00",
    "0",
];

/// RFC 3339 timestamps and near ones (an offset, a space for `T`, leap seconds, 24:00).
pub(super) const TIMESTAMPS: &[&str] = &[
    "2026-05-08T10:00:00Z",
    "2026-05-08T10:00:00+02:00",
    "2026-05-08 10:00:00Z",
    "2024-02-29T23:59:60Z",
    "2023-02-29T10:00:00Z",
    "2026-05-08T10:00:00.123456Z",
    "2026-05-08T24:00:00Z",
    "2026-05-08t10:00:00z",
];

/// `Content-Encoding` values that are not exactly one supported coding, or are it spelled
/// otherwise (RFC 9110 §8.4.1: codings are case-insensitive).
pub(super) const ENCODING_VALUES: &[&str] = &[
    "GZIP",
    " gzip ",
    "gzip, deflate",
    "gzip,identity",
    "x-gzip",
    "br",
    "identity",
    "",
];

/// `Content-Type` values: parameters and case (accepted), other media types (refused).
pub(super) const CONTENT_TYPES: &[&str] = &[
    "application/json; charset=utf-8",
    "Application/JSON",
    "text/plain",
    "application/json;charset=latin-1",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json",
];

/// JSON sizes in bytes around the 1 MiB limit.
pub(super) const SIZES: &[usize] = &[400 * 1024, 900 * 1024, (1 << 20) - 200, (1 << 20) + 10];

/// Nesting depths around the limit of 64.
pub(super) const NESTINGS: &[usize] = &[10, 63, 64, 65, 200];

/// Number texts at the edges of what parsers hold: beyond a double's range, negative zero, the
/// edges of i64, u64 and f64, past 2^53 (where a double loses integers) and past u64.
pub(super) const NUMBERS: &[&str] = &[
    "1e400",
    "-0",
    "1.0",
    "123456789012345678901234567890",
    "1E2",
    "0.1e-400",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "9007199254740993",
    "1.7976931348623157e308",
    "5e-324",
    "-1.7976931348623157e308",
];

/// Every signature mistake.
pub(super) const SIGN_MISTAKES: &[SignMistake] = &[
    SignMistake::Missing,
    SignMistake::OverCompressed,
    SignMistake::Uppercase,
    SignMistake::Prefixed,
    SignMistake::SecretNewline,
    SignMistake::WrongSecret,
    SignMistake::Truncated,
    SignMistake::TwoHeaders,
    SignMistake::ApiKeyAsKey,
    SignMistake::Placeholder,
    SignMistake::HmacSha512,
    SignMistake::ToolOutput,
    SignMistake::OtherHeader,
    SignMistake::BodyNewline,
    SignMistake::ByteOrderMark,
    SignMistake::Reserialized,
    SignMistake::EncodedTwice,
    SignMistake::BodyDropped,
    SignMistake::PlainSha256,
];

/// How a documented field is generated: a valid value, and values at and across its constraint.
#[derive(Clone, Copy)]
enum Field {
    Uri,
    Text { max: usize },
    Uuid,
    Date,
    Enum(&'static [&'static str]),
    Pattern(&'static str),
    Country,
    Timestamp,
    Bool,
}

/// Every documented field with a constraint (`schemas/`), and the free-text name fields.
const FIELDS: [(&str, Field); 20] = [
    ("/verification/callback", Field::Uri),
    ("/verification/hostAppLink", Field::Uri),
    ("/verification/vendorData", Field::Text { max: 1000 }),
    ("/verification/tag", Field::Text { max: 64 }),
    ("/verification/endUserId", Field::Uuid),
    ("/verification/person/firstName", Field::Text { max: 0 }),
    ("/verification/person/lastName", Field::Text { max: 0 }),
    ("/verification/person/dateOfBirth", Field::Date),
    ("/verification/person/marriageDate", Field::Date),
    (
        "/verification/person/maritalStatus",
        Field::Enum(&["single", "married", "divorced", "widowed"]),
    ),
    (
        "/verification/document/number",
        Field::Pattern("alphanumeric"),
    ),
    ("/verification/document/country", Field::Country),
    (
        "/verification/document/type",
        Field::Enum(&[
            "PASSPORT",
            "ID_CARD",
            "DRIVERS_LICENSE",
            "RESIDENCE_PERMIT",
            "VISA",
        ]),
    ),
    ("/verification/document/firstIssue", Field::Date),
    ("/verification/document/issueDate", Field::Date),
    ("/verification/document/expiryDate", Field::Date),
    (
        "/verification/document/idCardType",
        Field::Pattern("letters"),
    ),
    ("/verification/serviceCoverage/country", Field::Country),
    ("/verification/consents/0/timestamp", Field::Timestamp),
    ("/verification/consents/0/approved", Field::Bool),
];

impl Field {
    fn valid(self, rng: &mut Rng) -> Value {
        Value::String(match self {
            Field::Uri => format!("https://example.com/{}", alphanumeric(rng, 20)),
            Field::Text { max } => {
                let len = 1 + rng.below(if max == 0 { 40 } else { max });
                text(rng, len)
            }
            Field::Uuid => uuid(rng),
            Field::Date => date(rng),
            Field::Bool => return Value::Bool(rng.chance(2)),
            Field::Enum(values) => (*rng.pick(values)).to_owned(),
            Field::Pattern("letters") => {
                alphanumeric(rng, 6).replace(|c: char| c.is_ascii_digit(), "X")
            }
            Field::Pattern(_) => alphanumeric(rng, 12),
            Field::Country => (*rng.pick(&["US", "EE", "DE", "MX", "BR", "GB"])).to_owned(),
            Field::Timestamp => format!(
                "{}T{:02}:{:02}:{:02}Z",
                date(rng),
                rng.below(24),
                rng.below(60),
                rng.below(60)
            ),
        })
    }

    fn boundary(self, rng: &mut Rng) -> Value {
        let pick = |rng: &mut Rng, values: &[&str]| Value::String((*rng.pick(values)).to_owned());
        match self {
            Field::Uri => pick(rng, URIS),
            Field::Text { max: 0 } => {
                let len = rng.below(300);
                Value::String(text(rng, len))
            }
            Field::Text { max } => {
                if rng.chance(5) {
                    rng.pick(&[
                        json!(12345),
                        json!(1.5),
                        json!(null),
                        json!(true),
                        json!([]),
                    ])
                    .clone()
                } else {
                    let len = near(rng, max);
                    Value::String(text(rng, len))
                }
            }
            Field::Uuid => pick(rng, UUIDS),
            Field::Date => pick(rng, DATES),
            Field::Bool => pick(rng, &["true", "yes"]),
            Field::Enum(values) => {
                let value = rng.pick(values);
                pick(
                    rng,
                    &[&value.to_lowercase(), &value.to_uppercase(), "other", ""],
                )
            }
            Field::Pattern(_) => pick(rng, &["b0123", "AB-123", "123 456", "ÄB123", "", "Ⅻ"]),
            Field::Country => pick(rng, &["us", "USA", "U1", "", "ÜS"]),
            Field::Timestamp => pick(rng, TIMESTAMPS),
        }
    }
}

/// A schema mutation: one documented field at or across its constraint, or a member removed.
fn schema_mutation(rng: &mut Rng) -> Mutation {
    if rng.chance(8) {
        let pointers = [
            "/verification",
            "/verification/person",
            "/verification/callback",
        ];
        return Mutation::Remove((*rng.pick(&pointers)).into());
    }
    let (pointer, field) = *rng.pick(&FIELDS);
    Mutation::Set(pointer.into(), field.boundary(rng))
}

/// A new input for case `rng`, from one of the `bases` (valid payloads).
pub fn input(rng: &mut Rng, bases: &[Value]) -> Input {
    let mut payload = rng.pick(bases).clone();
    // Random valid values in a few documented fields: the valid requests vary too.
    for _ in 0..rng.below(4) {
        let (pointer, field) = *rng.pick(&FIELDS);
        let value = field.valid(rng);
        set(&mut payload, pointer, Some(value));
    }
    let encoding = *rng.pick(&Encoding::ALL);
    let mutation = match rng.below(40) {
        0..=3 => Mutation::Valid,
        4 => Mutation::EncodingHeader((*rng.pick(ENCODING_VALUES)).into()),
        5 => Mutation::DuplicateEncoding,
        6 => Mutation::ContentType((*rng.pick(CONTENT_TYPES)).into()),
        7 => Mutation::ApiKey(rng.pick(&[None, Some("someone-else".to_owned())]).clone()),
        8 => {
            // Past half the limit, where a server that reads in two halves goes wrong.
            let past_half = 512 * 1024 + 1 + rng.below(200 * 1024);
            Mutation::Size(if rng.chance(5) {
                past_half
            } else {
                *rng.pick(SIZES)
            })
        }
        9 => Mutation::Level(rng.below(10) as u32),
        10 | 11 => Mutation::Members(2 + rng.below(3)),
        12 => Mutation::GzipHeader(rng.below(32) as u8, rng.next() as u32),
        13 => Mutation::Truncate(1 + rng.below(12)),
        14 => Mutation::FlipFromEnd(1 + rng.below(8)),
        15 => Mutation::Trailing(vec![0; 1 + rng.below(4)]),
        16 => Mutation::RawDeflate,
        17..=20 => Mutation::Sign(rng.pick(SIGN_MISTAKES).clone()),
        21 => {
            if rng.chance(2) {
                Mutation::Pretty
            } else {
                Mutation::Reordered
            }
        }
        22 => Mutation::Escaped,
        23 => Mutation::Nested(*rng.pick(NESTINGS)),
        24 => {
            // A number in an unknown member, or as vendorData, whose echo must keep it as sent.
            let text = (*rng.pick(NUMBERS)).to_owned();
            if rng.chance(2) {
                Mutation::Number(text)
            } else {
                Mutation::VendorNumber(text)
            }
        }
        25 => Mutation::DuplicateKey,
        26 => Mutation::InvalidUtf8,
        27 => Mutation::ByteOrderMark,
        _ => schema_mutation(rng),
    };
    // What varies beside the mutation is drawn last, so that a seed's payloads and mutations
    // stay what they were: header names in other spellings, and several consents (none, a few,
    // past any plausible limit).
    let spelling = match rng.below(8) {
        0 => Spelling::Lower,
        1 => Spelling::Title,
        2 => Spelling::Upper,
        3 => Spelling::Reversed,
        _ => Spelling::Documented,
    };
    if rng.chance(10) {
        let n = *rng.pick(&[0usize, 2, 5, 11, 40]);
        let consents: Vec<Value> = (0..n)
            .map(|i| {
                json!({"type": "general", "approved": true, "text": format!("consent {i}"),
                       "timestamp": "2026-05-07T08:00:00Z"})
            })
            .collect();
        payload["verification"]["consents"] = Value::Array(consents);
    }
    Input {
        payload,
        encoding,
        mutation,
        spelling,
    }
}

/// Sets the member at `pointer` (creating objects on the way, and a valid consent when the
/// pointer goes into `consents`), or removes it.
fn set(value: &mut Value, pointer: &str, new: Option<Value>) {
    let has_consent = value["verification"]["consents"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if pointer.starts_with("/verification/consents/") && !has_consent {
        value["verification"]["consents"] = json!([{
            "type": "general", "approved": true, "text": "I consent.",
            "timestamp": "2026-05-08T10:00:00Z",
        }]);
    }
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let (last, path) = parts.split_last().unwrap_or((&"", &[]));
    let mut at = value;
    for part in path {
        let index = part
            .parse::<usize>()
            .ok()
            .filter(|i| at.as_array().is_some_and(|a| *i < a.len()));
        if let Some(i) = index {
            at = &mut at[i];
            continue;
        }
        // Indexing a non-object by key would panic: it becomes an object.
        if !at.is_object() {
            *at = json!({});
        }
        if !at.get(*part).is_some_and(|v| v.is_object() || v.is_array()) {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    if let Some(map) = at.as_object_mut() {
        match new {
            Some(v) => {
                map.insert((*last).to_owned(), v);
            }
            None => {
                map.remove(*last);
            }
        }
    }
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
fn json_bytes(input: &Input) -> Vec<u8> {
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
fn insert_member(json: &[u8], member: &str) -> Vec<u8> {
    insert_member_bytes(json, member.as_bytes())
}

fn insert_member_bytes(json: &[u8], member: &[u8]) -> Vec<u8> {
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
fn wire_bytes(input: &Input, json: &[u8]) -> Vec<u8> {
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
fn gzip_with_header(json: &[u8], flags: u8, mtime: u32) -> Vec<u8> {
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
fn gzip_header_crc(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Builds the request: JSON, signature, wire bytes and headers.
pub fn build(input: &Input, credentials: &Credentials) -> Request {
    let json = json_bytes(input);
    // The mistakes where the bytes sent are not the bytes signed.
    let sent = match &input.mutation {
        Mutation::Sign(SignMistake::BodyNewline) => [&json[..], b"\n"].concat(),
        Mutation::Sign(SignMistake::ByteOrderMark) => [&b"\xef\xbb\xbf"[..], &json].concat(),
        Mutation::Sign(SignMistake::Reserialized) => serde_json::from_slice::<Value>(&json)
            .and_then(|v| serde_json::to_vec_pretty(&v))
            .unwrap_or_else(|_| json.clone()),
        Mutation::Sign(SignMistake::EncodedTwice) => {
            serde_json::to_vec(&String::from_utf8_lossy(&json)).unwrap_or_default()
        }
        Mutation::Sign(SignMistake::BodyDropped) => Vec::new(),
        _ => json.clone(),
    };
    let wire = wire_bytes(input, &sent);
    let secret = credentials.secret.as_bytes();
    let mut headers = Headers::new();
    match &input.mutation {
        Mutation::ApiKey(None) => {}
        Mutation::ApiKey(Some(other)) => headers.push("X-AUTH-CLIENT", other),
        _ => headers.push("X-AUTH-CLIENT", &credentials.api_key),
    }
    let hex = |key: &[u8], bytes: &[u8]| sessionkit::crypto::sign(key, bytes).to_string();
    let mut signed = Some(json.clone());
    match &input.mutation {
        Mutation::Sign(SignMistake::Missing) => signed = None,
        Mutation::Sign(SignMistake::OverCompressed) => {
            headers.push("X-HMAC-SIGNATURE", hex(secret, &wire));
            signed = Some(wire.clone());
        }
        Mutation::Sign(SignMistake::Uppercase) => {
            headers.push("X-HMAC-SIGNATURE", hex(secret, &json).to_uppercase());
            signed = None;
        }
        Mutation::Sign(SignMistake::Prefixed) => {
            headers.push("X-HMAC-SIGNATURE", format!("sha256={}", hex(secret, &json)));
            signed = None;
        }
        Mutation::Sign(SignMistake::SecretNewline) => {
            headers.push("X-HMAC-SIGNATURE", hex(&[secret, b"\n"].concat(), &json));
            signed = None;
        }
        Mutation::Sign(SignMistake::WrongSecret) => {
            headers.push("X-HMAC-SIGNATURE", hex(b"not-the-secret", &json));
            signed = None;
        }
        Mutation::Sign(SignMistake::Truncated) => {
            headers.push("X-HMAC-SIGNATURE", &hex(secret, &json)[..63]);
            signed = None;
        }
        Mutation::Sign(SignMistake::ApiKeyAsKey) => {
            headers.push(
                "X-HMAC-SIGNATURE",
                hex(credentials.api_key.as_bytes(), &json),
            );
            signed = None;
        }
        Mutation::Sign(SignMistake::Placeholder) => {
            headers.push("X-HMAC-SIGNATURE", hex(secret, b"{}"));
            signed = None;
        }
        Mutation::Sign(SignMistake::HmacSha512) => {
            headers.push("X-HMAC-SIGNATURE", Algorithm::HmacSha512.hex(secret, &json));
            signed = None;
        }
        Mutation::Sign(SignMistake::ToolOutput) => {
            headers.push(
                "X-HMAC-SIGNATURE",
                format!("(stdin)= {}", hex(secret, &json)),
            );
            signed = None;
        }
        Mutation::Sign(SignMistake::OtherHeader) => {
            headers.push("X-Signature", hex(secret, &json));
            signed = None;
        }
        Mutation::Sign(SignMistake::PlainSha256) => {
            headers.push("X-HMAC-SIGNATURE", Algorithm::Sha256.hex(b"", &json));
            signed = None;
        }
        Mutation::Sign(SignMistake::TwoHeaders) => {
            headers.push("X-HMAC-SIGNATURE", hex(secret, &json));
            headers.push("X-HMAC-SIGNATURE", hex(secret, &json));
        }
        _ => headers.push("X-HMAC-SIGNATURE", hex(secret, &json)),
    }
    match &input.mutation {
        Mutation::ContentType(value) => headers.push("Content-Type", value),
        _ => headers.push("Content-Type", "application/json"),
    }
    match &input.mutation {
        Mutation::EncodingHeader(value) => headers.push("Content-Encoding", value),
        Mutation::DuplicateEncoding if input.encoding != Encoding::Identity => {
            headers.push("Content-Encoding", input.encoding.name());
            headers.push("Content-Encoding", input.encoding.name());
        }
        _ if input.encoding != Encoding::Identity => {
            headers.push("Content-Encoding", input.encoding.name());
        }
        _ => {}
    }
    Request {
        headers: input.spelling.apply(headers),
        body: wire,
        signed,
    }
}
