//! sessionkit-fuzzing (publish = false): the logic of the fuzz targets, one function per target,
//! named after the stage it hits. Each panics when an invariant of the contract breaks; that is
//! what the fuzzer looks for. It lives here, not in the published core, so that the core does not
//! depend on `arbitrary` (rustls keeps its fuzzing support in a crate of its own for the same
//! reason), and so that `cargo test` replays the same functions over the corpus on stable Rust.

use arbitrary::{Arbitrary, Unstructured};

use sessionkit::Config;
use sessionkit::EXAMPLE_API_KEY;
use sessionkit::EXAMPLE_SHARED_SECRET;
use sessionkit::Profile;
use sessionkit::SignedRequest;
use sessionkit::codec::DecodeLimit;
use sessionkit::codec::Encoding;
use sessionkit::headers::{Headers, names};
use sessionkit::model::Consent;
use sessionkit::model::Document;
use sessionkit::model::DocumentType;
use sessionkit::model::Person;
use sessionkit::model::SessionRequest;
use sessionkit::model::TextOrNumber;
use sessionkit::model::Verification;

/// Statuses the receive decision may produce.
const STATUSES: [u16; 5] = [201, 400, 401, 413, 415];

fn pick_encoding(byte: u8) -> Encoding {
    Encoding::ALL[usize::from(byte) % 3]
}

/// `decode`: any bytes, any encoding, a small limit: never panics, never returns more than
/// the limit, and libdeflate's path agrees with the streaming reference. The first three bytes
/// choose the encoding and the limit.
pub fn decode(data: &[u8]) {
    let [e, hi, lo, rest @ ..] = data else { return };
    let limit = DecodeLimit {
        max_decoded: usize::from(u16::from_be_bytes([*hi, *lo])) % 8192,
    };
    let encoding = pick_encoding(*e);
    let fast = sessionkit::codec::decode_members(rest, encoding, limit);
    if let Ok((out, _)) = &fast {
        assert!(
            out.len() <= limit.max_decoded,
            "decode returned {} > {}",
            out.len(),
            limit.max_decoded
        );
    }
    // libdeflate decodes; the streaming C zlib decoder is the reference: the same bytes, or
    // the same error kind, for every input; the one exception is a code RFC 1951 reserves,
    // which only libdeflate decodes.
    let reference = sessionkit::codec::decode_members_streaming(rest, encoding, limit);
    match (&fast, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "decoders disagree on the output"),
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "decoders disagree on the error"),
        (Ok(_), Err(b)) if sessionkit::codec::refused_for_reserved_code(b) => {}
        _ => panic!("decoders disagree: {fast:?} vs {reference:?}"),
    }
    // zlib-rs decodes the first stream too, for its coverage: libFuzzer is guided by instrumented
    // Rust code only, and neither C decoder is instrumented, so without it nothing would lead the
    // fuzzer deeper into DEFLATE than the gzip and zlib framing. Two zlibs must agree.
    let room = limit.max_decoded + 1;
    assert_eq!(
        first_stream_c_zlib(rest, encoding, room),
        first_stream_zlib_rs(rest, encoding, room),
        "the C zlib and zlib-rs disagree on the first stream"
    );
    let _ = sessionkit::codec::sniff(rest);
}

/// The first gzip member or zlib stream of `bytes`, decoded one-shot into `room` bytes by the
/// C zlib (flate2's backend): its output when it ended there, else `None`.
fn first_stream_c_zlib(bytes: &[u8], encoding: Encoding, room: usize) -> Option<Vec<u8>> {
    let mut inflater = match encoding {
        Encoding::Identity => return None,
        Encoding::Gzip => flate2::Decompress::new_gzip(15),
        Encoding::Deflate => flate2::Decompress::new(true),
    };
    let mut out = vec![0; room];
    let status = inflater
        .decompress(bytes, &mut out, flate2::FlushDecompress::Finish)
        .ok()?;
    out.truncate(usize::try_from(inflater.total_out()).ok()?);
    (status == flate2::Status::StreamEnd).then_some(out)
}

/// The same on zlib-rs.
fn first_stream_zlib_rs(bytes: &[u8], encoding: Encoding, room: usize) -> Option<Vec<u8>> {
    // zlib's window-bits convention: 15 + 16 reads a gzip wrapper.
    let window_bits = match encoding {
        Encoding::Identity => return None,
        Encoding::Gzip => 31,
        Encoding::Deflate => 15,
    };
    let mut out = vec![0; room];
    let config = zlib_rs::InflateConfig { window_bits };
    let (decoded, rc) = zlib_rs::decompress_slice(&mut out, bytes, config);
    (rc == zlib_rs::ReturnCode::Ok).then(|| decoded.to_vec())
}

