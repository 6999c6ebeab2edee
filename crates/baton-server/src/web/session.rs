//! Who is reading a page: the session a cookie names, its form token, and
//! the cookie itself (HttpOnly, SameSite=Strict, Secure behind https).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use baton_app::{Caller, WebSession};
use baton_web::pages::User;

use crate::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "baton_session";

/// The reader of a page: signed in or not.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The cookie's secret and its live session.
    pub session: Option<(String, WebSession)>,
}

impl Reader {
    pub fn caller(&self) -> Option<Caller> {
        self.session
            .as_ref()
            .map(|(_, s)| Caller::new(s.person.clone(), s.role))
    }

    /// The reader as the layout shows them.
    pub fn user(&self) -> Option<User> {
        self.session.as_ref().map(|(_, s)| User {
            person: s.person.clone(),
            role: s.role.as_str().to_owned(),
            csrf: s.csrf.clone(),
            can_write: s.role.can_write(),
        })
    }

    /// Whether `token` is this session's form token: a form posted from
    /// another site cannot know it. Compared in constant time.
    pub fn csrf_ok(&self, token: Option<&str>) -> bool {
        match (&self.session, token) {
            (Some((_, s)), Some(t)) => constant_eq(s.csrf.as_bytes(), t.as_bytes()),
            _ => false,
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request came over https (directly or through a proxy that
/// says so): the cookie is then marked Secure.
fn secure(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` that opens a session of `max_age` seconds (0 ends it).
pub fn set_cookie(headers: &HeaderMap, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("baton_session=; Max-Age=0"))
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(secret) = cookie(&parts.headers, COOKIE).map(str::to_owned) else {
            return Ok(Self { session: None });
        };
        // A store that cannot answer reads as nobody signed in: the page
        // then says so rather than failing.
        let session = state
            .app
            .web_session(&secret, state.clock.now())
            .await
            .ok()
            .flatten();
        Ok(Self {
            session: session.map(|s| (secret, s)),
        })
    }
}
