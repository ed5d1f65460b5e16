//! The corpus manifest (`corpus/manifest.json`, schema `schemas/manifest.schema.json`): one entry
//! per case file, saying where it comes from and what must come of it. Reading the files is the
//! caller's business (this crate does no I/O); the checks that need only the bytes live here, so
//! the test suite and `sessionkit conform` read the corpus the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use base64::Engine;

use crate::config::{Config, EXAMPLE_API_KEY, Profile};
use crate::crypto::Algorithm;
use crate::headers::{Headers, names};
use crate::receive::{Outcome, receive};
use crate::text;

/// The whole manifest.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Manifest {
    /// The schema the manifest follows.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// What the cases are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every case, by ascending id.
    pub cases: Vec<Case>,
}

impl Manifest {
    /// An empty manifest saying what its cases are.
    pub fn described(description: impl Into<String>) -> Self {
        Self {
            description: Some(description.into()),
            ..Self::default()
        }
    }

    /// Reads the manifest's JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The manifest as the corpus writes it: pretty JSON, one final newline.
    pub fn to_json(&self) -> String {
        // A manifest is strings, numbers and lists: nothing serde_json cannot write.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Adds `case`, replacing the case of the same file.
    pub fn put(&mut self, case: Case) {
        self.cases.retain(|c| c.file != case.file);
        self.cases.push(case);
    }
}

/// What must come of a case: accepted, refused, or either (the contract's policy decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    /// Accepted (201).
    Valid,
    /// Refused.
    Invalid,
    /// Either; the case's `policy` says what this implementation does.
    Acceptable,
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::Acceptable => "acceptable",
        })
    }
}

/// One corpus case: a file below `corpus/` and its expected outcome.
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, Verdict>,
    /// What must come of a wire-level case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Validity>,
    /// For acceptable cases: the policy this implementation follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The request of a wire-level case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<WireRequest>,
    /// The expected answer of a wire-level case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// For acceptable cases: other answers the policy allows (a note, not a failure).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Allowed>,
    /// The rule a wire-level case checks (body-level cases carry one per profile).
    #[serde(flatten, skip_serializing_if = "Rule::is_unset")]
    pub rule: Rule,
    /// For a request with several faults: each, in the contract's check order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
}

/// How strongly a case's answer is fixed, as the strongest conformance suites grade
/// (Autobahn|Testsuite's OK / NON-STRICT / INFORMATIONAL / FAILED; h2spec's RFC sections).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The API's documentation, or a standard it relies on, fixes the answer: a server that
    /// answers otherwise does not conform.
    #[default]
    Must,
    /// This project's hardening that a careful server follows (check order, limits, duplicate
    /// keys, trailing data, bounded decompression): a warning with its reason.
    Should,
    /// Where the documentation is silent and real implementations differ: informational.
    May,
}

impl Level {
    /// Every level, strongest first.
    pub const ALL: [Level; 3] = [Level::Must, Level::Should, Level::May];

    /// `MUST`, `SHOULD` or `MAY`, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }

    /// Parses `must`, `should` or `may` (any case).
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name))
    }

    /// The weaker of two levels: a MUST rule inside a MAY case is reported as MAY.
    pub fn at_most(self, other: Level) -> Level {
        self.max(other)
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The rule a case checks: its level, in words, and where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Rule {
    /// MUST, SHOULD or MAY.
    #[serde(default)]
    pub level: Level,
    /// The rule, in words.
    #[serde(default)]
    pub rule: String,
    /// Where it comes from: a quotation of the seed, an RFC section, a section of the contract.
    #[serde(default)]
    pub reference: String,
}

impl Rule {
    /// No rule given (a body-level case, whose rules are its verdicts').
    pub fn is_unset(&self) -> bool {
        self.rule.is_empty() && self.reference.is_empty()
    }
}

/// One fault of a request that has several, with the answer it gets alone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Fault {
    /// sessionkit's error kind for it.
    pub error: String,
    /// The HTTP status it is answered with.
    pub status: u16,
    /// Its vendor code, where the vendor's tables give one.
    #[serde(default)]
    pub code: Option<u16>,
    /// The rule it breaks.
    pub rule: String,
    /// Where that rule comes from.
    pub reference: String,
}

