//! The `sessionkit` command: validate, sign, build and verify `POST /v1/sessions` requests.

mod args;
mod check;
mod conform;
mod fuzz;
mod proxy;
mod request;
mod send;
mod serve;
mod sign;
mod threshold;

mod validate;
mod verify;
mod webhook;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status: the input conforms.
pub const CONFORMS: u8 = 0;
/// Exit status: the input does not conform.
pub const DOES_NOT_CONFORM: u8 = 1;
/// Exit status: usage or I/O error.
pub const USAGE_OR_IO: u8 = 2;

#[derive(Parser)]
#[command(
    name = "sessionkit",
    version,
    about = "Conformance and fuzz-testing harness for the signed, optionally compressed POST /v1/sessions API",
    long_about = "Conformance and fuzz-testing harness for the signed, optionally compressed POST /v1/sessions API.\n\n\
        Exit status: 0 when the input conforms, 1 when it does not, 2 on usage or I/O errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate request bodies against the JSON Schema of a profile, listing every violation.
    Validate(validate::Args),
    /// Print the HMAC-SHA256 (lowercase hex) of a file's exact bytes.
    Sign(sign::SignArgs),
    /// Build a request in the documented order (serialize, sign, compress) and print a curl command.
    Request(request::RequestArgs),
    /// Show the answer a server following the contract would give to a request, and why.
    Verify(verify::VerifyArgs),
    /// Run the reference server on loopback.
    Serve(serve::ServeArgs),
    /// Build a request, POST it to a server, and check the answer.
    Send(send::SendArgs),
    /// Run the corpus against a server (the embedded reference server by default).
    Conform(conform::ConformArgs),
    /// Fuzz a live server: generated requests, `receive` as the oracle, findings shrunk.
    Fuzz(fuzz::FuzzArgs),
    /// Judge captured traffic (HAR, NDJSON reports, a headers + body pair) offline.
    Check(check::CheckArgs),
    /// Forward requests to an upstream byte for byte, judging each request and answer.
    Proxy(proxy::ProxyArgs),
    /// Send signed decision and event webhooks to a receiver, and forgeries, judging its answers.
    Webhook(webhook::WebhookArgs),
    /// Measure where compression starts to pay, per link speed, on this machine.
    Threshold(threshold::ThresholdArgs),
}

/// Output format shared by the subcommands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one line per finding.
    Text,
    /// For machines: one JSON document on stdout.
    Json,
}

/// mimalloc, not glibc's malloc: `serve` and the proxy hold a body per client on many threads,
/// and glibc keeps what each thread's arena freed (benches/README.md, "hostile_load": peak RSS).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Freed pages go back to the system at once (mimalloc's `purge_delay` 0, not 10 ms): a
/// purge is done by the thread that frees, and the proxy's client threads wait on their
/// sockets, so each would keep the pages of the last body it read (tests/budgets.rs).
#[allow(unsafe_code)]
fn give_freed_memory_back_at_once() {
    /// `mi_option_purge_delay` in mimalloc.h (v2 and v3); the Rust bindings do not name it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's options, which it reads atomically; no memory involved.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    give_freed_memory_back_at_once();
    quiet_on_closed_output();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Request(args) => request::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Send(args) => send::run(args),
        Command::Conform(args) => conform::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Check(args) => check::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Webhook(args) => webhook::run(args),
        Command::Threshold(args) => threshold::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("sessionkit: {error:#}");
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

/// A reader that stops reading (`sessionkit conform | head`) closes the pipe; printing then
/// fails, and `print!` would panic with a backtrace. There is nothing left to say to anyone:
/// exit with the I/O status, quietly.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(USAGE_OR_IO));
        }
        default(info);
    }));
}
