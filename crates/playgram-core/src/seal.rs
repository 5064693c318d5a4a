//! Encryption at rest for secrets we must be able to read back (TOTP seeds; later OAuth tokens and
//! channel secrets): XChaCha20-Poly1305 with a random nonce, keyed by the server secret.
//!
//! Sealed text is `v1.<key id>.<base64 nonce+ciphertext>`. The key id (first bytes of a hash of the
//! key) lets a future key rotation tell which key sealed a value. The associated data binds a value
//! to where it is stored (for example `users.totp_secret:usr_…`), so a ciphertext copied into
//! another row or column does not decrypt.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::config::SecretKey;

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    key_id: String,
}

#[derive(Debug, thiserror::Error)]
#[error("sealed value could not be opened")]
pub struct OpenError;

impl Sealer {
    pub fn new(secret: &SecretKey) -> Self {
        // Derive a dedicated key so the raw server secret is never used by two algorithms.
        let derived = Sha256::digest([b"playgram seal v1:".as_slice(), &secret.0].concat());
        let key_id = hex::encode(&Sha256::digest(derived)[..4]);
        Self {
            cipher: XChaCha20Poly1305::new(&derived),
            key_id,
        }
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let nonce_bytes = crate::crypto::random_bytes::<24>();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let sealed = self
            .cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        let body = [nonce_bytes.as_slice(), &sealed].concat();
        format!(
            "v1.{}.{}",
            self.key_id,
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(body)
        )
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, OpenError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError);
        };
        if key_id != self.key_id {
            return Err(OpenError);
        }
        let body = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| OpenError)?;
        if body.len() < 24 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = body.split_at(24);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_in_the_same_context() {
        let sealer = Sealer::new(&SecretKey([7; 32]));
        let sealed = sealer.seal(b"seed", "users.totp_secret:usr_1");
        assert!(!sealed.contains("seed"));
        assert_eq!(
            sealer.open(&sealed, "users.totp_secret:usr_1").ok(),
            Some(b"seed".to_vec())
        );
        assert!(sealer.open(&sealed, "users.totp_secret:usr_2").is_err());
        assert!(
            Sealer::new(&SecretKey([8; 32]))
                .open(&sealed, "users.totp_secret:usr_1")
                .is_err()
        );
    }
}
