//! The pages of merchant staff (unit profile and commitments, staff, own metrics), association
//! administrators (members, bulk import, members' metrics) and platform administrators
//! (calendars, deadline policies).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::frame::{Fields, Frame, html};
use super::labels;
use super::public::Names;
use super::regions::{RegionChoice, RegionChooser, ancestors};
use super::regulator::trend_charts;
use super::session::{CsrfForm, OrPage, PageError, Sent, Session, after, status_of};
use super::table::{Cell, Listing, Row};
use crate::domain::role::{Role, StaffRole};
use crate::error::{ApiError, ErrorCode};
use crate::http::accounts::AccountFields;
use crate::http::body::read_file_field;
use crate::http::businesses::{self, BusinessResponse, InviteStaffRequest};
use crate::http::deadlines::{self, CreatePolicyRequest};
use crate::http::imports;
use crate::http::metrics::{self, MetricsQuery};
use crate::http::tables::ExportFormat;
use crate::http::units::{self, CommitmentDto, CommitmentsRequest, UnitQuery, UnitResponse};
use crate::onboarding::import::ImportReport;
use crate::oversight::MetricsResponse;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/unit").route(web::get().to(|s: Session| profile_page(s, None))))
        .service(web::resource("/unit/commitments").route(web::post().to(save_commitments)))
        .service(
            web::resource("/unit/staff")
                .route(web::get().to(|s: Session| staff_page(s, None)))
                .route(web::post().to(invite)),
        )
        .service(web::resource("/unit/staff/{id}/remove").route(web::post().to(remove_staff)))
        .service(web::resource("/unit/metrics").route(web::get().to(own_metrics)))
        .service(web::resource("/members").route(web::get().to(members)))
        .service(
            web::resource("/members/import")
                .route(web::get().to(import_form))
                .route(web::post().to(import_members)),
        )
        .service(web::resource("/members/metrics").route(web::get().to(own_metrics)))
        .service(web::resource("/metrics/export").route(web::get().to(metrics_export)))
        .service(
            web::resource("/admin/calendars")
                .route(web::get().to(calendars))
                .route(web::post().to(import_calendar)),
        )
        .service(
            web::resource("/admin/policies")
                .route(web::get().to(|s: Session, q: web::Query<RegionChoice>| {
                    policies_page(s, None, q.into_inner())
                }))
                .route(web::post().to(create_policy)),
        );
}

fn business_of(s: &Session) -> Result<String, PageError> {
    let auth = s.account_as(&[Role::MerchantStaff])?;
    auth.user
        .business_id
        .clone()
        .ok_or_else(|| s.fail(ApiError::forbidden("Your account has no business.")))
}

#[derive(Template)]
#[template(path = "portal/unit_profile.html")]
struct ProfilePage {
    f: Frame,
    b: BusinessResponse,
    unit: Option<UnitResponse>,
    /// Whether the signed-in person owns the business: only owners change commitments.
    may_edit: bool,
}

impl ProfilePage {
    fn has(&self, kind: &str) -> bool {
        self.unit
            .as_ref()
            .is_some_and(|u| u.commitments.iter().any(|c| c.kind == kind))
    }

    fn return_days(&self) -> String {
        self.unit
            .as_ref()
            .and_then(|u| u.commitments.iter().find_map(|c| c.return_days))
            .map_or_else(|| "7".into(), |d| d.to_string())
    }

    fn conditions(&self) -> String {
        self.unit
            .as_ref()
            .and_then(|u| u.commitments.iter().find_map(|c| c.conditions.clone()))
            .unwrap_or_default()
    }
}

async fn profile_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let business_id = business_of(&s)?;
    let auth = s.account()?;
    let b = businesses::get_business_for(&s.state, &auth, business_id)
        .await
        .or_page(&s)?;
    let unit = match &b.unit {
        Some(summary) => Some(
            units::get_unit_for(&s.state, &auth, summary.id.clone())
                .await
                .or_page(&s)?,
        ),
        None => None,
    };
    let page = ProfilePage {
        f: s.frame_after(error.as_ref())
            .titled("unit-profile-and-commitments"),
        may_edit: auth.actor.is_owner_of(&b.id),
        b,
        unit,
    };
    html(
        error.as_ref().map_or(StatusCode::OK, status_of),
        page.render(),
    )
    .or_page(&s)
}

/// The commitments form.
#[derive(Debug, Deserialize)]
pub struct CommitmentsForm {
    csrf: String,
    rights_service_station: Option<String>,
    trusted_consumption_store: Option<String>,
    offline_no_reason_return: Option<String>,
    return_days: Option<String>,
    conditions: Option<String>,
}

