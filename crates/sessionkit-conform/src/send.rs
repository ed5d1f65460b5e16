//! Sending: one connection attempt before the run, so that a server that is not there is one
//! error, not one failure per case.

use std::time::Duration;

/// Connects once to `host:port`, so that a server that is not there is one error, not one
/// failure per case.
pub(crate) fn reachable(authority: &str, timeout: Duration) -> std::io::Result<()> {
    use std::net::{TcpStream, ToSocketAddrs};
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for addr in authority.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// What the documentation's minimal request got when it was refused for its credentials: a
/// run would only repeat it once per case (a thousand `status 401 where MUST requires 201`
/// lines, the server's own reason hidden among them), so it stops first and says this.
pub(crate) fn refused_credentials(reply: &crate::client::Reply, api_key: &str) -> Option<String> {
    if !matches!(reply.status, 401 | 403) {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let code = body["code"].as_u64();
    let error = body["diagnostics"][0]["code"].as_str().unwrap_or("");
    let message = body["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            String::from_utf8_lossy(&reply.body)
                .chars()
                .take(200)
                .collect()
        });
    let about_key = matches!(code, Some(1801 | 1803))
        || error.contains("api_key")
        || message.to_ascii_lowercase().contains("key");
    let cause = if about_key {
        format!("the API key {api_key:?} is not one the server knows: pass its key with --api-key")
    } else {
        "the shared secret is not the server's: pass it with --secret, --secret-file or SESSIONKIT_SHARED_SECRET".to_owned()
    };
    let code = code.map_or(String::new(), |c| format!(" code {c}"));
    let named = if error.is_empty() {
        String::new()
    } else {
        format!(" ({error})")
    };
    Some(format!(
        "the server refused the documentation's minimal request (a valid body, signed with the given credentials): {}{code} {message:?}{named}. Likely cause: {cause}. Nothing else was sent.",
        reply.status
    ))
}
