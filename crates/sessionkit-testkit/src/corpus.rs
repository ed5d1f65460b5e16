//! Finds `corpus/` and `schemas/` in the repository and reads the manifest and its files, panicking
//! with the reason as test support does. The manifest's types are `sessionkit::corpus`.

use std::path::PathBuf;

pub use sessionkit::corpus::{Case, Expect, Finding, Manifest, Verdict, WireRequest};

/// The repository's root folder.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus: `crates/sessionkit-conform/corpus`, the crate that embeds it (the repository's
/// `corpus/` is a link to it; `..` from inside a link would climb out of the crate, so this names
/// the folder itself).
pub fn corpus_dir() -> PathBuf {
    repo_dir().join("crates/sessionkit-conform/corpus")
}

/// The repository's `schemas/` folder.
pub fn schemas_dir() -> PathBuf {
    repo_dir().join("schemas")
}

/// Reads `corpus/manifest.json`.
pub fn manifest() -> Manifest {
    let path = corpus_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Manifest::from_json(&text).unwrap_or_else(|e| panic!("bad {}: {e}", path.display()))
}

/// The bytes of a case's file.
pub fn bytes(case: &Case) -> Vec<u8> {
    let path = corpus_dir().join(&case.file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The bytes of a case's file, or a report line saying they are not the file the manifest describes.
pub fn verified_bytes(case: &Case) -> Result<Vec<u8>, String> {
    let bytes = bytes(case);
    if case.digest_matches(&bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "{:>4} {:<50} sha256 differs from the manifest",
            case.id, case.file
        ))
    }
}
