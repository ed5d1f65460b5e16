//! `headers`: arbitrary header lines into the header stage: never panics, every rejection has a code.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessionkit_fuzzing::headers(data));
