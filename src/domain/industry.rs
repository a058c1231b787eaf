//! The words people search the directory with for each industry of the taxonomy
//! (docs/api.md#directory-search): someone looking for "饭店" means a restaurant, and no
//! restaurant has the word in its registered name.

/// The industry of car dealers (4S店): disputes about a vehicle name it by its VIN.
pub const MOTOR_VEHICLES: &str = "motor_vehicles";

/// Industries whose businesses sell services rather than goods: a dispute with one is about
/// a service unless the consumer says otherwise.
const SERVICE_INDUSTRIES: [&str; 9] = [
    "catering",
    "fitness",
    "tourism",
    "telecommunications",
    "education",
    "after_school_training",
    "beauty_and_hairdressing",
    "real_estate_agency",
    "home_decoration",
];

/// Whether units of `industry` sell vehicles (the filing form asks for the VIN).
pub fn sells_vehicles(industry: &str) -> bool {
    industry == MOTOR_VEHICLES
}

/// Whether units of `industry` sell services (the filing form starts at "a service").
pub fn sells_services(industry: &str) -> bool {
    SERVICE_INDUSTRIES.contains(&industry)
}

/// Each industry code with its names and the everyday words for its businesses (two
/// characters or more, so that a search does not match on one common character).
const TERMS: &[(&str, &[&str])] = &[
    (
        "motor_vehicles",
        &[
            "汽车",
            "4S店",
            "4S",
            "车行",
            "汽修",
            "修车",
            "维修",
            "保养",
            "二手车",
            "car",
            "cars",
            "vehicle",
            "dealer",
            "auto",
            "garage",
        ],
    ),
    (
        "catering",
        &[
            "餐饮",
            "饭店",
            "餐厅",
            "餐馆",
            "饭馆",
            "酒楼",
            "酒家",
            "小吃",
            "食堂",
            "外卖",
            "火锅",
            "面馆",
            "小笼",
            "restaurant",
            "catering",
            "food",
        ],
    ),
    (
        "retail",
        &[
            "零售",
            "超市",
            "商场",
            "商店",
            "便利店",
            "百货",
            "专卖店",
            "shop",
            "store",
            "retail",
            "supermarket",
        ],
    ),
    (
        "household_appliances",
        &[
            "家用电器",
            "家电",
            "电器",
            "空调",
            "冰箱",
            "洗衣机",
            "appliance",
            "appliances",
        ],
    ),
    (
        "real_estate_agency",
        &[
            "房地产",
            "房产",
            "中介",
            "租房",
            "二手房",
            "real estate",
            "estate agent",
            "housing",
        ],
    ),
    (
        "home_decoration",
        &[
            "家庭装修",
            "装修",
            "装饰",
            "家装",
            "decoration",
            "renovation",
        ],
    ),
    (
        "after_school_training",
        &[
            "校外培训",
            "培训",
            "辅导",
            "补习",
            "教育",
            "training",
            "tutoring",
            "education",
        ],
    ),
    ("pet_sales", &["宠物", "宠物店", "pet", "pets"]),
    (
        "beauty_and_hairdressing",
        &[
            "美容",
            "美发",
            "理发",
            "发廊",
            "美甲",
            "beauty",
            "hairdresser",
            "salon",
        ],
    ),
    (
        "fitness",
        &["健身", "健身房", "瑜伽", "游泳", "fitness", "gym", "yoga"],
    ),
    (
        "tourism",
        &[
            "旅游",
            "旅行社",
            "景区",
            "酒店",
            "民宿",
            "tourism",
            "travel",
            "hotel",
        ],
    ),
    (
        "telecommunications",
        &[
            "电信",
            "移动",
            "联通",
            "宽带",
            "手机",
            "telecom",
            "mobile",
            "broadband",
        ],
    ),
];

/// The industries a directory search for `q` is about: those with a word that is `q` or
/// contains it (letters compared without case). A longer search, such as a business's name
/// with "面馆" in it, looks for that name, not for every noodle shop.
pub fn industries_meant(q: &str) -> Vec<&'static str> {
    let q = q.trim().to_lowercase();
    // Two letters of the Latin alphabet are part of too many words ("re": restaurant, retail,
    // real estate, renovation); two Chinese characters, or "4S", are a word.
    let shortest = if q.chars().all(|c| c.is_ascii_alphabetic()) {
        3
    } else {
        2
    };
    if q.chars().count() < shortest {
        return Vec::new();
    }
    TERMS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| w.to_lowercase().contains(&q)))
        .map(|(code, _)| *code)
        .collect()
}

/// The industry codes that have search words.
pub fn codes_with_words() -> impl Iterator<Item = &'static str> {
    TERMS.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_words_find_their_industry() {
        assert_eq!(industries_meant("饭店"), ["catering"]);
        assert_eq!(industries_meant("4s店"), ["motor_vehicles"]);
        assert_eq!(industries_meant("Restaurant"), ["catering"]);
        assert_eq!(industries_meant("餐饮"), ["catering"]);
    }

    #[test]
    fn names_and_single_characters_find_no_industry() {
        assert!(industries_meant("西溪人家").is_empty());
        assert!(industries_meant("杭州一号面馆").is_empty());
        assert!(industries_meant("车").is_empty());
        assert!(industries_meant("re").is_empty());
        assert_eq!(industries_meant("4S"), ["motor_vehicles"]);
        assert!(industries_meant(" ").is_empty());
    }
}
