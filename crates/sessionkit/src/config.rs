//! What a server knows and decides with: its API keys, secrets (active and labelled), schema
//! profile, size limits and cost model. Bottom layer: plain data, read by every stage.

use std::fmt;

use crate::cost::CostModel;

/// Which reading of the documentation a body is validated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Profile {
    /// What the documentation's examples send is valid; unknown properties are warnings.
    #[default]
    Documented,
    /// The types the field descriptions state; unknown properties are errors.
    Strict,
}

impl Profile {
    /// Both profiles, documented first.
    pub const ALL: [Profile; 2] = [Profile::Documented, Profile::Strict];

    /// `documented` or `strict`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Documented => "documented",
            Profile::Strict => "strict",
        }
    }

    /// Parses `documented` or `strict`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Size limits of the receive path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted on the wire, in bytes (default 1 MiB).
    pub max_wire: usize,
    /// Largest body accepted after decoding, in bytes (default 1 MiB).
    pub max_decoded: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_wire: 1 << 20,
            max_decoded: 1 << 20,
        }
    }
}

/// What the server knows: its keys, secrets, profile and limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Known API keys (`X-AUTH-CLIENT`).
    pub api_keys: Vec<String>,
    /// Active shared secrets; a signature under any of them is accepted (key rotation).
    pub secrets: Vec<Vec<u8>>,
    /// Secrets of other environments (sandbox, retired keys), never accepted: the doctor names
    /// them when a signature was made with one (`secret_of_other_environment`).
    pub labelled_secrets: Vec<LabelledSecret>,
    /// Which schema profile the body is validated in.
    pub profile: Profile,
    /// Wire and decoded size limits.
    pub limits: Limits,
    /// Whether a request without `X-HMAC-SIGNATURE` is accepted (a signature that is sent is
    /// always checked).
    pub unsigned: Unsigned,
    /// Decides the `compression_not_worth_it` advisory.
    pub cost: CostModel,
}

/// What becomes of a request to `POST /v1/sessions` without `X-HMAC-SIGNATURE`.
///
/// The vendor's FAQ: "Exception is POST /sessions which does not require an X-HMAC-SIGNATURE";
/// its browser SDK creates sessions with `X-AUTH-CLIENT` alone (a browser cannot hold the
/// secret), and public .NET and Node.js clients do the same. A mock that refuses them fails a
/// client that works in production, so the documented profile accepts them, with the
/// `unsigned_request` advisory; the strict profile holds a client to the seed's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unsigned {
    /// Accepted in the documented profile, as the API accepts them; refused in the strict one.
    #[default]
    ByProfile,
    /// Refused with 401 `missing_signature` in every profile (`serve --require-signature`): for
    /// a team that means to sign and wants a test that fails when its client forgot to.
    Refused,
    /// Accepted in every profile.
    Accepted,
}

impl Config {
    /// Whether a request to `POST /v1/sessions` without `X-HMAC-SIGNATURE` passes the signature
    /// stage. (Other calls sign the session id and are not exempt: only [`Unsigned::Accepted`]
    /// lets them through unsigned.)
    pub fn accepts_unsigned(&self) -> bool {
        match self.unsigned {
            Unsigned::ByProfile => self.profile == Profile::Documented,
            Unsigned::Refused => false,
            Unsigned::Accepted => true,
        }
    }
}

/// The API key of the seed's code examples, the reference server's default.
pub const EXAMPLE_API_KEY: &str = "your-api-key";
/// The shared secret of the seed's code examples, the reference server's default.
pub const EXAMPLE_SHARED_SECRET: &str = "your-shared-secret";

impl Default for Config {
    fn default() -> Self {
        Self {
            api_keys: vec![EXAMPLE_API_KEY.to_owned()],
            secrets: vec![EXAMPLE_SHARED_SECRET.as_bytes().to_vec()],
            labelled_secrets: Vec::new(),
            profile: Profile::Documented,
            limits: Limits::default(),
            unsigned: Unsigned::ByProfile,
            cost: CostModel::DEFAULT,
        }
    }
}

/// A secret the server knows for another environment (sandbox, a retired key), tried by the
/// doctor only: a signature under it is still refused, and named `secret_of_other_environment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledSecret {
    /// What the answer calls it: `sandbox`, `retired-2026-05`.
    pub label: String,
    /// The API key it belongs to; tried only for requests with that key (any key when `None`).
    pub api_key: Option<String>,
    /// The secret.
    pub secret: Vec<u8>,
}
