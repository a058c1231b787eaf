//! The portal's session: the API's own access and refresh tokens kept in HttpOnly, SameSite
//! cookies, rotated when the access token has expired; a per-browser nonce cookie whose
//! signature is the form token (CSRF) of every form; and the language preference.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

use super::frame::{Fields, Frame, Lang, explain_fields, home_of, html};
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;
use crate::http::accounts::{TokenResponse, rotate};
use crate::http::auth::{AuthUser, actor_of};
use crate::security::tokens::new_refresh_token;

const ACCESS_COOKIE: &str = "odr_access";
const REFRESH_COOKIE: &str = "odr_refresh";
const NONCE_COOKIE: &str = "odr_nonce";
const LANG_COOKIE: &str = "odr_lang";

/// Cookies a handler or extractor wants set on the response.
#[derive(Clone, Default)]
struct PendingCookies(Rc<RefCell<Vec<Cookie<'static>>>>);

/// Middleware: writes the cookies the request's session decided on.
pub async fn apply_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let pending = PendingCookies::default();
    req.extensions_mut().insert(pending.clone());
    let mut response = next.call(req).await?;
    for cookie in pending.0.take() {
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

fn remember(req: &HttpRequest, cookie: Cookie<'static>) {
    if let Some(pending) = req.extensions().get::<PendingCookies>() {
        pending.0.borrow_mut().push(cookie);
    }
}

fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.server.public_url.starts_with("https://"))
        .max_age(max_age)
        .finish()
}

/// The visitor of a page: language, account (if signed in) and form nonce.
pub struct Session {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub user: Option<AuthUser>,
    /// The account's unread notifications, read for the pages it asks for (GET).
    unread: Option<i64>,
    nonce: String,
    path: String,
    req: HttpRequest,
    /// A refused form's failing fields and what was typed in it, for the page shown again
    /// ([`Session::sent`], [`after`]).
    pub(super) refused: Refused,
}

/// What a refused form sent and why each field failed, which the page shown again marks at
/// its fields (`table::Listing`).
#[derive(Debug, Default)]
pub(super) struct Refused {
    /// The request's path: the action of the form it came from.
    pub action: String,
    /// Each field sent and its value (none when the handler did not keep them).
    pub typed: Vec<(String, String)>,
    pub fields: Fields,
}

impl Session {
    /// The frame of a page this visitor sees.
    pub fn frame(&self) -> Frame {
        let frame = Frame::new(
            self.lang,
            self.user.as_ref().map(AuthUser::role),
            self.user.as_ref().map(|u| u.user.display_name.clone()),
            self.state.tokens.form_token(&self.form_key()),
            self.path.clone(),
            self.state.clock.now(),
            self.state.settings.clone(),
        )
        .with_unread(self.unread);
        // Only a business's owners set up its webhooks.
        match &self.user {
            Some(u)
                if u.role() == Role::MerchantStaff
                    && u.actor.staff_role != Some(crate::domain::role::StaffRole::Owner) =>
            {
                frame.without_link(super::webhooks::PAGE)
            }
            _ => frame,
        }
    }

    /// What a form token is signed over: the browser's nonce and the signed-in account, so a
    /// token printed before login (or for another account) is worthless after it.
    fn form_key(&self) -> String {
        let account = self.user.as_ref().map_or("", |u| u.id());
        format!("{}|{account}", self.nonce)
    }

