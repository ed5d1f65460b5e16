//! proptest strategies, named after what they build.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::Value;
use sessionkit::model::AcceptableType;
use sessionkit::model::Address;
use sessionkit::model::Consent;
use sessionkit::model::Document;
use sessionkit::model::DocumentNumberIdentifiers;
use sessionkit::model::DocumentType;
use sessionkit::model::MaritalStatus;
use sessionkit::model::Person;
use sessionkit::model::ProofOfAddress;
use sessionkit::model::ServiceCoverage;
use sessionkit::model::SessionRequest;
use sessionkit::model::TextOrNumber;
use sessionkit::model::Verification;

/// Printable Unicode text (no control characters), up to `max` characters.
pub fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("\\PC{{0,{max}}}")).expect("valid regex")
}

/// A real calendar date, `YYYY-MM-DD`.
pub fn date() -> impl Strategy<Value = String> {
    (1900u32..2100, 1u32..=12).prop_flat_map(|(y, m)| {
        let days = sessionkit::samples::days_in_month(y, m);
        (1u32..=days).prop_map(move |d| format!("{y:04}-{m:02}-{d:02}"))
    })
}

/// An RFC 3339 UTC timestamp, with or without milliseconds.
pub fn timestamp() -> impl Strategy<Value = String> {
    (date(), 0u32..24, 0u32..60, 0u32..60, option::of(0u32..1000)).prop_map(|(d, h, m, s, ms)| {
        match ms {
            Some(ms) => format!("{d}T{h:02}:{m:02}:{s:02}.{ms:03}Z"),
            None => format!("{d}T{h:02}:{m:02}:{s:02}Z"),
        }
    })
}

/// Two capital letters.
pub fn country() -> impl Strategy<Value = String> {
    "[A-Z]{2}"
}

/// A version-4 UUID in lowercase hex.
pub fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
}

/// An absolute HTTPS URL.
pub fn https_url() -> impl Strategy<Value = String> {
    "https://[a-z]{1,12}\\.example(/[a-z0-9_-]{1,10}){0,3}"
}

/// Realistic consent prose of up to `size` bytes (whole sentences of
/// [`sessionkit::samples::consent_text`], of a size and seed proptest picks), for compression
/// tests.
pub fn consent_text(size: usize) -> impl Strategy<Value = String> {
    (0..=size, any::<u64>()).prop_map(|(len, seed)| sessionkit::samples::consent_text(len, seed))
}

fn short() -> impl Strategy<Value = Option<String>> {
    option::of(text(24))
}

/// A `person` object with every field possibly set.
pub fn person() -> impl Strategy<Value = Person> {
    let names = (
        short(),
        short(),
        option::of("[0-9A-Z]{1,18}"),
        short(),
        short(),
        option::of(date()),
    );
    let more = (
        short(),
        option::of(prop_oneof![
            Just(MaritalStatus::Single),
            Just(MaritalStatus::Married),
            Just(MaritalStatus::Divorced),
            Just(MaritalStatus::Widowed)
        ]),
        option::of(any::<bool>()),
        short(),
        short(),
        short(),
    );
    let registry = (short(), short(), option::of(date()), short(), short());
    (names, more, registry).prop_map(|(a, b, c)| Person {
        first_name: a.0,
        last_name: a.1,
        id_number: a.2.map(TextOrNumber::Text),
        phone_number: a.3,
        gender: a.4,
        date_of_birth: a.5,
        email: b.0,
        marital_status: b.1,
        is_deceased: b.2,
        full_name: b.3,
        occupation: b.4,
        landline_phone_number: b.5,
        partner_first_name: c.0,
        partner_last_name: c.1,
        marriage_date: c.2,
        middle_name: c.3,
        second_last_name: c.4,
    })
}

/// A `document` object with every field possibly set.
pub fn document() -> impl Strategy<Value = Document> {
    let kind = prop_oneof![
        Just(DocumentType::Passport),
        Just(DocumentType::IdCard),
        Just(DocumentType::DriversLicense),
        Just(DocumentType::ResidencePermit),
        Just(DocumentType::Visa)
    ];
    let ids = option::of((option::of("[0-9]{9}"), option::of("[0-9]{13}")).prop_map(
        |(ine, ife)| DocumentNumberIdentifiers {
            mx_ine: ine.map(TextOrNumber::Text),
            mx_ife: ife.map(TextOrNumber::Text),
        },
    ));
    let main = (
        option::of("[a-zA-Z0-9]{1,20}"),
        option::of(country()),
        option::of(kind),
        option::of(date()),
        option::of("[a-zA-Z]{1,6}"),
        ids,
    );
    let registry = (
        option::of(date()),
        option::of(date()),
        short(),
        short(),
        short(),
        short(),
        short(),
        short(),
    );
    (main, registry).prop_map(|(a, b)| Document {
        number: a.0,
        country: a.1,
        kind: a.2,
        first_issue: a.3,
        id_card_type: a.4,
        document_number_identifiers: a.5,
        issue_date: b.0,
        expiry_date: b.1,
        version: b.2,
        category: b.3,
        unique_number: b.4,
        issuing_state: b.5,
        reference_number: b.6,
        registration_number: b.7,
    })
}

