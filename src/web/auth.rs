//! Login and logout with the web session cookie, and the language switch.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::cookie::Cookie;
use gpmall_platform::extract::PeerAddr;
use gpmall_platform::identity::http::client_ip;
use gpmall_platform::identity::session::{self, SessionKind};
use gpmall_platform::{ApiError, Ctx};
use serde::Deserialize;

use super::i18n::{Lang, Tr};
use super::page::{
    LANG_COOKIE, LOGIN_CSRF_COOKIE, Layout, OrFail, Page, PageError, PageResult, SESSION_COOKIE,
    WebForm, csrf_error, local_path, query_param, referer_path, respond, same_token, site_cookie,
};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    layout: Layout,
    csrf: String,
    next: String,
    username: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
}

pub async fn login_page(State(ctx): State<Ctx>, page: Page, uri: Uri) -> PageResult {
    let next = query_param(&uri, "next")
        .and_then(|n| local_path(&n))
        .unwrap_or_else(|| "/".to_owned());
    if page.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let csrf = page
        .jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(session::random_token);
    let jar = page
        .jar
        .clone()
        .add(site_cookie(&ctx, LOGIN_CSRF_COOKIE, csrf.clone()));
    let template = LoginPage {
        tr: page.tr,
        layout: page.layout(),
        csrf,
        next,
        username: String::new(),
    };
    Ok((jar, template).into_response())
}

pub async fn login(
    State(ctx): State<Ctx>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    page: Page,
    WebForm(form): WebForm<LoginForm>,
) -> PageResult {
    let next = local_path(&form.next).unwrap_or_else(|| "/".to_owned());
    let cookie_token = page
        .jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !same_token(&form.csrf, &cookie_token) {
        return Err(page.fail(csrf_error()));
    }
    let ip = client_ip(&ctx, &headers, peer);
    match session::login(
        &ctx,
        &form.username,
        &form.password,
        SessionKind::Web,
        ip.as_deref(),
    )
    .await
    {
        Ok(outcome) => {
            let jar = page
                .jar
                .clone()
                .add(site_cookie(&ctx, SESSION_COOKIE, outcome.token))
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(error) => {
            let template = LoginPage {
                tr: page.tr,
                layout: page.layout_with(Some(&error)),
                csrf: cookie_token,
                next,
                username: form.username.trim().to_owned(),
            };
            Ok(respond(template, Some(&error)))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    State(ctx): State<Ctx>,
    page: Page,
    WebForm(form): WebForm<LogoutForm>,
) -> PageResult {
    if page.user.is_none() {
        return Ok(Redirect::to("/").into_response());
    }
    page.submitter(&form.csrf)?;
    if let Some(token) = page.jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        session::logout(&ctx, &token).await.or_fail(&page)?;
    }
    let jar = page
        .jar
        .clone()
        .remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/?done=logged_out")).into_response())
}

/// `GET /lang/{zh|en}`: remembers the choice for a year and goes back to the page it came from.
pub async fn switch_language(
    State(ctx): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<impl IntoResponse, PageError> {
    let lang = Lang::parse(&code)
        .ok_or_else(|| page.fail(ApiError::not_found(&format!("language {code:?}"))))?;
    let back = query_param(&uri, "next")
        .and_then(|n| local_path(&n))
        .or_else(|| referer_path(&headers))
        .unwrap_or_else(|| "/".to_owned());
    let mut cookie = site_cookie(&ctx, LANG_COOKIE, lang.code().to_owned());
    cookie.set_max_age(cookie::time::Duration::days(365));
    Ok((page.jar.clone().add(cookie), Redirect::to(&back)))
}
