//! The portal's region chooser: province, then the city (or a municipality's district), then
//! the district or county, each list the children of the one chosen before it
//! (docs/regions.md). Pages have no script: choosing a province and pressing the form's button
//! brings the next list.

use serde::Deserialize;

use crate::http::reference::find;
use crate::i18n::Lang;
use crate::store::reference::{Catalogue, Region};

/// What a form sent: the three lists, or one `region` code (links, the next page).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RegionChoice {
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub region: Option<String>,
}

/// One option of a list.
#[derive(Debug)]
pub struct Choice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// The three lists as the page shows them and the region they choose.
#[derive(Debug, Default)]
pub struct RegionChooser {
    pub provinces: Vec<Choice>,
    /// Empty until a province is chosen.
    pub cities: Vec<Choice>,
    /// Empty until a city with districts is chosen.
    pub districts: Vec<Choice>,
    /// The deepest region chosen, if any.
    pub chosen: Option<String>,
}

impl RegionChooser {
    /// The lists for `choice`: a list's value counts only when it lies under the one chosen
    /// before it (after a new province, the old city is dropped).
    pub fn new(catalogue: &Catalogue, choice: &RegionChoice, lang: Lang) -> Self {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .and_then(|code| find(catalogue, code))
        };
        let province = given(&choice.province).filter(|r| r.level == 1);
        let city = under(given(&choice.city), province);
        let district = under(given(&choice.district), city);

        let chosen = district.or(city).or(province).or_else(|| {
            (choice.province.is_none() && choice.city.is_none() && choice.district.is_none())
                .then(|| given(&choice.region))
                .flatten()
        });
        let chain = chosen.map_or_else(Vec::new, |r| ancestors(catalogue, r));
        let options = |parent: Option<&Region>, selected: Option<&Region>| -> Vec<Choice> {
            catalogue
                .regions
                .iter()
                .filter(|r| r.is_current() || selected.is_some_and(|s| s.code == r.code))
                .filter(|r| match parent {
                    None => r.level == 1,
                    Some(p) => r.parent_code.as_deref() == Some(&p.code),
                })
                .map(|r| Choice {
                    code: r.code.clone(),
                    name: lang.name(&r.name_zh, &r.name_en).to_string(),
                    selected: selected.is_some_and(|s| s.code == r.code),
                })
                .collect()
        };
        let at = |i: usize| chain.get(i).copied();
        Self {
            provinces: options(None, at(0)),
            cities: at(0).map_or_else(Vec::new, |p| options(Some(p), at(1))),
            districts: at(1)
                .filter(|c| c.level == 2)
                .map_or_else(Vec::new, |c| options(Some(c), at(2))),
            chosen: chosen.map(|r| r.code.clone()),
        }
    }
}

/// `region` and the regions it lies in, province first.
pub fn ancestors<'a>(catalogue: &'a Catalogue, region: &'a Region) -> Vec<&'a Region> {
    let mut chain: Vec<&Region> = std::iter::successors(Some(region), |r| {
        r.parent_code.as_deref().and_then(|p| find(catalogue, p))
    })
    .collect();
    chain.reverse();
    chain
}

/// `child` when it lies directly under `parent`.
fn under<'a>(child: Option<&'a Region>, parent: Option<&Region>) -> Option<&'a Region> {
    child.filter(|c| parent.is_some_and(|p| c.parent_code.as_deref() == Some(p.code.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let mut regions: Vec<Region> = crate::domain::division::shipped()
            .unwrap()
            .into_iter()
            .map(|d| Region {
                code: d.code,
                parent_code: d.parent_code,
                level: d.level,
                name_zh: d.name_zh,
                name_en: d.name_en,
                retired_at: None,
            })
            .collect();
        regions.sort_by(|a, b| a.code.cmp(&b.code));
        Catalogue {
            regions,
            ..Catalogue::default()
        }
    }

    fn choice(province: &str, city: &str, district: &str) -> RegionChoice {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        RegionChoice {
            province: some(province),
            city: some(city),
            district: some(district),
            region: None,
        }
    }

    fn selected(list: &[Choice]) -> Option<&str> {
        list.iter().find(|c| c.selected).map(|c| c.name.as_str())
    }

    #[test]
    fn each_list_holds_the_children_of_the_one_before() {
        let catalogue = catalogue();
        let nothing = RegionChooser::new(&catalogue, &RegionChoice::default(), Lang::Zh);
        assert_eq!(nothing.provinces.len(), 31);
        assert!(nothing.cities.is_empty() && nothing.districts.is_empty());
        assert_eq!(nothing.chosen, None);

        let zhejiang = RegionChooser::new(&catalogue, &choice("330000", "", ""), Lang::Zh);
        assert_eq!(zhejiang.cities.len(), 11, "Zhejiang's eleven cities");
        assert!(zhejiang.districts.is_empty());

        let xihu = RegionChooser::new(&catalogue, &choice("330000", "330100", "330106"), Lang::En);
        assert_eq!(selected(&xihu.provinces), Some("Zhejiang Province"));
        assert_eq!(selected(&xihu.cities), Some("Hangzhou"));
        assert_eq!(selected(&xihu.districts), Some("Xihu District"));
        assert_eq!(xihu.chosen.as_deref(), Some("330106"));
    }

    #[test]
    fn a_municipality_lists_its_districts_second_and_nothing_third() {
        let beijing = RegionChooser::new(&catalogue(), &choice("110000", "110101", ""), Lang::Zh);
        assert_eq!(beijing.cities.len(), 16);
        assert_eq!(selected(&beijing.cities), Some("东城区"));
        assert!(beijing.districts.is_empty());
        assert_eq!(beijing.chosen.as_deref(), Some("110101"));
    }

    #[test]
    fn a_city_of_another_province_is_dropped_when_the_province_changes() {
        let moved = RegionChooser::new(
            &catalogue(),
            &choice("320000", "330100", "330106"),
            Lang::Zh,
        );
        assert_eq!(moved.chosen.as_deref(), Some("320000"));
        assert_eq!(selected(&moved.cities), None);
        assert!(moved.districts.is_empty());
    }

    #[test]
    fn one_region_code_selects_its_ancestors() {
        let linked = RegionChoice {
            region: Some("330106".into()),
            ..RegionChoice::default()
        };
        let chooser = RegionChooser::new(&catalogue(), &linked, Lang::Zh);
        assert_eq!(selected(&chooser.provinces), Some("浙江省"));
        assert_eq!(selected(&chooser.cities), Some("杭州市"));
        assert_eq!(selected(&chooser.districts), Some("西湖区"));
    }
}