/// `headers`: arbitrary header lines (`Name: value`, one per line) into the header stage:
/// never panics, every rejection has a code, and the status matches the error kind.
pub fn headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut headers = Headers::new();
    for line in text.lines() {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.push(name, value);
    }
    let _ = sessionkit::codec::Encoding::from_header(&headers.get_all(names::CONTENT_ENCODING));
    for value in headers.get_all(names::SIGNATURE) {
        if let Ok(sig) = sessionkit::crypto::Signature::from_hex(value) {
            assert_eq!(sig.to_string(), value, "signature parsing is not exact");
        }
    }
    let outcome = sessionkit::receive(&headers, b"{\"verification\":{}}", &Config::default());
    check_outcome(&outcome);
}

fn check_outcome(outcome: &sessionkit::Outcome) {
    assert!(
        STATUSES.contains(&outcome.status()),
        "status {}",
        outcome.status()
    );
    match outcome.error() {
        None => assert_eq!(outcome.status(), 201),
        Some(error) => {
            assert!(!error.kind().code().is_empty());
            assert_eq!(error.kind().status(), outcome.status(), "{error}");
            assert_ne!(outcome.vendor_code(), 0, "{error} has no vendor code");
            let answer = outcome.failure_answer().expect("failures have an answer");
            let value = serde_json::to_value(&answer).expect("answers serialize");
            assert!(
                sessionkit::schema::validate_answer(
                    &value,
                    sessionkit::schema::AnswerShape::Failure
                )
                .is_valid(),
                "{value}"
            );
        }
    }
}

/// Schema errors a body may have although the typed model reads it: constraints on values
/// the model keeps as plain strings or numbers (lengths, patterns, formats, the eid text
/// rule, integers vs. other numbers).
const MODEL_EXCEPTIONS: &[&str] = &[
    "tag_too_long",
    "vendor_data_too_long",
    "vendor_data_not_string",
    "invalid_date",
    "invalid_timestamp",
    "invalid_country",
    "invalid_document_number",
    "invalid_id_card_type",
    "invalid_uuid",
    "invalid_uri",
    "callback_not_https",
    "not_digits",
    "unknown_property",
];

/// `schema`: any bytes as a JSON body into validation in both profiles: never panics; and the
/// typed model and the schema agree: what the documented schema accepts, the model reads;
/// what the model reads, the schema rejects only for a listed exception.
pub fn schema(data: &[u8]) {
    let Ok(body) = sessionkit::json::parse(data) else {
        return;
    };
    let documented = sessionkit::schema::validate(&body, Profile::Documented);
    let strict = sessionkit::schema::validate(&body, Profile::Strict);
    if strict.is_valid() {
        assert!(
            documented.is_valid(),
            "strict accepts what documented refuses: {:?}",
            documented.errors
        );
    }
    let model = SessionRequest::from_value(&body);
    if documented.is_valid() {
        assert!(
            model.is_ok(),
            "schema accepts, model refuses: {:?}",
            model.err()
        );
    }
    if model.is_ok() {
        for v in &documented.errors {
            let numeric = v.code == "wrong_type"
                && ["idNumber", "mxIne", "mxIfe"]
                    .iter()
                    .any(|f| v.pointer.ends_with(f));
            let eid_text = v.code == "missing_property" && v.pointer.ends_with("/text");
            // The typed model reads null as the member left out, as the typed readers the
            // contract grades MAY for it do (corpus case 384).
            let null = v.facet == Some(sessionkit::Facet::Null);
            assert!(
                MODEL_EXCEPTIONS.contains(&v.code) || numeric || eid_text || null,
                "model reads a body the schema refuses for {} at {}",
                v.code,
                v.pointer
            );
        }
    }
}

/// The harness's own input for `receive`.
#[derive(Debug, Arbitrary)]
pub struct ReceiveInput {
    body: Vec<u8>,
    encoding: u8,
    level: u8,
    /// Sign the body (after the mutation) so that the fuzzer gets past the signature.
    sign: bool,
    mutation: Option<(usize, u8)>,
    strict: bool,
    extra_headers: Vec<(String, String)>,
    drop_header: Option<u8>,
}

/// `receive`: headers plus a body the harness signs with the test secret after an optional
/// mutation: the outcome's status is one of the contract's and agrees with its error.
pub fn receive(data: &[u8]) {
    let Ok(input) = ReceiveInput::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let mut json = input.body;
    if let Some((i, byte)) = input.mutation.filter(|_| !json.is_empty()) {
        let i = i % json.len();
        json[i] = byte;
    }
    let encoding = pick_encoding(input.encoding);
    let mut request = SignedRequest::build(
        &json,
        EXAMPLE_API_KEY,
        EXAMPLE_SHARED_SECRET.as_bytes(),
        encoding,
        u32::from(input.level) % (sessionkit::codec::MAX_LEVEL + 1),
    );
    let mut headers: Headers = request
        .headers
        .iter()
        .enumerate()
        .filter(|(i, (name, _))| {
            !(input.drop_header.is_some_and(|d| usize::from(d % 4) == *i)
                || (!input.sign && name.eq_ignore_ascii_case(names::SIGNATURE)))
        })
        .map(|(_, (n, v))| (n.to_owned(), v.to_owned()))
        .collect();
    for (name, value) in input.extra_headers.into_iter().take(4) {
        headers.push(name, value);
    }
    request.headers = headers;
    let config = Config {
        profile: if input.strict {
            Profile::Strict
        } else {
            Profile::Documented
        },
        limits: sessionkit::Limits {
            max_wire: 64 * 1024,
            max_decoded: 64 * 1024,
        },
        ..Config::default()
    };
    let outcome = sessionkit::receive(&request.headers, &request.body, &config);
    check_outcome(&outcome);
}

