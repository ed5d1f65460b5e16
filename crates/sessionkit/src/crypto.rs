//! The signing primitives: HMAC-SHA256 over the uncompressed body as 64 lowercase hex characters
//! (docs/contract.md §1), compared in constant time against every active secret, the other
//! algorithms clients send by mistake, and what a signature covers ([`Signed`]).

use std::fmt;

use crate::codec::Encoding;
use crate::text;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// An HMAC-SHA256 value. Parsing accepts exactly 64 lowercase hex characters, so a value of this
/// type is always in the documented form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 32]);

/// Why a header value is not a signature in the documented form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFormatError {
    /// The value is empty.
    Empty,
    /// Hex digits in upper case.
    Uppercase,
    /// A `sha256=` (or similar) prefix.
    Prefixed(String),
    /// Base64 rather than hex.
    Base64,
    /// Hex of the wrong length.
    WrongLength(usize),
    /// Characters that are not hex digits.
    NotHex,
}

impl fmt::Display for SignatureFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "signature is empty"),
            Self::Uppercase => write!(f, "signature uses uppercase hex digits"),
            Self::Prefixed(prefix) => write!(f, "signature carries a {prefix:?} prefix"),
            Self::Base64 => write!(f, "signature is base64, not hex"),
            Self::WrongLength(n) => write!(f, "signature has {n} hex characters, not 64"),
            Self::NotHex => write!(f, "signature is not hex"),
        }
    }
}

impl std::error::Error for SignatureFormatError {}

impl Signature {
    /// Parses the `X-HMAC-SIGNATURE` value: 64 lowercase hex characters, nothing else.
    pub fn from_hex(value: &str) -> Result<Self, SignatureFormatError> {
        if value.is_empty() {
            return Err(SignatureFormatError::Empty);
        }
        if let Some((prefix, _)) = value.split_once('=').filter(|(p, rest)| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()) && !rest.is_empty()
        }) {
            return Err(SignatureFormatError::Prefixed(format!("{prefix}=")));
        }
        let is_hex = value.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex {
            let base64ish = value.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
            });
            return Err(if base64ish && value.len() == 44 {
                SignatureFormatError::Base64
            } else {
                SignatureFormatError::NotHex
            });
        }
        if value.len() != 64 {
            return Err(SignatureFormatError::WrongLength(value.len()));
        }
        if value.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(SignatureFormatError::Uppercase);
        }
        // 64 hex digits, checked above: 32 bytes.
        let bytes = text::hex_decode(value).ok_or(SignatureFormatError::NotHex)?;
        let out = <[u8; 32]>::try_from(bytes).map_err(|_| SignatureFormatError::NotHex)?;
        Ok(Self(out))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// The digests clients send in `X-HMAC-SIGNATURE`, right (HMAC-SHA256) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// What the contract asks for.
    HmacSha256,
    /// HMAC with SHA-1 (40 hex characters).
    HmacSha1,
    /// HMAC with SHA-512 (128 hex characters).
    HmacSha512,
    /// A plain SHA-256 of the bytes, no key.
    Sha256,
    /// The API's legacy scheme (the vendor's FAQ, for the older `X-SIGNATURE` header): a plain
    /// SHA-256 of the bytes followed by the key, no HMAC.
    LegacySha256,
}

