//! Reference data every instance needs (industries) and the demo world seeded on the first
//! start: Hangzhou with its districts, the catering association, 4S dealers, restaurants and a
//! retailer as active ODR units, one regulator per district, an admin and a consumer.

use chrono::{DateTime, Utc};

use crate::domain::commitment::{Commitment, CommitmentKind};
use crate::domain::contact::{EmailAddress, PhoneNumber};
use crate::domain::password::NewPassword;
use crate::domain::role::{Role, StaffRole};
use crate::domain::unit::UnitStatus;
use crate::domain::uscc::check_character;
use crate::i18n::Lang;
use crate::onboarding::business::{BusinessInput, Conditions, apply_for_unit, new_business_row};
use crate::onboarding::{AccountInput, Membership, new_user_row};
use crate::security::passwords::hash_password;
use crate::security::pii::PiiCipher;
use crate::store::businesses::insert_business;
use crate::store::reference::{
    Industry, RegionSync, apply_regions, insert_association, upsert_industries,
};
use crate::store::units::{Actor, change_status, replace_commitments};
use crate::store::users::{count_users, insert_user};
use crate::store::{DbConn, StoreError};

pub mod history;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "odr-demo-2026";

/// The industries of the platform's taxonomy with their competent authorities.
fn industries() -> Vec<Industry> {
    let row =
        |code: &str, zh: &str, en: &str, auth_zh: &str, auth_en: &str, market: bool| Industry {
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            authority_zh: auth_zh.into(),
            authority_en: auth_en.into(),
            is_market_regulated: market,
        };
    let market = ("市场监督管理部门", "market regulation");
    vec![
        row(
            "motor_vehicles",
            "汽车销售与维修",
            "Motor vehicle sales and repair",
            market.0,
            market.1,
            true,
        ),
        row("catering", "餐饮服务", "Catering", market.0, market.1, true),
        row("retail", "零售", "Retail", market.0, market.1, true),
        row(
            "household_appliances",
            "家用电器",
            "Household appliances",
            market.0,
            market.1,
            true,
        ),
        row(
            "real_estate_agency",
            "房地产中介",
            "Real estate agency",
            "住房和城乡建设部门",
            "housing and urban-rural development",
            false,
        ),
        row(
            "home_decoration",
            "家庭装修",
            "Home decoration",
            "住房和城乡建设部门",
            "housing and urban-rural development",
            false,
        ),
        row(
            "after_school_training",
            "校外培训",
            "After-school training",
            "教育部门",
            "education",
            false,
        ),
        row(
            "pet_sales",
            "宠物销售",
            "Pet sales",
            "农业农村部门",
            "agriculture and rural affairs",
            false,
        ),
        row(
            "beauty_and_hairdressing",
            "美容美发",
            "Beauty and hairdressing",
            market.0,
            market.1,
            true,
        ),
        row("fitness", "健身服务", "Fitness", "体育部门", "sport", false),
        row(
            "tourism",
            "旅游服务",
            "Tourism",
            "文化和旅游部门",
            "culture and tourism",
            false,
        ),
        row(
            "telecommunications",
            "电信服务",
            "Telecommunications",
            "通信管理部门",
            "communications administration",
            false,
        ),
    ]
}

/// Loads China's divisions as shipped (adding only the codes not stored yet, so that a later
/// list imported with `odr regions import` stays) and the industry taxonomy; safe to run at
/// every start.
pub fn seed_reference_data(conn: &mut DbConn) -> Result<(), StoreError> {
    let divisions =
        crate::domain::division::shipped().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    apply_regions(conn, &divisions, RegionSync::AddMissing)?;
    upsert_industries(conn, &industries())
}

/// The demo's city (杭州市) and the districts its businesses and generated units are in; the
/// regions themselves are China's, loaded at every start (docs/regions.md).
pub const DEMO_CITY: &str = "330100";
/// See [`DEMO_CITY`].
pub const DEMO_DISTRICTS: [&str; 5] = ["330102", "330105", "330106", "330108", "330110"];

/// A valid credit code for a demo business in `division`, numbered `n`.
fn demo_uscc(division: &str, n: u32) -> String {
    let head = format!("91{division}MA2H{n:05}");
    let check = check_character(head.as_bytes()).unwrap_or('0');
    format!("{head}{check}")
}