fn text(u: &mut Unstructured<'_>, max: usize) -> arbitrary::Result<String> {
    let s: String = u.arbitrary()?;
    Ok(s.chars().filter(|c| !c.is_control()).take(max).collect())
}

fn letters(
    u: &mut Unstructured<'_>,
    set: &[u8],
    min: usize,
    max: usize,
) -> arbitrary::Result<String> {
    let n = u.int_in_range(min..=max)?;
    (0..n).map(|_| Ok(char::from(*u.choose(set)?))).collect()
}

fn date(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let year = u.int_in_range(1900..=2100)?;
    let month = u.int_in_range(1..=12)?;
    let days = sessionkit::samples::days_in_month(year, month);
    Ok(format!(
        "{year:04}-{month:02}-{:02}",
        u.int_in_range(1..=days)?
    ))
}

/// A request valid in both profiles, built from fuzzer bytes.
pub fn valid_payload(u: &mut Unstructured<'_>) -> arbitrary::Result<SessionRequest> {
    use sessionkit::samples::{ALPHANUMERIC as ALNUM, CAPITALS as UPPER};
    let mut v = Verification::default();
    if u.arbitrary()? {
        v.callback = Some(format!(
            "https://{}.example/cb",
            letters(u, b"abcdefgh", 1, 8)?
        ));
    }
    if u.arbitrary()? {
        v.person = Some(Person {
            first_name: Some(text(u, 40)?),
            last_name: u.arbitrary::<bool>()?.then(|| text(u, 40)).transpose()?,
            id_number: Some(TextOrNumber::Text(letters(u, ALNUM, 1, 18)?)),
            date_of_birth: u.arbitrary::<bool>()?.then(|| date(u)).transpose()?,
            ..Person::default()
        });
    }
    if u.arbitrary()? {
        v.document = Some(Document {
            number: Some(letters(u, ALNUM, 1, 20)?),
            country: Some(letters(u, UPPER, 2, 2)?),
            kind: Some(*u.choose(&[
                DocumentType::Passport,
                DocumentType::IdCard,
                DocumentType::Visa,
            ])?),
            expiry_date: Some(date(u)?),
            ..Document::default()
        });
    }
    if u.arbitrary()? {
        let n = u.int_in_range(0..=3)?;
        let consents = (0..n)
            .map(|_| {
                Ok(Consent {
                    kind: Some(u.choose(&["general", "eid", "ine"])?.to_string()),
                    approved: Some(u.arbitrary()?),
                    text: Some(text(u, 1024)?),
                    timestamp: Some(format!("{}T10:00:00Z", date(u)?)),
                })
            })
            .collect::<arbitrary::Result<Vec<_>>>()?;
        v.consents = Some(consents);
    }
    if u.arbitrary()? {
        v.vendor_data = Some(TextOrNumber::Text(text(u, 1000)?));
    }
    if u.arbitrary()? {
        v.tag = Some(text(u, 64)?);
    }
    Ok(SessionRequest { verification: v })
}

/// `roundtrip`: a payload → serialize → sign → encode (any encoding and level) → `receive`
/// answers 201 with an equal payload; the same JSON with one bit flipped before compressing
/// is never accepted under the original signature.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(payload) = valid_payload(&mut u) else {
        return;
    };
    let (Ok(e), Ok(level), Ok(bit)) = (
        u.arbitrary::<u8>(),
        u.int_in_range(0..=sessionkit::codec::MAX_LEVEL),
        u.arbitrary::<usize>(),
    ) else {
        return;
    };
    let encoding = pick_encoding(e);
    let secret = EXAMPLE_SHARED_SECRET.as_bytes();
    let request = SignedRequest::from_payload(&payload, EXAMPLE_API_KEY, secret, encoding, level);
    let outcome = sessionkit::receive(&request.headers, &request.body, &Config::default());
    assert_eq!(outcome.status(), 201, "{}", outcome.render());
    assert_eq!(outcome.payload(), Some(&payload));
    let mut json = payload.to_json_bytes();
    let at = bit % (json.len() * 8);
    json[at / 8] ^= 1 << (at % 8);
    let mut flipped = request.clone();
    flipped.body = sessionkit::codec::encode(&json, encoding, level);
    let outcome = sessionkit::receive(&flipped.headers, &flipped.body, &Config::default());
    assert_ne!(outcome.status(), 201, "a flipped bit was accepted");
}
