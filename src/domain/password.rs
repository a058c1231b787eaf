//! The password policy applied when a password is chosen.

/// A password that meets the policy: 8–128 characters and hard to guess, as the zxcvbn
/// estimator judges it (score 3 of 4 or better: common words, names, dates, keyboard patterns
/// and the account's own name and address make it weaker). No rule of character classes: a
/// long phrase is better than `Passw0rd!`.
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
    #[error(
        "a password must not be easy to guess (common words, names, dates, patterns); a longer phrase works"
    )]
    TooSimple,
}

impl NewPassword {
    /// Checks `input` against the policy.
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        Self::parse_for(input, &[])
    }

    /// Checks `input` against the policy, counting `user_inputs` (the account's name, email,
    /// phone) as easy to guess.
    pub fn parse_for(input: &str, user_inputs: &[&str]) -> Result<Self, PasswordError> {
        let length = input.chars().count();
        if length < 8 {
            return Err(PasswordError::TooShort);
        }
        if length > 128 {
            return Err(PasswordError::TooLong);
        }
        if zxcvbn::zxcvbn(input, user_inputs).score() < zxcvbn::Score::Three {
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
            NewPassword::parse("Passw0rd!").unwrap_err(),
            PasswordError::TooSimple
        );
        assert_eq!(
            NewPassword::parse_for("li.na@example.cn1", &["li.na@example.cn"]).unwrap_err(),
            PasswordError::TooSimple,
            "the account's own address"
        );
        assert!(NewPassword::parse("tea-leaves-88").is_ok());
        assert_eq!(
            NewPassword::parse(&"a1".repeat(65)).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = NewPassword::parse("tea-leaves-88").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
    }
}
