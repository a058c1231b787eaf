//! Phone numbers and email addresses as people type them, normalised once parsed.

use std::fmt;

/// A mainland China mobile number, stored as `+86` followed by 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// Why a string is not a mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number has 11 digits starting with 13–19, optionally preceded by +86")]
pub struct PhoneNumberError;

impl PhoneNumber {
    /// Accepts `13812345678`, `+86 138 1234 5678`, `+86-138-1234-5678` and `008613812345678`.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let bytes = national.as_bytes();
        let is_mobile = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if !is_mobile {
            return Err(PhoneNumberError);
        }
        Ok(Self(format!("+86{national}")))
    }

    /// The number in `+86…` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 11 national digits.
    pub fn national(&self) -> &str {
        &self.0[3..]
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why a string is not an email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct EmailAddressError;

impl EmailAddress {
    /// Parses an address such as `wang@example.cn`; display names are refused.
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let trimmed = input.trim().to_lowercase();
        let has_domain_dot = trimmed
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') || domain == "localhost");
        let has_display_parts =
            trimmed.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
        if trimmed.len() > 254
            || has_display_parts
            || !has_domain_dot
            || !email_address::EmailAddress::is_valid(&trimmed)
        {
            return Err(EmailAddressError);
        }
        Ok(Self(trimmed))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_common_spellings_are_normalised() {
        for input in [
            "13812345678",
            "+8613812345678",
            "+86 138 1234 5678",
            "0086-138-1234-5678",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+8613812345678",
                "{input}"
            );
        }
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_refused() {
        for input in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "0571-8888888",
            "1381234567a",
            "+1 138 1234 5678",
        ] {
            assert!(PhoneNumber::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn email_addresses_are_lower_cased_and_checked() {
        assert_eq!(
            EmailAddress::parse(" Wang@Example.CN ").unwrap().as_str(),
            "wang@example.cn"
        );
        for input in [
            "",
            "wang",
            "wang@",
            "@example.cn",
            "Wang <wang@example.cn>",
            "wang@example",
        ] {
            assert!(EmailAddress::parse(input).is_err(), "{input}");
        }
    }
}
