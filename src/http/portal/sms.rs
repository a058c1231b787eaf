//! The administrators' delivery log of text messages (docs/sms.md#delivery-log): what went to
//! which masked number about which dispute, and what became of it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::frame::encode;
use super::labels;
use super::session::{OrPage, PageError, Session};
use super::table::{Cell, Listing, Row};
use crate::domain::role::Role;
use crate::domain::sms::SmsStatus;
use crate::http::sms::{SmsLogQuery, log_for};

/// Registers the page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/sms").route(web::get().to(log_page)));
}

/// The filter and page of the log.
#[derive(Debug, Default, Deserialize)]
pub struct LogPageQuery {
    status: Option<String>,
    cursor: Option<String>,
}

async fn log_page(s: Session, query: web::Query<LogPageQuery>) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::Admin])?;
    let query = query.into_inner();
    let status = query.status.clone().unwrap_or_default();
    let page = log_for(
        &s.state,
        &auth,
        SmsLogQuery {
            status: query.status,
            limit: Some("50".into()),
            cursor: query.cursor,
            ..SmsLogQuery::default()
        },
    )
    .await
    .or_page(&s)?;
    let mut list = Listing::new(
        s.frame(),
        "text-message-log",
        &["sent-at", "what", "to", "text", "state", "sms-attempts"],
    );
    list.intro = Some(list.s("text-message-log-intro"));
    list.links.push(("/admin/sms".into(), list.s("all")));
    for one in SmsStatus::ALL {
        list.links.push((
            format!("/admin/sms?status={}", one.as_str()),
            labels::of(list.frame.l, *one).into(),
        ));
    }
    for message in page.items {
        let style = match message.status {
            SmsStatus::Sent => "ok",
            SmsStatus::Pending => "warn",
            _ => "bad",
        };
        let mut state = Cell::badge(labels::of(list.frame.l, message.status), style);
        // Why it failed, or the provider's id of a message it took.
        state.note = message.last_error.clone().or(message.provider_id.clone());
        let when = message.sent_at.unwrap_or(message.created_at);
        let what = Cell::text(labels::of(list.frame.l, message.event));
        list.rows.push(Row {
            cells: vec![
                Cell::text(list.frame.time(&when)),
                what,
                Cell::text(message.phone),
                Cell::text(message.body),
                state,
                Cell::text(message.attempts.to_string()),
            ],
            forms: Vec::new(),
        });
    }
    list.next = page.next_cursor.map(|c| {
        format!(
            "/admin/sms?status={}&cursor={}",
            encode(&status),
            encode(&c)
        )
    });
    list.render(&s, StatusCode::OK)
}
