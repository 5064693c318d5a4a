//! Meta's webhook URLs: the GET handshake, signatures over the raw bytes (unsigned or wrongly
//! signed: 401 and nothing stored), the body stored before the 200, a redelivery stored once, and
//! a shape we do not know kept and flagged.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{
    APP_SECRET, deliver, deliver_parsed, fixture, flagged, meta_channel, only_thread, parsed,
};

async fn the_handshake_answers_the_challenge_only_for_the_verify_token(app: TestApp) {
    let owner = app.owner().await;
    let wa = meta_channel(&owner.browser, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let token = wa["verify_token"].as_str().unwrap();
    let bare = app.bare();
    let ok = bare
        .get(&format!(
            "/hooks/whatsapp/{id}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}"
        ))
        .await;
    assert_eq!(ok.status.as_u16(), 200);
    assert_eq!(ok.text, "1158201444");
    assert!(ok.header("content-type").unwrap().starts_with("text/plain"));
    let wrong = bare
        .get(&format!(
            "/hooks/whatsapp/{id}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=vibecoding"
        ))
        .await;
    assert_eq!(wrong.status.as_u16(), 403);
    let no_mode = bare
        .get(&format!(
            "/hooks/whatsapp/{id}?hub.challenge=1&hub.verify_token={token}"
        ))
        .await;
    assert_eq!(no_mode.status.as_u16(), 403);
    // The same channel under another kind's URL, and a channel that does not exist: 404.
    let other_kind = bare
        .get(&format!(
            "/hooks/instagram/{id}?hub.mode=subscribe&hub.challenge=1&hub.verify_token={token}"
        ))
        .await;
    assert_eq!(other_kind.status.as_u16(), 404);
    let missing = bare
        .get("/hooks/whatsapp/ch_01JD0000000000000000000000?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x")
        .await;
    assert_eq!(missing.status.as_u16(), 404);
}
both!(the_handshake_answers_the_challenge_only_for_the_verify_token);

async fn only_a_signature_over_the_exact_bytes_is_accepted(app: TestApp) {
    let owner = app.owner().await;
    let wa = meta_channel(&owner.browser, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let body = fixture("whatsapp/webhooks/inbound_text.json");
    let stored = || app.fetch_i64("SELECT COUNT(*) FROM inbound_payloads", &[]);

    let bare = app.bare();
    let unsigned = bare
        .send(
            bare.request(reqwest::Method::POST, &format!("/hooks/whatsapp/{id}"))
                .header("content-type", "application/json")
                .body(body.clone()),
        )
        .await;
    unsigned.err(401, "invalid_signature");
    deliver(&app, "whatsapp", id, "another-secret", &body)
        .await
        .err(401, "invalid_signature");
    // Signed over the bytes, then re-serialised: the bytes differ, so the signature does not hold.
    let signature = playgram_providers::meta::signature::sign(APP_SECRET, &body);
    let reformatted =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).unwrap()).unwrap();
    let tampered = bare
        .send(
            bare.request(reqwest::Method::POST, &format!("/hooks/whatsapp/{id}"))
                .header("x-hub-signature-256", signature)
                .body(reformatted),
        )
        .await;
    tampered.err(401, "invalid_signature");
    assert_eq!(stored().await, 0, "nothing stored for a refused delivery");
    deliver(&app, "instagram", id, APP_SECRET, &body)
        .await
        .err(404, "not_found");

    // Accepted: the exact bytes are stored before the answer.
    let reply = deliver(&app, "whatsapp", id, APP_SECRET, &body).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(stored().await, 1);
    let kept: Vec<u8> = playgram_core::on_db!(app.db(), pool => sqlx::query_scalar("SELECT body FROM inbound_payloads")
        .fetch_one(pool).await).unwrap();
    assert_eq!(kept, body, "the exact bytes are kept");
    parsed(&app).await;
}
both!(only_a_signature_over_the_exact_bytes_is_accepted);

async fn a_redelivered_webhook_adds_its_message_once(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let body = fixture("whatsapp/webhooks/inbound_text.json");
    // Meta retries when it does not see a 200 in time; concurrent and later copies alike.
    let copies = (0..5).map(|_| deliver(&app, "whatsapp", id, APP_SECRET, &body));
    for reply in futures_util::future::join_all(copies).await {
        assert_eq!(reply.status.as_u16(), 200);
    }
    parsed(&app).await;
    deliver_parsed(&app, "whatsapp", id, &body).await;
    let (conversation, messages) = only_thread(api).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(conversation["unread"], 1);
    let contacts = api.get("/api/v1/contacts").await.ok();
    assert_eq!(contacts.as_array().unwrap().len(), 1);
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM inbound_payloads", &[])
            .await,
        6,
        "every delivery is kept as it came"
    );
}
both!(a_redelivered_webhook_adds_its_message_once);

async fn an_unknown_shape_is_kept_and_flagged(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let unknown_field = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [
        { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } }] }] });
    deliver_parsed(&app, "whatsapp", id, unknown_field.to_string().as_bytes()).await;
    let new_type = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": { "phone_number_id": "106540352242922" },
        "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "34600000001" }],
        "messages": [{ "from": "34600000001", "id": "wamid.NEW1", "timestamp": "1749416383", "type": "hologram", "hologram": { "x": 1 } }] } }] }] });
    deliver_parsed(&app, "whatsapp", id, new_type.to_string().as_bytes()).await;
    deliver_parsed(&app, "whatsapp", id, b"not json at all").await;
    let notes = flagged(api).await;
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].starts_with("not JSON"), "{notes:?}");
    assert!(notes[1].contains("hologram"), "{notes:?}");
    assert!(notes[2].contains("account_update"), "{notes:?}");
    let raw = api.get("/api/v1/inbound-payloads").await.ok();
    assert_eq!(raw[0]["body"], "not json at all");
    // The message of an unknown type is still in the conversation, as unsupported.
    let (_, messages) = only_thread(api).await;
    assert_eq!(messages[0]["kind"], "unsupported");
    assert_eq!(messages[0]["content"]["original"]["hologram"]["x"], 1);
    // Agents do not see flagged payloads (they may hold anything).
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .get("/api/v1/inbound-payloads")
        .await
        .err(403, "forbidden");
}
both!(an_unknown_shape_is_kept_and_flagged);

async fn nul_characters_and_missing_ids_do_not_stop_the_inbox(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let with_nul = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": { "phone_number_id": "106540352242922" },
        "contacts": [{ "profile": { "name": "Ana\u{0}" }, "wa_id": "34600000001" }],
        "messages": [
            { "from": "34600000001", "id": "wamid.NUL1", "timestamp": "1749416383", "type": "text", "text": { "body": "a\u{0}b" } },
            { "from": "34600000001", "timestamp": "1749416384", "type": "text", "text": { "body": "no id" } }
        ] } }] }] });
    deliver_parsed(&app, "whatsapp", id, with_nul.to_string().as_bytes()).await;
    let (_, messages) = only_thread(api).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["text"], "ab");
    let notes = flagged(api).await;
    assert!(notes[0].contains("without an id"), "{notes:?}");
}
both!(nul_characters_and_missing_ids_do_not_stop_the_inbox);
