//! HTTPS: a throwaway certificate authority, a server certificate it signs for
//! 127.0.0.1 and `localhost`, and the rustls server that presents it.

use std::fmt;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::server::{Reply, Request, TestServer, Transport};

/// A certificate authority made for one test run and a server certificate it issued for
/// `127.0.0.1` and `localhost`: a client that trusts [`TlsIdentity::ca_pem`] (and only
/// that) can talk to [`serve_tls`], and a client that does not trust it cannot.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: String,
    /// The server certificate (DER), then the CA's.
    chain: Vec<CertificateDer<'static>>,
    /// The server certificate's key, PKCS#8 DER.
    key: Vec<u8>,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("ca_pem", &self.ca_pem)
            .finish_non_exhaustive()
    }
}

impl Default for TlsIdentity {
    fn default() -> Self {
        Self::new()
    }
}

fn named(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

impl TlsIdentity {
    /// A fresh CA (ECDSA P-256) and a server certificate it signs; SANs IP `127.0.0.1`
    /// and DNS `localhost`, server authentication only.
    ///
    /// # Panics
    ///
    /// If the crypto library cannot generate a key (nothing a test can work around).
    pub fn new() -> Self {
        let mut ca = CertificateParams::default();
        ca.distinguished_name = named("candor-test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("aws-lc-rs generates a P-256 key");
        let ca = CertifiedIssuer::self_signed(ca, ca_key)
            .expect("the CA's parameters are fixed and valid");

        let mut server = CertificateParams::new(["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("127.0.0.1 and localhost are valid subject alternative names");
        server.distinguished_name = named("candor-test server");
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.use_authority_key_identifier_extension = true;
        let server_key = KeyPair::generate().expect("aws-lc-rs generates a P-256 key");
        let server_certificate = server
            .signed_by(&server_key, &ca)
            .expect("the server's parameters are fixed and valid");

        Self {
            ca_pem: ca.pem(),
            chain: vec![server_certificate.der().clone(), ca.der().clone()],
            key: server_key.serialize_der(),
        }
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &[u8] {
        self.chain.last().map_or(&[], |ca| ca.as_ref())
    }

    /// Writes [`TlsIdentity::ca_pem`] to `path` (for a client configured with a CA file).
    pub fn write_ca(&self, path: &Path) -> std::io::Result<()> {
        fs_err::write(path, &self.ca_pem)
    }

    /// The rustls server configuration presenting this identity, HTTP/1.1 over ALPN,
    /// with the aws-lc-rs provider passed explicitly (no process-wide default needed).
    fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("the key is the one the certificate was issued for");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl Transport for StreamOwned<ServerConnection, TcpStream> {
    fn finish(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(Shutdown::Write);
    }
}

/// An HTTPS server on 127.0.0.1 presenting `identity`, answering every request with
/// `handler` (everything [`super::serve`] does, over TLS 1.2 or 1.3). The handshake runs
/// on the connection's thread: a client that refuses the certificate just disconnects.
///
/// # Panics
///
/// If no port can be bound on 127.0.0.1 or no thread started (the test cannot run).
pub fn serve_tls(
    identity: &TlsIdentity,
    handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let config = identity.server_config();
    TestServer::start(
        "https",
        Box::new(move |stream: TcpStream| {
            let connection = ServerConnection::new(Arc::clone(&config)).ok()?;
            Some(Box::new(StreamOwned::new(connection, stream)) as Box<dyn Transport>)
        }),
        Arc::new(handler),
    )
}
