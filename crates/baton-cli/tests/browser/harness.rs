//! The demo served by the real binary, and Debian's Chromium driven
//! through chromedriver: what every browser test stands on.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::common::{self, KillOnDrop};

/// The demo's clock: where `serve --demo` seeded it, so its open
/// decisions are live.
pub const CLOCK: &str = "2026-06-01T10:00:00Z";

/// One seeded demo store per test process; each test serves a copy.
fn seeded() -> &'static Path {
    static SEEDED: OnceLock<PathBuf> = OnceLock::new();
    SEEDED.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-demo");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (mut server, _) = Demo::serve(&dir);
        assert!(
            common::stop(&mut server).success(),
            "the seeding server stops"
        );
        dir
    })
}

/// `baton serve --demo` on a copy of the seeded store.
pub struct Demo {
    pub dir: tempfile::TempDir,
    _server: KillOnDrop,
    pub base: String,
    /// The admin token (dana) the banner printed.
    pub token: String,
    /// The one-time sign-in path the banner printed (dana, admin).
    pub login: String,
}

impl Demo {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for file in ["baton.db", "baton.db-wal"] {
            let from = seeded().join(file);
            if from.exists() {
                std::fs::copy(&from, dir.path().join(file)).unwrap();
            }
        }
        let (server, banner) = Self::serve(dir.path());
        let base = format!("http://{}", common::address_of(&banner[0]));
        let token = banner[1]
            .strip_prefix("admin token (dana): ")
            .unwrap_or_else(|| panic!("an admin token line: {}", banner[1]))
            .to_owned();
        let login = banner[3]
            .split_once(&base)
            .map(|(_, path)| path.to_owned())
            .unwrap_or_else(|| panic!("a sign-in link line: {}", banner[3]));
        Self {
            dir,
            _server: server,
            base,
            token,
            login,
        }
    }

    /// Starts the server in `dir`; its banner's four lines.
    fn serve(dir: &Path) -> (KillOnDrop, Vec<String>) {
        let mut server = common::spawn(
            Command::new(env!("CARGO_BIN_EXE_baton"))
                .args([
                    "serve",
                    "--demo",
                    "--listen",
                    "127.0.0.1:0",
                    "--clock",
                    CLOCK,
                ])
                .current_dir(dir)
                .env_remove("BATON_DB")
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let lines = BufReader::new(server.stdout.take().unwrap())
            .lines()
            .take(4)
            .map(Result::unwrap)
            .collect();
        (server, lines)
    }

    /// The URL of the store this demo serves, for the CLI beside it.
    pub fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("baton.db").display())
    }

    /// Runs the CLI on this demo's store; its stdout, after asserting it
    /// succeeded.
    pub fn baton(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .current_dir(self.dir.path())
            .env("BATON_DB", self.db())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "baton {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A one-time sign-in path for `person` in `role`.
    pub fn login_for(&self, person: &str, role: &str) -> String {
        let link = self.baton(&[
            "token", "create", "--person", person, "--role", role, "--login", "--url", &self.base,
        ]);
        link.trim()
            .strip_prefix(&self.base)
            .unwrap_or_else(|| panic!("a link to {}: {link}", self.base))
            .to_owned()
    }

    /// `GET path` on the API as the admin: its JSON.
    pub fn api(&self, path: &str) -> Value {
        let address = self.base.trim_start_matches("http://");
        let (status, body) = common::http(address, "GET", path, Some(&self.token), None);
        assert_eq!(status, 200, "{path}: {body}");
        common::json_of(&body)
    }

    /// `GET path` on the API as the admin: its body as text.
    pub fn api_text(&self, path: &str) -> String {
        let address = self.base.trim_start_matches("http://");
        let (status, body) = common::http(address, "GET", path, Some(&self.token), None);
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

/// A console message the page logged.
#[derive(Clone, Debug)]
pub struct Logged {
    pub level: String,
    pub message: String,
}

/// ChromeDriver's log endpoint (not in W3C WebDriver): the browser
/// console since the last call.
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// Headless Chromium behind its own chromedriver.
pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: KillOnDrop,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group: take Chromium with it.
        // (`kill -KILL -PGID` without `--` signals process group 9 with
        // procps-ng 4.0.2's kill.)
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.driver.id())])
            .status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// A fresh browser at `width`×`height`, pointed at `demo`.
    pub async fn open(demo: &Demo) -> Self {
        Self::sized(demo, 1280, 800).await
    }

    pub async fn sized(demo: &Demo, width: u32, height: u32) -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver ({e}): the README's test command installs chromium-driver")
            });
        let driver = KillOnDrop(driver);
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        base: demo.base.clone(),
                        driver,
                        _profile: profile,
                    };
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("no WebDriver session from chromedriver: {last:?}");
    }

    /// Opens `path` and waits for it to load.
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    /// Signs in through a one-time link path; ends any session before.
    pub async fn sign_in(&self, link: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.goto(link).await;
        assert_eq!(self.path().await, "/", "a sign-in link lands on Now");
    }

    /// The path (and query) the browser shows.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The console since the last call.
    pub async fn console(&self) -> Vec<Logged> {
        let logged = self.client.issue_cmd(ConsoleLog).await.unwrap();
        logged
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| Logged {
                        level: e["level"].as_str().unwrap_or_default().to_owned(),
                        message: e["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Fills the fields of the form matching `form` (a CSS selector) and
    /// submits it with its button; waits for the next page.
    pub async fn submit(&self, form: &str, fields: &[(&str, &str)]) {
        let f = match self.client.form(Locator::Css(form)).await {
            Ok(f) => f,
            Err(e) => panic!("no form `{form}` on {}: {e}", self.path().await),
        };
        for (name, value) in fields {
            f.set_by_name(name, value)
                .await
                .unwrap_or_else(|e| panic!("no field `{name}` in `{form}`: {e}"));
        }
        // Mark this page, so the next one is known by the mark's absence.
        self.client
            .execute("window.__batonOld = true; return 1;", vec![])
            .await
            .unwrap();
        f.submit().await.unwrap();
        self.wait_for_next_page().await;
    }

    /// Waits until the marked page has been replaced and the new one has
    /// loaded.
    async fn wait_for_next_page(&self) {
        let script = "return window.__batonOld !== true && document.readyState === 'complete';";
        for _ in 0..200 {
            if self.client.execute(script, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no new page after submitting a form");
    }

    /// The text of each cell of the table matching `css`, row by row; a
    /// cell with a `data-value` gives that instead.
    pub async fn table(&self, css: &str) -> Vec<Vec<String>> {
        let script = r#"
            const table = document.querySelector(arguments[0]);
            if (!table) return null;
            return [...table.querySelectorAll('tbody tr')].map(tr =>
                [...tr.children].map(td => td.dataset.value ?? td.textContent.trim()));
        "#;
        let rows = self.client.execute(script, vec![json!(css)]).await.unwrap();
        serde_json::from_value(rows.clone()).unwrap_or_else(|_| panic!("no table `{css}`: {rows}"))
    }

    /// The headline figures of a metrics page, name to value.
    pub async fn headline(&self) -> std::collections::BTreeMap<String, String> {
        let script = r#"
            return [...document.querySelectorAll('dl.headline > div')].map(d =>
                [d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()]);
        "#;
        let pairs = self.client.execute(script, vec![]).await.unwrap();
        let pairs: Vec<(String, String)> = serde_json::from_value(pairs).unwrap();
        pairs.into_iter().collect()
    }

    /// The paths of the forms on the page that post.
    pub async fn post_forms(&self) -> Vec<String> {
        let script = r#"
            return [...document.querySelectorAll('form')]
              .filter(f => f.method.toLowerCase() === 'post')
              .map(f => new URL(f.action).pathname);
        "#;
        let found = self.client.execute(script, vec![]).await.unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// The decision number of the decision page the browser shows.
    pub async fn decision_id(&self) -> i64 {
        let path = self.path().await;
        path.strip_prefix("/decisions/")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a decision page: {path}"))
    }
}
