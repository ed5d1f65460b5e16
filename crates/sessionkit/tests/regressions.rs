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
