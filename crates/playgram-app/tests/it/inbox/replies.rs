//! Replies through the real Graph client against the fake Meta: text, media, buttons and
//! templates in Meta's documented request shapes; the 24-hour window (and the 7-day HUMAN_AGENT
//! tag); every documented error code mapped to what a person can do; statuses after sending;
//! the channel's connection test.

use std::time::Duration;

use playgram_testkit::{FakeMeta, TestApp};
use serde_json::{Value, json};

use super::{deliver_parsed, fixture, messages, meta_channel, only_thread};
use crate::with_meta;

/// A WhatsApp channel and one conversation with a customer who just wrote; returns
/// (channel id, conversation id).
pub(super) async fn fresh_whatsapp(
    app: &TestApp,
    api: &playgram_testkit::Client,
) -> (String, String) {
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap().to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = String::from_utf8(fixture("whatsapp/webhooks/inbound_text.json"))
        .unwrap()
        .replace("\"1749416383\"", &format!("\"{now}\""));
    deliver_parsed(app, "whatsapp", &id, body.as_bytes()).await;
    let (conversation, _) = only_thread(api).await;
    (id, conversation["id"].as_str().unwrap().to_owned())
}

/// Waits until the message leaves `queued`; returns it.
pub(super) async fn settled(api: &playgram_testkit::Client, conversation: &str, id: &str) -> Value {
    crate::jobs::eventually(
        "the reply to be sent or fail",
        Duration::from_secs(20),
        || async {
            messages(api, conversation)
                .await
                .into_iter()
                .find(|m| m["id"] == id && m["status"] != "queued")
        },
    )
    .await
}

pub(super) async fn send(api: &playgram_testkit::Client, conversation: &str, body: Value) -> Value {
    let reply = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            body,
        )
        .await;
    assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
    reply.ok_with(202)
}

async fn replies_go_out_in_metas_shapes_and_statuses_follow(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (channel, conversation) = fresh_whatsapp(&app, api).await;
    let queued = send(
        api,
        &conversation,
        json!({ "text": "Yes, in blue and green." }),
    )
    .await;
    assert_eq!(
        (queued["status"].as_str(), queued["direction"].as_str()),
        (Some("queued"), Some("out"))
    );
    assert_eq!(queued["author_id"], json!(owner.id));
    let sent = settled(api, &conversation, queued["id"].as_str().unwrap()).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["provider_id"], "wamid.FAKE000001");
    let call = &meta.sends()[0];
    assert_eq!(call.path, "106540352242922/messages");
    assert_eq!(call.token.as_deref(), Some("EAAtest"));
    assert_eq!(
        call.body,
        json!({ "messaging_product": "whatsapp", "recipient_type": "individual",
        "to": "16505551234", "type": "text", "text": { "preview_url": false, "body": "Yes, in blue and green." } })
    );

    // Media by link, buttons, and an answer to the customer's message.
    let customer_message = messages(api, &conversation).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(api, &conversation, json!({ "media": { "type": "image", "url": "https://example.com/blue.jpg", "caption": "Blue" } })).await;
    send(api, &conversation, json!({ "text": "Which one?", "buttons": [{ "id": "blue", "title": "Blue" }, { "id": "green", "title": "Green" }], "reply_to": customer_message })).await;
    let calls = meta.wait_for_sends(3).await;
    assert_eq!(
        calls[1].body["image"],
        json!({ "link": "https://example.com/blue.jpg", "caption": "Blue" })
    );
    assert_eq!(
        calls[2].body["interactive"]["action"]["buttons"][1],
        json!({ "type": "reply", "reply": { "id": "green", "title": "Green" } })
    );
    assert_eq!(
        calls[2].body["context"]["message_id"],
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    );

    // Delivery and read statuses arrive by webhook for the provider id.
    let status = String::from_utf8(fixture(
        "whatsapp/webhooks/status_read_cbp.pywa_recorded.json",
    ))
    .unwrap()
    .replace("wamid.xyzxyz", "wamid.FAKE000001");
    deliver_parsed(&app, "whatsapp", &channel, status.as_bytes()).await;
    let read = messages(api, &conversation)
        .await
        .into_iter()
        .find(|m| m["provider_id"] == "wamid.FAKE000001")
        .unwrap();
    assert_eq!(read["status"], "read");
    let c = api
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    assert!(c["preview"].as_str().unwrap().starts_with("Which one?"));
    assert!(c["reply_window_closes_at"].is_string());

    // Bad replies are refused by field and nothing is stored or sent.
    let before = messages(api, &conversation).await.len();
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "text": "" }),
    )
    .await
    .field_error("text");
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "media": { "type": "gif", "url": "http://x" } }),
    )
    .await
    .field_error("media");
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({ "text": "Hi", "human_agent": true }),
    )
    .await
    .field_error("human_agent");
    assert_eq!(messages(api, &conversation).await.len(), before);
    assert_eq!(meta.sends().len(), 3);
}
with_meta!(replies_go_out_in_metas_shapes_and_statuses_follow);

