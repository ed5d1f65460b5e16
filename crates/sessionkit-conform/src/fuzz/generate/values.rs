//! The values generated: strings from all of Unicode's kinds of characters, valid values of each
//! documented field, and values at and across each field's constraint (shared with the coverage
//! phase).

use serde_json::{Value, json};

use super::Rng;
use super::mutation::SignMistake;

/// Characters strings are made of: ASCII, two-, three- and four-byte UTF-8 (beyond the BMP, so
/// two UTF-16 units), and a few rare ones servers trip on.
pub(super) const CHARACTERS: [&str; 30] = [
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
pub(super) fn near(rng: &mut Rng, limit: usize) -> usize {
    let delta = [0usize, 1, 2, 10];
    let d = *rng.pick(&delta);
    if rng.chance(2) {
        limit + d
    } else {
        limit.saturating_sub(d)
    }
}

/// A valid date, leap days included.
pub(super) fn date(rng: &mut Rng) -> String {
    let year = 1900 + rng.below(131);
    let month = 1 + rng.below(12);
    let days = sessionkit::samples::days_in_month(year as u32, month as u32) as usize;
    // The last day of the month one time in four: where date checks go wrong.
    let day = if rng.chance(4) {
        days
    } else {
        1 + rng.below(days)
    };
    format!("{year:04}-{month:02}-{day:02}")
}

pub(super) fn uuid(rng: &mut Rng) -> String {
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
pub(super) fn alphanumeric(rng: &mut Rng, max: usize) -> String {
    let len = 1 + rng.below(max);
    (0..len)
        .map(|_| char::from(*rng.pick(sessionkit::samples::ALPHANUMERIC)))
        .collect()
}

/// URIs on both sides of `format: uri` and the strict profile's HTTPS rule.
pub(crate) const URIS: &[&str] = &[
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
pub(crate) const UUIDS: &[&str] = &[
    "f04bdb47-d3be-4b28-b028-a652feb060b5",
    "F04BDB47-D3BE-4B28-B028-A652FEB060B5",
    "f04bdb47d3be4b28b028a652feb060b5",
    "{f04bdb47-d3be-4b28-b028-a652feb060b5}",
    "f04bdb47-d3be-4b28-b028-a652feb060b",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
];

/// Dates on and off the calendar (leap days of every kind of year), and in other shapes.
pub(crate) const DATES: &[&str] = &[
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
pub(crate) const TIMESTAMPS: &[&str] = &[
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
pub(crate) const ENCODING_VALUES: &[&str] = &[
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
pub(crate) const CONTENT_TYPES: &[&str] = &[
    "application/json; charset=utf-8",
    "Application/JSON",
    "text/plain",
    "application/json;charset=latin-1",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json",
];

/// JSON sizes in bytes around the 1 MiB limit.
pub(crate) const SIZES: &[usize] = &[400 * 1024, 900 * 1024, (1 << 20) - 200, (1 << 20) + 10];

/// Nesting depths around the limit of 64.
pub(crate) const NESTINGS: &[usize] = &[10, 63, 64, 65, 200];

/// Number texts at the edges of what parsers hold: beyond a double's range, negative zero, the
/// edges of i64, u64 and f64, past 2^53 (where a double loses integers) and past u64.
pub(crate) const NUMBERS: &[&str] = &[
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
pub(crate) const SIGN_MISTAKES: &[SignMistake] = &[
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
pub(super) enum Field {
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
pub(super) const FIELDS: [(&str, Field); 20] = [
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
    pub(super) fn valid(self, rng: &mut Rng) -> Value {
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

    pub(super) fn boundary(self, rng: &mut Rng) -> Value {
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
