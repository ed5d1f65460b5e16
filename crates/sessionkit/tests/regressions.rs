//! Replays every fuzz target's function over the committed seeds (the whole corpus) and over
//! `fuzz/regressions/<target>/`, so the ordinary test command keeps every past crash fixed without
//! nightly Rust. A fixed bug also gets a named test here.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::path::{Path, PathBuf};

use sessionkit_fuzzing as fuzzing;
use sessionkit_testkit::corpus::corpus_dir;

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 5] = [
    ("decode", fuzzing::decode),
    ("headers", fuzzing::headers),
    ("schema", fuzzing::schema),
    ("receive", fuzzing::receive),
    ("roundtrip", fuzzing::roundtrip),
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_fuzz_target_survives_the_seeds_and_past_crashes() {
    let mut seeds = Vec::new();
    files_under(&corpus_dir(), &mut seeds);
    assert!(seeds.len() > 100, "{} seeds", seeds.len());
    let regressions = sessionkit_testkit::corpus::repo_dir().join("fuzz/regressions");
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        let mut inputs = seeds.clone();
        files_under(&regressions.join(name), &mut inputs);
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            // Seeds too large for a fuzz input are cut, as libFuzzer's -max_len would.
            let data = &data[..data.len().min(1 << 20)];
            if std::panic::catch_unwind(|| target(data)).is_err() {
                failures.push(format!("{name}: {}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz functions panicked on:\n{}",
        failures.join("\n")
    );
}

/// The harness's own invariants hold on inputs it builds itself (not only on the seeds).
#[test]
fn roundtrip_and_receive_accept_generated_inputs() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        fuzzing::roundtrip(&bytes);
        fuzzing::receive(&bytes);
        fuzzing::headers(&bytes);
        fuzzing::decode(&bytes);
        fuzzing::schema(&bytes);
    }
}

/// fuzz `schema`: serde's derived structs also read a sequence of their fields, so the typed
/// model took `"person": []` for an empty person while the schema refused it.
#[test]
fn model_refuses_arrays_where_objects_belong() {
    use sessionkit::model::SessionRequest;
    for body in [
        r#"{"verification":[]}"#,
        r#"{"verification":{"person":[]}}"#,
        r#"{"verification":{"document":{"documentNumberIdentifiers":[]}}}"#,
        r#"{"verification":{"consents":[[]]}}"#,
        r#"{"verification":{"proofOfAddress":{"acceptableTypes":[["UTILITY_BILL"]]}}}"#,
    ] {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(SessionRequest::from_value(&value).is_err(), "{body}");
        fuzzing::schema(body.as_bytes());
    }
}

/// The doctor holds up on bodies that are not ASCII: each hypothesis, with bytes made by Python's
/// own `json` module, on an ASCII, a Latin (Portuguese, as Python escapes it: `Jo\u00e3o`) and a
/// non-Latin (CJK and emoji, escaped as surrogate pairs) consent. A Portuguese body signed as
/// PHP's json_encode writes it (`\/` and `\uXXXX`) and a JSON string holding the object went
/// unnamed, though each was named on an ASCII body.
#[test]
fn the_doctor_names_each_mistake_on_latin_and_non_latin_bodies() {
    const SCRIPT: &str = r#"
import json, sys
texts = {"ascii": "I agree", "latin": "Eu, João da Conceição, concordo", "cjk-emoji": "我同意 😀 署名"}
for name, text in texts.items():
    payload = {"verification": {"callback": "https://example.com/cb", "vendorData": "v",
               "consents": [{"type": "general", "approved": True, "text": text}]}}
    utf8 = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    ascii_compact = json.dumps(payload, separators=(",", ":")).encode()
    cases = {
        # sent by JavaScript (raw UTF-8), signed as PHP's json_encode writes it
        "signed_other_serialization php": (utf8, ascii_compact.replace(b"/", b"\\/")),
        # requests.post(json=payload) re-serialized what the client signed
        "signed_other_serialization python": (json.dumps(payload).encode(), ascii_compact),
        # requests.post(json=json.dumps(payload, separators=...)): encoded twice
        "json_encoded_twice": (json.dumps(ascii_compact.decode()).encode(), ascii_compact),
        "body_newline": (utf8 + b"\n", utf8),
        "byte_order_mark": (b"\xef\xbb\xbf" + utf8, utf8),
    }
    for mistake, (sent, signed) in cases.items():
        print(json.dumps({"body": name, "mistake": mistake.split()[0], "how": mistake,
                          "sent": sent.hex(), "signed": signed.hex()}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = sessionkit::EXAMPLE_SHARED_SECRET.as_bytes();
    let hex =
        |v: &serde_json::Value| sessionkit::internal::hex_decode(v.as_str().unwrap()).unwrap();
    let mut unnamed = Vec::new();
    let mut tried = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let (sent, signed) = (hex(&case["sent"]), hex(&case["signed"]));
        let headers = sessionkit::headers::Headers::new()
            .with("X-AUTH-CLIENT", sessionkit::EXAMPLE_API_KEY)
            .with(
                "X-HMAC-SIGNATURE",
                sessionkit::crypto::sign(secret, &signed).to_string(),
            )
            .with("Content-Type", "application/json");
        let outcome = sessionkit::receive(&headers, &sent, &sessionkit::Config::default());
        let named: Vec<&str> = outcome.mistakes().iter().map(|d| d.code.as_str()).collect();
        tried += 1;
        if !named.contains(&case["mistake"].as_str().unwrap()) {
            unnamed.push(format!(
                "{} body, {}: named {named:?}",
                case["body"], case["how"]
            ));
        }
    }
    assert_eq!(tried, 15);
    assert!(unnamed.is_empty(), "unnamed:\n{}", unnamed.join("\n"));
}

/// `Content-Encoding: gzip` over the signed plain JSON has two causes the request cannot tell
/// apart: the client declared a compression it did not do (the documentation's "Encoding/header
/// mismatch", likelier for a client tested on loopback), or something on the way decompressed
/// it and kept the header. Both are named, in that order (only the second was).
#[test]
fn a_declared_encoding_over_signed_json_names_both_causes() {
    let body = br#"{"verification":{"vendorData":"customer-123"}}"#;
    let secret = sessionkit::EXAMPLE_SHARED_SECRET.as_bytes();
    let headers = sessionkit::headers::Headers::new()
        .with("X-AUTH-CLIENT", sessionkit::EXAMPLE_API_KEY)
        .with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(secret, body).to_string(),
        )
        .with("Content-Type", "application/json")
        .with("Content-Encoding", "gzip");
    let outcome = sessionkit::receive(&headers, body, &sessionkit::Config::default());
    let named: Vec<&str> = outcome.mistakes().iter().map(|d| d.code.as_str()).collect();
    assert_eq!(named, ["encoding_mismatch", "intermediary_decompressed"]);
}
