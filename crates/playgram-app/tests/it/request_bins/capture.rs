//! What a capture URL records: method, sub-path, raw query, headers in order (our own session cookie
//! redacted), text and binary bodies, the size cap; unknown tokens; the per-bin rate limit; and no
//! CSRF refusal for cross-site posts that carry a session cookie.

use playgram_testkit::{Settings, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

use super::{capture, captures_of, create_bin};

async fn captures_record_the_request_as_sent(app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Bin").await;
    let bare = app.bare();

    // A GET with a sub-path, a raw query and headers in the order sent.
    let get = bare
        .request(
            Method::GET,
            &format!("{}/orders/42?x=1&y=a%20b&x=2", bin.path),
        )
        .header("x-first", "1")
        .header("x-second", "two")
        .header("x-third", "3")
        .header("cookie", "theme=dark; pg_session=stolen; lang=en");
    let reply = bare.send(get).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(
        reply
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    assert!(
        reply.header("x-first").is_none() && !reply.text.contains("x-first"),
        "nothing echoed"
    );
    let get_id = serde_json::from_str::<Value>(&reply.text).unwrap()["capture_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(get_id.starts_with("cap_"));

    // A JSON POST on the bin's own URL, a binary PUT below a trailing slash.
    let json_body = r#"{"type":"member.invited","data":{"email":"a@example.com"}}"#;
    let post_id = capture(
        &app,
        bare.request(Method::POST, &bin.path)
            .header("content-type", "application/json")
            .body(json_body),
    )
    .await;
    let binary = vec![0xff_u8, 0x00, 0xfe, 0x01, 0x80];
    let put_id = capture(
        &app,
        bare.request(Method::PUT, &format!("{}/", bin.path))
            .body(binary.clone()),
    )
    .await;

    let captures = captures_of(&owner.browser, &bin).await;
    let ids: Vec<&str> = captures.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [put_id.as_str(), post_id.as_str(), get_id.as_str()],
        "newest first"
    );
    let [put, post, get] = [&captures[0], &captures[1], &captures[2]];

    assert_eq!(
        (&get["method"], &get["path"]),
        (&json!("GET"), &json!("/orders/42"))
    );
    assert_eq!(get["query"], "x=1&y=a%20b&x=2");
    assert_eq!(
        (&get["body_encoding"], &get["body"], &get["body_size"]),
        (&json!("utf8"), &json!(""), &json!(0))
    );
    assert_eq!(get["remote_addr"], "127.0.0.1");
    let names: Vec<&str> = get["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap())
        .collect();
    let at = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("{name} in {names:?}"))
    };
    assert!(
        at("x-first") < at("x-second") && at("x-second") < at("x-third"),
        "{names:?}"
    );
    let header = |c: &Value, name: &str| {
        c["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    assert_eq!(header(get, "x-second").as_deref(), Some("two"));
    assert_eq!(
        header(get, "cookie").as_deref(),
        Some("theme=dark; pg_session=[redacted]; lang=en"),
        "Playgram's own session cookie is never shown to whoever reads the bin"
    );

    assert_eq!(
        (&post["method"], &post["path"], &post["query"]),
        (&json!("POST"), &json!(""), &json!(""))
    );
    assert_eq!(post["body"], json_body);
    assert_eq!(
        (&post["body_encoding"], &post["truncated"]),
        (&json!("utf8"), &json!(false))
    );
    assert_eq!(post["body_size"], json_body.len());
    assert_eq!(
        header(post, "content-type").as_deref(),
        Some("application/json")
    );

    assert_eq!((&put["method"], &put["path"]), (&json!("PUT"), &json!("/")));
    assert_eq!(
        (&put["body_encoding"], &put["body"]),
        (&json!("base64"), &json!("/wD+AYA="))
    );
    assert_eq!(put["body_size"], 5);

    // One capture by id; the bin's counts; clearing.
    let one = owner
        .browser
        .get(&format!(
            "/api/v1/request-bins/{}/captures/{post_id}",
            bin.id
        ))
        .await
        .ok();
    assert_eq!(&one, post);
    owner
        .browser
        .get(&format!(
            "/api/v1/request-bins/{}/captures/cap_nope",
            bin.id
        ))
        .await
        .err(404, "not_found");
    let paged = owner
        .browser
        .get(&format!("/api/v1/request-bins/{}/captures?limit=2", bin.id))
        .await;
    assert_eq!(paged.envelope()["meta"]["next_cursor"], post_id.as_str());
    let older = owner
        .browser
        .get(&format!(
            "/api/v1/request-bins/{}/captures?cursor={post_id}",
            bin.id
        ))
        .await
        .ok();
    assert_eq!(older[0]["id"], get_id.as_str());
    let shown = owner
        .browser
        .get(&format!("/api/v1/request-bins/{}", bin.id))
        .await
        .ok();
    assert_eq!(shown["capture_count"], 3);
    let cleared = owner
        .browser
        .delete(&format!("/api/v1/request-bins/{}/captures", bin.id))
        .await
        .ok();
    assert_eq!(cleared["deleted"], 3);
    assert!(captures_of(&owner.browser, &bin).await.is_empty());
}
both!(captures_record_the_request_as_sent);

async fn large_bodies_are_cut_and_oversized_ones_refused(app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Small").await;
    let bare = app.bare();
    let text = "0123456789abcdefghijklmnopqrstuvwxyz";
    capture(&app, bare.request(Method::POST, &bin.path).body(text)).await;
    capture(
        &app,
        bare.request(Method::POST, &bin.path)
            .body(vec![0xff_u8; 40]),
    )
    .await;
    let captures = captures_of(&owner.browser, &bin).await;
    let (binary, cut) = (&captures[0], &captures[1]);
    assert_eq!(
        (&cut["body"], &cut["truncated"], &cut["body_size"]),
        (&json!("0123456789abcdef"), &json!(true), &json!(36))
    );
    assert_eq!(
        (
            &binary["body_encoding"],
            &binary["truncated"],
            &binary["body_size"]
        ),
        (&json!("base64"), &json!(true), &json!(40))
    );
    assert_eq!(
        binary["body"], "/////////////////////w==",
        "the first 16 bytes"
    );

    // Over the server's own limit: the usual 413, nothing stored.
    let huge = bare
        .send(bare.request(Method::POST, &bin.path).body("z".repeat(5000)))
        .await;
    huge.err(413, "payload_too_large");
    assert_eq!(captures_of(&owner.browser, &bin).await.len(), 2);
}
both!(
    large_bodies_are_cut_and_oversized_ones_refused,
    Settings::new()
        .set("request_bin_max_body_bytes", 16)
        .set("max_body_bytes", 4096)
);

async fn unknown_tokens_are_not_found(app: TestApp) {
    let bare = app.bare();
    let token = playgram_core::crypto::random_token();
    for path in [
        format!("/bin/{token}"),
        format!("/bin/{token}/a"),
        "/bin/short".to_owned(),
    ] {
        bare.get(&path).await.err(404, "not_found");
        bare.call(Method::POST, &path, json!({ "a": 1 }))
            .await
            .err(404, "not_found");
    }
}
both!(unknown_tokens_are_not_found);

async fn a_busy_bin_is_rate_limited_and_stores_nothing_more(app: TestApp) {
    let owner = app.owner().await;
    let busy = create_bin(&owner.browser, "Busy").await;
    let calm = create_bin(&owner.browser, "Calm").await;
    let bare = app.bare();
    for _ in 0..3 {
        capture(&app, bare.request(Method::POST, &busy.path).body("ok")).await;
    }
    let refused = bare
        .send(bare.request(Method::POST, &busy.path).body("too many"))
        .await;
    refused.err(429, "rate_limited");
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "one request per 20 s: {wait}");
    assert_eq!(captures_of(&owner.browser, &busy).await.len(), 3);
    capture(&app, bare.request(Method::POST, &calm.path).body("fine")).await;
}
both!(
    a_busy_bin_is_rate_limited_and_stores_nothing_more,
    Settings::new().set("request_bin_rate_per_minute", 3)
);

/// A capture URL is a cross-site, cookie-less target by nature: a browser that holds a Playgram
/// session and posts to it from another site must be recorded, not refused as CSRF. Nothing else is
/// exempt: the same post to the API is still refused.
async fn captures_are_never_refused_for_csrf(app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Cross-site").await;
    let evil = owner.browser.with_origin("https://elsewhere.example");
    let sent = [
        evil.request(Method::POST, &bin.path)
            .header("sec-fetch-site", "cross-site")
            .body("a=1"),
        evil.request(Method::POST, &bin.path).body("a=2"),
        owner
            .browser
            .without_origin()
            .request(Method::DELETE, &format!("{}/x", bin.path)),
    ];
    for builder in sent {
        let reply = owner.browser.send(builder).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    }
    let captures = captures_of(&owner.browser, &bin).await;
    assert_eq!(captures.len(), 3);
    let cookie = captures[2]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "cookie")
        .cloned();
    assert_eq!(
        cookie
            .and_then(|h| h[1].as_str().map(str::to_owned))
            .as_deref(),
        Some("pg_session=[redacted]")
    );
    let refused = owner.browser.send(
        evil.request(Method::POST, "/api/v1/request-bins")
            .header("sec-fetch-site", "cross-site")
            .json(&json!({ "name": "x" })),
    );
    refused.await.err(403, "csrf_failed");
}
both!(captures_are_never_refused_for_csrf);
