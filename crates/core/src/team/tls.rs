//! TLS to the team database, as libpq's `sslmode` and `sslrootcert` have it: `prefer` and
//! `require` encrypt (`require` also checks the chain when a root file is at hand, as libpq
//! does), `verify-ca` checks the chain, `verify-full` the chain and the host name. The roots are
//! `sslrootcert`, else `~/.postgresql/root.crt`; the system's only with `sslrootcert=system`,
//! which libpq allows with `verify-full` alone (any public CA would vouch for a certificate
//! that names another host). rustls with ring.

use super::url::SslMode;
use super::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Where the trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Roots {
    /// A PEM file.
    File(PathBuf),
    /// The system's (`sslrootcert=system`).
    System,
    /// None at hand.
    Absent,
}

impl Roots {
    /// `sslrootcert` as given, else libpq's default file when it exists.
    pub(super) fn of(sslrootcert: Option<&Path>) -> Self {
        match sslrootcert {
            Some(p) if p == Path::new("system") => Roots::System,
            Some(p) => Roots::File(p.to_owned()),
            None => std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".postgresql/root.crt"))
                .filter(|p| p.exists())
                .map_or(Roots::Absent, Roots::File),
        }
    }
}

/// Whether the server's certificate is checked (then channel binding is required too).
pub(super) fn checks_certificate(mode: SslMode, roots: &Roots) -> bool {
    !matches!(
        (mode, roots),
        (SslMode::Prefer | SslMode::Disable, _) | (SslMode::Require, Roots::Absent)
    )
}

/// The connector for `mode` (not `disable`).
pub(super) fn connector(mode: SslMode, roots: &Roots) -> Result<MakeRustlsConnect, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, roots) {
        (SslMode::Prefer, _) | (SslMode::Require, Roots::Absent) => {
            Arc::new(Unchecked(provider.clone()))
        }
        (SslMode::VerifyCa | SslMode::VerifyFull, Roots::Absent) => {
            return Err(Error::Tls(
                "sslmode verify-ca and verify-full need the CA: sslrootcert=FILE (or ~/.postgresql/root.crt), or sslrootcert=system with verify-full".into(),
            ))
        }
        (mode, Roots::System) if mode != SslMode::VerifyFull => {
            return Err(Error::Tls(
                "sslrootcert=system needs sslmode=verify-full: any public CA would vouch for another host's certificate".into(),
            ))
        }
        (mode, roots) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(
                Arc::new(load(roots)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| Error::Tls(e.to_string()))?;
            if mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The CA certificates `roots` names.
fn load(roots: &Roots) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = match roots {
        Roots::File(path) => CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<_, _>>())
            .map_err(|e| Error::Tls(format!("cannot read sslrootcert {}: {e}", path.display())))?,
        Roots::System => rustls_native_certs::load_native_certs().certs,
        Roots::Absent => Vec::new(),
    };
    for cert in certs {
        store
            .add(cert)
            .map_err(|e| Error::Tls(format!("a CA certificate is not usable: {e}")))?;
    }
    if store.is_empty() {
        return Err(Error::Tls(
            "no CA certificate to check the server against".into(),
        ));
    }
    Ok(store)
}

/// `verify-ca`: the chain must lead to a trusted root; the name is not checked.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without `sslrootcert`: encrypted, the certificate not checked (as
/// libpq does; the handshake's signatures still are).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