/// Another answer an acceptable case's policy allows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Allowed {
    /// HTTP status.
    pub status: u16,
    /// Vendor error code.
    pub code: Option<u16>,
}

impl Case {
    /// A wire-level case: `wire` written as `file`, sent with `request`, answered as `expect`
    /// says, by `rule`.
    pub fn wire(
        id: u32,
        file: impl Into<String>,
        source: impl Into<String>,
        wire: &[u8],
        request: WireRequest,
        expect: Expect,
        rule: Rule,
    ) -> Self {
        let result = if expect.status == 201 {
            Validity::Valid
        } else {
            Validity::Invalid
        };
        Self {
            id,
            file: file.into(),
            source: source.into(),
            sha256: sha256_hex(wire),
            profiles: BTreeMap::new(),
            result: Some(result),
            policy: None,
            request: Some(request),
            expect: Some(expect),
            allowed: Vec::new(),
            rule,
            faults: Vec::new(),
        }
    }

    /// The folder the file sits in below `corpus/`: a pipeline stage, or `schema`.
    pub fn stage(&self) -> crate::catalogue::Stage {
        let first = self.file.split('/').next().unwrap_or_default();
        if let (true, Some(stage)) = (
            self.file.contains('/'),
            crate::catalogue::Stage::from_name(first),
        ) {
            return stage;
        }
        // A case outside the stage folders (a capture promoted with `check --promote`): the
        // stage of its expected error, or `schema` for one accepted (every stage passed).
        self.expect
            .as_ref()
            .and_then(|e| e.error.as_deref())
            .and_then(crate::catalogue::ErrorKind::from_code)
            .map_or(crate::catalogue::Stage::Schema, |kind| kind.stage())
    }

    /// True for the documentation's own example payloads (`schema/seed/`).
    pub fn is_seed_example(&self) -> bool {
        self.file.starts_with("schema/seed/")
    }

    /// True when `bytes` are the file the manifest describes (its SHA-256 matches).
    pub fn digest_matches(&self, bytes: &[u8]) -> bool {
        sha256_hex(bytes) == self.sha256
    }

    /// For a wire-level case: what `receive` decides for its headers and `body` (the file's
    /// bytes), with the server configured as the manifest says (the documentation's credentials,
    /// the case's profile). `None` for body-level cases.
    pub fn receive(&self, body: &[u8]) -> Option<Outcome> {
        self.receive_in(body, self.request.as_ref()?.profile())
    }

    /// The same in `profile`.
    pub fn receive_in(&self, body: &[u8], profile: Profile) -> Option<Outcome> {
        let request = self.request.as_ref()?;
        let mut config = Config {
            profile,
            ..Config::default()
        };
        if let Some(secret) = &request.secret {
            config.secrets = vec![secret.as_bytes().to_vec()];
        }
        config.labelled_secrets = request
            .labelled_secrets
            .iter()
            .map(|(label, secret)| crate::config::LabelledSecret {
                label: label.clone(),
                api_key: None,
                secret: secret.as_bytes().to_vec(),
            })
            .collect();
        Some(receive(&request.headers(), body, &config))
    }
}

/// Expected schema-stage verdict in one profile.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Verdict {
    /// What must come of the body in this profile.
    pub result: Validity,
    /// Errors that must be reported.
    pub errors: Vec<Finding>,
    /// Warnings that must be reported.
    pub warnings: Vec<Finding>,
    /// The rule the verdict follows in this profile.
    #[serde(flatten)]
    pub rule: Rule,
}

/// A pointer and a code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub struct Finding {
    /// JSON pointer.
    pub pointer: String,
    /// Stable code.
    pub code: String,
    /// For errors: the vendor code a server answers when this is the violation it reports first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_code: Option<u16>,
}

