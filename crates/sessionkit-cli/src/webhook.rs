//! `sessionkit webhook`: signed decision and event webhooks sent to an integrator's receiver,
//! and its answers judged.

use sessionkit_conform::webhook::{self, Webhook};

use crate::{CONFORMS, DOES_NOT_CONFORM};

/// Report formats of `sessionkit webhook`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WebhookFormat {
    /// One line per delivery, then the totals per level.
    Text,
    /// One JSON object.
    Json,
    /// JUnit XML: one test case per delivery.
    Junit,
}

/// Arguments of `sessionkit webhook`.
#[derive(clap::Args)]
#[command(
    after_help = "Sends the receiver decision webhooks (each decision code), event \
    webhooks, and the same decision serialized in other valid ways (other key order, \
    pretty-printed, \\/ and \\uXXXX escapes, raw UTF-8, 9.001e3, several KB), each signed over its \
    own exact bytes. MUST accept (2xx): each decision and event in the vendor's compact \
    serialization, carrying X-HMAC-SIGNATURE and the legacy X-SIGNATURE as the vendor's deliveries \
    do. MUST refuse: a tampered body, another secret, no signature, another delivery's \
    signature. SHOULD accept the other serializations and SHOULD refuse pretty bytes under the \
    compact form's signature (a receiver verifying JSON.stringify(parsed) works while the vendor's \
    bytes are compact and breaks the day they differ); SHOULD accept a duplicate delivery and \
    answer every delivery within 5 s. MAY (informational): uppercase or prefixed hex of the right \
    HMAC, the legacy digest verified instead of the HMAC.\n\n\
    Exit status: 0 when no delivery broke a rule at the --level (MUST by default), 1 otherwise, 2 \
    on usage or I/O errors.\n\n\
    Examples:\n  sessionkit webhook --to http://127.0.0.1:3000/webhooks/decision --api-key K --secret S\n  \
    sessionkit webhook --to https://staging.example/webhooks --ca staging-ca.pem --api-key K --secret S"
)]
pub struct WebhookArgs {
    /// The receiver's URL: https:// (the only scheme the vendor allows for webhooks, verified
    /// with rustls against the system's roots and --ca), or http:// for a receiver on loopback.
    #[arg(long, value_name = "URL")]
    to: String,
    /// A PEM file of CA certificates to trust beside the system's (a staging receiver's
    /// private CA).
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    /// The API key the webhooks carry in X-AUTH-CLIENT.
    #[arg(long, value_name = "K")]
    api_key: String,
    /// The shared secret that signs them.
    #[command(flatten)]
    secret: crate::args::SecretArgs,
    /// A previous secret still active (rotation): one delivery is signed with it.
    #[arg(long, value_name = "S")]
    old_secret: Option<String>,
    /// The vendorData the session was created with.
    #[arg(long, default_value = "customer-123")]
    vendor_data: String,
    /// The endUserId the session was created with.
    #[arg(long, default_value = "a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d6")]
    end_user_id: String,
    /// Report format.
    #[arg(long, value_enum, default_value_t = WebhookFormat::Text)]
    format: WebhookFormat,
    /// Seconds each delivery may take in all, from connecting to the answer's last byte: a
    /// receiver that drips its answer or sends header lines forever (the head is read up to
    /// 64 KiB) is cut off and graded as no answer.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    timeout: u64,
    /// The weakest level whose problems fail the run: `must` (the default) or `should`.
    #[arg(long, default_value = "must", value_parser = crate::args::parse_level, value_name = "LEVEL")]
    level: sessionkit_conform::Level,
}

/// Runs `sessionkit webhook`.
pub fn run(args: WebhookArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(args.timeout >= 1, "--timeout must be at least 1 second");
    let secret = args.secret.one_or(None)?;
    let mut run = Webhook::to(&args.to, &args.api_key, &secret)
        .session(&args.vendor_data, &args.end_user_id)
        .timeout(std::time::Duration::from_secs(args.timeout));
    if let Some(old) = &args.old_secret {
        run = run.old_secret(old);
    }
    if let Some(ca) = &args.ca {
        run = run.ca(ca);
    }
    let outcomes = run.run().map_err(anyhow::Error::msg)?;
    match args.format {
        WebhookFormat::Text => print!("{}", webhook::text(&args.to, &outcomes)),
        WebhookFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"to": args.to, "deliveries": outcomes})
            )?
        ),
        WebhookFormat::Junit => print!("{}", webhook::junit(&outcomes)),
    }
    let failed = outcomes.iter().any(|o| !o.ok && o.level <= args.level);
    Ok(if failed { DOES_NOT_CONFORM } else { CONFORMS })
}
