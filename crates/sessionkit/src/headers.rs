//! Request header lines in order, looked up case-insensitively, and the contract's header names.
//! The checks of them are the headers stage's (`stage::headers`).

/// Request header lines in the order received. A name may repeat (two `Content-Encoding` lines
/// are a fault the contract names, so they are kept, not merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

/// The header names of the contract, spelled as the documentation's examples spell them.
pub mod names {
    /// The API key.
    pub const API_KEY: &str = "X-AUTH-CLIENT";
    /// The HMAC-SHA256 of the uncompressed body.
    pub const SIGNATURE: &str = "X-HMAC-SIGNATURE";
    /// The API's legacy scheme: hex SHA-256 of the body followed by the secret (vendor FAQ).
    pub const LEGACY_SIGNATURE: &str = "X-SIGNATURE";
    /// `application/json`.
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// `gzip` or `deflate`, or absent.
    pub const CONTENT_ENCODING: &str = "Content-Encoding";
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one header line.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Builder-style [`push`](Self::push).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(name, value);
        self
    }

    /// Every value of `name`, in order, compared case-insensitively.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of `name`; `None` when absent or repeated.
    pub fn get_one(&self, name: &str) -> Option<&str> {
        match self.get_all(name).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The lines, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Parses one `Name: value` per line (the format `sessionkit request` writes). Blank lines and
    /// lines starting with `#` are skipped; a line without a colon is an error naming its number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut headers = Self::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("line {}: expected `Name: value`, found {line:?}", i + 1))?;
            if name.trim().is_empty() {
                return Err(format!("line {}: empty header name", i + 1));
            }
            headers.push(name.trim(), value.trim());
        }
        Ok(headers)
    }

    /// One `Name: value` per line.
    pub fn to_text(&self) -> String {
        self.iter().map(|(n, v)| format!("{n}: {v}\n")).collect()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        )
    }
}
