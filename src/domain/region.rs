//! Administrative division codes (GB/T 2260): 2 digits province, 2 prefecture, 2 county.

use std::fmt;

/// A six-digit division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

/// Why a string is not a division code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a region code has six digits (GB/T 2260), e.g. 330106")]
pub struct RegionCodeError;

/// Level of a division in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegionLevel {
    Province = 1,
    Prefecture = 2,
    County = 3,
}

impl RegionCode {
    /// Parses six digits whose province part is not `00`.
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        let code = input.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || code.starts_with("00") {
            return Err(RegionCodeError);
        }
        Ok(Self(code.to_string()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Province, prefecture or county, from the trailing zeros.
    pub fn level(&self) -> RegionLevel {
        if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// The code prefix shared by this region and everything inside it.
    pub fn prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::Prefecture => &self.0[..4],
            RegionLevel::County => &self.0,
        }
    }

    /// Whether `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    /// The enclosing region's code, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(Self(format!("{}0000", &self.0[..2]))),
            RegionLevel::County => Some(Self(format!("{}00", &self.0[..4]))),
        }
    }

    /// This region and every region it lies in, innermost first (330106, 330100, 330000).
    pub fn and_around(&self) -> Vec<RegionCode> {
        std::iter::successors(Some(self.clone()), RegionCode::parent).collect()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_city_contains_its_districts_but_not_its_neighbours() {
        let hangzhou = code("330100");
        assert!(hangzhou.contains(&code("330106")));
        assert!(hangzhou.contains(&hangzhou));
        assert!(!hangzhou.contains(&code("330200")));
        assert!(code("330000").contains(&code("330206")));
        assert!(!code("330106").contains(&code("330100")));
    }

    #[test]
    fn levels_and_parents_follow_the_code() {
        assert_eq!(code("330000").level(), RegionLevel::Province);
        assert_eq!(code("330100").level(), RegionLevel::Prefecture);
        assert_eq!(code("330106").parent(), Some(code("330100")));
        assert_eq!(code("330100").parent(), Some(code("330000")));
        assert_eq!(code("330000").parent(), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for input in ["", "33010", "3301066", "33010a", "000000"] {
            assert!(RegionCode::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn a_region_lies_in_its_city_and_province() {
        let around: Vec<String> = RegionCode::parse("330106")
            .unwrap()
            .and_around()
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        assert_eq!(around, ["330106", "330100", "330000"]);
        assert_eq!(RegionCode::parse("330000").unwrap().and_around().len(), 1);
    }
}

/// The codes starting with the digits `prefix` as a range `low..high`: `3301` → `3301..3302`,
/// `3309` → `3309..331`.
pub fn prefix_bounds(prefix: &str) -> (String, String) {
    let mut high: Vec<u8> = prefix.as_bytes().to_vec();
    while let Some(last) = high.pop() {
        if last < b'9' {
            high.push(last + 1);
            return (
                prefix.to_string(),
                String::from_utf8(high).unwrap_or_default(),
            );
        }
    }
    // Only nines (or nothing): every code from `prefix` on.
    (prefix.to_string(), "~".to_string())
}

#[cfg(test)]
mod prefix_tests {
    use super::prefix_bounds;

    #[test]
    fn a_region_prefix_is_a_range_of_codes() {
        assert_eq!(prefix_bounds("3301"), ("3301".into(), "3302".into()));
        assert_eq!(prefix_bounds("330106"), ("330106".into(), "330107".into()));
        assert_eq!(prefix_bounds("3309"), ("3309".into(), "331".into()));
        assert_eq!(prefix_bounds("33"), ("33".into(), "34".into()));
    }
}
