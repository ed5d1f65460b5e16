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