/// A demo login printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: &'static str,
    pub login: String,
    pub description: String,
}

struct DemoBusiness {
    name: &'static str,
    industry: &'static str,
    district: &'static str,
    address: &'static str,
    phone: &'static str,
    owner_email: &'static str,
    owner_name: &'static str,
    in_association: bool,
    status: UnitStatus,
}

const BUSINESSES: [DemoBusiness; 7] = [
    DemoBusiness {
        name: "杭州之江汽车销售服务有限公司",
        industry: "motor_vehicles",
        district: "330106",
        address: "杭州市西湖区之江路 88 号",
        phone: "0571-86001001",
        owner_email: "owner.zhijiang@odr.demo",
        owner_name: "陈建国",
        in_association: false,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州钱塘丰达汽车销售服务有限公司",
        industry: "motor_vehicles",
        district: "330108",
        address: "杭州市滨江区江南大道 1200 号",
        phone: "0571-86001002",
        owner_email: "owner.fengda@odr.demo",
        owner_name: "李明",
        in_association: false,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州西溪人家餐饮有限公司",
        industry: "catering",
        district: "330106",
        address: "杭州市西湖区天目山路 518 号",
        phone: "0571-86001003",
        owner_email: "owner.xixi@odr.demo",
        owner_name: "王芳",
        in_association: true,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州河坊老味道餐饮有限公司",
        industry: "catering",
        district: "330102",
        address: "杭州市上城区河坊街 66 号",
        phone: "0571-86001004",
        owner_email: "owner.hefang@odr.demo",
        owner_name: "赵丽",
        in_association: true,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州滨江小笼馆餐饮有限公司",
        industry: "catering",
        district: "330108",
        address: "杭州市滨江区长河路 300 号",
        phone: "0571-86001005",
        owner_email: "owner.xiaolong@odr.demo",
        owner_name: "孙强",
        in_association: true,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州湖滨百货有限公司",
        industry: "retail",
        district: "330102",
        address: "杭州市上城区延安路 200 号",
        phone: "0571-86001006",
        owner_email: "owner.hubin@odr.demo",
        owner_name: "周敏",
        in_association: false,
        status: UnitStatus::Active,
    },
    DemoBusiness {
        name: "杭州拱宸家电商场有限公司",
        industry: "household_appliances",
        district: "330105",
        address: "杭州市拱墅区丽水路 58 号",
        phone: "0571-86001007",
        owner_email: "owner.gongchen@odr.demo",
        owner_name: "吴涛",
        in_association: false,
        status: UnitStatus::Pending,
    },
];

/// One officer per bureau, named as a person with their bureau: an officer names another to
/// follow a dispute, and the choice must tell people apart.
const REGULATORS: [(&str, &str, &str); 6] = [
    (
        "reg.hangzhou@odr.demo",
        "陈立（杭州市市场监管局）",
        "330100",
    ),
    (
        "reg.shangcheng@odr.demo",
        "周敏（上城区市场监管局）",
        "330102",
    ),
    ("reg.gongshu@odr.demo", "吴刚（拱墅区市场监管局）", "330105"),
    ("reg.xihu@odr.demo", "王敏（西湖区市场监管局）", "330106"),
    (
        "reg.binjiang@odr.demo",
        "林涛（滨江区市场监管局）",
        "330108",
    ),
    ("reg.yuhang@odr.demo", "赵婷（余杭区市场监管局）", "330110"),
];

/// Seeds the demo world when the database has no users; returns the logins to print, or
/// `None` when the database was already in use.
pub fn seed_demo(
    conn: &mut DbConn,
    pii: &PiiCipher,
    now: DateTime<Utc>,
) -> Result<Option<Vec<DemoLogin>>, StoreError> {
    if count_users(conn)? > 0 {
        return Ok(None);
    }
    let password =
        NewPassword::parse(DEMO_PASSWORD).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let hash = hash_password(&password).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    crate::store::write_transaction(conn, |conn| seed_world(conn, pii, &hash, now)).map(Some)
}

