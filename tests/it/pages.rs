//! A browser without JavaScript for the page tests: cookies, forms, redirects, and what a page
//! shows.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};

use crate::support::{TestApp, urlencode};

/// A page as the browser received it.
pub struct Html {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The address the page was fetched from, after any redirect to a refused form's page.
    pub address: String,
}

impl Html {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    pub fn set_cookie(&self, name: &str) -> String {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no Set-Cookie for {name}: {:?}", self.set_cookies()))
            .to_owned()
    }

    #[track_caller]
    pub fn assert_shows(&self, text: &str) -> &Self {
        assert!(
            self.text.contains(text),
            "page (status {}) does not show {text:?}:\n{}",
            self.status,
            self.text
        );
        self
    }

    #[track_caller]
    pub fn assert_lacks(&self, text: &str) -> &Self {
        assert!(
            !self.text.contains(text),
            "page (status {}) shows {text:?}:\n{}",
            self.status,
            self.text
        );
        self
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "page:\n{}", self.text);
        self
    }

    /// The value of the first form field named `name` (hidden inputs, mostly).
    #[track_caller]
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} on the page:\n{}", self.text))
            + marker.len();
        let rest = &self.text[start..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The numbers in links and form actions that start with `prefix`, e.g. `/products/` →
    /// product ids, in page order.
    pub fn ids_after(&self, prefix: &str) -> Vec<i64> {
        self.text
            .match_indices(&format!("\"{prefix}"))
            .filter_map(|(at, m)| {
                let digits: String = self.text[at + m.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse().ok()
            })
            .collect()
    }
}

/// One browser: keeps cookies between requests, sends a `Referer` like a browser does.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    last_page: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
            last_page: "/".to_owned(),
        }
    }

    pub async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Html {
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(
                header::REFERER,
                format!("http://localhost{}", self.last_page),
            )
            .header(
                header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            );
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        let request = match form {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        let response = self.app.send(request).await;
        let page = Html {
            address: path.to_owned(),
            status: response.status,
            headers: response.headers,
            text: match response.body {
                serde_json::Value::String(text) => text,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            },
        };
        for set in page.set_cookies() {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = set.contains("Max-Age=0") || value.is_empty();
            if expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        if method == Method::GET && page.status == StatusCode::OK {
            self.last_page = path.to_owned();
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Html {
        self.request(Method::GET, path, None).await
    }

    /// Posts a form. A refused form is shown again on the page it came from, as a browser
    /// follows the redirect there (post/redirect/get): that page is returned, with the problem's
    /// status, and its address is one that can be reloaded.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Html {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self.request(Method::POST, path, Some(body)).await;
        if response.status == StatusCode::SEE_OTHER && response.location().contains("retry=") {
            let to = response.location().to_owned();
            let mut page = self.get(&to).await;
            page.address = to;
            return page;
        }
        response
    }

    /// Posts and follows the redirect, as a browser does after a successful form.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Html {
        let response = self.post(path, fields).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "POST {path} was not accepted:\n{}",
            response.text
        );
        let to = response.location().to_owned();
        self.get(&to).await
    }

    /// A new browser, logged in as `username`.
    pub async fn signed_in(app: &'a TestApp, username: &str) -> Browser<'a> {
        let mut browser = Browser::new(app);
        browser.log_in(username).await;
        browser
    }

    pub async fn log_in(&mut self, username: &str) -> Html {
        let form = self.get("/login").await;
        form.assert_status(StatusCode::OK);
        let csrf = form.field("csrf");
        self.submit(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", "/"),
                ("username", username),
                ("password", gpmall::seed::DEMO_PASSWORD),
            ],
        )
        .await
    }

    /// The session's CSRF token, from the logout form every logged-in page carries.
    pub async fn csrf(&mut self) -> String {
        self.get("/").await.field("csrf")
    }
}
