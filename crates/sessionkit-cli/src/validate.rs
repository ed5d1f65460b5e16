//! `sessionkit validate`: schema-check request bodies and report every violation.

use std::io::Read;

use anyhow::Context;
use serde::Serialize;
use sessionkit::json;
use sessionkit::schema::{self, Profile, Violation};

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
    #[arg(long, default_value = "documented", value_parser = parse_profile)]
    profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Files holding one JSON request body each; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
}

fn parse_profile(name: &str) -> Result<Profile, String> {
    Profile::from_name(name).ok_or_else(|| format!("unknown profile {name:?} (documented, strict)"))
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    valid: bool,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
}

#[derive(Serialize)]
struct Finding {
    pointer: String,
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
}

fn read(file: &str) -> anyhow::Result<Vec<u8>> {
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

fn check(file: &str, bytes: &[u8], profile: Profile) -> FileReport {
    let text = String::from_utf8_lossy(bytes);
    let finding = |v: &Violation| Finding {
        pointer: v.pointer.clone(),
        code: v.code,
        message: v.message.clone(),
        line: json::line_of(&text, &v.pointer),
    };
    match json::parse(bytes) {
        Ok(body) => {
            let report = schema::validate(&body, profile);
            FileReport {
                file: file.to_owned(),
                valid: report.is_valid(),
                errors: report.errors.iter().map(finding).collect(),
                warnings: report.warnings.iter().map(finding).collect(),
            }
        }
        Err(error) => FileReport {
            file: file.to_owned(),
            valid: false,
            errors: vec![Finding {
                pointer: error.pointer().to_owned(),
                code: error.code(),
                message: error.to_string(),
                line: json::line_of(&text, error.pointer()).filter(|_| !error.pointer().is_empty()),
            }],
            warnings: Vec::new(),
        },
    }
}

/// Runs `sessionkit validate`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut reports = Vec::new();
    let mut io_failed = false;
    for file in &args.files {
        match read(file) {
            Ok(bytes) => reports.push(check(file, &bytes, args.profile)),
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
                print_text(report, args.profile);
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

fn print_text(report: &FileReport, profile: Profile) {
    let name = if report.file == "-" {
        "<stdin>"
    } else {
        &report.file
    };
    if report.valid {
        println!("{name}: valid ({profile} profile)");
    } else {
        println!(
            "{name}: invalid ({profile} profile, {} error{})",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" }
        );
    }
    let lines = report.errors.iter().map(|f| ("error", f));
    for (severity, f) in lines.chain(report.warnings.iter().map(|f| ("warning", f))) {
        let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        let pointer = if f.pointer.is_empty() {
            "(body)"
        } else {
            &f.pointer
        };
        println!(
            "  {name}{at}: {severity}[{}] {pointer}: {}",
            f.code, f.message
        );
    }
}
