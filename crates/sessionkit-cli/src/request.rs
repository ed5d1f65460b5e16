//! `sessionkit request`: a request built in the documented order (serialize, sign, compress),
//! written to files, with the curl command that sends it.

use std::path::PathBuf;

use anyhow::Context;

use crate::CONFORMS;
use crate::args::ClientArgs;

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
pub fn run(args: RequestArgs) -> anyhow::Result<u8> {
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
