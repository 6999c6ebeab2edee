//! The dashboard (SPEC §8.3): server-rendered pages at `/`, over the
//! application like the API. A handler reads the request, calls the
//! application, and renders the answer with `baton_web::pages`; who may
//! do what is never decided here. Every page needs a session (a cookie,
//! opened with an API token or a one-time link); every form carries the
//! session's CSRF token; the acting person is always the session's.

mod analytics;
mod availability;
mod decisions;
mod feedback;
mod misuse;
mod org;
mod session;
mod whatif;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use baton_app::{Caller, ErrorKind, Failure};
use baton_web::pages::{self, Flash, Frame};

pub use session::Reader;
pub(crate) use session::{COOKIE, cookie};

use crate::AppState;

/// Declares the dashboard's routes once: the router serves them, and
/// [`PAGES`] lists the paths a browser can open, so a test walks every
/// page the router has without a list of its own.
macro_rules! dashboard {
    (pages { $($page:literal => $get:expr,)* } forms { $($form:literal => $post:expr,)* }) => {
        /// Every path the dashboard answers GET on, with `{placeholders}`.
        pub const PAGES: &[&str] = &[$($page),*];

        /// Every page and form route. Pages are not in the OpenAPI
        /// document: they are for people.
        pub fn routes() -> Router<AppState> {
            Router::new()
                $(.route($page, $get))*
                $(.route($form, $post))*
        }
    };
}

dashboard! {
    pages {
        "/" => get(decisions::now),
        "/assets/style.css" => get(style),
        "/login" => get(login_form).post(login),
        "/login/{code}" => get(login_link),
        "/ask" => get(decisions::ask),
        "/decisions" => get(decisions::log).post(decisions::open),
        "/decisions/{id}" => get(decisions::show),
        "/verify" => get(decisions::verify),
        "/analytics" => get(analytics::metrics),
        "/report.html" => get(analytics::report_page),
        "/alerts" => get(analytics::alerts),
        "/audit-matrix" => get(analytics::audit),
        "/rotations" => get(org::rotations),
        "/people" => get(org::people),
        "/people/{person}" => get(org::person),
        "/guides" => get(org::guides),
        "/teams/{team}/guide" => get(org::guide),
        "/teams/{team}/guide/diff" => get(org::guide_diff),
        "/teams/{team}/cheat-sheet" => get(org::cheat_sheet),
        "/surveys" => get(feedback::list),
        "/surveys/{survey}" => get(feedback::show),
        "/polls/{poll}" => get(feedback::poll),
        "/pilots" => get(whatif::pilots).post(whatif::create),
        "/pilots/{pilot}" => get(whatif::report),
        "/replay" => get(whatif::replay_form).post(whatif::replay),
        "/misuse" => get(misuse::form).post(misuse::report),
    }
    forms {
        "/logout" => post(logout),
        "/breaks" => post(availability::take),
        "/breaks/{id}/end" => post(availability::end),
        "/handoffs" => post(availability::offer),
        "/handoffs/{id}/{answer}" => post(availability::answer),
        "/people/{person}/endorse" => post(org::endorse),
        "/surveys/{survey}/respond" => post(feedback::respond),
        "/polls/{poll}/vote" => post(feedback::vote),
        "/decisions/{id}/{action}" => post(decisions::act),
    }
}

/// A page: HTML with the headers every page sends. No script runs on any
/// page, and none may be framed.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, axum::response::Html(html)).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Signs the reader in first: a redirect to the sign-in page that comes
/// back to `next`.
pub fn to_login(next: &str) -> Response {
    let next: String = url_safe(next);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// A path as a query value: kept only if it is a local path.
fn url_safe(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") {
        next.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '-' | '_' | '.' => c.to_string(),
                c => format!("%{:02X}", c as u32 & 0xff),
            })
            .collect()
    } else {
        "/".to_owned()
    }
}

