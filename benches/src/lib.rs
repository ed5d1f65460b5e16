//! Shared inputs of the benchmarks: payloads with consent texts of the sizes benchmarked.

/// Consent text sizes benchmarked, in KiB.
pub const SIZES_KIB: [usize; 8] = [0, 1, 2, 4, 8, 16, 32, 64];

/// The seed used for every generated consent text, so runs compare like with like.
pub const SEED: u64 = 0x5e55_10b1;

/// The compact JSON of the seed's Python example payload with `kib` KiB of consent prose.
pub fn payload_json(kib: usize) -> Vec<u8> {
    sessionkit::samples::payload(kib * 1024, SEED).to_json_bytes()
}

/// Gzip through libdeflate at `level` (1-12): the anchor for sessionkit's encoder.
pub fn libdeflate_gzip(compressor: &mut libdeflater::Compressor, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0; compressor.gzip_compress_bound(bytes.len())];
    // The buffer has the bound's size, so compression cannot run out of room.
    let n = compressor.gzip_compress(bytes, &mut out).unwrap_or(0);
    out.truncate(n);
    out
}

/// A libdeflate compressor at `level`, clamped to libdeflate's 1-12.
pub fn libdeflate_compressor(level: i32) -> libdeflater::Compressor {
    let level = libdeflater::CompressionLvl::new(level.clamp(1, 12))
        .unwrap_or_else(|_| libdeflater::CompressionLvl::default());
    libdeflater::Compressor::new(level)
}
