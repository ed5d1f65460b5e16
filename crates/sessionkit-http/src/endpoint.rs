//! A peer sessionkit connects to (the proxy's upstream, `webhook`'s receiver, a server under test): where it is, and
//! a connection to it, plain or TLS. HTTPS is verified with rustls against the system's roots
//! (rustls-native-certs) and any extra CA file given, with the URL's host as the name the
//! certificate must carry.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// The peer's address, base path and, for HTTPS, its TLS settings.
pub struct Endpoint {
    /// `host:port` as the URL wrote it (the `Host` value sent).
    pub authority: String,
    addr: SocketAddr,
    /// The path below which request targets go.
    pub base: String,
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
}

impl Endpoint {
    /// From `http[s]://host[:port][/base]`; `extra_ca`: a PEM file of CA certificates to trust
    /// beside the system's.
    pub fn parse(url: &str, extra_ca: Option<&Path>) -> Result<Self, String> {
        let (rest, https) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
            (Some(rest), _) => (rest, false),
            (_, Some(rest)) => (rest, true),
            _ => {
                return Err(format!("{url}: not an http:// or https:// URL"));
            }
        };
        let (authority, base) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.parse::<u16>().is_ok() => host,
            _ => authority,
        };
        let with_port = if host.len() == authority.len() {
            format!("{authority}:{}", if https { 443 } else { 80 })
        } else {
            authority.to_owned()
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| format!("{url}: {e}"))?
            .next()
            .ok_or_else(|| format!("{url}: no address"))?;
        let tls = if https {
            let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                .map_err(|e| format!("{url}: {e}"))?;
            Some((Arc::new(client_config(extra_ca)?), name))
        } else {
            None
        };
        Ok(Self {
            authority: authority.to_owned(),
            addr,
            base: base.trim_end_matches('/').to_owned(),
            tls,
        })
    }

    /// Whether connections to it are TLS (an `https://` URL).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// A new connection (TLS handshake on its first write).
    pub fn connect(&self, timeout: Duration) -> Result<Conn, String> {
        let tcp = TcpStream::connect_timeout(&self.addr, timeout).map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Conn::Plain(tcp)),
            Some((config, name)) => {
                let session = rustls::ClientConnection::new(config.clone(), name.clone())
                    .map_err(|e| e.to_string())?;
                Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(session, tcp))))
            }
        }
    }
}

/// The system's roots and the CA certificates in `extra_ca`, on ring.
fn client_config(extra_ca: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = extra_ca {
        let certs =
            CertificateDer::pem_file_iter(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("{}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A connection to the peer.
pub enum Conn {
    /// Plain TCP (`http://`).
    Plain(TcpStream),
    /// TLS over TCP (`https://`).
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    /// Completes a TLS handshake now (nothing for a plain connection), so that a certificate
    /// the peer's name or the trusted roots refuse is an error of connecting, said as such.
    pub fn handshake(&mut self) -> io::Result<()> {
        if let Conn::Tls(tls) = self {
            while tls.conn.is_handshaking() {
                tls.conn.complete_io(&mut tls.sock)?;
            }
        }
        Ok(())
    }

    /// The TCP socket under it (for timeouts, peeking and shutting down).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(tcp) => tcp,
            Conn::Tls(tls) => tls.get_ref(),
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(tcp) => tcp.read(buf),
            Conn::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(tcp) => tcp.write(buf),
            Conn::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(tcp) => tcp.flush(),
            Conn::Tls(tls) => tls.flush(),
        }
    }
}

/// A connection whose reads share one deadline: an answer that drips a byte a second ends at
/// it (a timeout per read would let it run forever). `late` is the error's message.
pub struct Deadline<'a> {
    /// The connection read.
    pub conn: &'a mut Conn,
    /// When the reads must be done.
    pub until: Instant,
    /// The message of the error a read past `until` gets.
    pub late: &'static str,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, self.late));
        }
        self.conn.tcp().set_read_timeout(Some(left))?;
        self.conn.read(buf)
    }
}
