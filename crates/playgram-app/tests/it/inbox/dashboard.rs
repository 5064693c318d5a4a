//! The inbox page: the list with its filters, the thread and the contact panel, the composer's
//! forms (reply, note, template outside the window), status and assignment, tags; what each role
//! sees; another workspace's conversation never shows.

use std::time::Duration;

use playgram_testkit::{FakeMeta, TestApp, User};
use reqwest::Method;
use serde_json::json;

use super::replies::{fresh_whatsapp, settled};
use super::{deliver_parsed, fixture, messages, meta_channel};
use crate::with_meta;

async fn post_form(user: &User, path: &str, fields: &[(&str, &str)]) -> String {
    let request = user.browser.request(Method::POST, path).form(fields);
    let reply = user.browser.send(request).await;
    assert_eq!(reply.status.as_u16(), 303, "{path}: {}", reply.text);
    reply.header("location").unwrap_or_default().to_owned()
}

async fn page(user: &User, path: &str) -> String {
    let reply = user.browser.get(path).await;
    assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.text);
    reply.text
}

async fn the_inbox_page_lists_opens_and_answers_conversations(app: TestApp, _meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;

    let empty = page(&owner, "/app/inbox").await;
    assert!(empty.contains("No channels yet."), "{empty}");
    assert!(empty.contains("○ Away"));
    post_form(&owner, "/app/inbox/availability", &[("available", "1")]).await;
    let agents = api.get("/api/v1/inbox/agents").await.ok();
    assert_eq!(agents[0]["available"], true);
    assert!(page(&owner, "/app/inbox").await.contains("● Available"));

    let (_, conversation) = fresh_whatsapp(&app, api).await;
    let list = page(&owner, "/app/inbox").await;
    assert!(list.contains("Sheena Nelson"), "{list}");
    assert!(list.contains(&format!("/app/inbox?c={conversation}")));
    assert!(list.contains("Choose a conversation."));
    assert!(list.contains("/static/inbox.js?v="));

    // Opening it shows the thread, the composer and the contact; and reads it.
    let thread = page(&owner, &format!("/app/inbox?c={conversation}")).await;
    assert!(thread.contains("msg msg-in"), "{thread}");
    assert!(thread.contains(&format!("action=\"/app/inbox/{conversation}/reply\"")));
    assert!(thread.contains("data-window-closes="));
    assert!(thread.contains("Full profile and timeline"));
    let read = api
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    assert_eq!(read["unread_mine"], 0);

    // A reply from the composer is queued, then sent; a note stays inside.
    let back = format!("/app/inbox?c={conversation}");
    let to = post_form(
        &owner,
        &format!("/app/inbox/{conversation}/reply"),
        &[
            ("back", &back),
            ("mode", "reply"),
            ("text", "We open at 9."),
        ],
    )
    .await;
    assert_eq!(to, back);
    let sent = messages(api, &conversation)
        .await
        .into_iter()
        .find(|m| m["text"] == "We open at 9.")
        .expect("the reply");
    assert_eq!(
        settled(api, &conversation, sent["id"].as_str().unwrap()).await["status"],
        "sent"
    );
    post_form(
        &owner,
        &format!("/app/inbox/{conversation}/reply"),
        &[("back", &back), ("mode", "note"), ("text", "VIP, be quick")],
    )
    .await;
    let shown = page(&owner, &back).await;
    assert!(shown.contains("We open at 9.") && shown.contains("VIP, be quick"));
    assert!(shown.contains("msg msg-note"));

    // Tags, priority, assignment and resolving.
    post_form(
        &owner,
        &format!("/app/inbox/{conversation}/tags"),
        &[("back", &back), ("tag", "Refund")],
    )
    .await;
    post_form(
        &owner,
        &format!("/app/inbox/{conversation}/update"),
        &[
            ("back", &back),
            ("assignee", owner.id.as_str()),
            ("priority", "high"),
            ("status", "pending"),
        ],
    )
    .await;
    let now = api
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    assert_eq!(now["status"], "pending");
    assert_eq!(now["priority"], "high");
    assert_eq!(now["assignee_id"], json!(owner.id));
    assert_eq!(now["tags"][0]["name"], "Refund");
    let mine = page(&owner, "/app/inbox?view=mine&status=pending").await;
    assert!(mine.contains("Sheena Nelson"));
    let unassigned = page(&owner, "/app/inbox?view=unassigned&status=any").await;
    assert!(!unassigned.contains("Sheena Nelson"));
    assert!(unassigned.contains("Nothing matches these filters."));
    post_form(
        &owner,
        &format!("/app/inbox/{conversation}/update"),
        &[("back", &back), ("status", "resolved")],
    )
    .await;
    let open = page(&owner, "/app/inbox").await;
    assert!(!open.contains("Sheena Nelson"));
    let searched = page(&owner, "/app/inbox?status=any&q=Sheena").await;
    assert!(searched.contains("Sheena Nelson"));

    // A viewer reads but has no composer; another workspace sees nothing of it.
    let viewer = app.join_as(&owner, "viewer@example.com", "viewer").await;
    let seen = page(&viewer, &format!("/app/inbox?status=any&c={conversation}")).await;
    assert!(seen.contains("Sheena Nelson"));
    assert!(!seen.contains("data-composer"));
    let stranger = app.signup("other@example.com", "Other").await;
    let theirs = page(
        &stranger,
        &format!("/app/inbox?status=any&c={conversation}"),
    )
    .await;
    assert!(!theirs.contains("Sheena Nelson"));
    let request = stranger
        .browser
        .request(Method::POST, &format!("/app/inbox/{conversation}/reply"))
        .form(&[("text", "hi")]);
    assert_eq!(stranger.browser.send(request).await.status.as_u16(), 404);
}
with_meta!(the_inbox_page_lists_opens_and_answers_conversations);

