//! Every Instagram webhook fixture (`../shared/fixtures/instagram`), and the same format on
//! Messenger: messages, attachments, quick replies, postbacks, referrals and comments become
//! messages; echoes are our side of the thread; deletions, reactions and reads change the message
//! they name.

use playgram_testkit::{Client, TestApp, both};
use serde_json::{Value, json};

use super::{deliver_parsed, fixture, messages, meta_channel};

/// Delivers fixtures in order to a new channel; returns its conversation and messages.
async fn thread(
    app: &TestApp,
    api: &Client,
    kind: &str,
    bodies: &[Vec<u8>],
) -> (Value, Vec<Value>) {
    let channel = meta_channel(api, kind).await;
    let id = channel["id"].as_str().unwrap();
    for body in bodies {
        deliver_parsed(app, kind, id, body).await;
    }
    let list = api
        .get(&format!("/api/v1/conversations?channel_id={id}"))
        .await
        .ok();
    let conversation = list[0].clone();
    let messages = messages(api, conversation["id"].as_str().unwrap()).await;
    (conversation, messages)
}

fn ig(name: &str) -> Vec<u8> {
    fixture(&format!("instagram/{name}"))
}

async fn every_customer_message_becomes_a_readable_message(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let cases = [
        (
            "webhook_message_text.json",
            "text",
            "Hi, is this still available?",
        ),
        ("webhook_message_image_attachment.json", "image", ""),
        ("webhook_message_quick_reply.json", "interactive", "Yes"),
        (
            "webhook_messaging_postbacks.json",
            "postback",
            "Book a table",
        ),
        (
            "webhook_messaging_referral_igme.json",
            "referral",
            "Opened the conversation from IGME_LINK (ref summer_promo)",
        ),
        (
            "webhook_comments_business_login.json",
            "comment",
            "Love this!",
        ),
        (
            "webhook_comments_facebook_login.json",
            "comment",
            "Love this!",
        ),
    ];
    for (name, kind, text) in cases {
        let (conversation, m) = thread(&app, api, "instagram", &[ig(name)]).await;
        assert_eq!(m.len(), 1, "{name}: {m:#?}");
        assert_eq!(
            (m[0]["kind"].as_str(), m[0]["text"].as_str()),
            (Some(kind), Some(text)),
            "{name}"
        );
        assert_eq!(m[0]["direction"], "in", "{name}");
        assert_eq!(conversation["unread"], 1, "{name}");
    }
    let (c, m) = thread(
        &app,
        api,
        "instagram",
        &[ig("webhook_message_image_attachment.json")],
    )
    .await;
    assert_eq!(c["preview"], "Photo");
    assert!(
        m[0]["content"]["attachments"][0]["payload"]["url"]
            .as_str()
            .unwrap()
            .contains("lookaside")
    );
    let (_, m) = thread(
        &app,
        api,
        "instagram",
        &[ig("webhook_message_quick_reply.json")],
    )
    .await;
    assert_eq!(m[0]["content"]["reply"]["payload"], "BOOK_YES");
    let (_, m) = thread(
        &app,
        api,
        "instagram",
        &[ig("webhook_messaging_postbacks.json")],
    )
    .await;
    assert_eq!(m[0]["content"]["reply"]["payload"], "BOOK_TABLE");
    assert_eq!(m[0]["sent_at"], "2017-08-16T17:52:56.377Z");
    let (_, m) = thread(
        &app,
        api,
        "instagram",
        &[ig("webhook_comments_business_login.json")],
    )
    .await;
    assert_eq!(
        m[0]["content"]["comment"]["media"]["id"],
        "17887498072083520"
    );
    assert_eq!(
        m[0]["sent_at"], "2019-09-23T18:14:46.000Z",
        "comment times are seconds"
    );
    // The commenter's username is on the contact.
    let contacts = api.get("/api/v1/contacts?q=jane_doe").await.ok();
    assert_eq!(contacts[0]["identities"][0]["username"], "jane_doe");
    assert_eq!(contacts[0]["source"], "instagram");
    assert!(super::flagged(api).await.is_empty());
}
both!(every_customer_message_becomes_a_readable_message);

async fn echoes_deletions_reactions_and_reads_change_the_thread(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    // The fixtures share one mid: an echo of a message we already have is that message.
    let (_, m) = thread(&app, api, "instagram", &[ig("webhook_message_echo.json")]).await;
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0]["direction"].as_str(), m[0]["status"].as_str()),
        (Some("out"), Some("sent"))
    );
    assert_eq!(m[0]["text"], "Thanks! We'll get back to you.");
    // Seen: our message is read.
    let (c, m) = thread(
        &app,
        api,
        "instagram",
        &[
            ig("webhook_message_echo.json"),
            ig("webhook_messaging_seen.json"),
        ],
    )
    .await;
    assert_eq!(m[0]["status"], "read");
    assert_eq!(c["unread"], 0, "an echo is not unread");
    assert_eq!(c["last_inbound_at"], json!(null));

    // The customer reacts, then takes it back.
    let (_, m) = thread(
        &app,
        api,
        "instagram",
        &[
            ig("webhook_message_echo.json"),
            ig("webhook_message_reactions_react.json"),
        ],
    )
    .await;
    assert_eq!(m[0]["reaction"], "❤️");
    let (_, m) = thread(
        &app,
        api,
        "instagram",
        &[
            ig("webhook_message_echo.json"),
            ig("webhook_message_reactions_react.json"),
            ig("webhook_message_reactions_unreact.json"),
        ],
    )
    .await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["reaction"], json!(null));

    // The customer unsends a message: its content goes, the row says so.
    let (c, m) = thread(
        &app,
        api,
        "instagram",
        &[
            ig("webhook_message_text.json"),
            ig("webhook_message_deleted.json"),
        ],
    )
    .await;
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0]["status"].as_str(), m[0]["text"].as_str()),
        (Some("deleted"), Some(""))
    );
    assert_eq!(m[0]["content"], json!({}));
    assert_eq!(c["unread"], 1);
    assert!(super::flagged(api).await.is_empty());
}
both!(echoes_deletions_reactions_and_reads_change_the_thread);

async fn messenger_speaks_the_same_format(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let page = |name: &str| {
        String::from_utf8(ig(name))
            .unwrap()
            .replace("\"instagram\"", "\"page\"")
            .into_bytes()
    };
    let (c, m) = thread(
        &app,
        api,
        "messenger",
        &[
            page("webhook_message_text.json"),
            page("webhook_messaging_referral_igme.json"),
        ],
    )
    .await;
    assert_eq!(m.len(), 2, "{m:#?}");
    // Listed as they arrived; the preview is the newest by the customer's clock.
    assert_eq!(m[0]["text"], "Hi, is this still available?");
    assert_eq!(m[1]["kind"], "referral");
    assert_eq!(c["preview"], "Hi, is this still available?");
    let contacts = api.get("/api/v1/contacts").await.ok();
    assert_eq!(contacts[0]["identities"][0]["channel"], "messenger");
    // A WhatsApp payload sent to a Messenger channel is kept and flagged.
    let channel = meta_channel(api, "messenger").await;
    let id = channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "messenger",
        id,
        &fixture("whatsapp/webhooks/inbound_text.json"),
    )
    .await;
    let notes = super::flagged(api).await;
    assert!(notes[0].contains("whatsapp_business_account"), "{notes:?}");
}
both!(messenger_speaks_the_same_format);
