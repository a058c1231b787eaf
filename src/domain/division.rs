//! China's administrative divisions as the china-division data set publishes them
//! (`config/regions/cn/README.md`): three CSV files, provinces, prefectures and counties, turned
//! into the platform's regions with their parents and English names.
//!
//! Grouping rows of the prefecture file (`市辖区`, `县`, `省直辖县级行政区划`, …) are not places:
//! their counties hang directly under the province or municipality, and the grouping code stays
//! a valid prefix of theirs (docs/regions.md).

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// One division, ready to be stored as a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// Six digits (GB/T 2260).
    pub code: String,
    /// The enclosing place: the prefecture, or the province when the prefecture row only
    /// groups counties.
    pub parent_code: Option<String>,
    /// 1 province, 2 prefecture, 3 county.
    pub level: i64,
    pub name_zh: String,
    pub name_en: String,
}

/// Why a data set cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DivisionError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error("{file} line {line}: {reason}")]
    Row {
        file: String,
        line: u64,
        reason: String,
    },
}

/// The file names of a data set's folder.
pub const FILES: [&str; 3] = ["provinces.csv", "cities.csv", "areas.csv"];

/// English names that the per-character reading gets wrong, one `code,name_en` per line
/// (optional beside the three files).
pub const ENGLISH_NAMES: &str = "names-en.csv";

/// Reads the folder `dir` holding `provinces.csv`, `cities.csv`, `areas.csv` and optionally
/// `names-en.csv`.
pub fn read_dir(dir: &Path) -> Result<Vec<Division>, DivisionError> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| DivisionError::File {
            file: dir.join(name).display().to_string(),
            reason: e.to_string(),
        })
    };
    let [provinces, cities, areas] = FILES.map(read);
    let english = match std::fs::read_to_string(dir.join(ENGLISH_NAMES)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(DivisionError::File {
                file: dir.join(ENGLISH_NAMES).display().to_string(),
                reason: e.to_string(),
            });
        }
    };
    parse(&provinces?, &cities?, &areas?, &english)
}

/// The divisions shipped with the platform (`config/regions/cn`, built into the binary so that
/// every install has them).
pub fn shipped() -> Result<Vec<Division>, DivisionError> {
    parse(
        include_str!("../../config/regions/cn/provinces.csv"),
        include_str!("../../config/regions/cn/cities.csv"),
        include_str!("../../config/regions/cn/areas.csv"),
        include_str!("../../config/regions/cn/names-en.csv"),
    )
}

/// A CSV row: its line number and its values by column name.
type Row = (u64, HashMap<String, String>);

