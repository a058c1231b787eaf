//! Money is integer fen everywhere; this only formats it for people.

/// `123456` → `¥1,234.56`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let yuan = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_are_shown_as_grouped_yuan() {
        assert_eq!(format_yuan(0), "¥0.00");
        assert_eq!(format_yuan(5), "¥0.05");
        assert_eq!(format_yuan(123_456), "¥1,234.56");
        assert_eq!(format_yuan(100_000_000), "¥1,000,000.00");
        assert_eq!(format_yuan(-2_500), "-¥25.00");
    }
}

/// Yuan as people type them (`1200`, `1,200.5`, `¥99.90`) → fen; `None` for anything else,
/// negative amounts and more than two decimals.
pub fn parse_yuan(input: &str) -> Option<i64> {
    let cleaned: String = input
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

#[cfg(test)]
mod parse_tests {
    use super::parse_yuan;

    #[test]
    fn typed_yuan_become_fen() {
        assert_eq!(parse_yuan("1200"), Some(120_000));
        assert_eq!(parse_yuan("¥1,200.5"), Some(120_050));
        assert_eq!(parse_yuan(" 99.90 "), Some(9_990));
        assert_eq!(parse_yuan("0.05"), Some(5));
        assert_eq!(parse_yuan(".5"), Some(50));
        assert_eq!(parse_yuan("-3"), None);
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
        assert_eq!(parse_yuan("99999999999999999999"), None);
    }
}
