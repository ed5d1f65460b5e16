//! Embeds the corpus (this crate's `corpus/`, about 2 MB; the repository's `corpus/` links to it) in
//! the crate, so that a `sessionkit` binary installed without a checkout (a wheel, `cargo install`)
//! still runs the conformance run. Writes `$OUT_DIR/corpus.rs`: a list of (path, bytes) pairs. A
//! missing corpus fails the build: a conformance run with no cases would pass every server.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("corpus");
    println!("cargo:rerun-if-changed={}", root.display());
    assert!(
        root.join("manifest.json").is_file(),
        "{} has no manifest.json: the crate must be built with its corpus",
        root.display()
    );
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    out.push(']');
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("corpus.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            // The generator and its notes are not cases.
            if !name.ends_with(".py") && !name.ends_with(".md") {
                let path = path.canonicalize().unwrap_or(path);
                files.push((name, path));
            }
        }
    }
}