async fn save_commitments(
    s: Session,
    form: web::Form<CommitmentsForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let business_id = business_of(&s)?;
    let auth = s.account()?;
    let form = form.into_inner();
    let today = s.today();
    let commitment = |kind: &str| CommitmentDto {
        kind: kind.into(),
        return_days: None,
        conditions: None,
        valid_from: today,
        valid_to: None,
    };
    let mut commitments = Vec::new();
    if form.rights_service_station.is_some() {
        commitments.push(commitment("rights_service_station"));
    }
    if form.trusted_consumption_store.is_some() {
        commitments.push(commitment("trusted_consumption_store"));
    }
    let mut outcome = Ok(());
    if form.offline_no_reason_return.is_some() {
        match form
            .return_days
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .parse::<u32>()
        {
            Ok(days) => commitments.push(CommitmentDto {
                return_days: Some(days),
                conditions: form
                    .conditions
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
                ..commitment("offline_no_reason_return")
            }),
            Err(_) => {
                outcome = Err(ApiError::invalid_field(
                    "return_days",
                    "invalid_number",
                    "days of no-reason returns",
                ))
            }
        }
    }
    let b = businesses::get_business_for(&s.state, &auth, business_id)
        .await
        .or_page(&s)?;
    if outcome.is_ok() {
        outcome = match b.unit {
            Some(unit) => {
                let request = CommitmentsRequest { commitments };
                units::put_commitments_for(&s.state, &auth, unit.id, request)
                    .await
                    .map(|_| ())
            }
            None => Err(ApiError::new(
                ErrorCode::NotAnOdrUnit,
                "Apply to become an ODR unit first.",
            )),
        };
    }
    after(s, outcome, "/unit", profile_page).await
}