    /// Today in Shanghai, by the platform's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.state
            .clock
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive()
    }

    /// The session keeping what `form` sent, to show it again should the form be refused,
    /// and the form.
    pub fn sent<T>(mut self, form: web::Form<Sent<T>>) -> (Self, T) {
        let Sent(typed, form) = form.into_inner();
        self.refused.typed = typed;
        (self, form)
    }

    /// The signed-in account, or a redirect to the login page that comes back here.
    pub fn account(&self) -> Result<AuthUser, PageError> {
        self.user.clone().ok_or_else(|| PageError {
            frame: Box::new(self.frame()),
            error: ApiError::new(ErrorCode::Unauthenticated, "Log in to see this page."),
        })
    }

    /// The signed-in account when it has one of `roles`: a page of other roles is refused as
    /// the API refuses an operation (403).
    pub fn account_as(&self, roles: &[Role]) -> Result<AuthUser, PageError> {
        let auth = self.account()?;
        auth.require_role(roles).map_err(|e| self.fail(e))?;
        Ok(auth)
    }

    /// Refuses a form whose token this server did not sign for this browser.
    pub fn check_form(&self, token: &str) -> Result<(), PageError> {
        if self.state.tokens.check_form_token(&self.form_key(), token) {
            Ok(())
        } else {
            Err(self.fail(crate::http::errors::form_token_refused()))
        }
    }

    /// An error shown as a page of this visitor.
    pub fn fail(&self, error: ApiError) -> PageError {
        PageError {
            frame: Box::new(self.frame()),
            error,
        }
    }

    /// Starts a session with freshly issued tokens.
    pub fn sign_in(&self, tokens: &TokenResponse) {
        set_tokens(&self.req, &self.state, tokens);
    }

    /// Ends the session in this browser; returns the refresh token to revoke.
    pub fn sign_out(&self) -> Option<String> {
        for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
            remember(
                &self.req,
                cookie(&self.state, name, String::new(), CookieDuration::ZERO),
            );
        }
        self.req
            .cookie(REFRESH_COOKIE)
            .map(|c| c.value().to_string())
    }

    /// Stores the language preference.
    pub fn choose_lang(&self, lang: Lang) {
        remember(
            &self.req,
            cookie(
                &self.state,
                LANG_COOKIE,
                lang.tag().into(),
                CookieDuration::days(365),
            ),
        );
    }

    /// The request, for handlers that pass it on to the API's functions.
    pub fn request(&self) -> &HttpRequest {
        &self.req
    }
}

fn set_tokens(req: &HttpRequest, state: &AppState, tokens: &TokenResponse) {
    let refresh_age = CookieDuration::days(state.settings.security.refresh_token_ttl_days);
    remember(
        req,
        cookie(
            state,
            ACCESS_COOKIE,
            tokens.access_token.clone(),
            refresh_age,
        ),
    );
    remember(
        req,
        cookie(
            state,
            REFRESH_COOKIE,
            tokens.refresh_token.clone(),
            refresh_age,
        ),
    );
}

/// The account of the access cookie; when it has expired, the refresh cookie is exchanged
/// for a new pair (rotation, as the API's `/auth/refresh`).
/// The account a request was found to be signed in as, kept so that a second look at the
/// same request (a refusal's page, `portal::refusals_as_pages`) does not rotate the refresh
/// token again.
#[derive(Clone)]
struct SignedIn(Option<AuthUser>);

async fn signed_in(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<AuthUser>, ApiError> {
    if let Some(SignedIn(known)) = req.extensions().get::<SignedIn>().cloned() {
        return Ok(known);
    }
    let found = find_signed_in(req, state).await?;
    req.extensions_mut().insert(SignedIn(found.clone()));
    Ok(found)
}

async fn find_signed_in(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<AuthUser>, ApiError> {
    let access = req.cookie(ACCESS_COOKIE).map(|c| c.value().to_string());
    let now = state.clock.now();
    let mut signed = access
        .as_deref()
        .and_then(|token| state.tokens.verify_access(token, now).ok())
        .map(|claims| (claims.sub, claims.sid));
    if signed.is_none()
        && let Some(refresh) = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string())
    {
        match rotate(state, &refresh).await {
            Ok(tokens) => {
                set_tokens(req, state, &tokens);
                signed = state
                    .tokens
                    .verify_access(&tokens.access_token, now)
                    .ok()
                    .map(|claims| (claims.sub, claims.sid));
            }
            Err(error) if error.status() == StatusCode::UNAUTHORIZED => {
                for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
                    remember(
                        req,
                        cookie(state, name, String::new(), CookieDuration::ZERO),
                    );
                }
            }
            Err(error) => return Err(error),
        }
    }
    let Some((user_id, session)) = signed else {
        return Ok(None);
    };
    let user = crate::http::auth::session_user(state, user_id, session, now).await?;
    user.map(|user| {
        let actor = actor_of(&user)?;
        if !req.method().is_safe() {
            // Their next pages read from the primary (docs/architecture.md, "Read replicas").
            state.db.note_write(&user.id);
        }
        Ok(AuthUser { user, actor })
    })
    .transpose()
}

