//! What every page shares: the request's language and logged-in user (from cookies), the layout
//! data the base template needs, CSRF checks, form extraction and the error page.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::session::random_token;
use gpmall_platform::identity::session::{self, SessionKind};
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::i18n::{Lang, Tr};

/// The web session: an opaque token from `session::login`, HttpOnly so scripts cannot read it.
pub const SESSION_COOKIE: &str = "gpmall_session";
/// Double-submit token of the login form (there is no session yet to hold one).
pub const LOGIN_CSRF_COOKIE: &str = "gpmall_csrf";
pub const LANG_COOKIE: &str = "lang";

/// The logged-in user of a web request, left in the request extensions by [`Page`] so the form
/// extractor can render its error page with the right header.
#[derive(Clone)]
struct WebUser(Identity);

/// A problem shown prominently at the top of a page: a localized headline from the error code
/// and the service's own explanation.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn from_error(tr: Tr, error: &ApiError) -> Self {
        Problem {
            code: error.code,
            title: tr
                .find(&format!("error.{}", error.code))
                .unwrap_or_else(|| tr.t("error.generic")),
            detail: error.message_in(tr.lang()),
        }
    }
}

/// A refused form, kept for the page it was on: the problem and what was typed, so the page can
/// show them again after a redirect (post/redirect/get). The address in the browser's bar is
/// then the page's own, which can be reloaded or bookmarked; only the session that submitted
/// the form can read it back, and it expires after [`RETRY_TTL`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Retry {
    session_id: i64,
    status: u16,
    code: String,
    message: String,
    text: Option<Text>,
    /// Which form on the page was refused, and its fields as typed.
    form: String,
    fields: serde_json::Value,
}

pub const RETRY_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 60);

impl Retry {
    fn cache_key(token: &str) -> String {
        format!("retry:{token}")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn problem(&self, tr: Tr) -> Problem {
        let code: &'static str = gpmall_platform::error::ERROR_CODES
            .iter()
            .map(|(c, _)| *c)
            .chain(["BAD_REQUEST", "CSRF_FAILED"])
            .find(|c| *c == self.code)
            .unwrap_or("VALIDATION_FAILED");
        Problem {
            code,
            title: tr
                .find(&format!("error.{code}"))
                .unwrap_or_else(|| tr.t("error.generic")),
            detail: match &self.text {
                Some(text) => tr.render(text),
                None => self.message.clone(),
            },
        }
    }
}

/// What the base layout shows around every page.
pub struct Layout {
    pub user: Option<Identity>,
    /// The page to come back to after a language switch or login (a local path).
    pub here: String,
    /// A success note after a redirect (`?done=key` → `flash.key`).
    pub flash: Option<&'static str>,
    pub problem: Option<Problem>,
    /// The simulated business date, when the service runs on a sandbox clock.
    pub sandbox_today: Option<chrono::NaiveDate>,
}

impl Layout {
    pub fn is_buyer(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.org_kind == OrgKind::Purchaser && u.has_role(Role::Buyer))
    }

    pub fn is_supplier(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.org_kind == OrgKind::Supplier)
    }

    pub fn is_operator(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.has_role(Role::Operator))
    }

    pub fn sees_orders(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.org_kind != OrgKind::Bank)
    }

    /// The CSRF token for forms (empty when logged out; such forms are refused anyway).
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf_token.as_str())
    }

    pub fn lang_href(&self, lang: &str) -> String {
        format!("/lang/{lang}?next={}", encode(&self.here))
    }

    pub fn login_href(&self) -> String {
        format!("/login?next={}", encode(&self.here))
    }

    pub fn css_href(&self) -> String {
        format!("/static/app.css?v={}", super::assets::css_version())
    }
}

/// The request as a page sees it. Extract it before any body extractor.
pub struct Page {
    pub tr: Tr,
    pub user: Option<Identity>,
    pub here: String,
    pub flash: Option<&'static str>,
    pub jar: CookieJar,
    /// A form refused on this page, shown again (see [`Retry`]).
    pub retry: Option<Retry>,
    ctx: Ctx,
    pub sandbox_today: Option<chrono::NaiveDate>,
}

