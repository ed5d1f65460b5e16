//! Shared inputs of the benchmarks: payloads with consent texts of the sizes benchmarked.

/// Consent text sizes benchmarked, in KiB.
pub const SIZES_KIB: [usize; 8] = [0, 1, 2, 4, 8, 16, 32, 64];

/// The seed used for every generated consent text, so runs compare like with like.
pub const SEED: u64 = 0x5e55_10b1;

/// The compact JSON of the seed's Python example payload with `kib` KiB of consent prose.
pub fn payload_json(kib: usize) -> Vec<u8> {
    sessionkit::internal::prose::payload(kib * 1024, SEED).to_json_bytes()
}
