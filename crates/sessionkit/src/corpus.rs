//! The corpus manifest (`corpus/manifest.json`, schema `schemas/manifest.schema.json`): one entry
//! per case file, saying where it comes from and what must come of it. Reading the files is the
//! caller's business (this crate does no I/O); the checks that need only the bytes live here, so
//! the test suite and `sessionkit conform` read the corpus the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::headers::Headers;
use crate::receive::{Config, Outcome, receive};
use crate::schema::Profile;

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Every case, by ascending id.
    pub cases: Vec<Case>,
}

impl Manifest {
    /// Reads the manifest's JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// One corpus case: a file below `corpus/` and its expected outcome.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Never-reused id.
    pub id: u32,
    /// Path below `corpus/`; its first segment is the stage the case exercises (or `schema`).
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

impl Case {
    /// The folder the file sits in below `corpus/`: a pipeline stage, or `schema`.
    pub fn stage(&self) -> &str {
        self.file.split('/').next().unwrap_or_default()
    }

    /// True for the documentation's own example payloads (`schema/seed/`).
    pub fn is_seed_example(&self) -> bool {
        self.file.starts_with("schema/seed/")
    }

    /// True when `bytes` are the file the manifest describes (its SHA-256 matches).
    pub fn digest_matches(&self, bytes: &[u8]) -> bool {
        format!("{:x}", Sha256::digest(bytes)) == self.sha256
    }

    /// For a wire-level case: what `receive` decides for its headers and `body` (the file's
    /// bytes), with the server configured as the manifest says (the documentation's credentials,
    /// the case's profile). `None` for body-level cases.
    pub fn receive(&self, body: &[u8]) -> Option<Outcome> {
        let request = self.request.as_ref()?;
        let config = Config {
            profile: request.profile(),
            ..Config::default()
        };
        Some(receive(&request.headers(), body, &config))
    }
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

/// The request of a wire-level case.
#[derive(Debug, Clone, Deserialize)]
pub struct WireRequest {
    /// Header lines in order.
    #[serde(rename = "headers")]
    pub header_lines: Vec<(String, String)>,
    /// Profile the server validates in; documented when absent.
    #[serde(default, rename = "profile")]
    pub profile_name: Option<String>,
}

impl WireRequest {
    /// The header lines as headers.
    pub fn headers(&self) -> Headers {
        self.header_lines.iter().cloned().collect()
    }

    /// The profile the server validates in.
    pub fn profile(&self) -> Profile {
        self.profile_name
            .as_deref()
            .and_then(Profile::from_name)
            .unwrap_or_default()
    }
}

/// The expected answer of a wire-level case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Expect {
    /// HTTP status.
    pub status: u16,
    /// Vendor error code.
    pub code: Option<u16>,
    /// sessionkit's error kind code (what another server names is its own business).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The mistake the diagnostics must name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostic: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{"cases": [
        {"id": 7, "file": "schema/seed/a.json", "source": "seed", "sha256": "x",
         "profiles": {"documented": {"result": "valid", "errors": [], "warnings": []}}},
        {"id": 8, "file": "headers/no-key.bin", "source": "hand", "result": "invalid",
         "sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
         "request": {"headers": [["Content-Type", "application/json"]], "profile": "strict"},
         "expect": {"status": 401, "code": 1801, "error": "missing_api_key"}}
    ]}"#;

    #[test]
    fn cases_read_their_stage_digest_and_answer() {
        let manifest = Manifest::from_json(MANIFEST).unwrap();
        let (seed, wire) = (&manifest.cases[0], &manifest.cases[1]);
        assert!(seed.is_seed_example() && !wire.is_seed_example());
        assert_eq!((seed.stage(), wire.stage()), ("schema", "headers"));
        assert!(seed.receive(b"{}").is_none(), "a body case is not sent");
        // 44136fa3... is the SHA-256 of `{}`.
        assert!(wire.digest_matches(b"{}") && !wire.digest_matches(b"{ }"));
        assert_eq!(wire.request.as_ref().unwrap().profile(), Profile::Strict);
        let outcome = wire.receive(b"{}").unwrap();
        let expect = wire.expect.as_ref().unwrap();
        assert_eq!((outcome.status, outcome.vendor_code), (401, 1801));
        assert_eq!(outcome.error_code(), expect.error.as_deref());
    }

    #[test]
    fn a_manifest_of_the_wrong_shape_is_refused() {
        assert!(Manifest::from_json(r#"{"cases": [{"id": "one"}]}"#).is_err());
        assert!(Manifest::from_json("[]").is_err());
    }
}
