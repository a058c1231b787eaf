//! Password hashing with argon2id (PHC string format).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::domain::password::NewPassword;

/// Hashing failed (only on misconfiguration of the algorithm).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password with a fresh random salt.
pub fn hash_password(password: &NewPassword) -> Result<String, HashError> {
    PasswordHasher::<PasswordHash>::hash_password(&Argon2::default(), password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `candidate` matches the stored PHC hash. A malformed hash never matches.
pub fn verify_password(candidate: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when an account does not exist so that
/// a failed login takes the same time whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zl9xPSr6hx/1n/XP5Bgc9jkVwYrmZGKuVd3cmvnnFx8"
}

/// Hashes and verifies passwords off the async threads and without a database connection,
/// at most `permits` at a time: a burst of logins or registrations waits for a hashing slot
/// instead of holding connections every other request needs (argon2id takes tens of
/// milliseconds of CPU and 19 MiB each).
#[derive(Clone, Debug)]
pub struct Hasher {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Hasher {
    /// A hasher running at most `permits` hashes at once (at least one).
    pub fn new(permits: usize) -> Self {
        Self {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError(e.to_string()))
    }

    /// [`hash_password`], in a hashing slot.
    pub async fn hash(&self, password: NewPassword) -> Result<String, HashError> {
        self.run(move || hash_password(&password)).await?
    }

    /// [`verify_password`] against `stored`, or against [`decoy_hash`] (never matching) when
    /// there is no stored hash, so an unknown account takes as long as a known one.
    pub async fn verify(&self, candidate: String, stored: Option<String>) -> bool {
        self.run(move || match stored {
            Some(hash) => verify_password(&candidate, &hash),
            None => {
                verify_password(&candidate, decoy_hash());
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = NewPassword::parse("correct horse 1").unwrap();
        let hash = hash_password(&password).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 1", &hash));
        assert!(!verify_password("correct horse 2", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", decoy_hash()));
    }
}