/// The simulated date every page shows in its banner on a sandbox clock.
fn sandbox_today(ctx: &Ctx) -> Option<chrono::NaiveDate> {
    ctx.clock.sandbox().map(|_| ctx.clock.today())
}

impl FromRequestParts<Ctx> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let tr = Tr::new(lang_of(&jar));
        let here = if parts.method == Method::GET {
            without_flash(parts.uri.path(), parts.uri.query())
        } else {
            // A form re-rendered after a POST belongs to the page the form was on.
            referer_path(&parts.headers).unwrap_or_else(|| "/".to_owned())
        };
        let flash =
            query_param(&parts.uri, "done").and_then(|done| tr.find(&format!("flash.{done}")));
        let retry_token = query_param(&parts.uri, "retry");
        let mut page = Page {
            tr,
            user: None,
            here,
            flash,
            jar,
            retry: None,
            ctx: ctx.clone(),
            sandbox_today: sandbox_today(ctx),
        };
        if let Some(token) = page.jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
            page.user = session::authenticate(ctx, &token, SessionKind::Web)
                .await
                .map_err(|e| page.fail(e))?;
        }
        if let (Some(token), Some(user)) = (retry_token, &page.user)
            && form_key(&token).is_some()
            && let Some(json) = ctx.cache.get(&Retry::cache_key(&token)).await
            && let Ok(retry) = serde_json::from_str::<Retry>(&json)
            && retry.session_id == user.session_id
        {
            page.flash = None;
            page.retry = Some(retry);
        }
        if let Some(user) = &page.user {
            parts.extensions.insert(WebUser(user.clone()));
        }
        Ok(page)
    }
}

impl Page {
    pub fn layout(&self) -> Layout {
        Layout {
            user: self.user.clone(),
            here: self.here.clone(),
            flash: self.flash,
            problem: self.retry.as_ref().map(|r| r.problem(self.tr)),
            sandbox_today: self.sandbox_today,
        }
    }

    /// The fields of the refused form `form` as typed, when this page shows it again.
    pub fn retained<F: DeserializeOwned>(&self, form: &str) -> Option<F> {
        self.retry
            .as_ref()
            .filter(|r| r.form == form)
            .and_then(|r| serde_json::from_value(r.fields.clone()).ok())
    }

    /// The status to answer with: the refused form's, so the page says what happened, else 200.
    pub fn status(&self) -> StatusCode {
        self.retry.as_ref().map_or(StatusCode::OK, Retry::status)
    }

    /// A refused form: keeps the problem and the typed fields, and sends the browser back to
    /// `back_to` (the page the form is on), which shows them again at its own address. A 5xx or
    /// a missing object is the error page instead.
    pub async fn refused<F: Serialize>(
        &self,
        back_to: &str,
        form: &str,
        fields: &F,
        error: ApiError,
    ) -> PageResult {
        let Some(user) = &self.user else {
            return Err(PageError::redirect(&self.layout().login_href()));
        };
        if !error.status.is_client_error() || error.status == StatusCode::NOT_FOUND {
            return Err(self.fail(error));
        }
        let retry = Retry {
            session_id: user.session_id,
            status: error.status.as_u16(),
            code: error.code.to_owned(),
            message: error.message.clone(),
            text: error.text.as_deref().cloned(),
            form: form.to_owned(),
            fields: serde_json::to_value(fields).unwrap_or_default(),
        };
        let token = random_token();
        let json = serde_json::to_string(&retry).map_err(|e| self.fail(ApiError::internal(e)))?;
        self.ctx
            .cache
            .set(&Retry::cache_key(&token), &json, RETRY_TTL)
            .await;
        let path = without_param(back_to, "retry");
        let separator = if path.contains('?') { '&' } else { '?' };
        Err(PageError::redirect(&format!(
            "{path}{separator}retry={token}"
        )))
    }

    /// The layout with a problem to show (and no stale success note).
    pub fn layout_with(&self, error: Option<&ApiError>) -> Layout {
        match error {
            Some(error) => Layout {
                flash: None,
                problem: Some(Problem::from_error(self.tr, error)),
                ..self.layout()
            },
            None => self.layout(),
        }
    }