/// A failure of the application, as a page: the status its kind maps to
/// (`problem::status_of`, the one place), and what it says.
pub fn failure<E: Failure>(reader: &Reader, err: &E, back: &str) -> Response {
    let status = crate::problem::status_of(err.kind());
    let frame = Frame::new("Refused", "", reader.user());
    let heading = match err.kind() {
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Conflict => "Not now",
        ErrorKind::Unauthenticated => "Sign in first",
        ErrorKind::Invalid | ErrorKind::Unresolvable => "Not accepted",
        ErrorKind::StoreFull | ErrorKind::Unavailable | ErrorKind::Internal => "Something failed",
    };
    let details = err.explanation().unwrap_or_default();
    page(
        status,
        pages::message(&frame, heading, &err.to_string(), &details, back),
    )
}

/// The person a form post acts as: its session's, once the post carries
/// the session's CSRF token; otherwise the answer to give instead.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, which every caller returns at once"
)]
pub fn signed_form(
    reader: &Reader,
    form: &HashMap<String, String>,
    back: &str,
) -> Result<Caller, Response> {
    if let Some(refused) = refused_form(reader, form, back) {
        return Err(refused);
    }
    reader.caller().ok_or_else(|| to_login(back))
}

/// The form of a post, checked for the session's CSRF token: the answer
/// to give instead (sign in, or refused), or `None` to go on.
pub fn refused_form(
    reader: &Reader,
    form: &HashMap<String, String>,
    back: &str,
) -> Option<Response> {
    if reader.session.is_none() {
        return Some(to_login(back));
    }
    if !reader.csrf_ok(form.get("csrf").map(String::as_str)) {
        let frame = Frame::new("Refused", "", reader.user());
        return Some(page(
            StatusCode::FORBIDDEN,
            pages::message(
                &frame,
                "Not accepted",
                "The form did not carry this session's token (it may come from another site, or from a page older than your sign-in). Nothing was done.",
                &[],
                back,
            ),
        ));
    }
    None
}

async fn style() -> Response {
    let mut response = pages::PAGE_STYLE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

async fn login_form(reader: Reader, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = q.get("next").map_or("/", String::as_str);
    let frame = Frame::new("Sign in", "", reader.user());
    page(StatusCode::OK, pages::login(&frame, &url_safe(next)))
}

/// Opens a session: sets its cookie and goes on to `next`.
fn signed_in(headers: &HeaderMap, cookie: &str, next: &str) -> Response {
    let mut response = Redirect::to(&url_safe(next)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(headers, cookie, baton_app::web::SESSION.num_seconds()),
    );
    response
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    reader: Reader,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let next = form.get("next").map_or("/", String::as_str);
    let token = form.get("token").map_or("", String::as_str);
    match state.app.sign_in_with_token(token, state.clock.now()).await {
        Ok(signed) => signed_in(&headers, &signed.cookie, next),
        Err(e) => {
            let frame = Frame::new("Sign in", "", reader.user())
                .with_flash(Some(Flash::error(e.to_string())));
            page(
                crate::problem::status_of(e.kind()),
                pages::login(&frame, &url_safe(next)),
            )
        }
    }
}

async fn login_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    reader: Reader,
    Path(code): Path<String>,
) -> Response {
    match state.app.sign_in_with_link(&code, state.clock.now()).await {
        Ok(signed) => signed_in(&headers, &signed.cookie, "/"),
        Err(e) => {
            let frame = Frame::new("Sign in", "", reader.user())
                .with_flash(Some(Flash::error(e.to_string())));
            page(
                crate::problem::status_of(e.kind()),
                pages::login(&frame, "/"),
            )
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    reader: Reader,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refused_form(&reader, &form, "/") {
        return refused;
    }
    if let Some((cookie, _)) = &reader.session {
        let _ = state.app.sign_out(cookie).await;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::set_cookie(&headers, "", 0));
    response
}
