//! Words the pages show for the platform's stable codes, in both languages.

use super::frame::Lang;

/// (code, 中文, English) rows looked up by code; unknown codes show as they are.
fn pick<'a>(lang: Lang, rows: &'a [(&str, &str, &str)], code: &'a str) -> &'a str {
    rows.iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, zh, en)| lang.t(zh, en))
}

const STATUSES: &[(&str, &str, &str)] = &[
    ("filed", "待响应", "Awaiting contact"),
    ("negotiating", "协商中", "Negotiating"),
    ("settled", "已达成和解", "Settled"),
    ("resolved", "已解决", "Resolved"),
    ("withdrawn", "已撤回", "Withdrawn"),
    ("escalated", "已转 12315", "Escalated to 12315"),
    ("rejected", "不予受理", "Rejected"),
    ("paused", "已暂停", "Paused"),
];

/// A dispute status.
pub fn status(lang: Lang, code: &str) -> &str {
    pick(lang, STATUSES, code)
}

const REMEDIES: &[(&str, &str, &str)] = &[
    ("refund", "退款", "Refund"),
    ("replacement", "换货", "Replacement"),
    ("repair", "维修", "Repair"),
    ("compensation", "赔偿", "Compensation"),
    ("apology", "赔礼道歉", "Apology"),
    ("other", "其他", "Other"),
];

/// A remedy.
pub fn remedy(lang: Lang, code: &str) -> &str {
    pick(lang, REMEDIES, code)
}

/// Every remedy, in form order.
pub fn remedies() -> impl Iterator<Item = &'static str> {
    REMEDIES.iter().map(|(code, _, _)| *code)
}

const CATEGORIES: &[(&str, &str, &str)] = &[
    ("product_quality", "商品质量", "Product quality"),
    ("service_quality", "服务质量", "Service quality"),
    ("contract_terms", "合同条款", "Contract terms"),
    ("price_and_charges", "价格收费", "Prices and charges"),
    ("returns_and_refunds", "退换货", "Returns and refunds"),
    (
        "after_sales_and_warranty",
        "售后与三包",
        "After-sales and warranty",
    ),
    ("vehicle_quality", "汽车质量", "Vehicle quality"),
    ("food_safety", "食品安全", "Food safety"),
    ("prepaid_cards", "预付卡", "Prepaid cards"),
    ("personal_information", "个人信息", "Personal information"),
    ("other", "其他", "Other"),
];

/// A dispute category.
pub fn category(lang: Lang, code: &str) -> &str {
    pick(lang, CATEGORIES, code)
}

const PARTIES: &[(&str, &str, &str)] = &[
    ("consumer", "消费者", "Consumer"),
    ("business", "经营者", "Business"),
    ("merchant", "经营者", "Business"),
    ("regulator", "监管部门", "Regulator"),
    ("system", "系统", "System"),
];

/// Who did something.
pub fn party(lang: Lang, code: &str) -> &str {
    pick(lang, PARTIES, code)
}

const EVENTS: &[(&str, &str, &str)] = &[
    ("filed", "提交投诉", "Dispute filed"),
    ("first_contact", "经营者首次响应", "First contact"),
    ("message", "留言", "Message"),
    ("offer_made", "提出方案", "Offer made"),
    ("offer_withdrawn", "撤回方案", "Offer withdrawn"),
    ("offer_accepted", "接受方案，达成和解", "Offer accepted"),
    ("offer_rejected", "拒绝方案", "Offer rejected"),
    ("offer_expired", "方案过期", "Offer expired"),
    ("withdrawn", "撤回投诉", "Dispute withdrawn"),
    ("declined", "经营者拒绝和解", "Business declined"),
    (
        "escalation_requested",
        "消费者申请转 12315",
        "Escalation requested",
    ),
    ("extension_proposed", "申请延期", "Extension proposed"),
    ("extension_agreed", "同意延期", "Extension agreed"),
    ("extension_refused", "拒绝延期", "Extension refused"),
    ("pause_proposed", "申请暂停", "Pause proposed"),
    ("paused", "暂停", "Paused"),
    ("resumed", "恢复", "Resumed"),
    ("marked_fulfilled", "经营者已履行", "Marked fulfilled"),
    (
        "fulfilment_confirmed",
        "消费者确认履行",
        "Fulfilment confirmed",
    ),
    (
        "non_fulfilment_reported",
        "消费者反映未履行",
        "Non-fulfilment reported",
    ),
    ("rated", "消费者评价", "Rated"),
    (
        "rejected_as_no_consumer_dispute",
        "非消费纠纷，不予受理",
        "Rejected: not a consumer dispute",
    ),
    (
        "escalated_by_regulator",
        "监管部门转办",
        "Escalated by the regulator",
    ),
    (
        "first_contact_lapsed",
        "首次响应超时，自动转 12315",
        "First contact lapsed; escalated",
    ),
    (
        "settlement_lapsed",
        "办结超时，自动转 12315",
        "Settlement lapsed; escalated",
    ),
    (
        "fulfilment_lapsed",
        "履行超时，自动转 12315",
        "Fulfilment lapsed; escalated",
    ),
    (
        "confirmation_lapsed",
        "确认超时，视为已解决",
        "Confirmation lapsed; resolved",
    ),
    ("evidence_added", "上传证据", "Evidence added"),
];