/// One CSV file's rows as maps from column name to value, with their line numbers.
fn rows(file: &str, text: &str, columns: &[&str]) -> Result<Vec<Row>, DivisionError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| DivisionError::File {
            file: file.into(),
            reason: e.to_string(),
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if let Some(missing) = columns.iter().find(|c| !header.iter().any(|h| h == *c)) {
        return Err(DivisionError::File {
            file: file.into(),
            reason: format!(
                "no `{missing}` column (the header names {})",
                header.join(",")
            ),
        });
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DivisionError::File {
            file: file.into(),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let map = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        out.push((line, map));
    }
    Ok(out)
}

/// Whether a prefecture row only groups counties (`市辖区`, `县`, `省直辖县级行政区划`).
pub fn is_grouping(name: &str) -> bool {
    name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划")
}

/// Parses the three files (and the English names, possibly empty) into regions ordered by
/// level, then code: parents before their children.
pub fn parse(
    provinces: &str,
    cities: &str,
    areas: &str,
    english: &str,
) -> Result<Vec<Division>, DivisionError> {
    let mut overrides: HashMap<String, String> = HashMap::new();
    for (line, row) in rows(
        ENGLISH_NAMES,
        english_or_header(english),
        &["code", "name_en"],
    )? {
        let (code, name) = (row["code"].clone(), row["name_en"].clone());
        if code.len() != 6 || name.is_empty() {
            return Err(DivisionError::Row {
                file: ENGLISH_NAMES.into(),
                line,
                reason: "a six-digit code and a name".into(),
            });
        }
        overrides.insert(code, name);
    }
    let mut out: Vec<Division> = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |d: Division, file: &str, line: u64| {
        if !seen.insert(d.code.clone()) {
            return Err(DivisionError::Row {
                file: file.into(),
                line,
                reason: format!("code {} appears twice", d.code),
            });
        }
        out.push(d);
        Ok(())
    };
    let name = |code: &str, zh: &str, level| {
        overrides
            .get(code)
            .cloned()
            .unwrap_or_else(|| english_name(zh, level))
    };
    let digits = |file: &str, line: u64, value: &str, width: usize, what: &str| {
        if value.len() == width && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(value.to_string())
        } else {
            Err(DivisionError::Row {
                file: file.into(),
                line,
                reason: format!("{what} `{value}` is not {width} digits"),
            })
        }
    };
    let no_name = |file: &str, line: u64| DivisionError::Row {
        file: file.into(),
        line,
        reason: "the name is empty".into(),
    };

    let mut province_codes = HashSet::new();
    for (line, row) in rows("provinces.csv", provinces, &["code", "name"])? {
        let code = digits("provinces.csv", line, &row["code"], 2, "code")?;
        let zh = row["name"].clone();
        if zh.is_empty() {
            return Err(no_name("provinces.csv", line));
        }
        province_codes.insert(code.clone());
        let full = format!("{code}0000");
        let en = name(&full, &zh, 1);
        push(
            Division {
                code: full,
                parent_code: None,
                level: 1,
                name_zh: zh,
                name_en: en,
            },
            "provinces.csv",
            line,
        )?;
    }
    // Prefecture codes (4 digits) → whether they are places (not grouping rows).
    let mut prefectures: HashMap<String, bool> = HashMap::new();
    for (line, row) in rows("cities.csv", cities, &["code", "name", "provinceCode"])? {
        let code = digits("cities.csv", line, &row["code"], 4, "code")?;
        let province = digits("cities.csv", line, &row["provinceCode"], 2, "provinceCode")?;
        let zh = row["name"].clone();
        if zh.is_empty() {
            return Err(no_name("cities.csv", line));
        }
        if !province_codes.contains(&province) || !code.starts_with(&province) {
            return Err(DivisionError::Row {
                file: "cities.csv".into(),
                line,
                reason: format!("province {province} of {code} is not in provinces.csv"),
            });
        }
        let place = !is_grouping(&zh);
        prefectures.insert(code.clone(), place);
        if place {
            let full = format!("{code}00");
            let en = name(&full, &zh, 2);
            push(
                Division {
                    code: full,
                    parent_code: Some(format!("{province}0000")),
                    level: 2,
                    name_zh: zh,
                    name_en: en,
                },
                "cities.csv",
                line,
            )?;
        }
    }
    for (line, row) in rows("areas.csv", areas, &["code", "name", "cityCode"])? {
        let code = digits("areas.csv", line, &row["code"], 6, "code")?;
        let city = digits("areas.csv", line, &row["cityCode"], 4, "cityCode")?;
        let zh = row["name"].clone();
        if zh.is_empty() {
            return Err(no_name("areas.csv", line));
        }
        let Some(&place) = prefectures.get(&city).filter(|_| code.starts_with(&city)) else {
            return Err(DivisionError::Row {
                file: "areas.csv".into(),
                line,
                reason: format!("prefecture {city} of {code} is not in cities.csv"),
            });
        };
        // A prefecture-level city without districts (东莞市, 中山市) is listed again as its own
        // county: the city is that place already.
        if place && code == format!("{city}00") {
            continue;
        }
        let parent = if place {
            format!("{city}00")
        } else {
            format!("{}0000", &city[..2])
        };
        let en = name(&code, &zh, 3);
        push(
            Division {
                code,
                parent_code: Some(parent),
                level: 3,
                name_zh: zh,
                name_en: en,
            },
            "areas.csv",
            line,
        )?;
    }
    out.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    Ok(out)
}

