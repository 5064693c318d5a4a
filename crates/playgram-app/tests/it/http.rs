//! HTTP conventions: errors in the envelope, body limits, CSRF, request ids, security headers and
//! the operational endpoints.

use playgram_testkit::{Settings, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn malformed_requests_get_clear_errors(app: TestApp) {
    let client = app.bare();
    let post = |body: &'static str, content_type: Option<&str>| {
        let mut request = client
            .request(Method::POST, "/api/v1/auth/login")
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        client.send(request)
    };
    post("{\"email\": ", Some("application/json"))
        .await
        .err(400, "invalid_json");
    let shape = post("{\"email\": 5, \"password\": []}", Some("application/json"))
        .await
        .err(422, "validation_failed");
    assert!(
        shape["message"].as_str().unwrap().contains("expected"),
        "{shape}"
    );
    post("{\"email\": \"a@b.c\"}", Some("application/json"))
        .await
        .err(422, "validation_failed");
    post("{\"email\": \"a@b.c\", \"password\": \"x\"}", None)
        .await
        .err(415, "unsupported_media_type");
    post("email=a", Some("text/plain"))
        .await
        .err(415, "unsupported_media_type");

    client
        .get("/api/v1/no-such-thing")
        .await
        .err(404, "not_found");
    client
        .post("/api/v1/no/such/thing", json!({}))
        .await
        .err(404, "not_found");
    client
        .delete("/api/v1/me")
        .await
        .err(405, "method_not_allowed");
    client.get("/api/v1/me").await.err(401, "unauthenticated");
}
both!(malformed_requests_get_clear_errors);

async fn oversized_bodies_are_refused_in_the_envelope(app: TestApp) {
    let big = json!({ "email": "a".repeat(2_000), "password": "x" });
    // With a Content-Length: refused before the body is read.
    app.bare()
        .post("/api/v1/auth/login", big.clone())
        .await
        .err(413, "payload_too_large");
    // Chunked, with no length given: refused by the body limit while reading, on every endpoint
    // that reads a body (the rotation endpoint reads raw bytes, not JSON).
    let owner = app.owner().await;
    let (id, secret) = app
        .create_api_key(&owner.browser, &["api_keys:write"])
        .await;
    let chunked = big.to_string();
    for path in [
        "/api/v1/auth/login".to_owned(),
        format!("/api/v1/api-keys/{id}/rotate"),
    ] {
        let response = post_chunked(&app, &path, &secret, &chunked).await;
        assert!(response.starts_with("HTTP/1.1 413"), "{path}: {response}");
        assert!(
            response.contains("\"code\":\"payload_too_large\""),
            "{path}: {response}"
        );
    }
    // Just under the limit is fine (it reaches the handler, which refuses the login).
    app.bare()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "a@example.com", "password": "x".repeat(900) }),
        )
        .await
        .err(401, "invalid_credentials");
}
/// Sends a body with `Transfer-Encoding: chunked` (no length announced) over a raw connection.
async fn post_chunked(app: &TestApp, path: &str, api_key: &str, body: &str) -> String {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {api_key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        app.address(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(app.address()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

both!(
    oversized_bodies_are_refused_in_the_envelope,
    Settings::new().set("max_body_bytes", 1024)
);

async fn cookie_writes_need_same_origin_or_the_csrf_token(app: TestApp) {
    let owner = app.owner().await;
    let rename = |name: &str| json!({ "name": name });
    let name_now = || async { owner.browser.get("/api/v1/me").await.ok()["user"]["name"].clone() };

    // A page on another site posting with the person's cookie.
    let evil = owner.browser.with_origin("https://evil.example");
    evil.patch("/api/v1/me", rename("Evil"))
        .await
        .err(403, "csrf_failed");
    let cross_site = owner
        .browser
        .request(Method::PATCH, "/api/v1/me")
        .header("sec-fetch-site", "cross-site")
        .json(&rename("Evil"));
    owner.browser.send(cross_site).await.err(403, "csrf_failed");
    // Login CSRF: signing someone into an attacker's account is refused too.
    app.bare()
        .with_origin("https://evil.example")
        .post(
            "/api/v1/auth/login",
            json!({ "email": owner.email, "password": "x" }),
        )
        .await
        .err(403, "csrf_failed");

    // No Origin and no Sec-Fetch-Site: only the session's CSRF token will do.
    let script = owner.browser.without_origin();
    script
        .patch("/api/v1/me", rename("Script"))
        .await
        .err(403, "csrf_failed");
    let wrong_token = script
        .request(Method::PATCH, "/api/v1/me")
        .header("x-csrf-token", "0".repeat(43))
        .json(&rename("Script"));
    script.send(wrong_token).await.err(403, "csrf_failed");
    assert_eq!(name_now().await, "owner");
    let with_token = script
        .request(Method::PATCH, "/api/v1/me")
        .header("x-csrf-token", &owner.csrf_token)
        .json(&rename("Script"));
    script.send(with_token).await.ok();
    assert_eq!(name_now().await, "Script");

    // Our own origin, or Sec-Fetch-Site: same-origin, is what browsers send from our pages.
    owner
        .browser
        .patch("/api/v1/me", rename("Same Origin"))
        .await
        .ok();
    let same_site = script
        .request(Method::PATCH, "/api/v1/me")
        .header("sec-fetch-site", "same-origin")
        .json(&rename("Fetch Metadata"));
    script.send(same_site).await.ok();
    assert_eq!(name_now().await, "Fetch Metadata");

    // Page handlers that read the cookie themselves are covered by the same check.
    let logout = script.request(Method::POST, "/logout");
    let refused = script.send(logout).await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
    owner.browser.get("/api/v1/me").await.ok();

    // An API key is not an ambient credential: no Origin needed.
    let (_, secret) = app.create_api_key(&owner.browser, &["members:write"]).await;
    app.api(&secret)
        .post(
            "/api/v1/invites",
            json!({ "email": "x@example.com", "role": "viewer" }),
        )
        .await
        .ok_with(201);
}
both!(cookie_writes_need_same_origin_or_the_csrf_token);

async fn request_ids_and_security_headers(app: TestApp) {
    let client = app.bare();
    let reply = client.get("/api/v1/me").await;
    let id = reply
        .header("x-request-id")
        .expect("a request id")
        .to_owned();
    assert!(id.starts_with("req_"), "{id}");
    assert_eq!(reply.envelope()["meta"]["request_id"], id.as_str());

    let sent = client
        .request(Method::GET, "/healthz")
        .header("x-request-id", "lb-1234.abc:xyz");
    let reply = client.send(sent).await;
    assert_eq!(reply.header("x-request-id"), Some("lb-1234.abc:xyz"));
    assert_eq!(reply.envelope()["meta"]["request_id"], "lb-1234.abc:xyz");
    for unsafe_id in ["has spaces", &"x".repeat(65), "quote\"d"] {
        let sent = client
            .request(Method::GET, "/healthz")
            .header("x-request-id", unsafe_id);
        let reply = client.send(sent).await;
        let id = reply.header("x-request-id").unwrap();
        assert!(
            id != unsafe_id && id.starts_with("req_"),
            "{unsafe_id} → {id}"
        );
    }

    for path in ["/healthz", "/api/v1/me", "/api/v1/nope"] {
        let reply = client.get(path).await;
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}: {csp}"
        );
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        assert_eq!(
            reply.header("strict-transport-security"),
            None,
            "plain http: {path}"
        );
    }
}
both!(request_ids_and_security_headers);

async fn health_readiness_and_metrics(app: TestApp) {
    let client = app.bare();
    assert_eq!(client.get("/healthz").await.ok()["status"], "ok");
    let ready = client.get("/readyz").await.ok();
    let database = match app.backend() {
        playgram_testkit::Backend::Sqlite => "sqlite",
        playgram_testkit::Backend::Postgres => "postgres",
    };
    assert_eq!(
        ready,
        json!({ "status": "ready", "database": database, "pending_migrations": 0 })
    );

    let owner = app.owner().await;
    let (id, _) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    owner
        .browser
        .get(&format!("/api/v1/api-keys/{id}"))
        .await
        .ok();
    client
        .get("/api/v1/api-keys/key_nope")
        .await
        .err(401, "unauthenticated");
    let metrics = client.get("/metrics").await;
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = &metrics.text;
    for line in [
        "playgram_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "playgram_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1",
        "playgram_http_requests_total{method=\"POST\",route=\"/api/v1/auth/signup\",status=\"201\"} 1",
        // Routes are labelled by template, never by the id in the URL.
        "playgram_http_requests_total{method=\"GET\",route=\"/api/v1/api-keys/{id}\",status=\"200\"} 1",
        "playgram_http_requests_total{method=\"GET\",route=\"/api/v1/api-keys/{id}\",status=\"401\"} 1",
        "playgram_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1",
        "playgram_db_pool_max_connections 4",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line} in:\n{text}"
        );
    }
    assert!(!text.contains(&id), "no ids in metric labels");
    assert!(text.contains("playgram_db_pool_connections{state=\"open\"}"));
}
both!(health_readiness_and_metrics);