impl Algorithm {
    /// `hmac-sha256`, `hmac-sha1`, `hmac-sha512`, `sha256` or `sha256-body-secret` (the legacy
    /// scheme).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "hmac-sha256" => Self::HmacSha256,
            "hmac-sha1" => Self::HmacSha1,
            "hmac-sha512" => Self::HmacSha512,
            "sha256" => Self::Sha256,
            "sha256-body-secret" => Self::LegacySha256,
            _ => return None,
        })
    }

    /// The digest of `bytes` under `key` (ignored by plain SHA-256).
    pub fn digest(self, key: &[u8], bytes: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        // Invariant: HMAC accepts keys of any length (longer ones are hashed first).
        const ANY_KEY: &str = "HMAC takes keys of any length";
        match self {
            Self::HmacSha256 => sign(key, bytes).as_bytes().to_vec(),
            Self::Sha256 => Sha256::digest(bytes).to_vec(),
            Self::LegacySha256 => Sha256::new()
                .chain_update(bytes)
                .chain_update(key)
                .finalize()
                .to_vec(),
            Self::HmacSha1 => Hmac::<sha1::Sha1>::new_from_slice(key)
                .expect(ANY_KEY)
                .chain_update(bytes)
                .finalize()
                .into_bytes()
                .to_vec(),
            Self::HmacSha512 => Hmac::<sha2::Sha512>::new_from_slice(key)
                .expect(ANY_KEY)
                .chain_update(bytes)
                .finalize()
                .into_bytes()
                .to_vec(),
        }
    }

    /// [`Algorithm::digest`] as lowercase hex, the form a signature header carries.
    pub fn hex(self, key: &[u8], bytes: &[u8]) -> String {
        self.digest(key, bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

// HMAC-SHA256 on the request path is ring's (benches/, group `parts`): at par with `sha2` and
// `aws-lc-rs` on a CPU with SHA extensions, 1.75x faster than `sha2` on one without, where `ring`
// and `aws-lc-rs` tie and `ring` builds in a fraction of the time. The doctor's other algorithms
// (HMAC-SHA1/-SHA512, plain SHA-256) stay on the RustCrypto crates: they run only on failures.

/// Signs `bytes` with `secret`: HMAC-SHA256.
pub fn sign(secret: &[u8], bytes: &[u8]) -> Signature {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    Signature(out)
}

/// True when `signature` is the HMAC of `bytes` under any of `secrets` (key rotation). Each
/// comparison is constant-time (`ring::hmac::verify`), and every secret is tried, so timing says
/// nothing of which matched.
pub fn verify<S: AsRef<[u8]>>(secrets: &[S], bytes: &[u8], signature: &Signature) -> bool {
    let mut matched = false;
    for secret in secrets {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_ref());
        matched |= ring::hmac::verify(&key, bytes, signature.as_bytes()).is_ok();
    }
    matched
}

/// What the bytes a signature covers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covered {
    /// A request body, decoded.
    Body,
    /// The session id of `GET /v1/sessions/{id}/decision`.
    SessionId,
}

impl Covered {
    /// As a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            Covered::Body => "the decoded body",
            Covered::SessionId => "the session id",
        }
    }
}

/// The same signature with one bit flipped (for tests and fuzzing of the comparison; reached
/// through `internal`).
#[doc(hidden)]
pub fn with_bit_flipped(signature: Signature, bit: usize) -> Signature {
    let mut bytes = signature.0;
    bytes[(bit / 8) % 32] ^= 1 << (bit % 8);
    Signature(bytes)
}

/// What a signature must cover, and how it reached the server (for naming a mismatch).
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The bytes the signature must cover: the decoded body, or the session id.
    pub bytes: &'a [u8],
    /// The bytes on the wire.
    pub wire: &'a [u8],
    /// How `wire` decodes to `bytes`.
    pub encoding: Encoding,
    /// What `bytes` are.
    pub covers: Covered,
}

impl<'a> Signed<'a> {
    /// A request body: `wire` decoded as `encoding` gave `decoded`.
    pub fn body(decoded: &'a [u8], wire: &'a [u8], encoding: Encoding) -> Self {
        Self {
            bytes: decoded,
            wire,
            encoding,
            covers: Covered::Body,
        }
    }

    /// The session id of `GET /v1/sessions/{id}/decision`, signed as it is.
    pub fn session_id(id: &'a str) -> Self {
        Self {
            bytes: id.as_bytes(),
            wire: id.as_bytes(),
            encoding: Encoding::Identity,
            covers: Covered::SessionId,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_each_wrong_form_with_its_reason() {
        let good = sign(b"k", b"body").to_string();
        assert_eq!(Signature::from_hex(&good).unwrap().to_string(), good);
        assert_eq!(
            Signature::from_hex(&good.to_uppercase()),
            Err(SignatureFormatError::Uppercase)
        );
        assert_eq!(
            Signature::from_hex(&format!("sha256={good}")),
            Err(SignatureFormatError::Prefixed("sha256=".into()))
        );
        assert_eq!(
            Signature::from_hex("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="),
            Err(SignatureFormatError::Base64)
        );
        assert_eq!(
            Signature::from_hex(&good[..63]),
            Err(SignatureFormatError::WrongLength(63))
        );
        assert_eq!(Signature::from_hex(""), Err(SignatureFormatError::Empty));
        assert_eq!(
            Signature::from_hex(&"g".repeat(64)),
            Err(SignatureFormatError::NotHex)
        );
    }

    #[test]
    fn verify_accepts_any_active_secret() {
        let signature = sign(b"new", b"body");
        assert!(verify(&[b"old".as_slice(), b"new"], b"body", &signature));
        assert!(!verify(&[b"old".as_slice()], b"body", &signature));
        assert!(!verify::<&[u8]>(&[], b"body", &signature));
    }
}