async fn the_window_allows_only_templates_after_24_hours(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    // The fixture's customer wrote in 2025: the window is long closed.
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_text.json"),
    )
    .await;
    let (conversation, _) = only_thread(api).await;
    let cv = conversation["id"].as_str().unwrap();
    let refused = api
        .post(
            &format!("/api/v1/conversations/{cv}/messages"),
            json!({ "text": "Still there?" }),
        )
        .await;
    let error = refused.err(409, "window_closed");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("approved template")
    );
    // A template must be known and approved; its variables fill the preview.
    api.post(&format!("/api/v1/conversations/{cv}/messages"), json!({ "template": { "name": "order_confirmation", "language": "en-US", "variables": ["Ana"] } }))
        .await
        .field_error("template");
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/template_status_update_approved.json"),
    )
    .await;
    app.execute(
        "UPDATE whatsapp_templates SET components = $1 WHERE name = 'order_confirmation'",
        &[
            json!([{ "type": "BODY", "text": "Hi {{1}}, your order {{2}} is confirmed." }])
                .to_string()
                .into(),
        ],
    )
    .await;
    api.post(&format!("/api/v1/conversations/{cv}/messages"), json!({ "template": { "name": "order_confirmation", "language": "en-US", "variables": ["Ana"] } }))
        .await
        .field_error("template");
    let queued = send(api, cv, json!({ "template": { "name": "order_confirmation", "language": "en-US", "variables": ["Ana", "#1042"] } })).await;
    assert_eq!(queued["text"], "Hi Ana, your order #1042 is confirmed.");
    let sent = settled(api, cv, queued["id"].as_str().unwrap()).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(
        meta.sends()[0].body["template"],
        json!({ "name": "order_confirmation", "language": { "code": "en-US" },
        "components": [{ "type": "body", "parameters": [{ "type": "text", "text": "Ana" }, { "type": "text", "text": "#1042" }] }] })
    );
    // Rejected templates cannot be sent.
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/template_status_update_rejected_invalid_format.json"),
    )
    .await;
    let reply = api
        .post(
            &format!("/api/v1/conversations/{cv}/messages"),
            json!({ "template": { "name": "abandoned_cart", "language": "en" } }),
        )
        .await;
    assert!(reply.field_error("template").contains("REJECTED"));
}
with_meta!(the_window_allows_only_templates_after_24_hours);

async fn instagram_allows_human_agent_replies_for_seven_days(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "instagram").await;
    let id = channel["id"].as_str().unwrap();
    let three_days_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 3 * 86_400_000;
    let body = String::from_utf8(fixture("instagram/webhook_message_text.json"))
        .unwrap()
        .replace("1569262485349", &three_days_ago.to_string());
    deliver_parsed(&app, "instagram", id, body.as_bytes()).await;
    let (conversation, _) = only_thread(api).await;
    let cv = conversation["id"].as_str().unwrap();
    let refused = api
        .post(
            &format!("/api/v1/conversations/{cv}/messages"),
            json!({ "text": "Sorry for the wait" }),
        )
        .await;
    assert!(
        refused.err(409, "window_closed")["message"]
            .as_str()
            .unwrap()
            .contains("human_agent")
    );
    let queued = send(
        api,
        cv,
        json!({ "text": "Sorry for the wait", "human_agent": true }),
    )
    .await;
    let sent = settled(api, cv, queued["id"].as_str().unwrap()).await;
    assert_eq!(sent["provider_id"], "m_FAKE000001");
    let call = &meta.sends()[0];
    assert_eq!(call.path, "17841405822304914/messages");
    assert_eq!(
        call.body,
        fixture_json(
            "instagram/send_req_text_human_agent_tag.json",
            "Sorry for the wait"
        )
    );
    // Templates are WhatsApp's.
    api.post(
        &format!("/api/v1/conversations/{cv}/messages"),
        json!({ "template": { "name": "x", "language": "en" }, "human_agent": true }),
    )
    .await
    .field_error("template");
}
with_meta!(instagram_allows_human_agent_replies_for_seven_days);

