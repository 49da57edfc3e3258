//! SPKI pinning: on top of the usual certificate checks, the server's
//! public key must be one of the configured pins (base64 SHA-256 of the
//! certificate's SubjectPublicKeyInfo, as `openssl ... | openssl dgst
//! -sha256 -binary | base64` prints it; docs/catalog.md has the command).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use super::NetError;

#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pins: Vec<[u8; 32]>,
}

/// A server certificate that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot parse the server certificate: {0}")]
pub struct CertificateError(String);

/// SHA-256 of the SubjectPublicKeyInfo of a DER certificate.
pub fn spki_sha256(cert_der: &[u8]) -> Result<[u8; 32], CertificateError> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| CertificateError(e.to_string()))?;
    Ok(Sha256::digest(cert.tbs_certificate.subject_pki.raw).into())
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let hash = spki_sha256(end_entity).map_err(|e| Error::General(e.to_string()))?;
        if self.pins.contains(&hash) {
            Ok(verified)
        } else {
            Err(Error::General(format!(
                "SPKI pin mismatch: the server's key sha256/{} is not pinned",
                STANDARD.encode(hash)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A rustls client configuration trusting the system's roots, the bundled
/// Mozilla roots and `extra_roots_pem`, and requiring one of `pins`.
pub fn pinned_client_config(
    pins: &[String],
    extra_roots_pem: &[Vec<u8>],
) -> Result<rustls::ClientConfig, NetError> {
    let config_err = |m: String| NetError::Config(m);
    let pins = pins
        .iter()
        .map(|p| {
            let b64 = p.trim().trim_start_matches("sha256/");
            let raw = STANDARD
                .decode(b64)
                .map_err(|e| config_err(format!("SPKI pin {p:?} is not base64: {e}")))?;
            <[u8; 32]>::try_from(raw)
                .map_err(|_| config_err(format!("SPKI pin {p:?} is not a SHA-256 (32 bytes)")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    for pem in extra_roots_pem {
        use rustls::pki_types::pem::PemObject;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| config_err(format!("extra CA certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| config_err(format!("extra CA certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| config_err(format!("certificate verifier: {e}")))?;
    let config = rustls::ClientConfig::builder_with_provider(provider as Arc<CryptoProvider>)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_err(format!("TLS versions: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinningVerifier { inner, pins }))
        .with_no_client_auth();
    Ok(config)
}
