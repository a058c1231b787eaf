//! The password policy applied when a password is chosen.

/// A password that meets the policy: 8–128 characters with at least one letter and one digit.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least 8 characters")]
    TooShort,
    #[error("a password has at most 128 characters")]
    TooLong,
    #[error("a password contains at least one letter and one digit")]
    TooSimple,
}

impl NewPassword {
    /// Checks `input` against the policy.
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let length = input.chars().count();
        if length < 8 {
            return Err(PasswordError::TooShort);
        }
        if length > 128 {
            return Err(PasswordError::TooLong);
        }
        let has_letter = input.chars().any(char::is_alphabetic);
        let has_digit = input.chars().any(|c| c.is_ascii_digit());
        if !has_letter || !has_digit {
            return Err(PasswordError::TooSimple);
        }
        Ok(Self(input.to_string()))
    }

    /// The password text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_what_is_missing() {
        assert_eq!(
            NewPassword::parse("abc123").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            NewPassword::parse("abcdefgh").unwrap_err(),
            PasswordError::TooSimple
        );
        assert_eq!(
            NewPassword::parse("12345678").unwrap_err(),
            PasswordError::TooSimple
        );
        assert_eq!(
            NewPassword::parse(&"a1".repeat(65)).unwrap_err(),
            PasswordError::TooLong
        );
        assert!(NewPassword::parse("密码安全2026").is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = NewPassword::parse("secret123").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
    }
}
