//! `sessionkit sign`: the lowercase hex HMAC-SHA256 of a file's exact bytes.

use crate::CONFORMS;
use crate::args::{SecretArgs, read_input};

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
pub fn run(args: SignArgs) -> anyhow::Result<u8> {
    let secret = args.secret.signing_secret()?;
    let bytes = read_input(&args.file)?;
    println!("{}", sessionkit::crypto::sign(&secret, &bytes));
    Ok(CONFORMS)
}
