//! Loads `corpus/manifest.json` and the files it lists.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// The repository's `corpus/` folder.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

/// The repository's `schemas/` folder.
pub fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// `corpus/manifest.json`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// Every case, by ascending id.
    pub cases: Vec<Case>,
}

/// One corpus case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Never-reused id.
    pub id: u32,
    /// Path below `corpus/`.
    pub file: String,
    /// Where the case comes from.
    pub source: String,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// Expected verdict per profile name, for body-level cases.
    #[serde(default)]
    pub profiles: BTreeMap<String, Verdict>,
    /// `valid`, `invalid` or `acceptable`, for wire-level cases.
    #[serde(default)]
    pub result: Option<String>,
    /// For acceptable cases: the policy this implementation follows.
    #[serde(default)]
    pub policy: Option<String>,
    /// The request of a wire-level case.
    #[serde(default)]
    pub request: Option<WireRequest>,
    /// The expected answer of a wire-level case.
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// Expected schema-stage verdict in one profile.
#[derive(Debug, Clone, Deserialize)]
pub struct Verdict {
    /// `valid`, `invalid` or `acceptable`.
    pub result: String,
    /// Errors that must be reported.
    pub errors: Vec<Finding>,
    /// Warnings that must be reported.
    pub warnings: Vec<Finding>,
}

/// A pointer and a code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct Finding {
    /// JSON pointer.
    pub pointer: String,
    /// Stable code.
    pub code: String,
}

/// Reads the manifest; panics with the reason, as test support does.
pub fn manifest() -> Manifest {
    let path = corpus_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad {}: {e}", path.display()))
}

impl Case {
    /// For a wire-level case: what `receive` decides for its headers and bytes, with the server
    /// configured as the manifest says (the documentation's credentials, the case's profile).
    pub fn receive(&self) -> Option<sessionkit::receive::Outcome> {
        use sessionkit::receive::{Config, receive};
        let request = self.request.as_ref()?;
        let headers: sessionkit::headers::Headers = request.headers.iter().cloned().collect();
        let config = Config {
            profile: request
                .profile
                .as_deref()
                .and_then(sessionkit::schema::Profile::from_name)
                .unwrap_or_default(),
            ..Config::default()
        };
        Some(receive(&headers, &self.bytes(), &config))
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let path = corpus_dir().join(&self.file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }
}

/// The request of a wire-level case.
#[derive(Debug, Clone, Deserialize)]
pub struct WireRequest {
    /// Header lines in order.
    pub headers: Vec<(String, String)>,
    /// Profile the server validates in; documented when absent.
    #[serde(default)]
    pub profile: Option<String>,
}

/// The expected answer of a wire-level case.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Expect {
    /// HTTP status.
    pub status: u16,
    /// Vendor error code.
    pub code: Option<u16>,
    /// sessionkit's error kind code.
    pub error: Option<String>,
    /// The mistake the diagnostics must name.
    #[serde(default)]
    pub diagnostic: Option<String>,
}
