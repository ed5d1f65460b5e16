//! Test support for sessionkit: the corpus loader, proptest strategies and test keys.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support panics with the reason

pub mod corpus;
pub mod examples;
pub mod server;
pub mod strategies;

/// The peak resident memory of a running process, in KiB (`VmHWM` in /proc); `None` once it
/// has gone.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A validator of `schemas/FILE`, formats asserted (as the core's schema stage asserts them).
pub fn schema_validator(file: &str) -> jsonschema::Validator {
    let path = format!("{}/../../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

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

/// A request with every field of the model set, written without `..Default::default()` so that
/// a field added to the model must be added here too (and then to the schema, or a test fails).
pub fn full_request() -> SessionRequest {
    let s = |v: &str| Some(v.to_owned());
    SessionRequest {
        verification: Verification {
            callback: s("https://example.com/callback"),
            host_app_link: s("myapp://verification/complete"),
            person: Some(Person {
                first_name: s("John"),
                last_name: s("Smith"),
                id_number: Some(TextOrNumber::Text("123456789".into())),
                phone_number: s("8888888888"),
                gender: s("M"),
                date_of_birth: s("1990-01-01"),
                email: s("john@example.com"),
                marital_status: Some(MaritalStatus::Married),
                is_deceased: Some(false),
                full_name: s("John Smith"),
                occupation: s("Driver"),
                landline_phone_number: s("5555555"),
                partner_first_name: s("Jane"),
                partner_last_name: s("Smith"),
                marriage_date: s("2015-06-20"),
                middle_name: s("Q"),
                second_last_name: s("Jones"),
            }),
            document: Some(Document {
                number: s("B01234567"),
                country: s("US"),
                kind: Some(DocumentType::Passport),
                first_issue: s("2010-01-01"),
                id_card_type: s("CC"),
                document_number_identifiers: Some(DocumentNumberIdentifiers {
                    mx_ine: Some(TextOrNumber::Text("123456789".into())),
                    mx_ife: Some(TextOrNumber::Text("1234567890123".into())),
                }),
                issue_date: s("2020-01-01"),
                expiry_date: s("2030-01-01"),
                version: s("2"),
                category: s("national"),
                unique_number: s("U1"),
                issuing_state: s("CA"),
                reference_number: s("R1"),
                registration_number: s("REG1"),
            }),
            address: Some(Address {
                full_address: s("123, Main Street, Your County, Anytown 12345"),
                street: s("Main Street"),
                house_number: s("123"),
                postal_code: s("12345"),
                city: s("Anytown"),
                state: s("Your County"),
                unit: s("4B"),
                neighbourhood: s("Harlem"),
            }),
            proof_of_address: Some(ProofOfAddress {
                acceptable_types: Some(vec![AcceptableType {
                    name: "UTILITY_BILL".into(),
                }]),
            }),
            service_coverage: Some(ServiceCoverage { country: s("US") }),
            end_user_id: s("c1de400b-1877-4284-8494-071d37916197"),
            vendor_data: Some(TextOrNumber::Text("customer-123".into())),
            consents: Some(vec![Consent {
                kind: s("eid"),
                approved: Some(true),
                text: s("I agree"),
                timestamp: s("2026-05-07T08:00:00Z"),
            }]),
            tag: s("campaign-7"),
        },
    }
}
