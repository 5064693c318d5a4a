//! Every WhatsApp webhook fixture (`../shared/fixtures/whatsapp/webhooks`): each message type
//! becomes a message a person can read; statuses (with their errors) move our messages forward
//! and never back; reactions land on the message they name; template status updates are kept.

use playgram_testkit::{Client, TestApp, both};
use serde_json::{Value, json};

use super::{deliver_parsed, fixture, messages, meta_channel};

/// Delivers a fixture to a new channel of its own; returns that channel's conversation and its
/// messages.
async fn on_new_channel(app: &TestApp, api: &Client, name: &str) -> (Value, Vec<Value>) {
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        app,
        "whatsapp",
        id,
        &fixture(&format!("whatsapp/webhooks/{name}")),
    )
    .await;
    let list = api
        .get(&format!("/api/v1/conversations?channel_id={id}"))
        .await
        .ok();
    let conversation = list[0].clone();
    let messages = messages(api, conversation["id"].as_str().unwrap()).await;
    (conversation, messages)
}

async fn every_message_type_becomes_a_readable_message(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    // (fixture, kind, text, preview)
    let cases = [
        (
            "inbound_text.json",
            "text",
            "Does it come in another color?",
            "Does it come in another color?",
        ),
        (
            "inbound_image.json",
            "image",
            "Taj Mahal",
            "Photo: Taj Mahal",
        ),
        (
            "inbound_location.json",
            "location",
            "Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301",
            "Location: Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301",
        ),
        (
            "inbound_interactive_button_reply.json",
            "interactive",
            "Change",
            "Change",
        ),
        (
            "inbound_interactive_list_reply.json",
            "interactive",
            "Priority Mail Express",
            "Priority Mail Express",
        ),
        (
            "inbound_template_quick_reply_button.pywa_recorded.json",
            "button",
            "title",
            "title",
        ),
        (
            "inbound_document.pywa_recorded.json",
            "document",
            "caption",
            "Document: caption",
        ),
        (
            "inbound_audio_voice.pywa_recorded.json",
            "audio",
            "",
            "Audio",
        ),
        (
            "inbound_audio_file_forwarded.pywa_recorded.json",
            "audio",
            "",
            "Audio",
        ),
        (
            "inbound_unsupported_131051.pywa_recorded.json",
            "unsupported",
            "Message type is currently not supported.",
            "Unsupported message",
        ),
    ];
    for (name, kind, text, preview) in cases {
        let (conversation, messages) = on_new_channel(&app, api, name).await;
        assert_eq!(messages.len(), 1, "{name}: {messages:#?}");
        let m = &messages[0];
        assert_eq!(
            (m["kind"].as_str(), m["text"].as_str()),
            (Some(kind), Some(text)),
            "{name}: {m:#}"
        );
        assert_eq!(m["direction"], "in", "{name}");
        assert_eq!(m["status"], "received", "{name}");
        assert!(
            m["provider_id"].as_str().unwrap().starts_with("wamid."),
            "{name}"
        );
        assert_eq!(conversation["preview"], preview, "{name}");
        assert_eq!(conversation["status"], "open", "{name}");
        assert_eq!(conversation["unread"], 1, "{name}");
        assert_eq!(conversation["last_inbound_at"], m["sent_at"], "{name}");
    }
    let api_flagged = super::flagged(api).await;
    assert!(
        api_flagged.is_empty(),
        "documented types are not flagged: {api_flagged:?}"
    );

    // Details kept per kind.
    let (_, m) = on_new_channel(&app, api, "inbound_image.json").await;
    assert_eq!(m[0]["content"]["media"]["id"], "1003383421387256");
    assert_eq!(m[0]["content"]["media"]["mime_type"], "image/jpeg");
    assert_eq!(m[0]["sent_at"], "2025-04-11T04:08:16.000Z");
    let (_, m) = on_new_channel(&app, api, "inbound_location.json").await;
    assert_eq!(m[0]["content"]["location"]["latitude"], 37.44221496582);
    let (_, m) = on_new_channel(&app, api, "inbound_interactive_list_reply.json").await;
    assert_eq!(
        m[0]["content"]["reply"],
        json!({ "type": "list_reply", "id": "priority_express",
        "title": "Priority Mail Express", "description": "Next Day to 2 Days" })
    );
    assert_eq!(
        m[0]["reply_to"],
        "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIwMjg0RkMxOEMyMkNEQUFFRDgA"
    );
    let (_, m) = on_new_channel(
        &app,
        api,
        "inbound_template_quick_reply_button.pywa_recorded.json",
    )
    .await;
    assert_eq!(m[0]["content"]["reply"]["payload"], "callback_data");
    let (_, m) = on_new_channel(&app, api, "inbound_audio_voice.pywa_recorded.json").await;
    assert_eq!(m[0]["content"]["media"]["voice"], true);
    let (_, m) = on_new_channel(&app, api, "inbound_audio_file_forwarded.pywa_recorded.json").await;
    assert_eq!(m[0]["content"]["forwarded"], true);
    let (_, m) = on_new_channel(&app, api, "inbound_unsupported_131051.pywa_recorded.json").await;
    assert_eq!(m[0]["content"]["errors"][0]["code"], 131051);
    let (_, m) = on_new_channel(&app, api, "inbound_document.pywa_recorded.json").await;
    assert_eq!(m[0]["content"]["media"]["filename"], "filename.pdf");

    // The sender became a contact with the WhatsApp identity, name and number.
    let contacts = api.get("/api/v1/contacts?q=Sheena").await.ok();
    let sheena = &contacts[0];
    assert_eq!(sheena["name"], "Sheena Nelson");
    assert_eq!(sheena["phones"], json!(["+16505551234"]));
    assert_eq!(sheena["source"], "whatsapp");
    assert_eq!(sheena["identities"][0]["external_id"], "16505551234");
    // One contact per person, whatever the number of channels and messages.
    let all = api.get("/api/v1/contacts?limit=50").await.ok();
    // Meta's examples give Sheena's number to Pablo too: one person by wa_id, first name kept.
    assert_eq!(
        all.as_array().unwrap().len(),
        2,
        "16505551234 and 972987654321: {all:#}"
    );
}
both!(every_message_type_becomes_a_readable_message);