fn english_or_header(text: &str) -> &str {
    if text.trim().is_empty() {
        "code,name_en\n"
    } else {
        text
    }
}

/// Endings of Chinese division names and their English words, longest first within a level.
const ENDINGS: [(i64, &str, &str); 31] = [
    (1, "自治区", "Autonomous Region"),
    (1, "省", "Province"),
    (1, "市", ""),
    (2, "自治州", "Autonomous Prefecture"),
    (2, "地区", "Prefecture"),
    (2, "盟", "League"),
    (2, "市", ""),
    (
        3,
        "高新技术产业开发区",
        "Hi-tech Industrial Development Zone",
    ),
    (
        3,
        "高技术产业开发区",
        "High Technology Industrial Development Zone",
    ),
    (3, "高新技术产业园区", "Hi-tech Industrial Park"),
    (3, "高新技术开发区", "Hi-tech Development Zone"),
    (
        3,
        "经济技术开发区",
        "Economic and Technological Development Zone",
    ),
    (3, "经济开发区", "Economic Development Zone"),
    (3, "开发区", "Development Zone"),
    (3, "工业园区", "Industrial Park"),
    (3, "产业园区", "Industrial Park"),
    (3, "化工园区", "Chemical Industry Park"),
    (3, "创意园区", "Creative Park"),
    (3, "管理区", "Administrative Zone"),
    (3, "示范区", "Demonstration Zone"),
    (3, "实验区", "Experimental Zone"),
    (3, "群岛", "Islands"),
    (3, "自治县", "Autonomous County"),
    (3, "自治旗", "Autonomous Banner"),
    (3, "林区", "Forestry District"),
    (3, "特区", "Special District"),
    (3, "新区", "New Area"),
    (3, "区", "District"),
    (3, "县", "County"),
    (3, "旗", "Banner"),
    (3, "市", ""),
];

/// The English name of a division: its name without the ending in pinyin, then the ending in
/// English (`西湖区` → `Xihu District`, `杭州市` → `Hangzhou`). Syllables starting with a, o or e
/// after another take an apostrophe (`西安` → `Xi'an`). Each character is read in its most common
/// reading; names read otherwise are listed in `names-en.csv`.
pub fn english_name(name_zh: &str, level: i64) -> String {
    let (stem, word) = ENDINGS
        .iter()
        .filter(|(l, ending, _)| *l == level && name_zh.len() > ending.len())
        .find_map(|(_, ending, word)| name_zh.strip_suffix(ending).map(|stem| (stem, *word)))
        .unwrap_or((name_zh, ""));
    let (place, peoples) = if word.starts_with("Autonomous") {
        peoples_of(stem)
    } else {
        (stem, Vec::new())
    };
    // A division named after its people alone (鄂伦春自治旗) is called by the people's name.
    let mut out = pinyin_of(place);
    if !peoples.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&peoples.join(", "));
        if let Some(at) = out.rfind(", ") {
            out.replace_range(at..at + 2, " and ");
        }
    }
    if !word.is_empty() {
        out.push(' ');
        out.push_str(word);
    }
    out
}