/// The request of a wire-level case.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WireRequest {
    /// Header lines in order.
    #[serde(rename = "headers")]
    pub header_lines: Vec<(String, String)>,
    /// Profile the server validates in; every profile when absent.
    #[serde(default, rename = "profile", skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// How the signature lines are made; none when the request has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<SignRecipe>,
    /// The server's shared secret for this case, when not the documentation's (a hex secret, for
    /// the mistake of decoding it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Secrets the server knows for other environments, by label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labelled_secrets: BTreeMap<String, String>,
}

/// How a case's `X-HMAC-SIGNATURE` lines are made: a literal value, or a digest of named bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct SignRecipe {
    /// A value sent as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// `wire` (the case's own file) or a file below `corpus/` holding the signed bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// SHA-256 of the signed bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `hex`, `upper`, `base64`, or a prefix such as `sha256=` before the hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// A secret other than the server's (the mistake of signing with the wrong one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// How the client's key is made from the server's secret: `api_key`, `hex`, `base64`,
    /// `suffix:S`, `prefix:S`; the secret itself when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `hmac-sha256` when absent, or `hmac-sha1`, `hmac-sha512`, `sha256` (a plain digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// The header the signature is sent in; `X-HMAC-SIGNATURE` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

impl WireRequest {
    /// A request of these header lines, for a server validating in `profile`, signed as `sign`
    /// says.
    pub fn new(headers: &Headers, profile: Profile, sign: Option<SignRecipe>) -> Self {
        Self {
            header_lines: headers
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            profile_name: Some(profile.name().to_owned()),
            sign,
            secret: None,
            labelled_secrets: BTreeMap::new(),
        }
    }

    /// The header lines as headers.
    pub fn headers(&self) -> Headers {
        self.header_lines.iter().cloned().collect()
    }

    /// The header lines rebuilt for a server with `api_key` and `secret`: `X-AUTH-CLIENT` lines
    /// holding the documentation's key carry `api_key`, and the signature lines are made as the
    /// recipe says. `signed_file` reads a file below `corpus/` (this crate does no I/O). With the
    /// documentation's credentials the result is the recorded header lines.
    pub fn headers_for(
        &self,
        api_key: &str,
        secret: &[u8],
        wire: &[u8],
        signed_file: impl Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Headers, String> {
        let value = match &self.sign {
            None => None,
            Some(recipe) => Some(recipe.value(secret, api_key, wire, signed_file)?),
        };
        let header = self
            .sign
            .as_ref()
            .and_then(|s| s.header.as_deref())
            .unwrap_or(names::SIGNATURE);
        let line = |(name, v): &(String, String)| {
            let v = if name.eq_ignore_ascii_case(names::API_KEY) && v == EXAMPLE_API_KEY {
                api_key.to_owned()
            } else if name.eq_ignore_ascii_case(header) {
                value.clone().unwrap_or_else(|| v.clone())
            } else {
                v.clone()
            };
            (name.clone(), v)
        };
        Ok(self.header_lines.iter().map(line).collect())
    }

    /// The profiles the case applies to: the one it names, or every profile (its answer does not
    /// depend on the profile).
    pub fn profiles(&self) -> Vec<Profile> {
        match self.profile_name.as_deref().and_then(Profile::from_name) {
            Some(profile) => vec![profile],
            None => Profile::ALL.to_vec(),
        }
    }

    /// The profile the server validates in.
    pub fn profile(&self) -> Profile {
        self.profile_name
            .as_deref()
            .and_then(Profile::from_name)
            .unwrap_or_default()
    }
}

impl SignRecipe {
    /// HMAC-SHA256 in lowercase hex, with the server's secret, over `signed`, kept as `source`:
    /// `wire` (the case's own file) or a file below the corpus folder.
    pub fn hmac_over(source: impl Into<String>, signed: &[u8]) -> Self {
        Self {
            bytes: Some(source.into()),
            sha256: Some(sha256_hex(signed)),
            form: Some("hex".to_owned()),
            ..Self::default()
        }
    }

    /// A header value sent as it is.
    pub fn literal(value: impl Into<String>) -> Self {
        Self {
            literal: Some(value.into()),
            ..Self::default()
        }
    }

