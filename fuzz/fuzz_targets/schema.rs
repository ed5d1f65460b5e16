//! `schema`: arbitrary bytes as a JSON body in both profiles; the typed model and the schema agree.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessionkit_fuzzing::schema(data));