/// Peoples named in autonomous divisions and their English names. One-character names count
/// only with `族` after them; the longer ones also without (`新疆维吾尔自治区`, `博尔塔拉蒙古自治州`).
const PEOPLES: [(&str, &str); 52] = [
    ("柯尔克孜", "Kirgiz"),
    ("维吾尔", "Uygur"),
    ("哈萨克", "Kazak"),
    ("达斡尔", "Daur"),
    ("鄂温克", "Ewenki"),
    ("鄂伦春", "Oroqen"),
    ("塔吉克", "Tajik"),
    ("俄罗斯", "Russian"),
    ("乌孜别克", "Uzbek"),
    ("土家", "Tujia"),
    ("锡伯", "Xibe"),
    ("蒙古", "Mongol"),
    ("朝鲜", "Korean"),
    ("布依", "Bouyei"),
    ("哈尼", "Hani"),
    ("拉祜", "Lahu"),
    ("傈僳", "Lisu"),
    ("纳西", "Naxi"),
    ("景颇", "Jingpo"),
    ("布朗", "Blang"),
    ("独龙", "Derung"),
    ("普米", "Pumi"),
    ("撒拉", "Salar"),
    ("东乡", "Dongxiang"),
    ("保安", "Bonan"),
    ("裕固", "Yugur"),
    ("仡佬", "Gelao"),
    ("仫佬", "Mulao"),
    ("毛南", "Maonan"),
    ("阿昌", "Achang"),
    ("德昂", "De'ang"),
    ("基诺", "Jino"),
    ("藏", "Tibetan"),
    ("回", "Hui"),
    ("壮", "Zhuang"),
    ("苗", "Miao"),
    ("彝", "Yi"),
    ("侗", "Dong"),
    ("瑶", "Yao"),
    ("白", "Bai"),
    ("傣", "Dai"),
    ("佤", "Va"),
    ("黎", "Li"),
    ("满", "Manchu"),
    ("畲", "She"),
    ("水", "Sui"),
    ("土", "Tu"),
    ("羌", "Qiang"),
    ("怒", "Nu"),
    ("京", "Gin"),
    ("各", "Multi-ethnic"),
    ("蒙", "Mongol"),
];

/// Splits the peoples off the end of an autonomous division's stem:
/// `湘西土家族苗族` → (`湘西`, [Tujia, Miao]).
fn peoples_of(stem: &str) -> (&str, Vec<&'static str>) {
    let mut rest = stem;
    let mut found = Vec::new();
    'strip: loop {
        for (zh, en) in PEOPLES {
            let with_zu = rest.strip_suffix('族').and_then(|r| r.strip_suffix(zh));
            let without = (zh.chars().count() >= 2)
                .then(|| rest.strip_suffix(zh))
                .flatten();
            if let Some(shorter) = with_zu.or(without) {
                found.push(en);
                rest = shorter;
                continue 'strip;
            }
        }
        break;
    }
    found.reverse();
    (rest, found)
}

/// Characters read otherwise in place names than in most words (长沙, 成都, 重庆, 佛山, 西藏,
/// 厦门, 蚌埠, 单县, 尉氏, 蔚县, 铅山, 浚县, 涡阳, 泌阳, 什邡, 枞阳, 锡林郭勒).
const PLACE_READINGS: [(char, &str); 17] = [
    ('长', "chang"),
    ('都', "du"),
    ('重', "chong"),
    ('佛', "fo"),
    ('藏', "zang"),
    ('厦', "xia"),
    ('蚌', "beng"),
    ('单', "shan"),
    ('尉', "yu"),
    ('蔚', "yu"),
    ('铅', "yan"),
    ('浚', "xun"),
    ('涡', "guo"),
    ('泌', "bi"),
    ('什', "shi"),
    ('枞', "zong"),
    ('勒', "le"),
];

