//! The dashboard's pages over HTTP: sessions, CSRF, what a form may do and
//! what a page shows. (The browser suite drives the same pages in
//! Chromium; these pin the rules a browser cannot be trusted to show.)

use crate::common::*;

/// A browser without the browser: a cookie jar of one session cookie,
/// redirects not followed.
struct Visitor<'a> {
    app: &'a App,
    http: reqwest::Client,
    cookie: Option<String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    csp: Option<String>,
    body: String,
}

impl Page {
    /// The session's form token, as every form on the page carries it.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a csrf token") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    /// The paths forms on the page post to.
    fn post_forms(&self) -> Vec<String> {
        self.body
            .split("<form")
            .skip(1)
            .map(|rest| &rest[..rest.find('>').unwrap()])
            .filter(|tag| tag.contains("method=\"post\""))
            .map(|tag| {
                let start = tag.find("action=\"").unwrap() + "action=\"".len();
                tag[start..start + tag[start..].find('"').unwrap()].to_owned()
            })
            .collect()
    }
}

impl<'a> Visitor<'a> {
    fn new(app: &'a App) -> Self {
        Self {
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("baton_session={c}")),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let page = Page {
            status: resp.status(),
            location: header("location"),
            set_cookie: header("set-cookie"),
            csp: header("content-security-policy"),
            body: String::new(),
        };
        let body = resp.text().await.unwrap();
        if let Some(set) = &page.set_cookie {
            let value = set
                .strip_prefix("baton_session=")
                .and_then(|v| v.split(';').next())
                .unwrap();
            self.cookie = (!value.is_empty()).then(|| value.to_owned());
        }
        Page { body, ..page }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.app.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap());
        self.send(req).await
    }

    /// Signs in as `who` with their API token.
    async fn sign_in(app: &'a App, who: &str) -> Self {
        let mut v = Self::new(app);
        let page = v
            .post("/login", &[("token", &app.tokens[who]), ("next", "/")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert!(v.cookie.is_some());
        v
    }
}

#[tokio::test]
async fn pages_need_a_session_that_a_token_opens_and_sign_out_closes() {
    each_backend(|app| async move {
        let mut v = Visitor::new(&app);
        let page = v.get("/decisions?team=platform").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/login?next=/decisions"));

        let refused = v.post("/login", &[("token", "not-a-token")]).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(
            refused.body.contains("unknown or revoked"),
            "{}",
            refused.body
        );
        assert!(v.cookie.is_none());

        let signed = v
            .post(
                "/login",
                &[("token", &app.tokens["ana"]), ("next", "/decisions")],
            )
            .await;
        assert_eq!(signed.location.as_deref(), Some("/decisions"));
        let cookie = signed.set_cookie.unwrap();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        let now = v.get("/").await;
        assert_eq!(now.status, StatusCode::OK);
        assert!(now.body.contains("ana"), "the layout names the reader");
        assert!(now.csp.as_deref().unwrap().contains("script-src 'none'"));

        let csrf = now.csrf();
        let out = v.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(v.cookie.is_none(), "the cookie is cleared");
        assert_eq!(v.get("/").await.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_https() {
    each_backend(|app| async move {
        let v = Visitor::new(&app);
        let resp = v
            .http
            .post(format!("{}/login", app.base))
            .header("x-forwarded-proto", "https")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("token", &app.tokens["kim"])]).unwrap())
            .send()
            .await
            .unwrap();
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.contains("; Secure"), "{cookie}");
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_link_works_once() {
    each_backend(|app| async move {
        let code = app
            .service
            .create_login_link("kim", Role::Member, app.now(), chrono::Duration::hours(1))
            .await
            .unwrap();
        let mut v = Visitor::new(&app);
        let first = v.get(&format!("/login/{code}")).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        assert!(v.get("/").await.body.contains("kim"));

        let mut again = Visitor::new(&app);
        let second = again.get(&format!("/login/{code}")).await;
        assert_eq!(second.status, StatusCode::UNAUTHORIZED);
        assert!(second.body.contains("used already"), "{}", second.body);
    })
    .await;
}

#[tokio::test]
async fn a_form_without_the_session_token_is_refused_and_changes_nothing() {
    each_backend(|app| async move {
        let d = app.open_incident("Disk full on db-2").await;
        let id = d["id"].as_i64().unwrap();
        let decider = d["decider"].as_str().unwrap().to_owned();
        let mut v = Visitor::sign_in(&app, other_static(&decider)).await;
        let path = format!("/decisions/{id}/decide");
        let form = [("option", "fail over"), ("rationale", "fastest")];
        let forged = v.post(&path, &form).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.body.contains("Nothing was done"), "{}", forged.body);
        let wrong = v.post(&path, &[form[0], form[1], ("csrf", "guess")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);

        let (_, now) = app.get("ana", &format!("/api/v1/decisions/{id}")).await;
        assert_eq!(now["status"], d["status"], "nothing changed: {now}");
    })
    .await;
}

#[tokio::test]
async fn a_viewer_sees_no_forms_but_sign_out() {
    each_backend(|app| async move {
        let d = app.open_incident("Cache stampede").await;
        let id = d["id"].as_i64().unwrap();
        let mut v = Visitor::sign_in(&app, "sam").await;
        for path in [
            "/".to_owned(),
            format!("/decisions/{id}"),
            "/decisions".to_owned(),
            "/ask?team=platform&type=incident".to_owned(),
        ] {
            let page = v.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert_eq!(page.post_forms(), ["/logout"], "{path}");
        }
        // And a form posted anyway is refused by the lifecycle.
        let csrf = v.get("/").await.csrf();
        let refused = v
            .post(
                &format!("/decisions/{id}/withdraw"),
                &[("csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("viewer"), "{}", refused.body);
    })
    .await;
}

#[tokio::test]
async fn deciding_for_someone_else_needs_the_override_reason() {
    each_backend(|app| async move {
        let d = app.open_incident("Roll back 4.2").await;
        let id = d["id"].as_i64().unwrap();
        let decider = d["decider"].as_str().unwrap();
        let other = ["ana", "kim", "raj", "lee"]
            .into_iter()
            .find(|p| *p != decider && *p != "ana")
            .unwrap();
        let mut v = Visitor::sign_in(&app, other).await;
        let page = v.get(&format!("/decisions/{id}")).await;
        assert!(
            page.body.contains("name=\"override_reason\""),
            "a member who is not the decider is asked for a reason"
        );
        let csrf = page.csrf();
        let path = format!("/decisions/{id}/decide");
        let without = v
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("option", "roll back"),
                    ("rationale", "errors up"),
                ],
            )
            .await;
        assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(without.body.contains("override reason"), "{}", without.body);

        let with = v
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("option", "roll back"),
                    ("rationale", "errors up"),
                    ("override_reason", "the decider is asleep"),
                ],
            )
            .await;
        assert_eq!(with.status, StatusCode::SEE_OTHER, "{}", with.body);
        let (_, now) = app.get("ana", &format!("/api/v1/decisions/{id}")).await;
        assert_eq!(now["status"], "decided");
        assert_eq!(now["override_reason"], "the decider is asleep");
        let shown = v.get(&format!("/decisions/{id}")).await.body;
        assert!(shown.contains("the decider is asleep"));

        let decider_view = Visitor::sign_in(&app, other_static(decider))
            .await
            .get(&format!("/decisions/{id}"))
            .await;
        assert_eq!(
            decider_view.post_forms(),
            ["/logout", &format!("/decisions/{id}/outcome")],
            "once decided, only the outcome is left to record"
        );
    })
    .await;
}

/// The forms reach the store as the API does: a NUL, which PostgreSQL
/// cannot store, is refused on both backends before it gets there.
#[tokio::test]
async fn a_form_holding_a_nul_is_refused_and_opens_nothing() {
    each_backend(|app| async move {
        let mut v = Visitor::sign_in(&app, "ana").await;
        let csrf = v.get("/ask?team=platform&type=incident").await.csrf();
        let form = [
            ("team", "platform"),
            ("type", "incident"),
            ("title", "disk\0full"),
            ("csrf", csrf.as_str()),
        ];
        let page = v.post("/decisions", &form).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        let (_, listed) = app.get("ana", "/api/v1/decisions?text=disk").await;
        assert_eq!(listed, serde_json::json!([]), "nothing opened");
    })
    .await;
}

#[tokio::test]
async fn a_title_holding_markup_shows_as_text() {
    each_backend(|app| async move {
        let title = "<script>alert(1)</script> & <b>bold</b>";
        let d = app.open_incident(title).await;
        let id = d["id"].as_i64().unwrap();
        let mut v = Visitor::sign_in(&app, "ana").await;
        for path in [
            format!("/decisions/{id}"),
            "/decisions".to_owned(),
            "/".to_owned(),
        ] {
            let page = v.get(&path).await;
            assert!(!page.body.contains("<script>"), "{path}");
            assert!(!page.body.contains("<b>bold"), "{path}");
            assert!(
                page.body.contains(
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
                ) || page.body.contains("&#60;script&#62;"),
                "{path}: the title is escaped"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_verify_button_proves_the_chain() {
    each_backend(|app| async move {
        app.open_and_decide(
            "Fail over",
            json!({"option": "fail over", "rationale": "fast"}),
        )
        .await;
        let mut v = Visitor::sign_in(&app, "sam").await;
        let page = v.get("/verify?run=1").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("intact"), "{}", page.body);
        let bad = v.get("/verify?run=1&head=nonsense").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("SEQ:HASH"));
    })
    .await;
}

#[tokio::test]
async fn the_guide_page_shows_lint_in_place_and_a_diff_between_versions() {
    each_backend(|app| async move {
        let shadowed = format!(
            "{}  - id: never-reached\n    authority: {{requester: true}}\n",
            examples::GUIDE
        );
        app.service
            .apply(None, &[("deference.yaml", &shadowed)], app.now())
            .await
            .unwrap();
        let mut v = Visitor::sign_in(&app, "sam").await;
        let guide = v.get("/teams/platform/guide").await;
        assert_eq!(guide.status, StatusCode::OK);
        let flagged = guide
            .body
            .split("<tr")
            .find(|row| row.contains("class=\"flagged\""))
            .unwrap_or_else(|| panic!("no flagged line: {}", guide.body));
        assert!(flagged.contains("id=\"rule-never-reached\""), "{flagged}");
        assert!(
            flagged.contains("shadowed"),
            "the finding sits on its line: {flagged}"
        );
        assert!(
            guide.body.contains("id=\"rule-default\""),
            "every rule is anchored"
        );

        let diff = v.get("/teams/platform/guide/diff?from=1&to=2").await;
        assert_eq!(diff.status, StatusCode::OK);
        assert!(diff.body.contains("2 lines changed"), "{}", diff.body);
        let added: Vec<&str> = diff.body.split("<tr class=\"added\">").skip(1).collect();
        assert_eq!(added.len(), 2);
        assert!(added[0].contains("never-reached"));

        let missing = v.get("/teams/platform/guide/diff?from=1&to=9").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("no guide version 9"));
        let bad = v.get("/teams/platform/guide/diff?from=x").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let sheet = v.get("/teams/platform/cheat-sheet").await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(sheet.body.contains("Undecided after"), "{}", sheet.body);
    })
    .await;
}

#[tokio::test]
async fn a_survey_is_answered_once_from_its_page_and_a_poll_takes_a_vote() {
    each_backend(|app| async move {
        let dana = Caller::new("dana", Role::Admin);
        let survey = app
            .service
            .create_survey(
                &dana,
                baton_app::SurveyRequest {
                    team: "platform".into(),
                    title: "Pulse".into(),
                    questions: vec![],
                    closes_at: None,
                },
                app.now(),
            )
            .await
            .unwrap();
        let path = format!("/surveys/{}", survey.id);
        let mut v = Visitor::sign_in(&app, "kim").await;
        let form = v.get(&path).await;
        assert_eq!(form.post_forms(), ["/logout", &format!("{path}/respond")]);
        let csrf = form.csrf();
        let sent = v
            .post(
                &format!("{path}/respond"),
                &[
                    ("csrf", &csrf),
                    ("enps", "9"),
                    ("heard", "yes"),
                    ("misapplied", ""),
                    ("comments", "more async decisions"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let after = v.get(&path).await;
        assert!(after.body.contains("you have answered"));
        assert_eq!(after.post_forms(), ["/logout"], "answered: no form");
        assert!(after.body.contains("1 response"), "{}", after.body);
        let again = v
            .post(
                &format!("{path}/respond"),
                &[("csrf", &csrf), ("enps", "3")],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("already"), "{}", again.body);

        let viewer = Visitor::sign_in(&app, "sam").await.get(&path).await;
        assert_eq!(viewer.post_forms(), ["/logout"]);

        let poll = app
            .service
            .create_poll(
                &dana,
                baton_app::PollRequest {
                    team: "platform".into(),
                    question: "Who knows the billing code?".into(),
                    domain: Some("databases".into()),
                    decision: None,
                },
                app.now(),
            )
            .await
            .unwrap();
        let poll_path = format!("/polls/{}", poll.poll.id);
        let csrf = v.get(&poll_path).await.csrf();
        let voted = v
            .post(
                &format!("{poll_path}/vote"),
                &[("csrf", &csrf), ("confidence", "4")],
            )
            .await;
        assert_eq!(voted.status, StatusCode::SEE_OTHER, "{}", voted.body);
        let shown = v.get(&poll_path).await.body;
        assert!(shown.contains("/people/kim"), "{shown}");
        assert!(shown.contains("data-value=\"4\""), "{shown}");
    })
    .await;
}

#[tokio::test]
async fn a_pilot_starts_from_its_form_and_replay_reports_on_the_page() {
    each_backend(|app| async move {
        app.open_and_decide(
            "Fail over",
            json!({"option": "fail over", "rationale": "fast"}),
        )
        .await;
        let version = app.service.guide("platform").await.unwrap().version.clone();
        let pilot = |csrf: &str| -> Vec<(String, String)> {
            [
                ("csrf", csrf),
                ("team", "platform"),
                ("types", "incident"),
                ("guide_version", version.as_str()),
                ("from", "2026-03-01"),
                ("to", "2026-05-01"),
                ("control", ""),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
        };
        let mut member = Visitor::sign_in(&app, "kim").await;
        let csrf = member.get("/pilots").await.csrf();
        let fields = pilot(&csrf);
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = member.post("/pilots", &borrowed).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("forbidden"), "{}", refused.body);

        let mut admin = Visitor::sign_in(&app, "dana").await;
        let csrf = admin.get("/pilots").await.csrf();
        let fields = pilot(&csrf);
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let started = admin.post("/pilots", &borrowed).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let report = admin.get(started.location.as_deref().unwrap()).await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(
            report.body.contains("median time to decision"),
            "{}",
            report.body
        );

        let csrf = admin.get("/replay").await.csrf();
        let replayed = admin
            .post(
                "/replay",
                &[("csrf", &csrf), ("team", "platform"), ("guide", "")],
            )
            .await;
        assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.body);
        assert!(
            replayed.body.contains("<dt>replayed</dt><dd>1</dd>"),
            "{}",
            replayed.body
        );
        let broken = admin
            .post(
                "/replay",
                &[
                    ("csrf", &csrf),
                    ("team", "platform"),
                    ("guide", "version: ["),
                ],
            )
            .await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn the_log_pages_by_decision_number_to_its_oldest_page() {
    each_backend(|app| async move {
        for n in 1..=120 {
            app.open_incident(&format!("Incident {n}")).await;
        }
        let mut v = Visitor::sign_in(&app, "sam").await;
        let ids = |page: &Page| -> Vec<i64> {
            page.body
                .split("<tr>\n<td><a href=\"/decisions/")
                .skip(1)
                .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
                .collect()
        };
        let link = |page: &Page, text: &str| -> Option<String> {
            let at = page.body.find(&format!(">{text}</a>"))?;
            let start = page.body[..at].rfind("href=\"")? + 6;
            let end = start + page.body[start..].find('"')?;
            Some(page.body[start..end].replace("&amp;", "&"))
        };
        let first = v.get("/decisions").await;
        assert_eq!(ids(&first), (71..=120).rev().collect::<Vec<_>>());
        assert!(link(&first, "← Newer").is_none());
        let second = v.get(&link(&first, "Older →").unwrap()).await;
        assert_eq!(ids(&second), (21..=70).rev().collect::<Vec<_>>());
        let oldest = v.get(&link(&second, "Oldest »").unwrap()).await;
        assert_eq!(ids(&oldest), (1..=50).rev().collect::<Vec<_>>());
        assert!(link(&oldest, "Older →").is_none(), "nothing is older");
        let back = v.get(&link(&oldest, "← Newer").unwrap()).await;
        assert_eq!(ids(&back), (51..=100).rev().collect::<Vec<_>>());
        let filtered = v.get("/decisions?q=incident+11&oldest=1").await;
        assert_eq!(
            ids(&filtered),
            [119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 11]
        );
    })
    .await;
}

#[tokio::test]
async fn the_calendar_link_on_a_person_page_opens_for_the_signed_in_reader() {
    each_backend(|app| async move {
        let mut v = Visitor::sign_in(&app, "sam").await;
        let person = v.get("/people/kim").await;
        assert!(person.body.contains("href=\"/api/v1/people/kim.ics\""));
        let feed = v.get("/api/v1/people/kim.ics").await;
        assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
        assert!(feed.body.starts_with("BEGIN:VCALENDAR"), "{}", feed.body);
        let mut stranger = Visitor::new(&app);
        let refused = stranger.get("/api/v1/people/kim.ics").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    })
    .await;
}