/// An `address` object with every field possibly set.
pub fn address() -> impl Strategy<Value = Address> {
    (
        short(),
        short(),
        short(),
        short(),
        short(),
        short(),
        short(),
        short(),
    )
        .prop_map(|a| Address {
            full_address: a.0,
            street: a.1,
            house_number: a.2,
            postal_code: a.3,
            city: a.4,
            state: a.5,
            unit: a.6,
            neighbourhood: a.7,
        })
}

/// One consent; an approved `eid` consent always carries its text, as the contract requires.
pub fn consent(max_text: usize) -> impl Strategy<Value = Consent> {
    (
        option::of(prop_oneof![
            Just("general"),
            Just("ine"),
            Just("eid"),
            Just("metadata")
        ]),
        option::of(any::<bool>()),
        option::of(consent_text(max_text)),
        option::of(timestamp()),
    )
        .prop_map(|(kind, approved, text, timestamp)| {
            let needs_text = kind == Some("eid") && approved == Some(true);
            Consent {
                kind: kind.map(str::to_owned),
                approved,
                text: if needs_text {
                    Some(text.unwrap_or_default())
                } else {
                    text
                },
                timestamp,
            }
        })
}

/// A request valid in both profiles, with every field possibly set, Unicode text and consent
/// texts up to `max_consent` bytes.
pub fn payload_with(max_consent: usize) -> impl Strategy<Value = SessionRequest> {
    let top = (
        option::of(https_url()),
        option::of(prop_oneof![https_url(), "[a-z]{2,8}://[a-z/]{0,20}"]),
        option::of(person()),
        option::of(document()),
        option::of(address()),
    );
    let rest = (
        option::of(
            option::of(vec("[A-Z_-]{1,16}", 0..4)).prop_map(|types| ProofOfAddress {
                acceptable_types: types.map(|names| {
                    names
                        .into_iter()
                        .map(|name| AcceptableType { name })
                        .collect()
                }),
            }),
        ),
        option::of(option::of(country()).prop_map(|country| ServiceCoverage { country })),
        option::of(uuid()),
        option::of(text(1000).prop_map(TextOrNumber::Text)),
        option::of(vec(consent(max_consent), 0..3)),
        option::of(text(64)),
    );
    (top, rest).prop_map(|(a, b)| SessionRequest {
        verification: Verification {
            callback: a.0,
            host_app_link: a.1,
            person: a.2,
            document: a.3,
            address: a.4,
            proof_of_address: b.0,
            service_coverage: b.1,
            end_user_id: b.2,
            vendor_data: b.3,
            consents: b.4,
            tag: b.5,
        },
    })
}

/// [`payload_with`] with consent texts up to 64 KiB.
pub fn payload() -> impl Strategy<Value = SessionRequest> {
    payload_with(64 * 1024)
}

/// A change that must make a valid body invalid, and where and how it must be reported.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// Pointer of the mutated value.
    pub pointer: &'static str,
    /// The value put there.
    pub value: Value,
    /// The code that must be reported at `pointer`.
    pub code: &'static str,
}

impl Mutation {
    /// Applies the mutation to a request body, creating the objects on the way.
    pub fn apply(&self, body: &mut Value) {
        let mut at = body;
        let segments: Vec<&str> = self.pointer.trim_start_matches('/').split('/').collect();
        for segment in &segments[..segments.len() - 1] {
            if !at.get(*segment).is_some_and(Value::is_object) {
                at[*segment] = Value::Object(Default::default());
            }
            at = &mut at[*segment];
        }
        at[segments[segments.len() - 1]] = self.value.clone();
    }
}

/// One of the targeted mutations: over-long `tag` or `vendorData`, a date that is not on the
/// calendar, a country not in capitals, a document number with a non-alphanumeric character.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let m = |pointer, code| {
        move |value: String| Mutation {
            pointer,
            value: Value::String(value),
            code,
        }
    };
    prop_oneof![
        "\\PC{65,90}".prop_map(m("/verification/tag", "tag_too_long")),
        "\\PC{1001,1100}".prop_map(m("/verification/vendorData", "vendor_data_too_long")),
        prop_oneof![
            "(19|20)[0-9]{2}-02-3[01]",
            "(19|20)[0-9]{2}-(0[469]|11)-31",
            "(19|20)[0-9]{2}-1[3-9]-01",
            "(19|20)[0-9]{2}-00-10",
            "[0-9]{2}/[0-9]{2}/[0-9]{4}"
        ]
        .prop_map(m("/verification/person/dateOfBirth", "invalid_date")),
        prop_oneof!["[a-z]{2}", "[A-Z]{3}", "[a-z][A-Z]"]
            .prop_map(m("/verification/document/country", "invalid_country")),
        "[a-zA-Z0-9]{0,8}[-_ ./é][a-zA-Z0-9]{0,8}".prop_map(m(
            "/verification/document/number",
            "invalid_document_number"
        )),
    ]
}