/// A timeline event.
pub fn event(lang: Lang, code: &str) -> &str {
    pick(lang, EVENTS, code)
}

const ROLES: &[(&str, &str, &str)] = &[
    ("consumer", "消费者", "Consumer"),
    ("merchant_staff", "经营者", "Merchant staff"),
    ("association_admin", "行业协会", "Association"),
    ("regulator", "监管部门", "Regulator"),
    ("admin", "平台管理员", "Administrator"),
];

/// An account's role.
pub fn role(lang: Lang, code: &str) -> &str {
    pick(lang, ROLES, code)
}

const ESCALATION_STATES: &[(&str, &str, &str)] = &[
    ("pending", "待移送", "Pending"),
    ("delivered", "已移送", "Delivered"),
    ("received", "已接收", "Received"),
    ("accepted", "已受理", "Accepted"),
    ("not_accepted", "不予受理", "Not accepted"),
    ("mediating", "调解中", "Mediating"),
    ("mediated", "调解成功", "Mediated"),
    ("mediation_failed", "调解失败", "Mediation failed"),
    ("case_filed", "已立案", "Case filed"),
    ("closed", "已办结", "Closed"),
];

const ESCALATION_REASONS: &[(&str, &str, &str)] = &[
    (
        "settlement_due_date_passed",
        "办结期限已过",
        "The settlement due date passed",
    ),
    (
        "fulfilment_due_date_passed",
        "履行期限已过",
        "The fulfilment due date passed",
    ),
];

/// Why a dispute was escalated: the system's reasons in words, a person's as written.
pub fn escalation_reason(lang: Lang, reason: &str) -> &str {
    pick(lang, ESCALATION_REASONS, reason)
}

/// A state of an escalation at 12315.
pub fn escalation_state(lang: Lang, code: &str) -> &str {
    pick(lang, ESCALATION_STATES, code)
}

const FIELD_ERRORS: &[(&str, &str, &str)] = &[
    ("required", "必填。", "Required."),
    (
        "invalid_length",
        "长度不符合要求。",
        "The length is not allowed.",
    ),
    (
        "invalid_email",
        "邮箱格式不正确。",
        "Not a valid email address.",
    ),
    (
        "invalid_phone",
        "请填写有效的中国大陆手机号。",
        "Give a valid mainland mobile number.",
    ),
    (
        "weak_password",
        "密码至少 8 位，且不能容易被猜到（常见词语、姓名、日期、键盘规律都不行），较长的短语最好。",
        "At least 8 characters, and not easy to guess (no common words, names, dates or keyboard patterns); a longer phrase works best.",
    ),
    (
        "wrong_password",
        "当前密码不正确。",
        "This is not your current password.",
    ),
    (
        "contact_required",
        "请填写邮箱或手机号。",
        "Give an email address or a mobile number.",
    ),
    (
        "passwords_differ",
        "两次输入的密码不一致。",
        "The two passwords differ.",
    ),
    ("invalid_amount", "金额不正确。", "The amount is not valid."),
    ("invalid_number", "请填写数字。", "Give a number."),
    (
        "consent_required",
        "须同意经营者就本纠纷与您联系。",
        "You must agree that the business may contact you.",
    ),
    ("unknown_category", "请选择纠纷类别。", "Choose a category."),
    (
        "invalid_purchase_date",
        "消费日期不正确。",
        "The purchase date is not valid.",
    ),
    ("invalid_date", "日期不正确。", "The date is not valid."),
    (
        "invalid_vin",
        "车架号（VIN）应为 17 位。",
        "A VIN has 17 characters.",
    ),
    ("invalid_remedy", "诉求不正确。", "Unknown remedy."),
];

/// A sentence for a failing field, or the API's own message.
pub fn field_error(lang: Lang, code: &str, message: &str) -> String {
    FIELD_ERRORS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(
            || message.to_string(),
            |(_, zh, en)| lang.t(zh, en).to_string(),
        )
}
