//! What a test may script: the next answers to `POST /v1/sessions`, statuses or 201s forged in a
//! way a client that verifies answers must refuse.

/// Statuses a script may hold: a forced 429 or 500, or 201 for "answer as the contract says".
const SCRIPTABLE: [u16; 3] = [201, 429, 500];

/// One scripted answer: a status, or a 201 forged in a way a client must refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Scripted {
    /// 429, 500, or 201 (the contract's own answer).
    Status(u16),
    /// `{"status": 201, "forge": "wrong-signature"}`: the session is created, its answer forged.
    Forged {
        /// Always 201.
        status: u16,
        /// How it is forged.
        forge: Forgery,
    },
}

/// How a scripted 201 is forged: what a client that verifies answers must refuse
/// (docs/contract.md §3), and one that does not verify accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forgery {
    /// An X-HMAC-SIGNATURE of the right form that matches nothing.
    WrongSignature,
    /// No X-HMAC-SIGNATURE at all.
    NoSignature,
    /// The signature of the body re-serialized (pretty-printed), not of the bytes sent.
    ReserializedSignature,
    /// A signature keyed with another secret.
    OtherSecret,
    /// The body cut in half, sent with the whole body's signature.
    TruncatedBody,
    /// X-AUTH-CLIENT holds another API key.
    OtherApiKey,
}

impl Forgery {
    /// Its name in a script.
    pub fn name(self) -> &'static str {
        match self {
            Forgery::WrongSignature => "wrong-signature",
            Forgery::NoSignature => "no-signature",
            Forgery::ReserializedSignature => "reserialized-signature",
            Forgery::OtherSecret => "other-secret",
            Forgery::TruncatedBody => "truncated-body",
            Forgery::OtherApiKey => "other-api-key",
        }
    }
}

impl Scripted {
    /// A 201 forged as `forge` says.
    pub fn forged(forge: Forgery) -> Self {
        Scripted::Forged { status: 201, forge }
    }

    /// Whether a script may hold it.
    pub(crate) fn is_allowed(self) -> bool {
        match self {
            Scripted::Status(status) => SCRIPTABLE.contains(&status),
            Scripted::Forged { status, .. } => status == 201,
        }
    }
}
