//! A customer's media copied from Meta's media API into Playgram's storage: the message then
//! carries the stored file, which members open from the inbox; a file Meta no longer has is
//! noted on the message instead.

use std::time::Duration;

use playgram_testkit::{FakeMeta, TestApp};

use super::{deliver_parsed, fixture, messages, meta_channel, only_thread};
use crate::with_meta;

async fn whatsapp_media_is_kept_in_playgrams_storage(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let jpeg = b"\xff\xd8\xff\xe0fake jpeg bytes".to_vec();
    meta.add_media("1003383421387256", &jpeg, "image/jpeg");
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_image.json"),
    )
    .await;
    let (conversation, _) = only_thread(api).await;
    let conversation = conversation["id"].as_str().unwrap().to_owned();
    let stored = crate::jobs::eventually("the image copied", Duration::from_secs(20), || async {
        messages(api, &conversation)
            .await
            .into_iter()
            .find(|m| m["kind"] == "image" && m["content"]["file_id"].is_string())
    })
    .await;
    assert_eq!(stored["content"]["content_type"], "image/jpeg");
    assert_eq!(stored["content"]["media"]["id"], "1003383421387256");
    let file = stored["content"]["file_id"].as_str().unwrap();
    let served = api.get(&format!("/app/inbox/files/{file}")).await;
    assert_eq!(served.status.as_u16(), 200);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    let page = api.get(&format!("/app/inbox?c={conversation}")).await;
    assert!(
        page.text
            .contains(&format!("src=\"/app/inbox/files/{file}\""))
    );
    // Meta was asked with the channel's token.
    assert!(
        meta.calls()
            .iter()
            .any(|c| c.path == "1003383421387256" && c.token.as_deref() == Some("EAAtest"))
    );

    // Another workspace cannot open it.
    let stranger = app.signup("other@example.com", "Other").await;
    let theirs = stranger
        .browser
        .get(&format!("/app/inbox/files/{file}"))
        .await;
    assert_eq!(theirs.status.as_u16(), 404);

    // A document Meta no longer has: noted on the message, not retried forever.
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_document.pywa_recorded.json"),
    )
    .await;
    let noted = crate::jobs::eventually(
        "the missing file noted",
        Duration::from_secs(20),
        || async {
            for c in super::conversations(api).await {
                let found = messages(api, c["id"].as_str().unwrap())
                    .await
                    .into_iter()
                    .find(|m| m["kind"] == "document" && m["content"]["media_error"].is_string());
                if found.is_some() {
                    return found;
                }
            }
            None
        },
    )
    .await;
    assert!(noted["content"]["file_id"].is_null());
}
with_meta!(whatsapp_media_is_kept_in_playgrams_storage);

async fn an_agent_sends_a_file_through_whatsapps_media_api(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (_, conversation) = super::replies::fresh_whatsapp(&app, api).await;
    let back = format!("/app/inbox?c={conversation}");
    let png = b"\x89PNG\r\n\x1a\nfake png".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("back", back.clone())
        .text("caption", "The blue one")
        .part(
            "file",
            reqwest::multipart::Part::bytes(png)
                .file_name("blue.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let request = owner
        .browser
        .request(
            reqwest::Method::POST,
            &format!("/app/inbox/{conversation}/attach"),
        )
        .multipart(form);
    let reply = owner.browser.send(request).await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    assert_eq!(reply.header("location"), Some(back.as_str()));
    let sent = crate::jobs::eventually("the file sent", Duration::from_secs(20), || async {
        messages(api, &conversation)
            .await
            .into_iter()
            .find(|m| m["kind"] == "image" && m["status"] == "sent")
    })
    .await;
    assert_eq!(sent["text"], "The blue one");
    assert!(sent["content"]["file_id"].is_string());
    let upload = meta
        .calls()
        .into_iter()
        .find(|c| c.path.ends_with("/media"))
        .expect("an upload");
    assert_eq!(upload.path, "106540352242922/media");
    let send = meta.sends().pop().unwrap();
    assert_eq!(send.body["type"], "image");
    assert_eq!(
        send.body["image"],
        serde_json::json!({ "id": "FAKEMEDIA000001", "caption": "The blue one" })
    );

    // Both a stored file and a URL: refused by name, nothing stored.
    let refused = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            serde_json::json!({ "media": { "type": "image", "file_id": "file_x", "url": "https://example.com/a.png" } }),
        )
        .await;
    refused.err(422, "validation_failed");
}
with_meta!(an_agent_sends_a_file_through_whatsapps_media_api);

async fn erasing_a_contact_erases_their_conversations(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    meta.add_media("1003383421387256", b"\xff\xd8\xff\xe0jpeg", "image/jpeg");
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_image.json"),
    )
    .await;
    let (conversation, _) = only_thread(api).await;
    let conversation_id = conversation["id"].as_str().unwrap().to_owned();
    let stored = crate::jobs::eventually("the image copied", Duration::from_secs(20), || async {
        messages(api, &conversation_id)
            .await
            .into_iter()
            .find(|m| m["content"]["file_id"].is_string())
    })
    .await;
    let file = stored["content"]["file_id"].as_str().unwrap().to_owned();
    let contact = conversation["contact_id"].as_str().unwrap();
    let before = app
        .fetch_i64("SELECT COUNT(*) FROM inbound_payloads", &[])
        .await;
    assert_eq!(before, 1);

    api.post(
        &format!("/api/v1/contacts/{contact}/erase"),
        serde_json::json!({}),
    )
    .await
    .ok();
    assert!(super::conversations(api).await.is_empty());
    api.get(&format!("/api/v1/conversations/{conversation_id}"))
        .await
        .err(404, "not_found");
    assert_eq!(
        api.get(&format!("/app/inbox/files/{file}"))
            .await
            .status
            .as_u16(),
        404
    );
    for table in ["inbound_payloads", "messages", "stored_files"] {
        let left = app
            .fetch_i64(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await;
        assert_eq!(left, 0, "{table} still holds the erased contact's data");
    }
    let events = api.get("/api/v1/events?type=message.received").await.ok();
    assert!(!events.to_string().contains("16505551234"), "{events}");
}
with_meta!(erasing_a_contact_erases_their_conversations);
