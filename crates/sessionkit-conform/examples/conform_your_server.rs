//! The corpus against your own server, from Rust: every case signed with your credentials, and
//! a report to assert on or print. Here "your server" is the reference server started with other
//! credentials; point `Conform::against` at yours.
//!
//! ```sh
//! cargo run -p sessionkit-conform --example conform_your_server
//! ```

use sessionkit_conform::Conform;
use sessionkit_server::{MockServer, Settings};

fn main() {
    let mut settings = Settings::default();
    settings.receive.api_keys = vec!["their-key".into()];
    settings.receive.secrets = vec![b"their-secret".to_vec()];
    // The corpus sends bad requests on purpose: the mock must not fail on them.
    let server = MockServer::start_blocking_with(settings).allow_failures();

    let report = Conform::against(format!("{}/v1/sessions", server.url()))
        .credentials("their-key", "their-secret")
        .run_with(|p| {
            if p.done % 100 == 0 || p.done == p.total {
                eprintln!("{}/{} cases", p.done, p.total);
            }
        })
        .expect("the corpus is readable and the server reachable");
    print!("{}", report.text());
    assert!(report.all_passed());
}
