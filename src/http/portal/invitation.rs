//! Choosing a password from a link in an email: accepting an invitation (an invited account's
//! first password) and resetting a forgotten password. The link's token is the page's secret,
//! so the form needs no session. Asking for a reset link is here too.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Lang, html};
use super::session::visitor_lang;
use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;
use crate::http::accounts::{reset_password, send_password_reset, set_password_from_invitation};

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    en: bool,
    l: Lang,
    token: &'a str,
    error: Option<String>,
    done: bool,
    /// A password reset (`/password/reset`) rather than an invitation.
    reset: bool,
}

/// Query of the invitation link (its `?lang=` is the visitor's language).
#[derive(Debug, Deserialize)]
pub struct InvitationQuery {
    token: Option<String>,
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
pub async fn invitation_form(
    req: actix_web::HttpRequest,
    query: web::Query<InvitationQuery>,
) -> Result<HttpResponse, ApiError> {
    link_form(visitor_lang(&req), &query, false)
}

/// The form to choose a password from the link of an invitation or (`reset`) a reset email.
fn link_form(lang: Lang, query: &InvitationQuery, reset: bool) -> Result<HttpResponse, ApiError> {
    let token = query.token.as_deref().unwrap_or_default();
    let missing = token.is_empty();
    let error = missing.then(|| {
        let id = if reset {
            "the-link-is-incomplete-use-the-whole"
        } else {
            "the-link-is-incomplete-use-the-whole-2"
        };
        lang.s(id).to_string()
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
            l: lang,
            token,
            error,
            done: false,
            reset,
        }
        .render(),
    )
}

fn explain(lang: Lang, error: &ApiError) -> String {
    match error.code() {
        // The password is the only field these pages send.
        ErrorCode::ValidationFailed => lang.s("a-password-has-at-least-8-characters").into(),
        code => code.text(lang).into_owned(),
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
        let error = lang.s("field_error-passwords_differ");
        return html(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            InvitationPage {
                en,
                l: lang,
                token: &form.token,
                error: Some(error.into()),
                done: false,
                reset: false,
            }
            .render(),
        );
    }
    match set_password_from_invitation(&state, &form.token, &form.password).await {
        Ok(()) => html(
            actix_web::http::StatusCode::OK,
            InvitationPage {
                en,
                l: lang,
                token: "",
                error: None,
                done: true,
                reset: false,
            }
            .render(),
        ),
        Err(error) if error.status().is_server_error() => Err(error),
        Err(error) => html(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            InvitationPage {
                en,
                l: lang,
                token: &form.token,
                error: Some(explain(lang, &error)),
                done: false,
                reset: false,
            }
            .render(),
        ),
    }
}

/// Shows the form to choose a new password from a reset link.
pub async fn reset_form(
    req: actix_web::HttpRequest,
    query: web::Query<InvitationQuery>,
) -> Result<HttpResponse, ApiError> {
    link_form(visitor_lang(&req), &query, true)
}

/// Sets the new password from a reset link and shows the outcome.
pub async fn reset_password_page(
    state: web::Data<AppState>,
    form: web::Form<InvitationForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::parse(form.lang.as_deref());
    let page = |status, token: &str, error: Option<String>, done| {
        html(
            status,
            InvitationPage {
                en: lang == Lang::En,
                l: lang,
                token,
                error,
                done,
                reset: true,
            }
            .render(),
        )
    };
    if form.password != form.password_again {
        let error = lang.s("the-two-passwords-differ");
        return page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &form.token,
            Some(error.into()),
            false,
        );
    }
    match reset_password(&state, &form.token, &form.password).await {
        Ok(()) => page(actix_web::http::StatusCode::OK, "", None, true),
        Err(error) if error.status().is_server_error() => Err(error),
        Err(error) => {
            let text = if error.code() == ErrorCode::InvalidResetLink {
                lang.s("the-link-is-not-valid-was-used-or").to_string()
            } else {
                explain(lang, &error)
            };
            page(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &form.token,
                Some(text),
                false,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    en: bool,
    l: Lang,
    error: Option<String>,
    sent: bool,
}

/// The form of the forgotten-password page.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    email: String,
    lang: Option<String>,
}

/// Asks for the email address to send a reset link to.
pub async fn forgot_form(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let lang = visitor_lang(&req);
    let en = lang == Lang::En;
    html(
        actix_web::http::StatusCode::OK,
        ForgotPage {
            en,
            l: lang,
            error: None,
            sent: false,
        }
        .render(),
    )
}

/// Sends the reset link (when an account has the address; the page says the same either way).
pub async fn send_reset_link(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::parse(form.lang.as_deref());
    let en = lang == Lang::En;
    let sent = match state.limit(&req, crate::security::limits::Action::Registration) {
        Ok(()) => send_password_reset(&state, &form.email).await,
        Err(error) => Err(error),
    };
    match sent {
        Ok(()) => html(
            actix_web::http::StatusCode::OK,
            ForgotPage {
                en,
                l: lang,
                error: None,
                sent: true,
            }
            .render(),
        ),
        Err(error) if error.status().is_server_error() => Err(error),
        Err(error) => html(
            error.status(),
            ForgotPage {
                en,
                l: lang,
                error: Some(if error.code() == ErrorCode::ValidationFailed {
                    lang.s("enter-a-valid-email-address").into()
                } else {
                    lang.s("too-many-requests-try-again-later").into()
                }),
                sent: false,
            }
            .render(),
        ),
    }
}