/// Applies for `business` as its owner with every condition met and, when `approver` (a
/// regulator) is given, approves the unit.
fn enrol(
    conn: &mut DbConn,
    business_id: &str,
    owner_id: &str,
    approver: Option<&str>,
    now: DateTime<Utc>,
) -> Result<crate::store::units::OdrUnit, StoreError> {
    let all_met = Conditions {
        handling_place: true,
        staff: true,
        computer: true,
        dedicated_phone: true,
        written_procedure: true,
    };
    let applicant = Actor {
        id: owner_id,
        role: Role::MerchantStaff,
    };
    let unit = apply_for_unit(conn, business_id, all_met, applicant, now)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if let Some(regulator) = approver {
        let regulator = Actor {
            id: regulator,
            role: Role::Regulator,
        };
        change_status(
            conn,
            &unit.id,
            UnitStatus::Pending,
            UnitStatus::Active,
            regulator,
            "审核通过（演示数据）",
            now,
        )?;
    }
    Ok(unit)
}

fn account(name: &str, email: &str, phone: Option<&str>) -> Result<AccountInput, StoreError> {
    Ok(AccountInput {
        display_name: name.into(),
        email: Some(EmailAddress::parse(email).map_err(|e| StoreError::Corrupt(e.to_string()))?),
        phone: phone
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        language: Lang::Zh,
    })
}