async fn staff_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let business_id = business_of(&s)?;
    let auth = s.account()?;
    let may_remove = auth.actor.is_owner_of(&business_id);
    let staff = businesses::get_staff_for(&s.state, &auth, business_id)
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "staff",
        &["name", "email", "phone", "role", "state", "actions"],
    );
    list.intro = Some(list.s("owners-invite-staff-to-handle"));
    // Only owners invite and remove; a handler sees who is on the team.
    if may_remove {
        list.forms.push(
            list.form("/unit/staff", "send-invitation", "secondary")
                .field("display_name", list.s("name"), true)
                .field("email", list.s("email"), true)
                .choice(
                    "staff_role",
                    list.s("role"),
                    vec![
                        ("handler".into(), list.s("handler")),
                        ("owner".into(), list.s("owner")),
                    ],
                ),
        );
    }
    let me = s.account()?.user.id;
    for member in staff {
        let mut forms = Vec::new();
        if may_remove && member.is_active && member.id != me {
            forms.push(list.form(
                format!("/unit/staff/{}/remove", super::frame::encode(&member.id)),
                "remove-deactivate",
                "danger",
            ));
        }
        let role = match member.staff_role {
            Some(StaffRole::Owner) => list.s("owner"),
            _ => list.s("handler"),
        };
        let state = if !member.is_active {
            Cell::badge(list.s("removed"), "bad")
        } else if member.has_password {
            Cell::badge(list.s("active"), "ok")
        } else {
            Cell::badge(list.s("invited"), "warn")
        };
        list.rows.push(Row {
            cells: vec![
                Cell::text(member.display_name),
                Cell::text(member.email.unwrap_or_default()),
                Cell::text(member.phone.unwrap_or_default()),
                Cell::text(role),
                state,
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// Removes a staff member who left: the account is deactivated and signed out at once.
async fn remove_staff(
    s: Session,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let business_id = business_of(&s)?;
    let auth = s.account()?;
    let outcome =
        businesses::remove_staff_for(&s.state, &auth, business_id, path.into_inner()).await;
    after(s, outcome, "/unit/staff", staff_page).await
}

/// An invitation of a staff member.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    csrf: String,
    display_name: String,
    email: String,
    staff_role: Option<String>,
}

async fn invite(s: Session, form: web::Form<Sent<InviteForm>>) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let business_id = business_of(&s)?;
    let auth = s.account()?;
    let request = InviteStaffRequest {
        account: AccountFields {
            display_name: form.display_name,
            email: Some(form.email),
            phone: None,
            language: Some(s.lang.tag().into()),
        },
        staff_role: form.staff_role,
    };
    let outcome = businesses::invite_staff_for(&s.state, &auth, business_id, request)
        .await
        .map(|_| ());
    after(s, outcome, "/unit/staff", staff_page).await
}

#[derive(Template)]
#[template(path = "portal/metrics.html")]
struct MetricsPage {
    f: Frame,
    m: MetricsResponse,
    charts: Vec<String>,
    compare_label: String,
}

/// The caller's own metrics this month (a unit against its district and industry, an
/// association's members) with the trend of 12 months.
async fn own_metrics(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::MerchantStaff, Role::AssociationAdmin])?;
    let (m, charts) = futures_util::try_join!(
        async {
            metrics::get_metrics_for(&s.state, &auth, MetricsQuery::default())
                .await
                .or_page(&s)
        },
        trend_charts(&s)
    )?;
    let title = if auth.role() == Role::MerchantStaff {
        "our-units-metrics"
    } else {
        "members-metrics"
    };
    let page = MetricsPage {
        f: s.frame().titled(title),
        compare_label: s.lang.s("district").into(),
        m,
        charts,
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

async fn metrics_export(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    metrics::export_metrics(
        s.state.clone(),
        auth,
        web::Query(MetricsQuery::default()),
        web::Query(ExportFormat {
            format: Some("xlsx".into()),
            lang: Some(s.lang.tag().into()),
        }),
    )
    .await
    .or_page(&s)
}

async fn members(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::AssociationAdmin])?;
    let asked = UnitQuery {
        limit: Some("200".into()),
        ..UnitQuery::default()
    };
    let (page, names) = Names::beside(&s, units::list_units_for(&s.state, &auth, asked)).await?;
    let mut list = Listing::new(
        s.frame(),
        "member-units",
        &["unit", "uscc", "region", "status", "applied"],
    );
    list.links
        .push(("/members/import".into(), list.s("import-members")));
    list.links
        .push(("/members/metrics".into(), list.s("members-metrics-2")));
    for unit in page.items {
        let style = match unit.status.as_str() {
            "active" => "ok",
            "pending" => "warn",
            _ => "bad",
        };
        list.rows.push(Row {
            cells: vec![
                Cell::link(unit.business_name, format!("/units/{}", unit.id)),
                Cell::text(unit.uscc),
                Cell::text(names.region(&list.frame, &unit.region_code)),
                Cell::badge(labels::of(list.frame.l, unit.status), style),
                Cell::text(list.frame.date(&unit.applied_at)),
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "portal/import.html")]
struct ImportPage {
    f: Frame,
    report: Option<ImportReport>,
    errors: Fields,
}

impl ImportPage {
    /// Why a row was refused, in the page's language.
    fn reason(&self, e: &crate::error::FieldError) -> String {
        super::labels::field_error(self.f.l, &e.code, &e.message, &e.args)
    }

    fn outcome(&self, outcome: &crate::onboarding::import::RowOutcome) -> (&str, &'static str) {
        use crate::onboarding::import::RowOutcome;
        match outcome {
            RowOutcome::Created => (self.f.s("created"), "ok"),
            RowOutcome::Unchanged => (self.f.s("exists-unchanged"), ""),
            RowOutcome::Rejected => (self.f.s("rejected"), "bad"),
        }
    }
}

async fn import_form(s: Session) -> Result<HttpResponse, PageError> {
    s.account_as(&[Role::AssociationAdmin])?;
    let page = ImportPage {
        f: s.frame().titled("import-members"),
        report: None,
        errors: Fields::default(),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

/// Query of forms that send files (their token travels in the address).
#[derive(Debug, Deserialize)]
pub struct CsrfQuery {
    csrf: Option<String>,
}

async fn import_members(
    s: Session,
    query: web::Query<CsrfQuery>,
    form: Multipart,
) -> Result<HttpResponse, PageError> {
    s.check_form(query.csrf.as_deref().unwrap_or_default())?;
    let auth = s.account_as(&[Role::AssociationAdmin])?;
    let association = auth.user.association_id.clone().unwrap_or_default();
    let frame = s.frame().titled("import-members");
    match imports::import_file_for(&s.state, &auth, association, form).await {
        Ok(report) => {
            let page = ImportPage {
                f: frame,
                report: Some(report),
                errors: Fields::default(),
            };
            html(StatusCode::OK, page.render()).or_page(&s)
        }
        Err(error) if !error.status().is_server_error() => {
            let page = ImportPage {
                errors: Fields::of(s.lang, &error),
                f: frame.with_error(&error),
                report: None,
            };
            html(status_of(&error), page.render()).or_page(&s)
        }
        Err(error) => Err(s.fail(error)),
    }
}

async fn calendars(s: Session) -> Result<HttpResponse, PageError> {
    calendars_page(s, None, None).await
}

async fn calendars_page(
    s: Session,
    error: Option<ApiError>,
    done: Option<String>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let years = deadlines::list_calendars_for(&s.state, &auth)
        .await
        .or_page(&s)?;
    let mut frame = s.frame_after(error.as_ref());
    if let Some(done) = done {
        frame = frame.with_notice("ok", done);
    }
    let mut list = Listing::new(
        frame,
        "holiday-calendars",
        &[
            "year",
            "notice",
            "holidays",
            "make-up-working-days",
            "source",
        ],
    );
    list.intro = Some(list.s("the-state-council-publishes-each"));
    for year in years {
        let source = match &year.imported_at {
            Some(at) => format!("{} {}", list.s("imported"), list.frame.time(at)),
            None => list.s("shipped"),
        };
        list.rows.push(Row {
            cells: vec![
                Cell::text(year.year.to_string()),
                Cell::text(year.notice),
                Cell::text(year.holidays.to_string()),
                Cell::text(year.working_days.to_string()),
                Cell::text(source),
            ],
            forms: Vec::new(),
        });
    }
    list.extra = Some(
        CalendarUpload { f: &list.frame }
            .render()
            .map_err(ApiError::internal)
            .or_page(&s)?,
    );
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// The upload form of a calendar file (a file field: its token travels in the address).
#[derive(Template)]
#[template(path = "portal/calendar_upload.html")]
struct CalendarUpload<'a> {
    f: &'a Frame,
}

async fn import_calendar(
    s: Session,
    query: web::Query<CsrfQuery>,
    form: Multipart,
) -> Result<HttpResponse, PageError> {
    s.check_form(query.csrf.as_deref().unwrap_or_default())?;
    let auth = s.account()?;
    let read = read_file_field(form, deadlines::CALENDAR_MAX_BYTES, "the calendar file").await;
    let outcome = match read {
        Ok(bytes) => deadlines::import_calendar_file(&s.state, &auth, None, bytes).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(done) => {
            let text = s.lang.format(
                "calendar-imported",
                &[
                    ("year", done.year.into()),
                    ("holidays", done.holidays.into()),
                    ("working_days", done.working_days.into()),
                    ("recomputed", done.recomputed_disputes.into()),
                ],
            );
            calendars_page(s, None, Some(text)).await
        }
        Err(error) if !error.status().is_server_error() => {
            calendars_page(s, Some(error), None).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

/// The policies with the form that adds one; `choice` is the region chooser's (a district's
/// policy: its province and city chosen first, docs/deadlines.md#policies).
async fn policies_page(
    s: Session,
    error: Option<ApiError>,
    choice: RegionChoice,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let (rows, names) =
        Names::beside(&s, deadlines::list_deadline_policies_for(&s.state, &auth)).await?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "deadline-policies",
        &[
            "version",
            "applies-to",
            "from",
            "first-contact",
            "settlement",
            "counting",
            "note",
        ],
    );
    list.intro = Some(format!(
        "{} {}",
        list.s("the-national-default-comes-from"),
        list.s("a-districts-policy-hint")
    ));
    // A policy is scoped to a province, a city or (once its province and city are chosen
    // above the form) a district, and to an industry, each chosen by its name.
    let l = s.lang;
    let chooser = RegionChooser::new(names.catalogue(), &choice, l);
    let mut districts = list.form("/admin/policies", "list-its-districts", "secondary");
    districts.get = true;
    let every = (String::new(), list.s("all"));
    let options = |choices: &[super::regions::Choice]| -> Vec<(String, String)> {
        std::iter::once(every.clone())
            .chain(choices.iter().map(|c| (c.code.clone(), c.name.clone())))
            .collect()
    };
    let selected = |choices: &[super::regions::Choice]| {
        (choices.iter())
            .find(|c| c.selected)
            .map(|c| c.code.clone())
    };
    districts = districts
        .choice("province", list.s("province"), options(&chooser.provinces))
        .chosen(selected(&chooser.provinces));
    if !chooser.cities.is_empty() {
        districts = districts
            .choice("city", list.s("city-or-district"), options(&chooser.cities))
            .chosen(selected(&chooser.cities));
    }
    list.forms.push(districts);
    let regions = names.regions();
    let shown_region = |region: &crate::store::reference::Region| {
        (ancestors(names.catalogue(), region).iter())
            .map(|r| l.name(&r.name_zh, &r.name_en))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let region_options = std::iter::once((String::new(), list.s("every-region-nationwide")))
        .chain(
            (regions.iter())
                .filter(|r| r.retired_at.is_none())
                .filter(|r| {
                    // The districts of the chosen city, or of a province whose counties have no
                    // city (a municipality's districts).
                    r.level <= 2
                        || (chooser.cities.iter())
                            .chain(&chooser.districts)
                            .any(|c| c.code == r.code)
                })
                .map(|r| (r.code.clone(), shown_region(r))),
        )
        .collect();
    let industry_options = std::iter::once((String::new(), list.s("every-industry")))
        .chain(
            (names.industries().iter())
                .map(|i| (i.code.clone(), l.name(&i.name_zh, &i.name_en).to_string())),
        )
        .collect();
    list.forms.push(
        list.form("/admin/policies", "add-a-policy", "secondary")
            .field("version", list.s("version-2"), true)
            .choice("region_code", list.s("filter-region"), region_options)
            .chosen(chooser.chosen.clone())
            .choice("industry_code", list.s("industry-2"), industry_options)
            .field("effective_from", list.s("effective-from-yyyy-mm-dd"), true)
            .field(
                "first_contact_days",
                list.s("first-contact-working-days"),
                false,
            )
            .field("settlement_days", list.s("settlement-working-days"), false)
            .field("note", list.s("basis"), true),
    );
    for p in rows {
        let national = p.region_code.is_none() && p.industry_code.is_none();
        let scope = match (&p.region_code, &p.industry_code) {
            (None, None) => list.s("nationwide"),
            (r, i) => [
                r.as_deref().map(|r| names.region(&list.frame, r)),
                i.as_deref().map(|i| names.industry(&list.frame, i)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        };
        let from = if p.effective_from == NaiveDate::MIN {
            "—".to_string()
        } else {
            p.effective_from.to_string()
        };
        list.rows.push(Row {
            cells: vec![
                Cell::text(p.version),
                Cell::text(scope),
                Cell::text(from),
                Cell::text(p.first_contact_days.to_string()),
                Cell::text(p.settlement_days.to_string()),
                Cell::text(match p.counting.as_str() {
                    "working_days" => list.s("working-days"),
                    "calendar_days" => list.s("calendar-days"),
                    other => other.to_string(),
                }),
                // The national default's note is the API's; the page says it in words.
                Cell::text(if national {
                    list.s("national-default-from-the-configuration")
                } else {
                    p.note
                }),
            ],
            forms: Vec::new(),
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// A new deadline policy.
#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    csrf: String,
    version: String,
    region_code: Option<String>,
    industry_code: Option<String>,
    effective_from: String,
    first_contact_days: Option<String>,
    settlement_days: Option<String>,
    note: String,
}

async fn create_policy(
    s: Session,
    form: web::Form<Sent<PolicyForm>>,
) -> Result<HttpResponse, PageError> {
    let (s, form) = s.sent(form);
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    // A refused form comes back with its region still chosen.
    let sent_region = RegionChoice {
        region: form.region_code.clone(),
        ..RegionChoice::default()
    };
    let some = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let days = |v: Option<String>, field: &str| -> Result<Option<u32>, ApiError> {
        some(v)
            .map(|d| {
                d.parse::<u32>().map_err(|_| {
                    ApiError::invalid_field(field, "invalid_number", "a whole number of days")
                })
            })
            .transpose()
    };
    let request = (|| {
        Ok::<_, ApiError>(CreatePolicyRequest {
            version: form.version.trim().to_string(),
            region_code: some(form.region_code),
            industry_code: some(form.industry_code),
            effective_from: NaiveDate::parse_from_str(form.effective_from.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    ApiError::invalid_field("effective_from", "invalid_date", "YYYY-MM-DD")
                })?,
            note: form.note,
            first_contact_days: days(form.first_contact_days, "first_contact_days")?,
            settlement_days: days(form.settlement_days, "settlement_days")?,
            offer_expiry_working_days: None,
            max_extension_days: None,
            max_fulfilment_days: None,
            confirmation_window_days: None,
            counting: None,
            bureau: None,
        })
    })();
    let outcome = match request {
        Ok(request) => deadlines::create_policy_for(&s.state, &auth, request)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    after(s, outcome, "/admin/policies", |s, error| {
        policies_page(s, error, sent_region)
    })
    .await
}
