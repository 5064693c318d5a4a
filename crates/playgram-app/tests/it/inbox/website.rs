//! The website chat: the widget's script, the chat URLs with their origin rules and CORS, the
//! visitor's signed token, messages stored once and answered live, files, the offline form and
//! the rate limit.

use std::time::Duration;

use playgram_testkit::{Client, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

use super::{conversations, messages};

const SITE: &str = "https://shop.example.com";

async fn website_channel(api: &Client) -> String {
    let channel = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "website", "name": "Shop chat", "color": "#0a7d5a",
                    "greeting": "Ask us anything", "allowed_origins": [SITE] }),
        )
        .await
        .ok_with(201);
    channel["id"].as_str().unwrap().to_owned()
}

/// A visitor's request from the shop's pages, with their token when they have one.
async fn visit(
    visitor: &Client,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> playgram_testkit::Reply {
    let mut request = visitor.request(method, path).header("origin", SITE);
    if let Some(token) = token {
        request = request.header("x-playgram-visitor", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    visitor.send(request).await
}

async fn say(visitor: &Client, channel: &str, token: Option<&str>, id: &str, text: &str) -> Value {
    let reply = visit(
        visitor,
        Method::POST,
        &format!("/chat/{channel}/messages"),
        token,
        Some(json!({ "client_id": id, "text": text })),
    )
    .await;
    reply.ok_with(201)
}

async fn a_visitor_chats_with_the_team_live(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = website_channel(api).await;
    let visitor = app.bare();
    let me = owner.id.clone();
    let offline = visit(
        &visitor,
        Method::GET,
        &format!("/chat/{channel}/config"),
        None,
        None,
    )
    .await
    .ok();
    assert_eq!(
        offline["online"], false,
        "nobody said they are available yet"
    );
    api.patch(
        &format!("/api/v1/inbox/agents/{me}"),
        json!({ "available": true }),
    )
    .await
    .ok();

    let script = visitor.get("/widget.js").await;
    assert_eq!(script.status.as_u16(), 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text.contains("attachShadow") && script.text.len() < 20_000);

    let config = visit(
        &visitor,
        Method::GET,
        &format!("/chat/{channel}/config"),
        None,
        None,
    )
    .await;
    assert_eq!(config.header("access-control-allow-origin"), Some(SITE));
    let config = config.ok();
    assert_eq!(
        (
            config["name"].as_str(),
            config["color"].as_str(),
            config["online"].as_bool()
        ),
        (Some("Shop chat"), Some("#0a7d5a"), Some(true))
    );
    let elsewhere = visitor
        .send(
            visitor
                .request(Method::GET, &format!("/chat/{channel}/config"))
                .header("origin", "https://evil.example"),
        )
        .await;
    elsewhere.err(403, "origin_not_allowed");
    let preflight = visitor
        .send(
            visitor
                .request(Method::OPTIONS, &format!("/chat/{channel}/messages"))
                .header("origin", SITE)
                .header("access-control-request-method", "POST"),
        )
        .await;
    assert_eq!(preflight.status.as_u16(), 204);
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("x-playgram-visitor")
    );

    // The first message makes the visitor, their contact and conversation; a retry is stored once.
    let first = say(
        &visitor,
        &channel,
        None,
        "c1",
        "Hello, do you ship to Lyon?",
    )
    .await;
    let token = first["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("v_"));
    let again = say(
        &visitor,
        &channel,
        Some(&token),
        "c1",
        "Hello, do you ship to Lyon?",
    )
    .await;
    assert_eq!(again["message_id"], first["message_id"]);
    say(&visitor, &channel, Some(&token), "c2", "Also Marseille").await;
    let list = conversations(api).await;
    assert_eq!(list.len(), 1);
    let conversation = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["channel_id"], channel.as_str());
    let thread = messages(api, &conversation).await;
    assert_eq!(thread.len(), 2);
    assert!(thread.iter().all(|m| m["direction"] == "in"));

    // A forged token is refused, not silently replaced.
    let forged = format!("v_0000{}", &token[token.find('.').unwrap()..]);
    visit(
        &visitor,
        Method::POST,
        &format!("/chat/{channel}/messages"),
        Some(&forged),
        Some(json!({ "client_id": "c3", "text": "hi" })),
    )
    .await
    .err(401, "invalid_visitor");

    // The agent's reply reaches the open stream; notes never do.
    let stream = reqwest::Client::new()
        .get(visitor.url(&format!("/chat/{channel}/stream?token={token}")))
        .header("origin", SITE)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status().as_u16(), 200);
    let mut body = stream;
    api.post(
        &format!("/api/v1/conversations/{conversation}/notes"),
        json!({ "text": "VIP" }),
    )
    .await
    .ok_with(201);
    let reply = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "text": "Yes, both!" }),
        )
        .await
        .ok_with(202);
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        let mut text = String::new();
        while let Some(chunk) = body.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: message") && text.contains(reply["id"].as_str().unwrap()) {
                return text;
            }
        }
        text
    })
    .await
    .expect("the reply announced on the stream");
    assert!(!seen.contains("VIP"));
    let read = visit(
        &visitor,
        Method::GET,
        &format!("/chat/{channel}/messages"),
        Some(&token),
        None,
    )
    .await
    .ok();
    let shown: Vec<(&str, &str)> = read["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from"].as_str().unwrap(), m["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("visitor", "Hello, do you ship to Lyon?"),
            ("visitor", "Also Marseille"),
            ("agent", "Yes, both!")
        ]
    );
    assert_eq!(read["messages"][2]["author"], "owner");

    // Another visitor sees nothing of it.
    let other = say(&app.bare(), &channel, None, "o1", "Hi").await;
    let theirs = visit(
        &visitor,
        Method::GET,
        &format!("/chat/{channel}/messages"),
        other["token"].as_str(),
        None,
    )
    .await
    .ok();
    assert_eq!(theirs["messages"].as_array().unwrap().len(), 1);
}
both!(a_visitor_chats_with_the_team_live);

