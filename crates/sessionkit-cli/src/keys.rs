//! Where the API key and the shared secret come from: flags, a file, or the environment.

use anyhow::{Context, bail};

/// The environment variable that may hold the shared secret.
pub const SECRET_ENV: &str = "SESSIONKIT_SHARED_SECRET";

/// Shared-secret options, flattened into the subcommands that sign or verify.
#[derive(clap::Args, Debug)]
pub struct SecretArgs {
    /// The shared secret (repeat for key rotation when verifying). Also read from
    /// SESSIONKIT_SHARED_SECRET, which keeps it out of the shell history.
    #[arg(long = "secret", value_name = "S", conflicts_with = "secret_file")]
    secrets: Vec<String>,
    /// A file holding the shared secret; one trailing newline is ignored.
    #[arg(long, value_name = "F")]
    secret_file: Option<String>,
}

impl SecretArgs {
    /// Every secret given, in order; at least one or an error saying how to give one.
    pub fn secrets(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        if let Some(path) = &self.secret_file {
            let mut bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
            return Ok(vec![bytes]);
        }
        if !self.secrets.is_empty() {
            return Ok(self.secrets.iter().map(|s| s.as_bytes().to_vec()).collect());
        }
        match std::env::var(SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => Ok(vec![secret.into_bytes()]),
            _ => bail!("no shared secret: pass --secret S, --secret-file F or set {SECRET_ENV}"),
        }
    }

    /// The one secret used for signing (the first given).
    pub fn signing_secret(&self) -> anyhow::Result<Vec<u8>> {
        Ok(self.secrets()?.swap_remove(0))
    }
}

/// Reads a file, or standard input for `-`.
pub fn read_input(file: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        Ok(bytes)
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {file}"))
    }
}