async fn outside_the_window_the_composer_offers_templates(app: TestApp, meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap();
    // The fixture's message is from 2025: the window closed long ago.
    deliver_parsed(
        &app,
        "whatsapp",
        id,
        &fixture("whatsapp/webhooks/inbound_text.json"),
    )
    .await;
    meta.set_templates(vec![
        json!({ "id": "1", "name": "order_update", "language": "en_US",
        "category": "UTILITY", "status": "APPROVED",
        "components": [{ "type": "BODY", "text": "Hi {{1}}, your order {{2}} shipped." }] }),
    ]);
    api.post(&format!("/api/v1/channels/{id}/templates/sync"), json!({}))
        .await
        .ok();
    let list = super::conversations(api).await;
    let conversation = list[0]["id"].as_str().unwrap().to_owned();
    let back = format!("/app/inbox?c={conversation}");
    let thread = page(&owner, &back).await;
    assert!(
        thread.contains("WhatsApp takes only an approved template now"),
        "{thread}"
    );
    assert!(thread.contains("order_update (en_US)"));
    assert!(thread.contains("Hi {{1}}, your order {{2}} shipped."));

    // Free text is refused on the page, and nothing is stored.
    let to = post_form(
        &owner,
        &format!("/app/inbox/{conversation}/reply"),
        &[("back", &back), ("mode", "reply"), ("text", "Hello?")],
    )
    .await;
    let refused = page(&owner, &to).await;
    assert!(refused.contains("only an approved template"), "{refused}");
    assert_eq!(messages(api, &conversation).await.len(), 1);

    post_form(
        &owner,
        &format!("/app/inbox/{conversation}/reply"),
        &[
            ("back", &back),
            ("mode", "reply"),
            ("template", "order_update|en_US"),
            ("variable", "Sheena"),
            ("variable", "#42"),
        ],
    )
    .await;
    let sent = crate::jobs::eventually("the template sent", Duration::from_secs(20), || async {
        messages(api, &conversation)
            .await
            .into_iter()
            .find(|m| m["kind"] == "template" && m["status"] == "sent")
    })
    .await;
    assert_eq!(sent["text"], "Hi Sheena, your order #42 shipped.");
}
with_meta!(outside_the_window_the_composer_offers_templates);

async fn a_member_who_leaves_gives_their_conversations_back(app: TestApp, _meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (_, conversation) = fresh_whatsapp(&app, api).await;
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    api.patch(
        &format!("/api/v1/conversations/{conversation}"),
        json!({ "assignee_id": agent.id }),
    )
    .await
    .ok();
    let gone = api.delete(&format!("/api/v1/members/{}", agent.id)).await;
    assert!(gone.status.is_success(), "{}", gone.text);
    let now = api
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .ok();
    assert_eq!(now["assignee_id"], serde_json::Value::Null);
    let thread = messages(api, &conversation).await;
    assert!(
        thread
            .iter()
            .any(|m| m["text"] == "Unassigned: the member left the workspace")
    );
}
with_meta!(a_member_who_leaves_gives_their_conversations_back);