async fn openapi_document_is_served(app: TestApp) {
    let reply = app.bare().get("/api/openapi.json").await;
    assert_eq!(reply.status.as_u16(), 200);
    let doc: Value = serde_json::from_str(&reply.text).expect("JSON");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    for path in [
        "/auth/signup",
        "/api-keys/{id}",
        "/audit-log",
        "/webhook-endpoints/{id}/secret/rotate",
        "/webhook-messages",
        "/request-bins/{id}/stream",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    // The capture URL is public and lives at the site's root, not under the API's server.
    let capture = &doc["paths"]["/bin/{token}"]["post"];
    assert_eq!(capture["servers"][0]["url"], "/");
    assert_eq!(capture["security"], serde_json::json!([]));
}
both!(openapi_document_is_served);

async fn audit_log_pages_with_a_cursor(app: TestApp) {
    let owner = app.owner().await;
    for name in ["One", "Two", "Three"] {
        owner
            .browser
            .patch("/api/v1/workspace", json!({ "name": name }))
            .await
            .ok();
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit-log?action=workspace.renamed&limit=2".to_owned();
    loop {
        let envelope = owner.browser.get(&path).await.envelope();
        for entry in envelope["data"].as_array().unwrap() {
            seen.push(entry["details"]["name"].as_str().unwrap().to_owned());
        }
        match envelope["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/audit-log?action=workspace.renamed&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    // Each entry exactly once across the pages. (Order within one millisecond is not defined: ids
    // are time + random, so only the page walk is checked, not newest-first.)
    seen.sort();
    assert_eq!(seen, ["One", "Three", "Two"]);
    owner
        .browser
        .get("/api/v1/audit-log?cursor=bogus")
        .await
        .err(400, "invalid_cursor");
    owner
        .browser
        .get("/api/v1/audit-log?limit=0")
        .await
        .err(400, "invalid_limit");
}
both!(audit_log_pages_with_a_cursor);