    /// The header value for a server whose shared secret is `secret`.
    fn value(
        &self,
        secret: &[u8],
        api_key: &str,
        wire: &[u8],
        signed_file: impl Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<String, String> {
        if let Some(literal) = &self.literal {
            return Ok(literal.clone());
        }
        let source = self
            .bytes
            .as_deref()
            .ok_or("a recipe names neither bytes nor literal")?;
        let bytes = match source {
            "wire" => wire.to_vec(),
            file => signed_file(file)?,
        };
        if self.sha256 != Some(sha256_hex(&bytes)) {
            return Err(format!(
                "{source} differs from the SHA-256 its recipe records"
            ));
        }
        let key = match (&self.secret, self.key.as_deref()) {
            (Some(literal), _) => literal.as_bytes().to_vec(),
            (None, None) => secret.to_vec(),
            (None, Some(how)) => client_key(how, secret, api_key),
        };
        let name = self.algorithm.as_deref().unwrap_or("hmac-sha256");
        let algorithm = Algorithm::from_name(name)
            .ok_or_else(|| format!("unknown algorithm {name:?} in a recipe"))?;
        let digest = algorithm.digest(&key, &bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(match self.form.as_deref().unwrap_or("hex") {
            "hex" => hex,
            "upper" => hex.to_uppercase(),
            "base64" => base64::engine::general_purpose::STANDARD.encode(&digest),
            prefix => format!("{prefix}{hex}"),
        })
    }
}

/// Hex SHA-256, as the manifest records files and signed bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The key a client made from the server's `secret` (a recipe's `key`). A secret that cannot be
/// decoded as asked is used reversed: still a wrong key, so the answer the case expects holds.
fn client_key(how: &str, secret: &[u8], api_key: &str) -> Vec<u8> {
    let reversed = || secret.iter().rev().copied().collect();
    match how {
        "api_key" => api_key.as_bytes().to_vec(),
        "hex" => std::str::from_utf8(secret)
            .ok()
            .and_then(text::hex_decode)
            .unwrap_or_else(reversed),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(secret)
            .unwrap_or_else(|_| reversed()),
        other => match other.split_once(':') {
            Some(("prefix", text)) => [text.as_bytes(), secret].concat(),
            Some(("suffix", text)) => [secret, text.as_bytes()].concat(),
            _ => reversed(),
        },
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

impl Expect {
    /// The answer `outcome` decides: its status, vendor code and error kind.
    pub fn of(outcome: &Outcome) -> Self {
        Self {
            status: outcome.status(),
            code: (outcome.vendor_code() != 0).then_some(outcome.vendor_code()),
            error: outcome.error_code().map(str::to_owned),
            diagnostic: None,
        }
    }
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
        assert_eq!(
            (seed.stage(), wire.stage()),
            (
                crate::catalogue::Stage::Schema,
                crate::catalogue::Stage::Headers
            )
        );
        // A promoted capture at the corpus's root: its expected error's stage, or schema.
        let mut promoted = wire.clone();
        promoted.file = "captured-1.bin".into();
        assert_eq!(promoted.stage(), crate::catalogue::Stage::Headers);
        promoted.expect.as_mut().unwrap().error = None;
        assert_eq!(promoted.stage(), crate::catalogue::Stage::Schema);
        assert!(seed.receive(b"{}").is_none(), "a body case is not sent");
        // 44136fa3... is the SHA-256 of `{}`.
        assert!(wire.digest_matches(b"{}") && !wire.digest_matches(b"{ }"));
        assert_eq!(wire.request.as_ref().unwrap().profile(), Profile::Strict);
        let outcome = wire.receive(b"{}").unwrap();
        let expect = wire.expect.as_ref().unwrap();
        assert_eq!((outcome.status(), outcome.vendor_code()), (401, 1801));
        assert_eq!(outcome.error_code(), expect.error.as_deref());
    }

    #[test]
    fn a_manifest_of_the_wrong_shape_is_refused() {
        assert!(Manifest::from_json(r#"{"cases": [{"id": "one"}]}"#).is_err());
        assert!(Manifest::from_json("[]").is_err());
    }
}
