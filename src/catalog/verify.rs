//! Detached Ed25519 signatures over the exact catalog bytes.
//!
//! The signature sits beside the catalog as `<catalog URL>.sig`: the 64-byte
//! Ed25519 signature in standard base64 (whitespace ignored). The public key
//! is configured on the box as the 32-byte key in base64. docs/catalog.md
//! shows how to make both with OpenSSL.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("public key is not 32 bytes of base64: {0}")]
    BadKey(String),
    #[error("signature is not 64 bytes of base64")]
    Malformed,
    #[error("signature does not match the catalog (tampered, or signed with another key)")]
    Mismatch,
}

#[derive(Debug, Clone)]
pub struct CatalogKey(VerifyingKey);

impl CatalogKey {
    pub fn from_base64(text: &str) -> Result<CatalogKey, SignatureError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| SignatureError::BadKey(e.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SignatureError::BadKey(format!("{} bytes", b.len())))?;
        VerifyingKey::from_bytes(&bytes)
            .map(CatalogKey)
            .map_err(|e| SignatureError::BadKey(e.to_string()))
    }

    /// Checks `signature` (the `.sig` file's content) over `catalog`.
    pub fn verify(&self, catalog: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let text: Vec<u8> = signature
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let raw = STANDARD
            .decode(text)
            .map_err(|_| SignatureError::Malformed)?;
        let raw: [u8; 64] = raw.try_into().map_err(|_| SignatureError::Malformed)?;
        self.0
            .verify_strict(catalog, &Signature::from_bytes(&raw))
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// The signature's URL: the catalog's with `.sig` added to the path.
pub fn signature_url(catalog: &url::Url) -> url::Url {
    let mut u = catalog.clone();
    let path = format!("{}.sig", u.path());
    u.set_path(&path);
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn keys() -> (SigningKey, String) {
        let signing = SigningKey::from_bytes(&[7u8; 32]);
        let public = STANDARD.encode(signing.verifying_key().as_bytes());
        (signing, public)
    }

    #[test]
    fn good_signature_verifies_and_tampering_does_not() {
        let (signing, public) = keys();
        let key = CatalogKey::from_base64(&public).expect("key");
        let catalog = br#"{"format":"pillarbox-catalog"}"#;
        let sig = STANDARD.encode(signing.sign(catalog).to_bytes());
        assert_eq!(key.verify(catalog, format!("{sig}\n").as_bytes()), Ok(()));
        assert_eq!(
            key.verify(br#"{"format":"pillarbox-catalog" }"#, sig.as_bytes()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            key.verify(catalog, b"not base64!"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(key.verify(catalog, b"AAAA"), Err(SignatureError::Malformed));
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let forged = STANDARD.encode(other.sign(catalog).to_bytes());
        assert_eq!(
            key.verify(catalog, forged.as_bytes()),
            Err(SignatureError::Mismatch)
        );
    }

    /// Made with the OpenSSL commands in docs/catalog.md.
    #[test]
    fn openssl_signatures_verify() {
        let key =
            CatalogKey::from_base64("fn95MTrEKXAXvR+rJkc/cdNIzdasZaeEzHQVPEoJ/ak=").expect("key");
        let sig = "IUMcUW8HdTKbNk/0+k93yQGUnzTBrsm+HF4k+XhgOx5zyUpCJXqpvfxUDy+6otyfWiiSLxziFZAI4IMnw2qnDw==";
        assert_eq!(key.verify(b"pillarbox catalog\n", sig.as_bytes()), Ok(()));
        assert!(key.verify(b"pillarbox catalog", sig.as_bytes()).is_err());
    }

    #[test]
    fn keys_and_urls() {
        assert!(CatalogKey::from_base64("c2hvcnQ=").is_err());
        assert!(CatalogKey::from_base64("%%%").is_err());
        let u = url::Url::parse("https://cdn.example.com/p/catalog.json?v=2").expect("url");
        assert_eq!(
            signature_url(&u).as_str(),
            "https://cdn.example.com/p/catalog.json.sig?v=2"
        );
    }
}
