//! Signing in and out, registering as a consumer, the language switch and the download of
//! one's own data.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Fields, Frame, Lang, home_of, html, local_path, see_other};
use super::session::{CsrfForm, OrPage, PageError, Session, status_of};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::http::accounts::{
    self, AccountFields, LoginRequest, RegisterRequest, authenticate, end_session, issue_tokens,
};
use crate::http::address::client_address;
use crate::security::limits::Action;
use crate::store::new_id;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login_form))
            .route(web::post().to(login)),
    )
    .service(
        web::resource("/register")
            .route(web::get().to(register_form))
            .route(web::post().to(register)),
    )
    .service(web::resource("/logout").route(web::post().to(logout)))
    .service(web::resource("/lang").route(web::get().to(switch_lang)))
    .service(web::resource("/my/data").route(web::get().to(my_data)))
    .service(
        web::resource("/account/password")
            .route(web::get().to(account_get))
            .route(web::post().to(change_password)),
    )
    .service(web::resource("/account/sms").route(web::post().to(set_sms)));
}

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    f: Frame,
    login: String,
    next: String,
}

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// `password_changed` after a change of password.
    done: Option<String>,
}

async fn login_form(s: Session, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    if let Some(user) = &s.user {
        return Ok(see_other(home_of(user.role())));
    }
    let mut frame = s.frame().titled("log-in");
    if query.done.as_deref() == Some("password_changed") {
        let text = frame.s("your-password-is-changed-and-every");
        frame = frame.with_notice("ok", text.to_string());
    }
    let page = LoginPage {
        f: frame,
        login: String::new(),
        next: local_path(query.next.as_deref(), ""),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    next: Option<String>,
}

async fn login(s: Session, form: web::Form<LoginForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let form = form.into_inner();
    let typed = form.login.clone();
    let request = LoginRequest {
        login: form.login,
        password: form.password,
    };
    match authenticate(&s.state, s.request(), request).await {
        Ok(user) => {
            let role: Option<Role> = user.role.parse().ok();
            let tokens = issue_tokens(&s.state, user, new_id(), s.state.clock.now())
                .await
                .or_page(&s)?;
            s.sign_in(&tokens);
            let home = role.map_or("/", home_of);
            Ok(see_other(&local_path(
                form.next.as_deref().filter(|n| !n.is_empty()),
                home,
            )))
        }
        Err(error) if !error.status().is_server_error() => {
            let status = status_of(&error);
            let page = LoginPage {
                f: s.frame().titled("log-in").with_error(&error),
                login: typed,
                next: local_path(form.next.as_deref(), ""),
            };
            html(status, page.render()).or_page(&s)
        }
        Err(error) => Err(s.fail(error)),
    }
}

#[derive(Template)]
#[template(path = "portal/register.html")]
struct RegisterPage {
    f: Frame,
    form: RegisterForm,
    errors: Fields,
}

/// The registration form.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

async fn register_form(s: Session) -> Result<HttpResponse, PageError> {
    let page = RegisterPage {
        f: s.frame().titled("register"),
        form: RegisterForm::default(),
        errors: Fields::default(),
    };
    html(StatusCode::OK, page.render()).or_page(&s)
}

async fn register(s: Session, form: web::Form<RegisterForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let mut form = form.into_inner();
    let refuse = |s: &Session, form: RegisterForm, frame: Frame, errors: Fields, status| {
        let page = RegisterPage {
            f: frame,
            form: RegisterForm {
                password: String::new(),
                password_again: String::new(),
                ..form
            },
            errors,
        };
        html(status, page.render()).or_page(s)
    };
    if form.password != form.password_again {
        let mut errors = Fields::default();
        errors.mark(s.lang, "password_again", "passwords_differ");
        let frame = s.frame().titled("register");
        return refuse(&s, form, frame, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let login = if form.email.trim().is_empty() {
        form.phone.clone()
    } else {
        form.email.clone()
    };
    let optional = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let request = RegisterRequest {
        account: AccountFields {
            display_name: form.display_name.clone(),
            email: optional(&form.email),
            phone: optional(&form.phone),
            language: Some(s.lang.tag().into()),
        },
        password: std::mem::take(&mut form.password),
    };
    let password = request.password.clone();
    let registered = match s.state.limit(s.request(), Action::Registration) {
        Ok(()) => accounts::register_for(&s.state, request).await,
        Err(refused) => Err(refused),
    };
    if let Err(error) = registered {
        if error.status().is_server_error() {
            return Err(s.fail(error));
        }
        let frame = s.frame().titled("register").with_error(&error);
        let fields = Fields::of(s.lang, &error);
        return refuse(&s, form, frame, fields, status_of(&error));
    }
    let user = authenticate(&s.state, s.request(), LoginRequest { login, password })
        .await
        .or_page(&s)?;
    let tokens = issue_tokens(&s.state, user, new_id(), s.state.clock.now())
        .await
        .or_page(&s)?;
    s.sign_in(&tokens);
    Ok(see_other("/units?welcome=1"))
}

async fn logout(s: Session, form: web::Form<CsrfForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    if let Some(refresh) = s.sign_out() {
        end_session(&s.state, &refresh).await.or_page(&s)?;
    }
    Ok(see_other("/"))
}

/// Query of the language switch.
#[derive(Debug, Deserialize)]
pub struct LangSwitch {
    to: Option<String>,
    next: Option<String>,
}

/// Stores the language and returns to the page (only a preference changes: a link will do).
async fn switch_lang(s: Session, query: web::Query<LangSwitch>) -> HttpResponse {
    s.choose_lang(Lang::parse(query.to.as_deref()));
    let next = local_path(query.next.as_deref(), "/");
    // The page's own `lang=` would win over the new preference.
    let next = strip_lang(&next);
    see_other(&next)
}

fn strip_lang(path: &str) -> String {
    let Some((route, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("lang="))
        .collect();
    if kept.is_empty() {
        route.to_string()
    } else {
        format!("{route}?{}", kept.join("&"))
    }
}

/// All of the signed-in account's data, as the API's `/me/export` gives it.
async fn my_data(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    accounts::export_my_data(s.state.clone(), auth)
        .await
        .or_page(&s)
}

#[derive(Template)]
#[template(path = "portal/password.html")]
struct PasswordPage {
    f: Frame,
    errors: Fields,
    /// The account's text messages (docs/sms.md).
    sms: crate::http::sms::SmsPreference,
    /// Just changed: what the text-message card says.
    sms_saved: bool,
    /// The account is a unit's staff (texted of its disputes), not a consumer.
    staff: bool,
}

/// What the account page was sent back with.
#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    /// `sms` after the text-message choice was saved.
    saved: Option<String>,
}

/// The account page: its password and its text messages.
async fn account_get(
    s: Session,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, PageError> {
    let saved = query.saved.as_deref() == Some("sms");
    account_page(s, None, saved).await
}

async fn password_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    account_page(s, error, false).await
}

async fn account_page(
    s: Session,
    error: Option<ApiError>,
    sms_saved: bool,
) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let sms = crate::http::sms::preference_of(&s.state, &auth)
        .await
        .map_err(|e| s.fail(e))?;
    let errors = error
        .as_ref()
        .map(|e| Fields::of(s.lang, e))
        .unwrap_or_default();
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let page = PasswordPage {
        f: s.frame_after(error.as_ref()).titled("change-password"),
        errors,
        sms,
        sms_saved,
        staff: auth.role() == Role::MerchantStaff,
    };
    html(status, page.render()).or_page(&s)
}

/// The text-message form: `receive` is sent when its box is ticked.
#[derive(Debug, Deserialize)]
pub struct SmsForm {
    csrf: String,
    receive: Option<String>,
}

/// Turns the account's text messages on or off, then back to the account page.
async fn set_sms(s: Session, form: web::Form<SmsForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    crate::http::sms::set_receive(&s.state, &auth, form.receive.is_some())
        .await
        .map_err(|e| s.fail(e))?;
    Ok(see_other("/account/password?saved=sms"))
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

/// Changes the password; every session ends, this one too: back to the login page.
async fn change_password(
    s: Session,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    let form = form.into_inner();
    let request = accounts::ChangePasswordRequest {
        current_password: form.current_password,
        new_password: form.new_password,
    };
    let client = client_address(s.request(), &s.state.settings.server.trusted_proxies);
    match accounts::change_password_for(&s.state, &auth, client, request).await {
        Ok(_) => {
            let _ended = s.sign_out();
            Ok(see_other("/login?done=password_changed"))
        }
        Err(error) if !error.status().is_server_error() => password_page(s, Some(error)).await,
        Err(error) => Err(s.fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::strip_lang;

    #[test]
    fn the_language_switch_drops_the_pages_own_language() {
        assert_eq!(strip_lang("/units?lang=en&page=2"), "/units?page=2");
        assert_eq!(strip_lang("/units?lang=en"), "/units");
        assert_eq!(strip_lang("/units"), "/units");
    }
}
