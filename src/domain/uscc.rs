//! Unified social credit code (统一社会信用代码), GB 32100-2015.

use std::fmt;

/// The 31 characters a code may use, in check-value order (no I, O, S, V or Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// An 18-character code whose check character is correct. Upper case once parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a string is not a valid credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("a unified social credit code has 18 characters")]
    Length,
    #[error("character {position} is not allowed in a unified social credit code")]
    Character { position: usize },
    #[error("characters 3–8 must be the digits of an administrative division code")]
    Division,
    #[error("the check character (18th) does not match the other 17")]
    CheckCharacter,
}

fn value_of(byte: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == byte).map(|i| i as u32)
}

/// Computes the check character for the first 17 characters, which must be valid.
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (byte, weight) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*byte)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl Uscc {
    /// Parses and checks a code; surrounding spaces are ignored and letters upper-cased.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if code.chars().count() != 18 || bytes.len() != 18 {
            return Err(UsccError::Length);
        }
        if let Some(position) = bytes.iter().position(|b| value_of(*b).is_none()) {
            return Err(UsccError::Character {
                position: position + 1,
            });
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::Division);
        }
        if check_character(&bytes[..17]) != Some(bytes[17] as char) {
            return Err(UsccError::CheckCharacter);
        }
        Ok(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_are_accepted() {
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91440300708461136T",
        ] {
            assert!(Uscc::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length));
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckCharacter)
        );
        assert_eq!(
            Uscc::parse("9135010OM000100Y43"),
            Err(UsccError::Character { position: 8 })
        );
        assert_eq!(Uscc::parse("91A50100M000100Y43"), Err(UsccError::Division));
        assert_eq!(Uscc::parse("91350100M000100Y4三"), Err(UsccError::Length));
    }

    proptest! {
        #[test]
        fn any_code_built_with_its_check_character_parses(
            head in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}"
        ) {
            let check = check_character(head.as_bytes()).unwrap();
            let code = format!("{head}{check}");
            prop_assert!(Uscc::parse(&code).is_ok());
        }

        #[test]
        fn changing_one_character_breaks_the_check(
            head in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}",
            position in 0usize..17,
            replacement in 0usize..31,
        ) {
            let check = check_character(head.as_bytes()).unwrap();
            let mut bytes = head.into_bytes();
            prop_assume!(bytes[position] != ALPHABET[replacement]);
            prop_assume!(!(2..8).contains(&position) || ALPHABET[replacement].is_ascii_digit());
            bytes[position] = ALPHABET[replacement];
            let code = format!("{}{check}", String::from_utf8(bytes).unwrap());
            prop_assert_eq!(Uscc::parse(&code), Err(UsccError::CheckCharacter));
        }
    }
}
