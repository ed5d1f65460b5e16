//! `roundtrip`: payload → serialize → sign → encode → receive answers 201 and an equal payload; a flipped bit never passes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessionkit_fuzzing::roundtrip(data));
