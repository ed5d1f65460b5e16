//! `receive`: headers plus a body the harness signs after a mutation: statuses and codes stay in the contract.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessionkit_fuzzing::receive(data));