impl FromRequest for Session {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("application state missing"))?;
            let lang = visitor_lang(&req);
            let nonce = match req.cookie(NONCE_COOKIE) {
                Some(c) if c.value().len() >= 32 => c.value().to_string(),
                _ => {
                    let nonce = new_refresh_token();
                    remember(
                        &req,
                        cookie(
                            &state,
                            NONCE_COOKIE,
                            nonce.clone(),
                            CookieDuration::days(30),
                        ),
                    );
                    nonce
                }
            };
            let user = signed_in(&req, &state).await?;
            // A header without its count is better than no page: a failed count shows none.
            let unread = match &user {
                Some(user) if req.method() == actix_web::http::Method::GET => {
                    crate::http::notifications::unread_count_for(&state, user.id())
                        .await
                        .ok()
                }
                _ => None,
            };
            let path = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            Ok(Session {
                state,
                lang,
                user,
                unread,
                nonce,
                path,
                refused: Refused::default(),
                req,
            })
        })
    }
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The visitor's language: `?lang=` of this address, else the preference they chose, else
/// Chinese.
pub fn visitor_lang(req: &HttpRequest) -> Lang {
    let query_lang = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().lang);
    Lang::parse(
        query_lang
            .as_deref()
            .or(req.cookie(LANG_COOKIE).as_ref().map(Cookie::value)),
    )
}

/// An error shown as a page in the visitor's language; an unauthenticated visitor is sent to
/// the login page.
#[derive(Debug)]
pub struct PageError {
    frame: Box<Frame>,
    error: ApiError,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

#[derive(askama::Template)]
#[template(path = "portal/error.html")]
struct ErrorPage<'a> {
    f: &'a Frame,
    message: String,
    home: &'static str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.error.problem().status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status == StatusCode::UNAUTHORIZED {
            return super::frame::see_other(&format!(
                "/login?next={}",
                super::frame::encode(&self.frame.path)
            ));
        }
        if status.is_server_error() {
            // Logged with its cause like any API error.
            let _ = self.error.error_response();
        }
        let mut frame = (*self.frame).clone();
        frame.title = frame.s("something-went-wrong").into();
        let page = ErrorPage {
            f: &frame,
            // An error page marks no field: it says what each failing one needs.
            message: explain_fields(frame.l, &self.error),
            home: frame.role.map_or("/", home_of),
        };
        html(status, askama::Template::render(&page)).unwrap_or_else(|e| e.error_response())
    }
}

/// The status a refusal is shown with.
pub fn status_of(error: &ApiError) -> StatusCode {
    StatusCode::from_u16(error.problem().status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

impl Session {
    /// The frame of a page shown after a form: with the refusal's reason, or "saved" when
    /// the form succeeded and sent the browser back here (`done=1`).
    pub fn frame_after(&self, error: Option<&ApiError>) -> Frame {
        let frame = self.frame();
        match error {
            Some(error) => frame.with_error(error),
            None if self.req.query_string().contains("done=1") => {
                frame.with_notice("ok", self.lang.s("saved"))
            }
            None => frame,
        }
    }
}

/// After a form: back to `page` (303) on success; the page `again` with the reason when the
/// API refused (a 4xx); an error page otherwise.
pub async fn after<F, Fut>(
    s: Session,
    outcome: Result<(), ApiError>,
    page: &str,
    again: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(Session, Option<ApiError>) -> Fut,
    Fut: Future<Output = Result<HttpResponse, PageError>>,
{
    match outcome {
        Ok(()) => Ok(super::frame::see_other(&format!("{page}?done=1"))),
        Err(error) if !error.status().is_server_error() => {
            let mut s = s;
            s.refused.action = s.req.path().to_string();
            s.refused.fields = Fields::of(s.lang, &error);
            again(s, Some(error)).await
        }
        Err(error) => Err(s.fail(error)),
    }
}

/// A form (`T`) with each field's value as it was sent, which a refused form shows again
/// ([`Session::sent`]): `web::Form<Sent<T>>` in place of `web::Form<T>`.
#[derive(Debug)]
pub struct Sent<T>(pub Vec<(String, String)>, pub T);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Sent<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let typed = Vec::<(String, String)>::deserialize(deserializer)?;
        // Read again as `T`, with the form's own rules for numbers and absent values.
        let again = serde_urlencoded::to_string(&typed).map_err(D::Error::custom)?;
        let form = serde_urlencoded::from_str(&again).map_err(D::Error::custom)?;
        Ok(Self(typed, form))
    }
}

/// A form that carries only its form token (a one-button form, logging out).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// Converts API errors into pages of a session.
pub trait OrPage<T> {
    /// The error as a page of `session`.
    fn or_page(self, session: &Session) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, ApiError> {
    fn or_page(self, session: &Session) -> Result<T, PageError> {
        self.map_err(|e| session.fail(e))
    }
}