/// The documented request with its text replaced.
fn fixture_json(path: &str, text: &str) -> Value {
    let mut body: Value = serde_json::from_slice(&fixture(path)).unwrap();
    body["message"]["text"] = json!(text);
    body
}

async fn each_documented_error_leads_to_what_a_person_can_do(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (channel, cv) = fresh_whatsapp(&app, api).await;
    // Window closed and undeliverable: failed at once, with Meta's code and a plain reason.
    for (code, words) in [(131047, "window closed"), (131026, "cannot receive")] {
        meta.fail_next(code);
        let queued = send(api, &cv, json!({ "text": format!("try {code}") })).await;
        let failed = settled(api, &cv, queued["id"].as_str().unwrap()).await;
        assert_eq!(
            (failed["status"].as_str(), failed["error_code"].as_str()),
            (Some("failed"), Some(code.to_string().as_str()))
        );
        assert!(
            failed["error"].as_str().unwrap().contains(words),
            "{code}: {failed:#}"
        );
    }
    // Throttled: tried again later, then sent; nothing failed.
    for code in [130429, 131056] {
        meta.fail_next(code);
        let queued = send(api, &cv, json!({ "text": format!("try {code}") })).await;
        let sent = crate::jobs::eventually(
            "the throttled reply to go out",
            Duration::from_secs(30),
            || async {
                messages(api, &cv)
                    .await
                    .into_iter()
                    .find(|m| m["id"] == queued["id"] && m["status"] == "sent")
            },
        )
        .await;
        assert_eq!(sent["error_code"], Value::Null);
    }
    let tries = meta
        .sends()
        .iter()
        .filter(|c| {
            c.body["text"]["body"]
                .as_str()
                .is_some_and(|t| t.starts_with("try 13"))
        })
        .count();
    assert!(tries >= 6, "each throttled reply was tried twice: {tries}");

    // An invalid token: failed, the channel needs reconnecting, owners are emailed once, and
    // later replies are refused until a new token is set.
    meta.fail_next(190);
    let queued = send(api, &cv, json!({ "text": "token?" })).await;
    let failed = settled(api, &cv, queued["id"].as_str().unwrap()).await;
    assert_eq!(failed["error_code"], "190");
    let got = api.get(&format!("/api/v1/channels/{channel}")).await.ok();
    assert_eq!(got["status"], "reconnect");
    assert!(
        got["status_reason"]
            .as_str()
            .unwrap()
            .contains("Session has expired")
    );
    let mail = crate::jobs::eventually("the reconnect email", Duration::from_secs(10), || async {
        app.mail
            .to("owner@example.com")
            .into_iter()
            .find(|m| m.subject.starts_with("Reconnect"))
    })
    .await;
    assert!(mail.body.contains("access token"), "{}", mail.body);
    api.post(
        &format!("/api/v1/conversations/{cv}/messages"),
        json!({ "text": "again" }),
    )
    .await
    .err(409, "channel_reconnect");
    let fixed = api
        .patch(
            &format!("/api/v1/channels/{channel}"),
            json!({ "access_token": "EAAnew" }),
        )
        .await
        .ok();
    assert_eq!(fixed["status"], "connected");
    let queued = send(api, &cv, json!({ "text": "again" })).await;
    assert_eq!(
        settled(api, &cv, queued["id"].as_str().unwrap()).await["status"],
        "sent"
    );
    assert_eq!(
        meta.sends().last().unwrap().token.as_deref(),
        Some("EAAnew")
    );
    let alerts = app
        .mail
        .to("owner@example.com")
        .into_iter()
        .filter(|m| m.subject.starts_with("Reconnect"))
        .count();
    assert_eq!(alerts, 1, "one email per change, not per failed reply");

    // A server error is tried again.
    meta.answer_next(
        500,
        r#"{"error":{"code":131000,"message":"Something went wrong"}}"#,
    );
    let queued = send(api, &cv, json!({ "text": "after a 500" })).await;
    let sent =
        crate::jobs::eventually("the reply after a 500", Duration::from_secs(30), || async {
            messages(api, &cv)
                .await
                .into_iter()
                .find(|m| m["id"] == queued["id"] && m["status"] == "sent")
        })
        .await;
    assert!(
        sent["provider_id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.FAKE")
    );
}
with_meta!(each_documented_error_leads_to_what_a_person_can_do);