async fn files_the_offline_form_and_the_rate_limit(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = website_channel(api).await;
    let visitor = app.bare();
    let first = say(&visitor, &channel, None, "a1", "I have a photo").await;
    let token = first["token"].as_str().unwrap().to_owned();

    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let upload = visitor
        .send(
            visitor
                .request(
                    Method::POST,
                    &format!("/chat/{channel}/uploads?name=dent.png&client_id=f1"),
                )
                .header("origin", SITE)
                .header("x-playgram-visitor", &token)
                .header("content-type", "image/png")
                .body(png.clone()),
        )
        .await
        .ok_with(201);
    let refused = visitor
        .send(
            visitor
                .request(
                    Method::POST,
                    &format!("/chat/{channel}/uploads?name=run.exe&client_id=f2"),
                )
                .header("origin", SITE)
                .header("x-playgram-visitor", &token)
                .body(b"MZ\x90\0binary".to_vec()),
        )
        .await;
    refused.err(415, "file_type_refused");
    let conversation = conversations(api).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = messages(api, &conversation)
        .await
        .into_iter()
        .find(|m| m["id"] == upload["message_id"])
        .unwrap();
    assert_eq!(
        (image["kind"].as_str(), image["text"].as_str()),
        (Some("image"), Some("dent.png"))
    );
    let file = image["content"]["file_id"].as_str().unwrap();
    let fetched = visitor
        .get(&format!("/chat/{channel}/files/{file}?token={token}"))
        .await;
    assert_eq!(fetched.status.as_u16(), 200);
    assert_eq!(fetched.header("content-type"), Some("image/png"));
    let other = say(&app.bare(), &channel, None, "b1", "Hi").await;
    let stolen = visitor
        .get(&format!(
            "/chat/{channel}/files/{file}?token={}",
            other["token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stolen.status.as_u16(), 404);
    let page = api.get(&format!("/app/inbox?c={conversation}")).await;
    assert!(
        page.text.contains(&format!("/app/inbox/files/{file}")),
        "{}",
        page.text
    );
    assert_eq!(
        api.get(&format!("/app/inbox/files/{file}"))
            .await
            .status
            .as_u16(),
        200
    );

    // Nobody available: the widget's offline form lands in the inbox with the email kept.
    let me = owner.id.clone();
    api.patch(
        &format!("/api/v1/inbox/agents/{me}"),
        json!({ "available": false }),
    )
    .await
    .ok();
    let config = visit(
        &visitor,
        Method::GET,
        &format!("/chat/{channel}/config"),
        None,
        None,
    )
    .await
    .ok();
    assert_eq!(config["online"], false);
    let stranger = app.bare();
    visit(
        &stranger,
        Method::POST,
        &format!("/chat/{channel}/offline"),
        None,
        Some(
            json!({ "client_id": "x1", "name": "Zoë", "email": "not-an-email", "text": "Call me" }),
        ),
    )
    .await
    .err(422, "validation_failed");
    let left = visit(&stranger, Method::POST, &format!("/chat/{channel}/offline"), None,
        Some(json!({ "client_id": "x1", "name": "Zoë Martin", "email": "zoe@example.com", "text": "Call me" })))
        .await
        .ok_with(201);
    assert!(left["token"].is_string());
    let found = api.get("/api/v1/contacts?q=zoe@example.com").await.ok();
    assert_eq!(found[0]["name"], "Zoë Martin");
    assert_eq!(found[0]["emails"], json!(["zoe@example.com"]));

    // 20 messages a minute per visitor.
    let mut limited = None;
    for n in 0..25 {
        let reply = visit(
            &visitor,
            Method::POST,
            &format!("/chat/{channel}/messages"),
            Some(&token),
            Some(json!({ "client_id": format!("r{n}"), "text": "spam" })),
        )
        .await;
        if reply.status.as_u16() == 429 {
            limited = Some(reply);
            break;
        }
    }
    let limited = limited.expect("the limit applies");
    assert!(limited.header("retry-after").is_some());
}
both!(files_the_offline_form_and_the_rate_limit);

async fn the_cookie_counts_only_for_the_channels_sites_and_big_files_fit(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    // A channel that names no site: any page may chat, but only with the token it was given.
    let open = api
        .post("/api/v1/channels", json!({ "kind": "website" }))
        .await
        .ok_with(201);
    let channel = open["id"].as_str().unwrap();
    let visitor = app.bare();
    let first = say(&visitor, channel, None, "c1", "My order number is 1234").await;
    let token = first["token"].as_str().unwrap();
    let cookie = format!("pg_chat={token}");
    let read = |origin: Option<&'static str>| {
        let mut request = visitor
            .request(Method::GET, &format!("/chat/{channel}/messages"))
            .header("cookie", cookie.clone());
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        visitor.send(request)
    };
    // Another site's page, riding on the visitor's cookie, reads nothing.
    let stolen = read(Some("https://evil.example")).await.ok();
    assert_eq!(stolen["messages"], json!([]));
    // Without an Origin (the chat's own pages, a script) the cookie is the visitor.
    let own = read(None).await.ok();
    assert_eq!(own["messages"].as_array().unwrap().len(), 1);

    // Files up to 10 MB pass the server's general body limit.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(3 * 1024 * 1024, 0);
    let upload = visitor
        .send(
            visitor
                .request(
                    Method::POST,
                    &format!("/chat/{channel}/uploads?name=big.png&client_id=b1"),
                )
                .header("x-playgram-visitor", token)
                .body(big),
        )
        .await;
    assert_eq!(upload.status.as_u16(), 201, "{}", upload.text);

    // The website chat has no buttons; nothing is stored for a refused reply.
    let conversation = conversations(api).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "text": "Pick one", "buttons": [{ "id": "a", "title": "A" }] }),
    )
    .await
    .err(422, "validation_failed");
    assert_eq!(messages(api, &conversation).await.len(), 2);
}
both!(the_cookie_counts_only_for_the_channels_sites_and_big_files_fit);
