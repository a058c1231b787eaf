//! Encryption of personal data at rest: AES-256-GCM for the value, HMAC-SHA256 for an
//! equality look-up key. Both keys are derived from the configured master key with HKDF.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Encrypts, decrypts and keys personal data. Cheap to clone.
#[derive(Clone)]
pub struct PiiCipher {
    cipher: Aes256Gcm,
    lookup_mac: Hmac<Sha256>,
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(***)")
    }
}

/// A stored value could not be decrypted (wrong key or tampered data).
#[derive(Debug, thiserror::Error)]
#[error("personal data could not be decrypted")]
pub struct DecryptError;

impl PiiCipher {
    /// Derives the encryption and look-up keys from the 32-byte master key.
    pub fn new(master_key: &[u8; 32]) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"odr-pii-v1"), master_key);
        let mut encryption_key = [0u8; 32];
        // HMAC-SHA256 keys are one 64-byte block.
        let mut lookup_key = [0u8; 64];
        // HKDF-SHA256 expands to up to 8160 bytes, so these never fail.
        let _ = hkdf.expand(b"encryption", &mut encryption_key);
        let _ = hkdf.expand(b"lookup", &mut lookup_key);
        Self {
            cipher: Aes256Gcm::new(&encryption_key.into()),
            lookup_mac: <Hmac<Sha256> as KeyInit>::new(&lookup_key.into()),
        }
    }

    /// Encrypts `plaintext` with a random nonce; returns base64 of nonce ‖ ciphertext.
    pub fn encrypt(&self, plaintext: &str) -> String {
        // A random 96-bit nonce from the operating system.
        let nonce = Nonce::<Aes256Gcm>::generate();
        // Encryption with a valid key and a 12-byte nonce cannot fail for inputs this size.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .unwrap_or_default();
        let mut stored = nonce.to_vec();
        stored.extend(ciphertext);
        BASE64.encode(stored)
    }

    /// Reverses [`PiiCipher::encrypt`].
    pub fn decrypt(&self, stored: &str) -> Result<String, DecryptError> {
        let bytes = BASE64.decode(stored).map_err(|_| DecryptError)?;
        if bytes.len() < 12 {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| DecryptError)?;
        let plaintext = self
            .cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plaintext).map_err(|_| DecryptError)
    }

    /// A deterministic keyed hash (hex) for finding a record by an encrypted value.
    pub fn lookup_hash(&self, normalised_value: &str) -> String {
        let mut mac = self.lookup_mac.clone();
        mac.update(normalised_value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_differ_each_time() {
        let cipher = PiiCipher::new(&[7u8; 32]);
        let a = cipher.encrypt("+8613812345678");
        let b = cipher.encrypt("+8613812345678");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("13812345678"));
        assert_eq!(cipher.decrypt(&a).unwrap(), "+8613812345678");
    }

    #[test]
    fn another_key_or_tampering_fails_to_decrypt() {
        let stored = PiiCipher::new(&[7u8; 32]).encrypt("secret");
        assert!(PiiCipher::new(&[8u8; 32]).decrypt(&stored).is_err());
        let mut bytes = BASE64.decode(&stored).unwrap();
        bytes[14] ^= 1;
        assert!(
            PiiCipher::new(&[7u8; 32])
                .decrypt(&BASE64.encode(bytes))
                .is_err()
        );
    }

    #[test]
    fn lookup_hashes_are_stable_per_key() {
        let cipher = PiiCipher::new(&[7u8; 32]);
        assert_eq!(cipher.lookup_hash("x"), cipher.lookup_hash("x"));
        assert_ne!(
            cipher.lookup_hash("x"),
            PiiCipher::new(&[8u8; 32]).lookup_hash("x")
        );
    }
}
