//! `sessionkit sign`, `sessionkit request` and `sessionkit verify`: the client's and the server's
//! view of one request, from files.

use std::path::PathBuf;

use anyhow::Context;
use sessionkit::encoding::Encoding;
use sessionkit::headers::Headers;
use sessionkit::receive::{self, Config};
use sessionkit::request::SignedRequest;
use sessionkit::schema::Profile;
use sessionkit::signature;

use crate::keys::{SecretArgs, read_input};
use crate::{CONFORMS, DOES_NOT_CONFORM, Format};

/// Arguments of `sessionkit sign`.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  sessionkit sign --secret your-shared-secret body.json")]
pub struct SignArgs {
    #[command(flatten)]
    secret: SecretArgs,
    /// The exact bytes to sign (the uncompressed JSON); `-` or nothing reads standard input.
    #[arg(default_value = "-", value_name = "FILE")]
    file: String,
}

/// Prints the lowercase hex HMAC-SHA256 of the file's exact bytes.
pub fn sign(args: SignArgs) -> anyhow::Result<u8> {
    let secret = args.secret.signing_secret()?;
    let bytes = read_input(&args.file)?;
    println!("{}", signature::sign(&secret, &bytes));
    Ok(CONFORMS)
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

/// Arguments of `sessionkit request`.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  sessionkit request --api-key your-api-key --secret your-shared-secret \\\n    \
    --encoding gzip corpus/schema/seed/python-client.json --out /tmp/req\n  \
    then run the printed curl command against a server"
)]
pub struct RequestArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// URL used in the printed curl command.
    #[arg(long, default_value = "http://127.0.0.1:8080/v1/sessions")]
    url: String,
    /// Folder that receives `body` (the wire bytes) and `headers` (one `Name: value` per line).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Builds the request in the documented order and writes it out.
pub fn request(args: RequestArgs) -> anyhow::Result<u8> {
    let (built, _) = args.client.build()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let body_path = args.out.join("body");
    let headers_path = args.out.join("headers");
    std::fs::write(&body_path, &built.body)
        .with_context(|| format!("cannot write {}", body_path.display()))?;
    std::fs::write(&headers_path, built.headers.to_text())
        .with_context(|| format!("cannot write {}", headers_path.display()))?;
    eprintln!(
        "wrote {} ({} bytes, {} of JSON) and {}",
        body_path.display(),
        built.body.len(),
        built.json_len,
        headers_path.display()
    );
    println!(
        "{}",
        built.curl(&args.url, &body_path.display().to_string())
    );
    Ok(CONFORMS)
}

/// Arguments of `sessionkit verify`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when the server would answer 201, 1 otherwise, 2 on usage or I/O errors.\n\n\
    Example:\n  sessionkit verify --api-key your-api-key --secret your-shared-secret --headers /tmp/req/headers /tmp/req/body"
)]
pub struct VerifyArgs {
    /// API keys the server knows (repeatable).
    #[arg(long = "api-key", value_name = "K", required = true)]
    api_keys: Vec<String>,
    #[command(flatten)]
    secret: SecretArgs,
    /// The request's headers, one `Name: value` per line.
    #[arg(long, value_name = "FILE")]
    headers: String,
    /// Schema profile.
    #[arg(long, default_value = "documented", value_parser = crate::validate::parse_profile)]
    profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The wire bytes of the body; `-` reads standard input.
    #[arg(value_name = "BODY")]
    body: String,
}

/// Prints the outcome a server following the contract would give.
pub fn verify(args: VerifyArgs) -> anyhow::Result<u8> {
    let headers_text = std::fs::read_to_string(&args.headers)
        .with_context(|| format!("cannot read {}", args.headers))?;
    let headers =
        Headers::parse(&headers_text).map_err(|e| anyhow::anyhow!("{}: {e}", args.headers))?;
    let body = read_input(&args.body)?;
    let config = Config {
        api_keys: args.api_keys,
        secrets: args.secret.secrets()?,
        profile: args.profile,
        ..Config::default()
    };
    let outcome = receive::receive(&headers, &body, &config);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&outcome.report())?),
        Format::Text => print!("{}", outcome.render()),
    }
    Ok(if outcome.is_success() {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}