fn seed_world(
    conn: &mut DbConn,
    pii: &PiiCipher,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DemoLogin>, StoreError> {
    let mut logins = Vec::new();
    let mut add_user = |conn: &mut DbConn,
                        input: AccountInput,
                        membership: Membership,
                        role: &'static str,
                        description: String| {
        let user = new_user_row(pii, &input, &membership, Some(hash.to_string()), now);
        insert_user(conn, &user)?;
        logins.push(DemoLogin {
            role,
            login: user.email.clone().unwrap_or_default(),
            description,
        });
        Ok::<_, StoreError>(user)
    };
    let platform = Membership {
        role: Role::Admin,
        business_id: None,
        staff_role: None,
        region_code: None,
        association_id: None,
    };
    add_user(
        conn,
        account("平台管理员", "admin@odr.demo", None)?,
        platform,
        "admin",
        "platform admin".into(),
    )?;
    let mut city_regulator_id = String::new();
    for (email, name, region) in REGULATORS {
        let membership = Membership {
            role: Role::Regulator,
            business_id: None,
            staff_role: None,
            region_code: Some(region.into()),
            association_id: None,
        };
        let user = add_user(
            conn,
            account(name, email, None)?,
            membership,
            "regulator",
            format!("{name} ({region})"),
        )?;
        if region == "330100" {
            city_regulator_id = user.id;
        }
    }
    let association =
        insert_association(conn, "杭州市餐饮行业协会", "330100", Some("catering"), now)?;
    let association_admin = Membership {
        role: Role::AssociationAdmin,
        business_id: None,
        staff_role: None,
        region_code: None,
        association_id: Some(association.id.clone()),
    };
    add_user(
        conn,
        account("餐饮协会秘书处", "assoc.catering@odr.demo", None)?,
        association_admin,
        "association_admin",
        association.name.clone(),
    )?;
    // A people's mediator of Xihu, enrolled by the city's bureau (docs/mediation.md).
    let organisation = "西湖区消费纠纷人民调解委员会";
    let mediator = add_user(
        conn,
        account("孙静", "mediator.xihu@odr.demo", None)?,
        Membership {
            role: Role::Mediator,
            business_id: None,
            staff_role: None,
            region_code: Some("330106".into()),
            association_id: None,
        },
        "mediator",
        format!("{organisation} (330106)"),
    )?;
    crate::store::mediations::insert_mediator(
        conn,
        &crate::store::mediations::Mediator {
            user_id: mediator.id,
            kind: crate::domain::mediation::MediatorKind::PeopleMediator
                .as_str()
                .into(),
            organisation: organisation.into(),
            enrolled_by: city_regulator_id.clone(),
            enrolled_at: crate::store::to_db_time(now),
        },
    )?;
    for (n, demo) in (1u32..).zip(BUSINESSES.iter()) {
        let input = BusinessInput {
            uscc: crate::domain::uscc::Uscc::parse(&demo_uscc(demo.district, n))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            name: demo.name.into(),
            industry_code: demo.industry.into(),
            region: crate::domain::region::RegionCode::parse(demo.district)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            address: demo.address.into(),
            contact_name: demo.owner_name.into(),
            contact_phone: demo.phone.into(),
        };
        let business = new_business_row(
            &input,
            demo.in_association.then_some(association.id.as_str()),
            now,
        );
        insert_business(conn, &business)?;
        let owner = add_user(
            conn,
            account(demo.owner_name, demo.owner_email, None)?,
            Membership::staff(&business.id, StaffRole::Owner),
            "merchant_owner",
            demo.name.into(),
        )?;
        let approver = (demo.status == UnitStatus::Active).then_some(city_regulator_id.as_str());
        let unit = enrol(conn, &business.id, &owner.id, approver, now)?;
        let today = now.date_naive();
        let commitments = match demo.industry {
            "retail" => vec![Commitment::new(
                CommitmentKind::OfflineNoReasonReturn,
                Some(7),
                Some("商品完好、不影响二次销售，凭购物凭证退货".into()),
                today,
                None,
            )],
            "motor_vehicles" => vec![Commitment::new(
                CommitmentKind::RightsServiceStation,
                None,
                None,
                today,
                None,
            )],
            _ if n == 3 => vec![Commitment::new(
                CommitmentKind::TrustedConsumptionStore,
                None,
                None,
                today,
                None,
            )],
            _ => Vec::new(),
        };
        let commitments: Result<Vec<_>, _> = commitments.into_iter().collect();
        replace_commitments(
            conn,
            &unit.id,
            &commitments.map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )?;
    }
    seed_reply_templates(conn, &city_regulator_id, now)?;
    add_user(
        conn,
        account("张先生", "consumer@odr.demo", Some("13800000001"))?,
        Membership::consumer(),
        "consumer",
        "consumer (also logs in with 13800000001)".into(),
    )?;
    Ok(logins)
}

/// Reply templates of the demo (docs/reply-templates.md): two the city's legal section
/// reviewed, one for every kind of case and one for food safety, and a district's draft for
/// car quality.
fn seed_reply_templates(
    conn: &mut DbConn,
    regulator_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::store::reply_templates::{ReplyTemplate, insert_template};
    let at = crate::store::to_db_time(now);
    let templates = [
        (
            "330100",
            None,
            "首次联系：已收到投诉",
            "您好，我们已收到您的投诉，正在核实情况，将在处理时限内提出处理方案。如有购物凭证、照片等材料，请在平台上传，便于尽快处理。",
            true,
        ),
        (
            "330100",
            Some("food_safety"),
            "食品安全：封存自查",
            "您好，我们非常重视您反映的食品安全问题，已将同批次食品封存并开展自查。请保留剩余食品和消费凭证，我们将在 3 个工作日内告知核查结果和处理方案。",
            true,
        ),
        (
            "330106",
            Some("vehicle_quality"),
            "车辆质量：安排检测",
            "您好，我们将安排具备资质的检测机构对车辆进行检测，检测期间的代步及费用按国家“三包”规定承担。请与我们约定送检时间。",
            false,
        ),
    ];
    for (region, category, title, body, reviewed) in templates {
        insert_template(
            conn,
            &ReplyTemplate {
                id: crate::store::new_id(),
                region_code: region.into(),
                category: category.map(str::to_string),
                title: title.into(),
                body: body.into(),
                reviewed_at: reviewed.then_some(at),
                reviewed_by: reviewed.then(|| regulator_id.to_string()),
                created_by: regulator_id.into(),
                created_at: at,
                updated_at: at,
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_industry_has_words_for_the_directory_search() {
        let with_words: Vec<&str> = crate::domain::industry::codes_with_words().collect();
        for industry in industries() {
            assert!(
                with_words.contains(&industry.code.as_str()),
                "{}",
                industry.code
            );
        }
    }

    #[test]
    fn demo_credit_codes_are_valid() {
        for n in 1..=20 {
            let code = demo_uscc("330106", n);
            assert!(crate::domain::uscc::Uscc::parse(&code).is_ok(), "{code}");
        }
    }

    #[test]
    fn the_demo_password_meets_the_policy() {
        assert!(NewPassword::parse(DEMO_PASSWORD).is_ok());
    }
}
