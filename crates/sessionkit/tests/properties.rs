//! Invariants the contract implies, checked on generated inputs.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use proptest::prelude::*;
use sessionkit::Profile;
use sessionkit::model::SessionRequest;
use sessionkit_testkit::strategies::{mutation, payload};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any payload of the model serializes to JSON that both profiles accept, and reads back equal.
    #[test]
    fn prop_payload_is_valid_and_round_trips(request in payload()) {
        let bytes = request.to_json_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for profile in Profile::ALL {
            let report = sessionkit::schema::validate(&body, profile);
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
            let report = sessionkit::schema::validate(&body, profile);
            prop_assert!(
                report.errors.iter().any(|v| v.pointer == m.pointer && v.code == m.code),
                "{profile}: {:?} not reported for {:?}: {:?}", m.code, m.value, report.errors
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The json stage leaves out of the tree the members the strict schema can never know; the
    /// schema stage then reports exactly what validating the whole tree reports, in both
    /// profiles: the same findings (pointer and code), the same count, the same vendor code.
    #[test]
    fn prop_left_out_members_are_judged_as_the_whole_tree(
        request in payload_small(),
        m in proptest::option::of(mutation()),
        extra in proptest::collection::vec((0usize..8, "[a-zA-Z_]{1,6}", 0u8..4), 0..30),
    ) {
        let mut body = serde_json::to_value(&request).unwrap();
        if let Some(m) = m {
            m.apply(&mut body);
        }
        // Unknown (and known) names at every level: the closed objects, an open value, items.
        let places = ["", "/verification", "/verification/person", "/verification/document",
            "/verification/address", "/verification/consents/0", "/verification/vendorData",
            "/verification/document/documentNumberIdentifiers"];
        for (place, name, kind) in extra {
            let value = match kind {
                0 => serde_json::json!(1),
                1 => serde_json::json!("text"),
                2 => serde_json::json!({"inner": [1, {"deep": null}]}),
                _ => serde_json::json!([true, "x"]),
            };
            if let Some(serde_json::Value::Object(o)) = body.pointer_mut(places[place]) {
                o.insert(name, value);
            }
        }
        let bytes = serde_json::to_vec(&body).unwrap();
        let whole = sessionkit::json::parse(&bytes).unwrap();
        let shaped = sessionkit::json::parse_shaped(
            &bytes,
            sessionkit::schema::request_shape(),
            sessionkit::schema::LISTED_AT_MOST,
        )
        .unwrap();
        for profile in Profile::ALL {
            let a = sessionkit::schema::validate(&whole, profile);
            let b = sessionkit::schema::validate_parsed(&shaped, profile);
            let found = |list: &[sessionkit::Violation]| {
                let mut found: Vec<_> = list.iter().map(|v| (v.pointer.clone(), v.code)).collect();
                found.sort();
                found
            };
            prop_assert_eq!(a.errors_found, b.errors_found, "{}", profile);
            prop_assert_eq!(found(&a.errors), found(&b.errors), "{}", profile);
            prop_assert_eq!(found(&a.warnings), found(&b.warnings), "{}", profile);
            prop_assert_eq!(a.vendor_code(), b.vendor_code(), "{}", profile);
        }
    }
}

fn payload_small() -> impl Strategy<Value = SessionRequest> {
    sessionkit_testkit::strategies::payload_with(256)
}

mod signing_and_encoding {
    use proptest::prelude::*;
    use sessionkit::Config;
    use sessionkit::EXAMPLE_API_KEY;
    use sessionkit::EXAMPLE_SHARED_SECRET;
    use sessionkit::SignedRequest;
    use sessionkit::codec::DecodeLimit;
    use sessionkit::codec::Encoding;
    use sessionkit::crypto::Signature;
    use sessionkit::headers::Headers;
    use sessionkit::receive;
    use sessionkit_testkit::strategies::payload;

    const SECRET: &[u8] = EXAMPLE_SHARED_SECRET.as_bytes();

    fn encoding() -> impl Strategy<Value = Encoding> {
        prop_oneof![
            Just(Encoding::Identity),
            Just(Encoding::Gzip),
            Just(Encoding::Deflate)
        ]
    }

    fn compressed() -> impl Strategy<Value = Encoding> {
        prop_oneof![Just(Encoding::Gzip), Just(Encoding::Deflate)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Compression round-trips, and the signature of the JSON verifies against what the
        /// server decodes: the signature is invariant under compression.
        #[test]
        fn prop_signature_survives_compression(request in payload(), enc in encoding(), level in 0u32..=sessionkit::codec::MAX_LEVEL) {
            let json = request.to_json_bytes();
            let wire = sessionkit::codec::encode(&json, enc, level);
            let decoded = sessionkit::codec::decode(&wire, enc, DecodeLimit { max_decoded: json.len() }).unwrap();
            prop_assert_eq!(&decoded, &json);
            let sig = sessionkit::crypto::sign(SECRET, &json);
            prop_assert!(sessionkit::crypto::verify(&[SECRET], &decoded, &sig));
        }

        /// What `request` builds, `receive` accepts with 201 and the same payload.
        #[test]
        fn prop_built_request_is_accepted(request in payload(), enc in encoding(), level in 0u32..=sessionkit::codec::MAX_LEVEL) {
            let built = SignedRequest::from_payload(&request, EXAMPLE_API_KEY, SECRET, enc, level);
            let outcome = receive(&built.headers, &built.body, &Config::default());
            prop_assert_eq!(outcome.status(), 201, "{}", outcome.render());
            prop_assert_eq!(outcome.payload(), Some(&request));
        }

        /// Signing the compressed bytes is rejected and named.
        #[test]
        fn prop_signed_compressed_bytes_is_named(request in payload(), enc in compressed(), level in 0u32..=sessionkit::codec::MAX_LEVEL) {
            let json = request.to_json_bytes();
            let wire = sessionkit::codec::encode(&json, enc, level);
            let headers = Headers::new()
                .with("X-AUTH-CLIENT", EXAMPLE_API_KEY)
                .with("X-HMAC-SIGNATURE", sessionkit::crypto::sign(SECRET, &wire).to_string())
                .with("Content-Type", "application/json")
                .with("Content-Encoding", enc.name());
            let outcome = receive(&headers, &wire, &Config::default());
            prop_assert_eq!(outcome.status(), 401);
            prop_assert_eq!(outcome.vendor_code(), 1819);
            prop_assert!(outcome.mistakes().iter().any(|d| d.code == "signed_compressed_bytes"), "{}", outcome.render());
        }

        /// Changing any one byte of the signed body, or one bit of the signature, fails verification.
        #[test]
        fn prop_any_change_breaks_the_signature(
            request in sessionkit_testkit::strategies::payload_with(512),
            index in any::<prop::sample::Index>(),
            delta in 1u8..=255,
            bit in 0usize..256,
        ) {
            let json = request.to_json_bytes();
            let sig = sessionkit::crypto::sign(SECRET, &json);
            let mut changed = json.clone();
            let i = index.index(changed.len());
            changed[i] = changed[i].wrapping_add(delta);
            prop_assert!(!sessionkit::crypto::verify(&[SECRET], &changed, &sig));
            prop_assert!(!sessionkit::crypto::verify(&[SECRET], &json, &sessionkit::internal::with_bit_flipped(sig, bit)));
            let reparsed = Signature::from_hex(&sig.to_string()).unwrap();
            prop_assert_eq!(reparsed, sig);
        }

        /// `decode` never returns more than its limit, whatever the input and the limit.
        #[test]
        fn prop_decode_respects_its_limit(
            bytes in prop::collection::vec(any::<u8>(), 0..4096),
            enc in encoding(),
            limit in 0usize..8192,
        ) {
            if let Ok(out) = sessionkit::codec::decode(&bytes, enc, DecodeLimit { max_decoded: limit }) {
                prop_assert!(out.len() <= limit);
            }
        }

        /// libdeflate (what `decode` runs) and the streaming C zlib decoder (the reference)
        /// agree on real streams, one to three gzip members, with a byte flipped, cut short or
        /// followed by more bytes: the same output, or the same error kind.
        #[test]
        fn prop_decoders_agree_on_damaged_streams(
            members in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..3000), 1..4),
            enc in compressed(),
            level in 0u32..=9,
            flip in proptest::option::of((any::<prop::sample::Index>(), 1u8..=255)),
            cut in proptest::option::of(any::<prop::sample::Index>()),
            tail in prop::collection::vec(any::<u8>(), 0..3),
            limit in 0usize..10_000,
        ) {
            let mut wire: Vec<u8> = match enc {
                Encoding::Gzip => members.iter().flat_map(|m| sessionkit::codec::encode(m, enc, level)).collect(),
                _ => sessionkit::codec::encode(&members.concat(), enc, level),
            };
            if let Some((at, xor)) = flip {
                let i = at.index(wire.len());
                wire[i] ^= xor;
            }
            if let Some(at) = cut {
                wire.truncate(at.index(wire.len() + 1));
            }
            wire.extend(tail);
            let limit = DecodeLimit { max_decoded: limit };
            let fast = sessionkit::codec::decode_members(&wire, enc, limit);
            let reference = sessionkit::codec::decode_members_streaming(&wire, enc, limit);
            match (&fast, &reference) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind(), "{} vs {}", a, b),
                (Ok(_), Err(b)) if sessionkit::codec::refused_for_reserved_code(b) => {}
                _ => prop_assert!(false, "{:?} vs {:?}", fast, reference),
            }
        }

        /// ... including for real compressed streams that inflate past it.
        #[test]
        fn prop_decode_stops_at_the_limit(size in 1usize..200_000, enc in compressed(), limit in 0usize..100_000) {
            let wire = sessionkit::codec::encode(&vec![b'a'; size], enc, 6);
            let result = sessionkit::codec::decode(&wire, enc, DecodeLimit { max_decoded: limit });
            prop_assert_eq!(result.is_ok(), size <= limit);
        }
    }
}