    /// The logged-in user, or a redirect to the login page that comes back here.
    pub fn user(&self) -> Result<&Identity, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::redirect(&self.layout().login_href()))
    }

    /// The user submitting a form, after checking the form's CSRF token against the session's.
    pub fn submitter(&self, csrf: &str) -> Result<&Identity, PageError> {
        let user = self
            .user
            .as_ref()
            .ok_or_else(|| PageError::redirect(&self.layout().login_href()))?;
        if !same_token(csrf, &user.csrf_token) {
            return Err(self.fail(csrf_error()));
        }
        Ok(user)
    }

    /// The error page for `error`; an expired session goes to the login page instead.
    pub fn fail(&self, error: ApiError) -> PageError {
        if error.code == "UNAUTHENTICATED" {
            return PageError::redirect(&self.layout().login_href());
        }
        PageError::render(self.tr, self.layout_with(Some(&error)), error.status)
    }
}

/// The page for an address that names no page: the error page in the reader's language, for a
/// browser; the JSON error for API clients (`/api/…`, or no `text/html` in `Accept`).
pub async fn not_found(page: Page, uri: Uri, headers: HeaderMap) -> Response {
    let error = ApiError::not_found("route");
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let path = uri.path();
    if path.starts_with("/api/") || path.starts_with("/bank/") || !wants_html {
        return error.into_response();
    }
    page.fail(error).into_response()
}

/// Shortens `result.map_err(|e| page.fail(e))?`.
pub trait OrFail<T> {
    fn or_fail(self, page: &Page) -> Result<T, PageError>;
}

impl<T> OrFail<T> for Result<T, ApiError> {
    fn or_fail(self, page: &Page) -> Result<T, PageError> {
        self.map_err(|e| page.fail(e))
    }
}

pub fn csrf_error() -> ApiError {
    ApiError::forbidden(
        "the form's CSRF token is missing or stale; reload the page and submit again",
    )
    .with_code("CSRF_FAILED")
}

/// Compares tokens without stopping at the first difference, so timing does not reveal them.
pub fn same_token(given: &str, expected: &str) -> bool {
    if given.is_empty() || given.len() != expected.len() {
        return false;
    }
    given
        .bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

pub type PageResult = Result<Response, PageError>;

/// A response that ends a page handler early: the error page or a redirect (boxed, so the
/// `Result`s that carry it stay small).
pub struct PageError(Box<Response>);

impl PageError {
    pub fn redirect(to: &str) -> Self {
        PageError(Box::new(Redirect::to(to).into_response()))
    }

    fn render(tr: Tr, layout: Layout, status: StatusCode) -> Self {
        let page = ErrorPage {
            tr,
            layout,
            status: status.as_u16(),
        };
        PageError(Box::new((status, page).into_response()))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    layout: Layout,
    status: u16,
}

/// A rendered page with a status: the error's when re-rendering a refused form, else 200.
pub fn respond(template: impl IntoResponse, error: Option<&ApiError>) -> Response {
    match error {
        Some(error) => {
            let mut response = (error.status, template).into_response();
            if let Some(seconds) = error.retry_after_seconds() {
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(seconds),
                );
            }
            response
        }
        None => template.into_response(),
    }
}

/// An `application/x-www-form-urlencoded` body. Form types take every field as text with a
/// default, so a wrong value becomes a message from the handler rather than a rejection here.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Ctx> for WebForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let tr = Tr::new(lang_of(&CookieJar::from_headers(request.headers())));
        let user = request.extensions().get::<WebUser>().map(|u| u.0.clone());
        let here = referer_path(request.headers()).unwrap_or_else(|| "/".to_owned());
        match axum::Form::<T>::from_request(request, ctx).await {
            Ok(axum::Form(value)) => Ok(WebForm(value)),
            Err(rejection) => {
                let status = rejection.status();
                let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(status, "PAYLOAD_TOO_LARGE", rejection.body_text())
                } else {
                    ApiError::new(status, "VALIDATION_FAILED", rejection.body_text())
                };
                let layout = Layout {
                    user,
                    here,
                    flash: None,
                    problem: Some(Problem::from_error(tr, &error)),
                    sandbox_today: sandbox_today(ctx),
                };
                Err(PageError::render(tr, layout, status))
            }
        }
    }
}

