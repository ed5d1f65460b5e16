//! Writes the benchmarked payloads (compact JSON, one file per consent size) to a folder, so that
//! `benches/compare-python` measures Python on exactly the bytes sessionkit is measured on.

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: payloads DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    for kib in benches::SIZES_KIB {
        std::fs::write(format!("{dir}/{kib}.json"), benches::payload_json(kib))?;
    }
    Ok(())
}
