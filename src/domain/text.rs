//! Bounded free text typed by people (names, addresses, reasons).

/// Trimmed text with a length in characters between the bounds it was parsed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

/// Why text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must have at least {min} characters")]
    TooShort { min: usize },
    #[error("must have at most {max} characters")]
    TooLong { max: usize },
}

impl BoundedText {
    /// Trims `input` and checks its length in characters.
    pub fn parse(input: &str, min: usize, max: usize) -> Result<Self, TextError> {
        let trimmed = input.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err(TextError::Empty);
        }
        if length < min {
            return Err(TextError::TooShort { min });
        }
        if length > max {
            return Err(TextError::TooLong { max });
        }
        Ok(Self(trimmed.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the text out.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional note: trimmed, none when blank, refused when longer than `max` characters.
pub fn optional_note(note: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) if n.chars().count() > max => Err(TextError::TooLong { max }),
        Some(n) => Ok(Some(n.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(BoundedText::parse("杭州西湖", 1, 4).is_ok());
        assert_eq!(
            BoundedText::parse("杭州西湖店", 1, 4),
            Err(TextError::TooLong { max: 4 })
        );
        assert_eq!(BoundedText::parse("   ", 1, 4), Err(TextError::Empty));
        assert_eq!(
            BoundedText::parse("ab", 3, 4),
            Err(TextError::TooShort { min: 3 })
        );
    }

    #[test]
    fn a_blank_note_is_none_and_a_long_one_refused() {
        assert_eq!(optional_note(Some("  "), 3), Ok(None));
        assert_eq!(optional_note(None, 3), Ok(None));
        assert_eq!(optional_note(Some(" 备注 "), 3), Ok(Some("备注".into())));
        assert_eq!(
            optional_note(Some("太长的备注"), 3),
            Err(TextError::TooLong { max: 3 })
        );
    }
}
