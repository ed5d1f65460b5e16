//! `decode`: arbitrary bytes × each Content-Encoding × a small limit: never panics, never returns more than the limit.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessionkit_fuzzing::decode(data));