async fn a_channel_test_reads_the_account_or_asks_to_reconnect(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    let tested = api
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .await
        .ok();
    assert_eq!(tested["ok"], true);
    assert_eq!(tested["account"]["verified_name"], "Fake Business");
    assert_eq!(meta.calls()[0].path, "106540352242922");
    assert_eq!(
        meta.calls()[0].query,
        "fields=display_phone_number,verified_name"
    );
    meta.fail_next(190);
    let tested = api
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .await
        .ok();
    assert_eq!(tested["ok"], false);
    assert_eq!(tested["channel"]["status"], "reconnect");
    let tested = api
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .await
        .ok();
    assert_eq!(
        (tested["ok"].as_bool(), tested["channel"]["status"].as_str()),
        (Some(true), Some("connected"))
    );
    let site = api
        .post("/api/v1/channels", json!({ "kind": "website" }))
        .await
        .ok_with(201);
    api.post(
        &format!("/api/v1/channels/{}/test", site["id"].as_str().unwrap()),
        json!({}),
    )
    .await
    .err(409, "not_testable");
}
with_meta!(a_channel_test_reads_the_account_or_asks_to_reconnect);

async fn templates_are_synced_submitted_and_sent_with_variables(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (channel, cv) = fresh_whatsapp(&app, api).await;
    meta.set_templates(vec![
        json!({ "id": "111", "name": "shipping_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                "components": [{ "type": "BODY", "text": "Hi {{1}}, your parcel ships {{2}}." }] }),
        json!({ "id": "112", "name": "promo", "language": "en_US", "status": "REJECTED", "category": "MARKETING",
                "rejected_reason": "PROMOTIONAL", "components": [{ "type": "BODY", "text": "Sale!" }] }),
    ]);
    let synced = api
        .post(
            &format!("/api/v1/channels/{channel}/templates/sync"),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(synced["templates"], 2);
    let sync_call = meta
        .calls()
        .into_iter()
        .find(|c| c.path.ends_with("message_templates"))
        .unwrap();
    assert_eq!(sync_call.path, "102290129340398/message_templates");
    let list = api
        .get(&format!("/api/v1/channels/{channel}/templates"))
        .await
        .ok();
    assert_eq!(list[1]["name"], "shipping_update");
    assert_eq!(list[0]["reason"], "PROMOTIONAL");

    let queued = send(api, &cv, json!({ "template": { "name": "shipping_update", "language": "en_US", "variables": ["Sheena", "today"] } })).await;
    assert_eq!(queued["text"], "Hi Sheena, your parcel ships today.");
    assert_eq!(
        settled(api, &cv, queued["id"].as_str().unwrap()).await["status"],
        "sent"
    );

    // Submitting: checked here first, then stored as Meta answers (PENDING until its webhook).
    let path = format!("/api/v1/channels/{channel}/templates");
    api.post(
        &path,
        json!({ "name": "Bad Name", "language": "en_US", "category": "UTILITY", "components": [] }),
    )
    .await
    .field_error("name");
    let created = api
        .post(&path, json!({ "name": "order_ready", "language": "en_US", "category": "UTILITY",
                             "components": [{ "type": "BODY", "text": "Your order {{1}} is ready." }] }))
        .await
        .ok_with(201);
    assert_eq!(
        (created["status"].as_str(), created["name"].as_str()),
        (Some("PENDING"), Some("order_ready"))
    );
    assert_eq!(meta.calls().last().unwrap().body["category"], "UTILITY");
    let site = api
        .post("/api/v1/channels", json!({ "kind": "website" }))
        .await
        .ok_with(201);
    api.get(&format!(
        "/api/v1/channels/{}/templates",
        site["id"].as_str().unwrap()
    ))
    .await
    .err(409, "not_whatsapp");
}
with_meta!(templates_are_synced_submitted_and_sent_with_variables);
