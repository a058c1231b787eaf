//! Accepting an invitation from the link in its email: the invited account chooses its
//! password. The link's token is the page's secret, so the form needs no session.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Lang, html};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::accounts::set_password_from_invitation;

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    en: bool,
    token: &'a str,
    error: Option<String>,
    done: bool,
}

/// Query of the invitation link.
#[derive(Debug, Deserialize)]
pub struct InvitationQuery {
    token: Option<String>,
    lang: Option<String>,
}

/// The submitted form.
#[derive(Debug, Deserialize)]
pub struct InvitationForm {
    token: String,
    password: String,
    password_again: String,
    lang: Option<String>,
}

/// Shows the form to choose a password.
pub async fn invitation_form(query: web::Query<InvitationQuery>) -> Result<HttpResponse, ApiError> {
    let lang = Lang::parse(query.lang.as_deref());
    let token = query.token.as_deref().unwrap_or_default();
    let missing = token.is_empty();
    let error = missing.then(|| {
        match lang {
            Lang::Zh => "链接不完整，请使用邀请邮件中的完整链接。",
            Lang::En => "The link is incomplete; use the whole link from the invitation email.",
        }
        .to_string()
    });
    let status = if missing {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        actix_web::http::StatusCode::OK
    };
    html(
        status,
        InvitationPage {
            en: lang == Lang::En,
            token,
            error,
            done: false,
        }
        .render(),
    )
}

fn explain(lang: Lang, error: &ApiError) -> String {
    let zh = match error.code() {
        "invitation_expired" => "邀请已过期，请联系发出邀请的人重新邀请。",
        "invalid_invitation" => "邀请链接无效。",
        "invitation_used" => "该邀请已使用，请直接登录。",
        "validation_failed" => "密码至少 8 位，须包含字母和数字。",
        _ => "暂时无法设置密码，请稍后再试。",
    };
    let en = match error.code() {
        "invitation_expired" => "The invitation has expired; ask for a new one.",
        "invalid_invitation" => "The invitation link is not valid.",
        "invitation_used" => "This invitation was already used; log in with your password.",
        "validation_failed" => "A password has at least 8 characters with a letter and a digit.",
        _ => "The password could not be set; try again later.",
    };
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// Sets the password and shows the outcome.
pub async fn accept_invitation(
    state: web::Data<AppState>,
    form: web::Form<InvitationForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::parse(form.lang.as_deref());
    let en = lang == Lang::En;
    if form.password != form.password_again {
        let error = if en {
            "The two passwords differ."
        } else {
            "两次输入的密码不一致。"
        };
        return html(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            InvitationPage {
                en,
                token: &form.token,
                error: Some(error.into()),
                done: false,
            }
            .render(),
        );
    }
    match set_password_from_invitation(&state, &form.token, &form.password).await {
        Ok(()) => html(
            actix_web::http::StatusCode::OK,
            InvitationPage {
                en,
                token: "",
                error: None,
                done: true,
            }
            .render(),
        ),
        Err(error)
            if error.code() == "internal_error" || error.code() == "database_unavailable" =>
        {
            Err(error)
        }
        Err(error) => html(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            InvitationPage {
                en,
                token: &form.token,
                error: Some(explain(lang, &error)),
                done: false,
            }
            .render(),
        ),
    }
}
