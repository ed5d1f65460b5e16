//! Invariants the contract implies, checked on generated inputs.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use proptest::prelude::*;
use sessionkit::payload::SessionRequest;
use sessionkit::schema::{self, Profile};
use sessionkit_testkit::strategies::{mutation, payload};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any payload of the model serializes to JSON that both profiles accept, and reads back equal.
    #[test]
    fn prop_payload_is_valid_and_round_trips(request in payload()) {
        let bytes = request.to_json_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for profile in Profile::ALL {
            let report = schema::validate(&body, profile);
            prop_assert!(report.is_valid(), "{profile}: {:?}", report.errors);
            prop_assert!(report.warnings.is_empty(), "{profile}: {:?}", report.warnings);
        }
        let back: SessionRequest = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(back, request);
    }

    /// Each targeted mutation is rejected at the mutated pointer with its code, in both profiles.
    #[test]
    fn prop_mutation_is_rejected_at_its_pointer(request in payload_small(), m in mutation()) {
        let mut body = serde_json::to_value(&request).unwrap();
        m.apply(&mut body);
        for profile in Profile::ALL {
            let report = schema::validate(&body, profile);
            prop_assert!(
                report.errors.iter().any(|v| v.pointer == m.pointer && v.code == m.code),
                "{profile}: {:?} not reported for {:?}: {:?}", m.code, m.value, report.errors
            );
        }
    }
}

fn payload_small() -> impl Strategy<Value = SessionRequest> {
    sessionkit_testkit::strategies::payload_with(256)
}