/// Stores an outbound message with `provider_id` in `conversation` (what the send job records).
async fn sent_message(app: &TestApp, conversation: &Value, provider_id: &str) {
    app.execute(
        "INSERT INTO messages (id, workspace_id, conversation_id, channel_id, direction, kind, text, provider_id, status, sent_at, created_at, updated_at) \
         SELECT $1, workspace_id, id, channel_id, 'out', 'text', 'Yes, in blue.', $2, 'sent', 1, 1, 1 FROM conversations WHERE id = $3",
        &[
            format!("msg_test_{provider_id}").into(),
            provider_id.into(),
            conversation["id"].as_str().unwrap().into(),
        ],
    )
    .await;
}

async fn statuses_move_our_messages_forward_with_readable_errors(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_text.json"),
    )
    .await;
    let (conversation, _) = super::only_thread(api).await;
    // The status fixtures name this id (sent, v24 minimal); the failed ones another.
    let ours = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=";
    sent_message(&app, &conversation, ours).await;
    let status = || async {
        let list = messages(api, conversation["id"].as_str().unwrap()).await;
        list.into_iter().find(|m| m["provider_id"] == ours).unwrap()
    };
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/status_sent_marketing_v23.json"),
    )
    .await;
    assert_eq!(status().await["status"], "sent");
    let delivered = fixture("whatsapp/webhooks/status_delivered_cbp.pywa_recorded.json");
    let delivered = String::from_utf8(delivered)
        .unwrap()
        .replace("wamid.xyzxyz", ours);
    let read = fixture("whatsapp/webhooks/status_read_cbp.pywa_recorded.json");
    let read = String::from_utf8(read)
        .unwrap()
        .replace("wamid.xyzxyz", ours);
    deliver_parsed(&app, "whatsapp", id, read.as_bytes()).await;
    assert_eq!(status().await["status"], "read");
    // A late "delivered" or "sent" does not take "read" back.
    deliver_parsed(&app, "whatsapp", id, delivered.as_bytes()).await;
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/status_v24_minimal_no_conversation_no_pricing.json"),
    )
    .await;
    assert_eq!(status().await["status"], "read");

    // Failures carry Meta's code and the readable details.
    let failing = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA";
    sent_message(&app, &conversation, failing).await;
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/status_failed_131047_constructed.json"),
    )
    .await;
    let list = messages(api, conversation["id"].as_str().unwrap()).await;
    let failed = list.iter().find(|m| m["provider_id"] == failing).unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error_code"], "131047");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("more than 24 hours"),
        "{failed:#}"
    );

    // A status for a message not stored yet is kept for it.
    let other = meta_channel(api, "whatsapp").await;
    let other = other["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        other,
        &fixture("whatsapp/webhooks/status_failed_131049.json"),
    )
    .await;
    let kept = app
        .fetch_text(
            "SELECT error FROM early_statuses WHERE status = 'failed'",
            &[],
        )
        .await;
    assert!(kept.unwrap().contains("healthy ecosystem"));
    assert!(super::flagged(api).await.is_empty());
}
both!(statuses_move_our_messages_forward_with_readable_errors);

