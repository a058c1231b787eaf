//! How personal data looks to people who may not see it whole (docs/people-data.md#masking).

/// Masks an 11-digit mobile number as `138****5678`; other input keeps only its last 4 characters.
pub fn mask_phone(national_digits: &str) -> String {
    let chars: Vec<char> = national_digits.chars().collect();
    if chars.len() == 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[7..].iter().collect();
        return format!("{head}****{tail}");
    }
    mask_all_but_last(&chars, 4)
}

/// Masks an identity number, keeping the first 4 and last 4 characters (`1101**********1234`).
pub fn mask_id_number(id_number: &str) -> String {
    let chars: Vec<char> = id_number.chars().collect();
    if chars.len() <= 8 {
        return mask_all_but_last(&chars, 2);
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

fn mask_all_but_last(chars: &[char], keep: usize) -> String {
    let keep = keep.min(chars.len() / 2);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{}{tail}", "*".repeat(chars.len() - keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_show_the_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn identity_numbers_show_the_first_and_last_four() {
        assert_eq!(mask_id_number("110101199003071234"), "1101**********1234");
    }

    #[test]
    fn short_values_never_show_more_than_half() {
        assert_eq!(mask_phone("1234"), "**34");
        assert_eq!(mask_id_number("123"), "**3");
        assert_eq!(mask_phone(""), "");
    }
}
