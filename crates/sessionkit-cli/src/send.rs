//! `sessionkit send`: build a request, POST it to a server, and check the answer.

use std::time::Duration;

use sessionkit_conform::client;

use crate::args::ClientArgs;
use crate::{CONFORMS, DOES_NOT_CONFORM};
use sessionkit::headers::names;

/// Arguments of `sessionkit send`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 for a 201 with a valid answer signature, 1 otherwise, 2 on usage or I/O errors.\n\n\
    Example:\n  sessionkit send --url http://127.0.0.1:8080/v1/sessions --api-key your-api-key \\\n    \
    --secret your-shared-secret --encoding gzip corpus/schema/seed/python-client.json"
)]
pub struct SendArgs {
    /// Where to POST (http:// only).
    #[arg(long, default_value = "http://127.0.0.1:8080/v1/sessions")]
    url: String,
    #[command(flatten)]
    client: ClientArgs,
    /// Seconds to wait for the server.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Builds, sends, and checks the answer's signature and schema.
pub fn run(args: SendArgs) -> anyhow::Result<u8> {
    let (built, secret) = args.client.build()?;
    let reply = client::send(
        "POST",
        &args.url,
        &built.headers,
        &built.body,
        Duration::from_secs(args.timeout),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{} {}", reply.status, sessionkit::reason(reply.status));
    println!("{}", String::from_utf8_lossy(&reply.body));
    let mut ok = reply.status == 201;
    match reply
        .headers
        .get_one(names::SIGNATURE)
        .map(sessionkit::crypto::Signature::from_hex)
    {
        Some(Ok(sig)) if sessionkit::crypto::verify(&[&secret], &reply.body, &sig) => {
            println!("answer signature: valid")
        }
        Some(_) => {
            println!(
                "answer signature: INVALID (does not match the answer bytes under the shared secret)"
            );
            ok = false;
        }
        None => println!("answer signature: missing"),
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
        let report = sessionkit::schema::check_answer(&body, reply.status);
        for v in &report.errors {
            println!("answer schema: {} {}: {}", v.code, v.pointer, v.message);
            ok = false;
        }
        if let Some(diagnostics) = body["diagnostics"].as_array() {
            for d in diagnostics {
                println!(
                    "diagnostic[{}] {}",
                    d["code"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                );
                if let Some(hint) = d["hint"].as_str() {
                    println!("  hint: {hint}");
                }
            }
        }
    }
    Ok(if ok { CONFORMS } else { DOES_NOT_CONFORM })
}
