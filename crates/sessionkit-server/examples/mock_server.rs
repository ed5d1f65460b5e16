//! A client test with `MockServer`: a client that signs the compressed bytes, and what the test
//! sees. Run with `cargo run -p sessionkit-server --example mock_server`.

use std::time::Duration;

use sessionkit::codec::Encoding;
use sessionkit::headers::Headers;

use sessionkit_http::client;
use sessionkit_server::MockServer;

/// The client under test: serializes, compresses, then signs (the documented mistake).
fn create_session(base_url: &str) -> u16 {
    let json = br#"{"verification":{"vendorData":"customer-123"}}"#;
    let body = sessionkit::codec::encode(json, Encoding::Gzip, 6);
    let headers = Headers::new()
        .with("X-AUTH-CLIENT", "your-api-key")
        .with(
            "X-HMAC-SIGNATURE",
            sessionkit::crypto::sign(b"your-shared-secret", &body).to_string(),
        )
        .with("Content-Type", "application/json")
        .with("Content-Encoding", "gzip");
    let url = format!("{base_url}/v1/sessions");
    client::send("POST", &url, &headers, &body, Duration::from_secs(5)).map_or(0, |r| r.status)
}

fn main() {
    let server = MockServer::start_blocking();
    println!("the client got {}", create_session(&server.url()));
    match server.verify() {
        Ok(()) => println!("every request was valid"),
        // In a #[test], `server.verify().unwrap()` (or just dropping the server) fails the test
        // with this message.
        Err(mismatches) => println!("{mismatches}"),
    }
}