/// `stem` in pinyin without tones, as one capitalised word; characters without a reading are
/// kept as they are.
fn pinyin_of(stem: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    for (c, reading) in stem.chars().zip(stem.to_pinyin()) {
        let reading = PLACE_READINGS
            .iter()
            .find(|(zh, _)| *zh == c)
            .map(|(_, r)| *r)
            .or_else(|| reading.map(|p| p.plain()));
        match reading {
            Some(plain) => {
                let syllable = plain.replace('v', "ü");
                if !out.is_empty() && syllable.starts_with(['a', 'o', 'e']) {
                    out.push('\'');
                }
                if out.is_empty() {
                    let mut chars = syllable.chars();
                    if let Some(first) = chars.next() {
                        out.extend(first.to_uppercase());
                        out.push_str(chars.as_str());
                    }
                } else {
                    out.push_str(&syllable);
                }
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVINCES: &str = "code,name\n11,\"北京市\"\n33,\"浙江省\"\n41,\"河南省\"\n";
    const CITIES: &str = "code,name,provinceCode\n1101,\"市辖区\",11\n3301,\"杭州市\",33\n4190,\"省直辖县级行政区划\",41\n";
    const AREAS: &str = "code,name,cityCode,provinceCode\n110101,\"东城区\",1101,11\n330106,\"西湖区\",3301,33\n419001,\"济源市\",4190,41\n";

    #[test]
    fn grouping_rows_are_skipped_and_their_counties_hang_under_the_province() {
        let regions = parse(PROVINCES, CITIES, AREAS, "").unwrap();
        let codes: Vec<(&str, Option<&str>, i64)> = regions
            .iter()
            .map(|r| (r.code.as_str(), r.parent_code.as_deref(), r.level))
            .collect();
        assert_eq!(
            codes,
            [
                ("110000", None, 1),
                ("330000", None, 1),
                ("410000", None, 1),
                ("330100", Some("330000"), 2),
                ("110101", Some("110000"), 3),
                ("330106", Some("330100"), 3),
                ("419001", Some("410000"), 3),
            ]
        );
    }

    #[test]
    fn english_names_are_pinyin_with_the_ending_in_english() {
        assert_eq!(english_name("浙江省", 1), "Zhejiang Province");
        assert_eq!(english_name("北京市", 1), "Beijing");
        assert_eq!(english_name("杭州市", 2), "Hangzhou");
        assert_eq!(english_name("西湖区", 3), "Xihu District");
        assert_eq!(english_name("余杭区", 3), "Yuhang District");
        assert_eq!(english_name("西安市", 2), "Xi'an");
        assert_eq!(english_name("吕梁市", 2), "Lüliang");
        assert_eq!(
            english_name("甘孜藏族自治州", 2),
            "Ganzi Tibetan Autonomous Prefecture"
        );
        assert_eq!(
            english_name("湘西土家族苗族自治州", 2),
            "Xiangxi Tujia and Miao Autonomous Prefecture"
        );
        assert_eq!(
            english_name("新疆维吾尔自治区", 1),
            "Xinjiang Uygur Autonomous Region"
        );
        assert_eq!(
            english_name("博尔塔拉蒙古自治州", 2),
            "Bo'ertala Mongol Autonomous Prefecture"
        );
        assert_eq!(english_name("鄂伦春自治旗", 3), "Oroqen Autonomous Banner");
        assert_eq!(
            english_name("东乡族自治县", 3),
            "Dongxiang Autonomous County"
        );
        assert!(english_name("莫力达瓦达斡尔族自治旗", 3).ends_with(" Autonomous Banner"));
        // A name that is only its ending keeps it.
        assert_eq!(english_name("区", 3), "Qu");
    }

    #[test]
    fn listed_english_names_win_over_the_reading() {
        let regions = parse(
            PROVINCES,
            CITIES,
            AREAS,
            "code,name_en\n330106,West Lake District\n",
        )
        .unwrap();
        let xihu = regions.iter().find(|r| r.code == "330106").unwrap();
        assert_eq!(xihu.name_en, "West Lake District");
    }

    #[test]
    fn a_county_of_an_unknown_prefecture_is_refused_with_its_line() {
        let areas = "code,name,cityCode,provinceCode\n330106,\"西湖区\",3301,33\n330206,\"北仑区\",3302,33\n";
        let err = parse(PROVINCES, CITIES, areas, "").unwrap_err().to_string();
        assert_eq!(
            err,
            "areas.csv line 3: prefecture 3302 of 330206 is not in cities.csv"
        );
    }

    #[test]
    fn the_shipped_data_set_reads() {
        let regions = shipped().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/regions/cn");
        assert_eq!(read_dir(&dir).unwrap(), regions);
        let count = |level| regions.iter().filter(|r| r.level == level).count();
        assert_eq!(count(1), 31);
        // 342 prefecture rows less the 9 grouping rows; 2,978 county rows less the 3 prefecture
        // cities listed again as their own county.
        assert_eq!(count(2), 333);
        assert_eq!(count(3), 2975);
        let named = |code: &str| {
            regions
                .iter()
                .find(|r| r.code == code)
                .unwrap()
                .name_en
                .clone()
        };
        assert_eq!(named("500000"), "Chongqing");
        assert_eq!(named("350200"), "Xiamen");
        assert_eq!(named("330106"), "Xihu District");
    }
}
