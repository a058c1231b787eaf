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

/// Fen in Chinese capitals (大写), as a written agreement states an amount beside its figures:
/// `123456` → `壹仟贰佰叁拾肆元伍角陆分`, `10000` → `壹佰元整`, `100500` → `壹仟零伍元整`
/// (docs/documents.md#amounts).
pub fn in_capitals(fen: i64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
    // 万亿 for the fourth group (a 亿 group of zeros still names 亿), 亿亿 for the fifth.
    const GROUPS: [&str; 5] = ["", "万", "亿", "万", "亿亿"];
    let mut out = String::from(if fen < 0 { "负" } else { "" });
    let fen = fen.unsigned_abs();
    let (yuan, jiao, cents) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    // Groups of four digits, the lowest first: 个, 万, 亿, 万亿, 亿亿.
    let mut groups = Vec::new();
    let mut rest = yuan;
    while rest > 0 {
        groups.push((rest % 10_000) as usize);
        rest /= 10_000;
    }
    // A zero is read once wherever digits are skipped between two that are not.
    let mut zero_pending = false;
    for (at, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending = !out.is_empty() && !out.ends_with('负');
            continue;
        }
        if (zero_pending || group < 1000) && !out.is_empty() && !out.ends_with('负') {
            out.push('零');
        }
        zero_pending = false;
        let digits = [group / 1000, group / 100 % 10, group / 10 % 10, group % 10];
        let mut skipped = false;
        for (place, &digit) in digits.iter().enumerate() {
            if digit == 0 {
                skipped = true;
                continue;
            }
            let started = digits[..place].iter().any(|&d| d != 0);
            if skipped && started {
                out.push('零');
            }
            skipped = false;
            out.push(DIGITS[digit]);
            out.push_str(PLACES[3 - place]);
        }
        out.push_str(GROUPS[at]);
        if at == 3 && groups[2] == 0 {
            out.push('亿');
        }
    }
    if yuan > 0 {
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, c) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[c]);
            out.push('分');
        }
        (j, c) => {
            out.push(DIGITS[j]);
            out.push('角');
            if c > 0 {
                out.push(DIGITS[c]);
                out.push('分');
            }
        }
    }
    out
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

    #[test]
    fn amounts_read_in_chinese_capitals_as_on_a_cheque() {
        let cases = [
            (0, "零元整"),
            (5, "伍分"),
            (50, "伍角"),
            (100, "壹元整"),
            (1_000, "壹拾元整"),
            (105, "壹元零伍分"),
            (123_456, "壹仟贰佰叁拾肆元伍角陆分"),
            (10_000, "壹佰元整"),
            (100_500, "壹仟零伍元整"),
            (105_000, "壹仟零伍拾元整"),
            (1_000_000, "壹万元整"),
            (10_001_000, "壹拾万零壹拾元整"),
            (10_500_000, "壹拾万伍仟元整"),
            (20_000_000, "贰拾万元整"),
            (10_000_000_100, "壹亿零壹元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (11_000_000_000, "壹亿壹仟万元整"),
            (120_034_567_890, "壹拾贰亿零叁拾肆万伍仟陆佰柒拾捌元玖角"),
            (-2_500, "负贰拾伍元整"),
            (100_000_000_000_000, "壹万亿元整"),
            (100_000_000_000_500, "壹万亿零伍元整"),
            (100_010_000_000_000, "壹万零壹亿元整"),
        ];
        for (fen, words) in cases {
            assert_eq!(in_capitals(fen), words, "{fen}");
        }
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
