//! Writes the benchmarked payloads (compact JSON, one file per consent size) to a folder, so that
//! `benches/compare-python` measures Python on exactly the bytes sessionkit is measured on, and
//! `sizes.json`: the gzip size of each payload from sessionkit at levels 1-9 and from libdeflate at
//! levels 1-12, so the script can pick the lowest level that compresses at least as well as Python.

use std::collections::BTreeMap;

use sessionkit::codec::Encoding;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: payloads DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    let mut sizes = BTreeMap::new();
    for kib in benches::SIZES_KIB {
        let json = benches::payload_json(kib);
        std::fs::write(format!("{dir}/{kib}.json"), &json)?;
        let ours: BTreeMap<u32, usize> = (1..=9)
            .map(|level| {
                (
                    level,
                    sessionkit::codec::encode(&json, Encoding::Gzip, level).len(),
                )
            })
            .collect();
        let libdeflate: BTreeMap<i32, usize> = (1..=12)
            .map(|level| {
                let mut compressor = benches::libdeflate_compressor(level);
                (
                    level,
                    benches::libdeflate_gzip(&mut compressor, &json).len(),
                )
            })
            .collect();
        let entry = serde_json::json!({ "sessionkit-gzip": ours, "libdeflate-gzip": libdeflate });
        sizes.insert(kib.to_string(), entry);
    }
    let text = serde_json::to_string_pretty(&sizes).unwrap_or_default();
    std::fs::write(format!("{dir}/sizes.json"), text)
}
