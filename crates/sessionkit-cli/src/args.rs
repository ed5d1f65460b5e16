//! Arguments several subcommands share: where the shared secret comes from (flags, a file, or
//! the environment), what a client sends, and the profile.

use anyhow::{Context, bail};
use sessionkit::Profile;
use sessionkit::SignedRequest;
use sessionkit::codec::Encoding;
use sessionkit_conform::Level;

/// The environment variable that may hold the shared secret.
pub const SECRET_ENV: &str = "SESSIONKIT_SHARED_SECRET";

/// Shared-secret options, flattened into the subcommands that sign or verify.
#[derive(clap::Args, Debug)]
pub struct SecretArgs {
    /// The shared secret. Also read from SESSIONKIT_SHARED_SECRET, which keeps it out of the
    /// shell history (`verify` takes it more than once, for key rotation).
    #[arg(long = "secret", value_name = "S", conflicts_with = "secret_file")]
    secrets: Vec<String>,
    /// A file holding the shared secret; one trailing newline is ignored.
    #[arg(long, value_name = "F")]
    secret_file: Option<String>,
}

const NO_SECRET: &str =
    "no shared secret: pass --secret S, --secret-file F or set SESSIONKIT_SHARED_SECRET";

impl SecretArgs {
    /// Every secret given, in order; at least one or an error saying how to give one.
    pub fn secrets(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        match self.given()? {
            Some(secrets) => Ok(secrets),
            None => bail!("{NO_SECRET}"),
        }
    }

    /// The one secret of a command that uses one (`conform`, `fuzz`, `webhook`), as text: the
    /// one given, else `default` (the documentation's secret), else an error saying how to give
    /// one. Every command reads it the same three ways.
    pub fn one_or(&self, default: Option<&str>) -> anyhow::Result<String> {
        let Some(mut given) = self.given()? else {
            return match default {
                Some(default) => Ok(default.to_owned()),
                None => bail!("{NO_SECRET}"),
            };
        };
        anyhow::ensure!(
            given.len() == 1,
            "this command signs with one shared secret; {} were given",
            given.len()
        );
        String::from_utf8(given.swap_remove(0)).context("the shared secret is not UTF-8 text")
    }

    /// Where the secret comes from, as a run names it (never the secret itself).
    pub fn source(&self) -> String {
        if let Some(path) = &self.secret_file {
            format!("--secret-file {path}")
        } else if !self.secrets.is_empty() {
            "--secret".into()
        } else if std::env::var(SECRET_ENV).is_ok_and(|s| !s.is_empty()) {
            SECRET_ENV.into()
        } else {
            "the documentation's default (your-shared-secret)".into()
        }
    }

    /// The secrets given, or `None` when none was.
    fn given(&self) -> anyhow::Result<Option<Vec<Vec<u8>>>> {
        if let Some(path) = &self.secret_file {
            let mut bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
            return Ok(Some(vec![bytes]));
        }
        if !self.secrets.is_empty() {
            return Ok(Some(
                self.secrets.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ));
        }
        match std::env::var(SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => Ok(Some(vec![secret.into_bytes()])),
            _ => Ok(None),
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

/// `gzip`, `deflate`, or `identity` for none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    /// No compression, no Content-Encoding header.
    Identity,
    /// gzip (recommended by the documentation).
    Gzip,
    /// zlib-wrapped deflate.
    Deflate,
}

impl From<EncodingArg> for Encoding {
    fn from(value: EncodingArg) -> Self {
        match value {
            EncodingArg::Identity => Encoding::Identity,
            EncodingArg::Gzip => Encoding::Gzip,
            EncodingArg::Deflate => Encoding::Deflate,
        }
    }
}

/// What a client sends: credentials, encoding and level, and the JSON body (shared by `request`
/// and `send`).
#[derive(clap::Args)]
pub struct ClientArgs {
    /// The API key sent in X-AUTH-CLIENT.
    #[arg(long, value_name = "K")]
    api_key: String,
    #[command(flatten)]
    secret: SecretArgs,
    /// Compress the body after signing it.
    #[arg(long, value_enum, default_value_t = EncodingArg::Identity)]
    encoding: EncodingArg,
    /// Compression level: 0 stores, 1 is fastest, 12 smallest (10-12 are many times slower).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=12))]
    level: u32,
    /// The JSON body, sent byte for byte as it is in the file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

impl ClientArgs {
    /// The request built in the documented order, and the secret it was signed with.
    pub fn build(&self) -> anyhow::Result<(SignedRequest, Vec<u8>)> {
        let secret = self.secret.signing_secret()?;
        let json = read_input(&self.file)?;
        let built = SignedRequest::build(
            &json,
            &self.api_key,
            &secret,
            self.encoding.into(),
            self.level,
        );
        Ok((built, secret))
    }
}

/// Parses `documented` or `strict` (the `--profile` of every subcommand).
pub fn parse_profile(name: &str) -> Result<Profile, String> {
    Profile::from_name(name).ok_or_else(|| format!("unknown profile {name:?} (documented, strict)"))
}

/// `must` or `should` (any case), for `--level`; MAY findings are informational and never
/// fail a run.
pub fn parse_level(name: &str) -> Result<Level, String> {
    match Level::from_name(name) {
        Some(Level::May) => {
            Err("MAY problems are informational and never fail a run: use must or should".into())
        }
        Some(level) => Ok(level),
        None => Err(format!("{name:?} is not a level: must or should")),
    }
}

/// The client's credentials and the profile: what the commands that judge requests (`verify`,
/// `check`, `proxy`) judge with.
#[derive(clap::Args, Debug)]
pub struct JudgeArgs {
    /// API keys the server knows (repeatable; required but for webhook deliveries: `verify
    /// --webhook`, `check` on a receiver's capture).
    #[arg(long = "api-key", value_name = "K")]
    api_keys: Vec<String>,
    #[command(flatten)]
    secret: SecretArgs,
    /// Schema profile.
    #[arg(long, default_value = "documented", value_parser = parse_profile)]
    profile: sessionkit::Profile,
}

impl JudgeArgs {
    /// The secrets alone (a webhook delivery carries the vendor's key, which is not judged).
    pub fn secrets(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        self.secret.secrets()
    }

    /// True when at least one `--api-key` was given.
    pub fn has_api_key(&self) -> bool {
        !self.api_keys.is_empty()
    }

    /// The receive configuration of a server with these keys, secrets and profile.
    pub fn config(&self) -> anyhow::Result<sessionkit::Config> {
        anyhow::ensure!(
            !self.api_keys.is_empty(),
            "--api-key K is required: the API key the server knows"
        );
        self.config_without_key()
    }

    /// The same when no API key was given: enough for webhook deliveries, whose key is not
    /// judged (`check` on a receiver's capture).
    pub fn config_without_key(&self) -> anyhow::Result<sessionkit::Config> {
        Ok(sessionkit::Config {
            api_keys: self.api_keys.clone(),
            secrets: self.secret.secrets()?,
            profile: self.profile,
            ..sessionkit::Config::default()
        })
    }
}