async fn reactions_land_on_the_message_they_name(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_text.json"),
    )
    .await;
    let (conversation, _) = super::only_thread(api).await;
    let target = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=";
    sent_message(&app, &conversation, target).await;
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_reaction.json"),
    )
    .await;
    let reacted = || async {
        let list = messages(api, conversation["id"].as_str().unwrap()).await;
        (
            list.len(),
            list.into_iter()
                .find(|m| m["provider_id"] == target)
                .unwrap(),
        )
    };
    let (count, message) = reacted().await;
    assert_eq!((count, message["reaction"].as_str()), (2, Some("👍")));
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_reaction_removed.json"),
    )
    .await;
    let (count, message) = reacted().await;
    assert_eq!((count, &message["reaction"]), (2, &Value::Null));

    // A reaction to a message we do not have is kept as a message of its own.
    let other = meta_channel(api, "whatsapp").await;
    let other_id = other["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        other_id,
        &fixture("whatsapp/webhooks/inbound_reaction.json"),
    )
    .await;
    let list = api
        .get(&format!("/api/v1/conversations?channel_id={other_id}"))
        .await
        .ok();
    let m = messages(api, list[0]["id"].as_str().unwrap()).await;
    assert_eq!(
        (m[0]["kind"].as_str(), m[0]["text"].as_str()),
        (Some("reaction"), Some("👍"))
    );
    assert_eq!(m[0]["reply_to"], target);
}
both!(reactions_land_on_the_message_they_name);

async fn template_status_updates_are_kept_with_the_reason(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/template_status_update_approved.json"),
    )
    .await;
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/template_status_update_rejected_invalid_format.json"),
    )
    .await;
    let approved = app
        .fetch_text("SELECT status || ' ' || name || ' ' || language || ' ' || category FROM whatsapp_templates WHERE external_id = '1689556908129832'", &[])
        .await;
    assert_eq!(
        approved.as_deref(),
        Some("APPROVED order_confirmation en-US UTILITY")
    );
    let rejected = app
        .fetch_text("SELECT status || ': ' || reason FROM whatsapp_templates WHERE external_id = '1689556908129835'", &[])
        .await
        .unwrap();
    assert!(
        rejected.starts_with("REJECTED: INVALID_FORMAT: Your template has parameters"),
        "{rejected}"
    );
    assert!(super::flagged(api).await.is_empty());
    assert_eq!(api.get("/api/v1/conversations").await.ok(), json!([]));
}
both!(template_status_updates_are_kept_with_the_reason);
