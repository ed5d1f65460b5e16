//! `sessionkit verify`: the answer a server following the contract would give to a request read
//! from files, with the named mistakes and their hints.

use anyhow::Context;
use sessionkit::headers::Headers;

use crate::args::{JudgeArgs, read_input};
use crate::{CONFORMS, DOES_NOT_CONFORM, Format};

/// Arguments of `sessionkit verify`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when the server would answer 201 (with --webhook: when the delivery is genuine), \
    1 otherwise, 2 on usage or I/O errors.\n\n\
    Examples:\n  sessionkit verify --api-key your-api-key --secret your-shared-secret --headers /tmp/req/headers /tmp/req/body\n  \
    sessionkit verify --webhook --secret-file secret.txt --headers delivery.headers delivery.json"
)]
pub struct VerifyArgs {
    #[command(flatten)]
    judge: JudgeArgs,
    /// The request's headers, one `Name: value` per line.
    #[arg(long, value_name = "FILE")]
    headers: String,
    /// Verify a received webhook delivery instead of a request: X-HMAC-SIGNATURE over the exact
    /// stored bytes (the doctor names a newline added when the body was stored, a
    /// re-serialization, the legacy digest in the HMAC's header), X-SIGNATURE when present
    /// (sha256(body + secret)), and the payload against schemas/decision.json or event.json.
    /// No --api-key needed.
    #[arg(long)]
    webhook: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The wire bytes of the body; `-` reads standard input.
    #[arg(value_name = "BODY")]
    body: String,
}

/// Prints the outcome a server following the contract would give.
pub fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    let headers_text = std::fs::read_to_string(&args.headers)
        .with_context(|| format!("cannot read {}", args.headers))?;
    let headers =
        Headers::parse(&headers_text).map_err(|e| anyhow::anyhow!("{}: {e}", args.headers))?;
    let body = read_input(&args.body)?;
    if args.webhook {
        let verdict = sessionkit::delivery::verify(&headers, &body, &args.judge.secrets()?);
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&verdict.report())?),
            Format::Text => print!("{}", verdict.render(body.len())),
        }
        return Ok(if verdict.is_valid() {
            CONFORMS
        } else {
            DOES_NOT_CONFORM
        });
    }
    let config = args.judge.config()?;
    let outcome = sessionkit::receive(&headers, &body, &config);
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
