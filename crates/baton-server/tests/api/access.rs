use crate::common::*;

#[tokio::test]
async fn without_a_token_everything_is_401() {
    each_backend(|app| async move {
        let (status, body, content_type) = app
            .call(None, reqwest::Method::GET, "/api/v1/decisions", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "unauthorized");
        assert_eq!(content_type, "application/problem+json");
        let (status, _, _) = app.call(None, reqwest::Method::GET, "/healthz", None).await;
        assert_eq!(status, StatusCode::OK);
        // Every operation the OpenAPI document marks as secured refuses a
        // caller without a token — which also keeps the document honest.
        let document = baton_server::openapi::document();
        let mut checked = 0;
        for (path, operations) in document["paths"].as_object().unwrap() {
            let concrete = path
                .replace("{id}", "1")
                .replace("{team}", "platform")
                .replace("{name}", "on-call");
            for (method, operation) in operations.as_object().unwrap() {
                if operation.get("security").is_none() {
                    continue;
                }
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let (status, body, _) = app
                    .call(None, method.clone(), &concrete, Some(json!({})))
                    .await;
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {concrete}: {body}"
                );
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} secured operations");
    })
    .await;
}

#[tokio::test]
async fn a_viewer_cannot_write() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "sam",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    })
    .await;
}

#[tokio::test]
async fn bad_bodies_are_named() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("title"), "{body}");
        let (status, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::POST,
                "/api/v1/decisions/1/decide",
                Some(json!({"option": "x", "rationale": "y", "confidence": 3})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let huge = "x".repeat(baton_server::BODY_LIMIT + 10);
        let (status, _) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": huge}),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        // A form body over the limit too (read whole by the NUL check).
        let form = app
            .http
            .post(format!("{}/login", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={huge}"))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let (status, body) = app
            .post("ana", "/api/v1/decisions/1/dance", json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    })
    .await;
}

/// What `/openapi.json` promises about a request is what the server
/// takes: a number written as `4.0` is the integer 4, and every range and
/// pattern the document gives a query or path is enforced, not clamped.
#[tokio::test]
async fn requests_are_taken_and_refused_as_the_document_describes_them() {
    each_backend(|app| async move {
        let d = app.open_incident("floats").await;
        let id = d["id"].as_i64().unwrap();
        let (status, body) = app
            .post(
                "kim",
                &format!("/api/v1/decisions/{id}/position"),
                json!({"option": "keep", "rationale": "it works", "confidence": 4.0}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "an integral float is an integer: {body}");
        let (status, body) = app
            .post(
                "raj",
                &format!("/api/v1/decisions/{id}/position"),
                json!({"option": "keep", "rationale": "it works", "confidence": 4.5}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "4.5 is no confidence: {body}");
        // Free-form context keeps the number as it was written.
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": "ctx",
                       "context": {"share": 5.0, "rows": 5, "tags": [2.0]}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body["context"]["share"].is_f64(), "{body}");
        assert!(body["context"]["rows"].is_i64(), "{body}");
        assert!(body["context"]["tags"][0].is_f64(), "{body}");

        for (who, path) in [
            ("sam", "/api/v1/decisions?limit=0"),
            ("sam", "/api/v1/decisions?limit=501"),
            ("sam", "/api/v1/decisions?offset=-1"),
            ("sam", "/api/v1/decisions?status="),
            ("sam", "/api/v1/audit?limit=1001"),
            ("sam", "/api/v1/audit?after=-1"),
            ("sam", "/api/v1/audit/verify?head="),
            ("sam", "/api/v1/audit/verify?head=+1:0000000000000000000000000000000000000000000000000000000000000000"),
            ("dana", "/api/v1/webhooks/1/deliveries?limit=-5"),
            ("dana", "/api/v1/webhooks/0/deliveries"),
            ("sam", "/api/v1/surveys/0"),
        ] {
            let (status, body) = app.get(who, path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        }
        let (status, body) = app.get("sam", "/api/v1/decisions?limit=500&status=routed").await;
        assert_eq!(status, StatusCode::OK, "the range's end is in it: {body}");
    })
    .await;
}

/// PostgreSQL cannot store U+0000 in text, and answered 500 for a survey
/// title or a `?person=` holding it: both backends now refuse it alike,
/// before anything reaches the store.
#[tokio::test]
async fn a_nul_character_is_refused_alike_on_both_backends() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "dana",
                "/api/v1/surveys",
                json!({"team": "platform", "title": "before\u{0}after"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("`title`"),
            "{body}"
        );
        for path in ["/api/v1/breaks?person=a%00b", "/api/v1/decisions?text=x%00"] {
            let (status, body) = app.get("sam", path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        }
        let (status, surveys) = app.get("sam", "/api/v1/surveys").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !surveys.to_string().contains("before"),
            "nothing stored: {surveys}"
        );
    })
    .await;
}

#[tokio::test]
async fn every_error_is_a_problem_document_even_from_the_framework() {
    each_backend(|app| async move {
        for (path, status, code) in [
            (
                "/api/v1/decisions/abc",
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "/api/v1/metrics?from=yesterday",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/decisions?stauts=open",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/alerts?teem=platform",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            ("/api/v1/nothing-here", StatusCode::NOT_FOUND, "not_found"),
        ] {
            let (got, body, content_type) = app
                .call(Some("ana"), reqwest::Method::GET, path, None)
                .await;
            assert_eq!(got, status, "{path}: {body}");
            assert_eq!(content_type, "application/problem+json", "{path}");
            assert_eq!(body["code"], code, "{path}: {body}");
            assert!(
                !body["detail"].as_str().unwrap().is_empty(),
                "{path}: {body}"
            );
        }
        let (_, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::GET,
                "/api/v1/metrics?from=yesterday",
                None,
            )
            .await;
        assert!(body["detail"].as_str().unwrap().contains("from"), "{body}");
        // A misspelt parameter is named rather than silently ignored.
        let (_, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::GET,
                "/api/v1/decisions?stauts=open",
                None,
            )
            .await;
        assert!(
            body["detail"].as_str().unwrap().contains("stauts"),
            "{body}"
        );
        let (got, body, content_type) = app
            .call(
                Some("ana"),
                reqwest::Method::DELETE,
                "/api/v1/resolve",
                None,
            )
            .await;
        assert_eq!(got, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert_eq!(content_type, "application/problem+json");
    })
    .await;
}

/// A server on an empty SQLite store with connection `limits`: its address,
/// and the directory to keep while it runs.
async fn serve_with(limits: baton_server::Limits) -> (std::net::SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::connect(&format!("sqlite://{}", dir.path().join("b.db").display()))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(baton_server::run_with(
        listener,
        AppState::new(service),
        std::future::pending(),
        limits,
    ));
    (address, dir)
}

#[tokio::test]
async fn a_client_that_trickles_its_request_head_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (address, _dir) = serve_with(baton_server::Limits {
        header_read: std::time::Duration::from_millis(500),
        ..baton_server::Limits::default()
    })
    .await;

    // A well-behaved client is answered.
    let mut fine = tokio::net::TcpStream::connect(address).await.unwrap();
    fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // One that never finishes its head is disconnected, not waited on.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the connection was still open after 5 s");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
}

/// Reads one answer (head and a `Content-Length` body) off `conn`.
async fn read_answer(conn: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        assert_eq!(conn.read(&mut byte).await.unwrap(), 1, "closed mid-answer");
        seen.push(byte[0]);
    }
    let head = String::from_utf8(seen).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).await.unwrap();
    head + &String::from_utf8_lossy(&body)
}

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_head_read_limit_and_is_told_its_own() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (address, _dir) = serve_with(baton_server::Limits {
        header_read: std::time::Duration::from_millis(300),
        keep_alive: std::time::Duration::from_secs(2),
        ..baton_server::Limits::default()
    })
    .await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut conn = tokio::net::TcpStream::connect(address).await.unwrap();
    conn.write_all(request).await.unwrap();
    let first = read_answer(&mut conn).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        first
            .to_ascii_lowercase()
            .contains("keep-alive: timeout=2\r\n"),
        "{first}"
    );
    // Idle longer than a head may take to arrive, shorter than keep-alive.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    conn.write_all(request).await.unwrap();
    let second = read_answer(&mut conn).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    // Idle past keep-alive: the server closes it.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        conn.read_to_end(&mut rest),
    )
    .await;
    assert!(matches!(closed, Ok(Ok(0))), "{closed:?}");
}

#[tokio::test]
async fn an_oversized_body_sent_without_waiting_for_100_continue_gets_its_413() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app(&format!("sqlite://{}", dir.path().join("o.db").display())).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    // As Python's urllib sends it: the head, then the whole body at once,
    // reading nothing until it is all sent.
    let body = vec![b' '; baton_server::BODY_LIMIT * 8];
    let mut conn = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/resolve HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.tokens["ana"],
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let sent = conn.write_all(&body).await;
    assert!(sent.is_ok(), "the body could not be sent: {sent:?}");
    let answer = read_answer(&mut conn).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("payload_too_large") || answer.contains("too_large"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_instant_at_the_end_of_time_is_refused_not_a_crash() {
    each_backend(|app| async move {
        for at in ["+262142-12-31T12:00:00Z", "-262141-01-01T00:00:00Z"] {
            let (status, body) = app
                .post(
                    "ana",
                    "/api/v1/resolve",
                    json!({"team": "platform", "type": "architecture", "at": at}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{at}: {body}");
            assert_eq!(body["code"], "invalid_request", "{at}: {body}");
        }
    })
    .await;
}
