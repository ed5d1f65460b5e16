//! `sessionkit validate`: schema-check request bodies and report every violation.

use sessionkit::Profile;

use crate::{CONFORMS, DOES_NOT_CONFORM, Format, USAGE_OR_IO};

/// Arguments of `sessionkit validate`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  sessionkit validate corpus/schema/seed/*.json\n  \
    sessionkit validate --profile strict --format json body.json\n  cat body.json | sessionkit validate -"
)]
pub struct Args {
    /// Which reading of the documentation to validate against: `documented` accepts exactly what
    /// the documentation's examples send (numbers for vendorData and idNumber, unknown properties
    /// as warnings); `strict` wants the stated types, HTTPS callbacks and no unknown properties.
    #[arg(long, default_value = "documented", value_parser = crate::args::parse_profile)]
    profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Files holding one JSON request body each; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
}

/// Runs `sessionkit validate`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut reports = Vec::new();
    let mut io_failed = false;
    for file in &args.files {
        match crate::args::read_input(file) {
            Ok(bytes) => reports.push(sessionkit::schema::check_body(file, &bytes, args.profile)),
            Err(error) => {
                eprintln!("sessionkit: {error:#}");
                io_failed = true;
            }
        }
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
        Format::Text => {
            for report in &reports {
                print!("{}", report.render(args.profile));
            }
        }
    }
    Ok(if io_failed {
        USAGE_OR_IO
    } else if reports.iter().all(|r| r.valid) {
        CONFORMS
    } else {
        DOES_NOT_CONFORM
    })
}