pub fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or_default()
}

/// A cookie only this site's pages send back: HttpOnly, SameSite=Lax, the whole site, and
/// Secure unless the deployment serves plain HTTP (tests, local demo).
pub fn site_cookie(ctx: &Ctx, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(ctx.settings.cookie_secure)
        .build()
}

/// A local path to send the browser to: only `/…`, never `//host` or a scheme.
pub fn local_path(candidate: &str) -> Option<String> {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control());
    ok.then(|| candidate.to_owned())
}

/// The path and query of the `Referer`, whatever its host: a path on this site is safe to
/// redirect to.
pub fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    local_path(path)
}

/// One query parameter; a malformed query string counts as absent.
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .ok()
        .and_then(|q| q.get(name).cloned())
}

/// `path_and_query` without the query parameter `name`.
fn without_param(path_and_query: &str, name: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .map_or((path_and_query, None), |(p, q)| (p, Some(q)));
    let prefix = format!("{name}=");
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with(&prefix))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The path and query to come back to, without the one-time `done` note or a refused form.
fn without_flash(path: &str, query: Option<&str>) -> String {
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| {
            !pair.is_empty() && !pair.starts_with("done=") && !pair.starts_with("retry=")
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// An id from a form or path; `None` unless a positive integer.
/// The idempotency key a form was rendered with, if it is one this service minted (alphanumeric,
/// at most 128 characters).
pub fn form_key(raw: &str) -> Option<&str> {
    let key = raw.trim();
    (!key.is_empty() && key.len() <= 128 && key.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(key)
}

pub fn parse_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

/// A whole number typed into a form field, with a message naming the field.
pub fn parse_int(tr: Tr, field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| ApiError::validation(tr.f("form.not_a_whole_number", tr.t(field))))
}

/// An amount in yuan typed into a form field (`3999` or `3999.00`), optionally with `¥`.
pub fn parse_money(tr: Tr, field: &str, raw: &str) -> Result<Money, ApiError> {
    let text = raw.trim().trim_start_matches(['¥', '￥']).replace(',', "");
    text.trim()
        .parse::<Money>()
        .map_err(|_| ApiError::validation(tr.f("form.not_an_amount", tr.t(field))))
}

/// Like [`parse_money`], but an empty field is `None`.
pub fn parse_optional_money(tr: Tr, field: &str, raw: &str) -> Result<Option<Money>, ApiError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_money(tr, field, raw).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(local_path("/orders?x=1").as_deref(), Some("/orders?x=1"));
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("orders"), None);
    }

    #[test]
    fn referer_keeps_only_the_path() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            "http://127.0.0.1:8080/cart?a=b".parse().unwrap(),
        );
        assert_eq!(referer_path(&headers).as_deref(), Some("/cart?a=b"));
        headers.insert(header::REFERER, "https://evil.example".parse().unwrap());
        assert_eq!(referer_path(&headers), None);
    }

    #[test]
    fn the_way_back_drops_the_success_note() {
        assert_eq!(
            without_flash("/orders", Some("done=order_placed")),
            "/orders"
        );
        assert_eq!(
            without_flash("/search", Some("q=a&done=x&page=2")),
            "/search?q=a&page=2"
        );
        assert_eq!(without_flash("/", None), "/");
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("", ""));
        assert!(!same_token("ab", "abc"));
    }

    #[test]
    fn form_numbers_parse_with_messages() {
        let tr = Tr::new(Lang::En);
        assert_eq!(
            parse_money(tr, "field.price", "¥3,999")
                .unwrap()
                .to_string(),
            "3999.00"
        );
        let error = parse_money(tr, "field.price", "lots").unwrap_err();
        assert_eq!(error.code, "VALIDATION_FAILED");
        assert!(error.message.contains("Price"), "{}", error.message);
        assert_eq!(parse_optional_money(tr, "field.price", " ").unwrap(), None);
        assert!(parse_int(tr, "field.quantity", "2.5").is_err());
        assert_eq!(parse_id("12"), Some(12));
        assert_eq!(parse_id("-1"), None);
        assert_eq!(encode("电脑 a&b"), "%E7%94%B5%E8%84%91%20a%26b");
    }
}
