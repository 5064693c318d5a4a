//! Working conversations: status, priority, snooze and assignment with activity lines; notes with
//! @mentions; tags; filters and search; unread per person; round-robin with capacity and a queue.

use playgram_testkit::{Client, TestApp, both};
use serde_json::{Value, json};

use super::{deliver_parsed, messages, meta_channel};

/// A WhatsApp text from `wa_id` (named `name`) with a message id of its own, a second after the
/// previous one.
fn text_from(wa_id: &str, name: &str, id: &str, body: &str) -> Vec<u8> {
    static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_765_000_000);
    let at = CLOCK
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": { "phone_number_id": "106540352242922" },
        "contacts": [{ "profile": { "name": name }, "wa_id": wa_id }],
        "messages": [{ "from": wa_id, "id": id, "timestamp": at, "type": "text", "text": { "body": body } }] } }] }] })
    .to_string()
    .into_bytes()
}

/// A WhatsApp channel with one conversation per sender; returns the channel id.
async fn with_customers(app: &TestApp, api: &Client, senders: &[(&str, &str)]) -> String {
    let channel = meta_channel(api, "whatsapp").await;
    let id = channel["id"].as_str().unwrap().to_owned();
    for (n, (wa_id, name)) in senders.iter().enumerate() {
        let body = text_from(
            wa_id,
            name,
            &format!("wamid.{wa_id}.{n}"),
            &format!("Hello from {name}"),
        );
        deliver_parsed(app, "whatsapp", &id, &body).await;
    }
    id
}

async fn conversation_of(api: &Client, name: &str) -> Value {
    let list = api
        .get(&format!("/api/v1/conversations?q={name}"))
        .await
        .ok();
    assert_eq!(list.as_array().unwrap().len(), 1, "{name}: {list:#}");
    list[0].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn status_priority_snooze_and_assignee_change_with_activity_lines(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    with_customers(&app, api, &[("34600000001", "Ana Ruiz")]).await;
    let agent = app.join_as(&owner, "bo@example.com", "agent").await;
    let viewer = app.join_as(&owner, "vi@example.com", "viewer").await;
    let c = conversation_of(api, "Ana").await;
    let path = format!("/api/v1/conversations/{}", id(&c));
    let agent_id = agent.id.clone();

    let changed = agent
        .browser
        .patch(
            &path,
            json!({ "status": "pending", "priority": "high", "assignee_id": agent_id }),
        )
        .await
        .ok();
    assert_eq!(
        (changed["status"].as_str(), changed["priority"].as_str()),
        (Some("pending"), Some("high"))
    );
    assert_eq!(changed["assignee_id"], json!(agent_id));
    let until = "2099-01-01T09:00:00Z";
    let snoozed = api
        .patch(&path, json!({ "snoozed_until": until }))
        .await
        .ok();
    assert_eq!(snoozed["status"], "snoozed");
    assert_eq!(snoozed["snoozed_until"], "2099-01-01T09:00:00.000Z");
    let resolved = api
        .patch(&path, json!({ "status": "resolved", "assignee_id": null }))
        .await
        .ok();
    assert_eq!(
        (
            resolved["status"].as_str(),
            &resolved["snoozed_until"],
            &resolved["assignee_id"]
        ),
        (Some("resolved"), &Value::Null, &Value::Null)
    );

    let lines: Vec<String> = messages(api, &id(&c))
        .await
        .into_iter()
        .filter(|m| m["kind"] == "activity")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "bo marked the conversation pending",
            "bo set the priority to high",
            "bo assigned the conversation to bo",
            "owner snoozed the conversation until 2099-01-01T09:00:00.000Z",
            "owner resolved the conversation",
            "owner unassigned the conversation",
        ]
    );

    // Refusals name the field and change nothing.
    let reply = api
        .patch(&path, json!({ "status": "closed", "priority": "asap" }))
        .await;
    assert!(reply.field_error("status").contains("resolved"));
    assert!(reply.field_error("priority").contains("urgent"));
    let reply = api
        .patch(&path, json!({ "snoozed_until": "2001-01-01T00:00:00Z" }))
        .await;
    assert!(reply.field_error("snoozed_until").contains("future"));
    let reply = api.patch(&path, json!({ "status": "snoozed" })).await;
    assert!(reply.field_error("snoozed_until").contains("until when"));
    let reply = api.patch(&path, json!({ "assignee_id": viewer.id })).await;
    assert!(reply.field_error("assignee_id").contains("may reply"));
    viewer
        .browser
        .patch(&path, json!({ "status": "open" }))
        .await
        .err(403, "forbidden");
    assert_eq!(api.get(&path).await.ok()["status"], "resolved");

    // A customer message reopens a resolved conversation.
    let channel = c["channel_id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        channel,
        &text_from("34600000001", "Ana Ruiz", "wamid.again", "Me again"),
    )
    .await;
    assert_eq!(api.get(&path).await.ok()["status"], "open");

    // Another workspace does not see it.
    let stranger = app.signup("x@example.com", "Other").await;
    stranger.browser.get(&path).await.err(404, "not_found");
    stranger
        .browser
        .patch(&path, json!({ "status": "open" }))
        .await
        .err(404, "not_found");
}
both!(
    status_priority_snooze_and_assignee_change_with_activity_lines,
    playgram_testkit::Settings::new().set("signup_open", true)
);

async fn a_snooze_ends_on_time_or_at_the_next_message(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel =
        with_customers(&app, api, &[("34600000001", "Ana"), ("34600000002", "Bea")]).await;
    for name in ["Ana", "Bea"] {
        let c = conversation_of(api, name).await;
        api.patch(
            &format!("/api/v1/conversations/{}", id(&c)),
            json!({ "snoozed_until": "2099-01-01T00:00:00Z" }),
        )
        .await
        .ok();
    }
    // Ana's time comes; Bea writes.
    let ana = conversation_of(api, "Ana").await;
    app.execute(
        "UPDATE conversations SET snoozed_until = 1 WHERE id = $1",
        &[id(&ana).into()],
    )
    .await;
    playgram_app::inbox::wake::wake(app.db()).await.unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        &channel,
        &text_from("34600000002", "Bea", "wamid.bea.2", "Any news?"),
    )
    .await;
    for name in ["Ana", "Bea"] {
        let c = conversation_of(api, name).await;
        assert_eq!(
            (c["status"].as_str(), &c["snoozed_until"]),
            (Some("open"), &Value::Null),
            "{name}"
        );
    }
    let lines = messages(api, &id(&ana)).await;
    assert!(
        lines
            .iter()
            .any(|m| m["text"] == "The snooze ended; the conversation is open again")
    );
}
both!(a_snooze_ends_on_time_or_at_the_next_message);

async fn notes_mention_members_and_tags_filter_the_list(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel =
        with_customers(&app, api, &[("34600000001", "Ana"), ("34600000002", "Bea")]).await;
    let bo = app.join_as(&owner, "bo.li@example.com", "agent").await;
    let ana = conversation_of(api, "Ana").await;
    let note = api
        .post(
            &format!("/api/v1/conversations/{}/notes", id(&ana)),
            json!({ "text": "@bo.li can you call her? cc @nobody" }),
        )
        .await
        .ok_with(201);
    assert_eq!(
        (note["direction"].as_str(), note["kind"].as_str()),
        (Some("note"), Some("note"))
    );
    assert_eq!(note["author_id"], json!(owner.id));
    assert_eq!(
        note["content"]["mentions"],
        json!([{ "user_id": bo.id, "name": "bo.li" }])
    );
    api.post(
        &format!("/api/v1/conversations/{}/notes", id(&ana)),
        json!({ "text": "  " }),
    )
    .await
    .field_error("text");
    // A note is not a customer message: the preview stays.
    assert_eq!(
        conversation_of(api, "Ana").await["preview"],
        "Hello from Ana"
    );

    let tagged = api
        .post(
            &format!("/api/v1/conversations/{}/tags", id(&ana)),
            json!({ "tags": ["Refund", "VIP"] }),
        )
        .await
        .ok();
    let names: Vec<&str> = tagged["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Refund", "VIP"]);
    let list = api.get("/api/v1/conversations?tag=refund").await.ok();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], ana["id"]);
    let refund = tagged["tags"][0]["id"].as_str().unwrap();
    let reply = api
        .delete(&format!("/api/v1/conversations/{}/tags/{refund}", id(&ana)))
        .await;
    assert_eq!(reply.status.as_u16(), 204);
    assert_eq!(
        api.get("/api/v1/conversations?tag=Refund").await.ok(),
        json!([])
    );

    // Search finds the contact by name and the conversation by a message's words.
    deliver_parsed(
        &app,
        "whatsapp",
        &channel,
        &text_from("34600000002", "Bea", "wamid.bea.9", "Where is my parcel?"),
    )
    .await;
    let found = api.get("/api/v1/conversations?q=PARCEL").await.ok();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["preview"], "Where is my parcel?");
    assert_eq!(
        api.get("/api/v1/conversations?q=nothing-like-it")
            .await
            .ok(),
        json!([])
    );
    api.get("/api/v1/conversations?status=closed")
        .await
        .err(400, "invalid_status");
}
both!(notes_mention_members_and_tags_filter_the_list);

async fn unread_counts_are_per_person_and_filters_find_mine_and_unassigned(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel =
        with_customers(&app, api, &[("34600000001", "Ana"), ("34600000002", "Bea")]).await;
    let bo = app.join_as(&owner, "bo@example.com", "agent").await;
    let ana = conversation_of(api, "Ana").await;
    assert_eq!(ana["unread_mine"], 1);
    api.post(
        &format!("/api/v1/conversations/{}/read", id(&ana)),
        json!({}),
    )
    .await
    .ok();
    assert_eq!(conversation_of(api, "Ana").await["unread_mine"], 0);
    assert_eq!(
        conversation_of(&bo.browser, "Ana").await["unread_mine"],
        1,
        "Bo has not read it"
    );
    let mine_unread = api.get("/api/v1/conversations?unread=true").await.ok();
    assert_eq!(
        mine_unread.as_array().unwrap().len(),
        1,
        "only Bea's is unread for the owner"
    );
    assert_eq!(
        bo.browser
            .get("/api/v1/conversations?unread=true")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    deliver_parsed(
        &app,
        "whatsapp",
        &channel,
        &text_from("34600000001", "Ana", "wamid.ana.2", "Hello?"),
    )
    .await;
    assert_eq!(
        conversation_of(api, "Ana").await["unread_mine"],
        1,
        "a new message is unread again"
    );

    bo.browser
        .patch(
            &format!("/api/v1/conversations/{}", id(&ana)),
            json!({ "assignee_id": bo.id }),
        )
        .await
        .ok();
    let mine = bo
        .browser
        .get("/api/v1/conversations?assignee=me")
        .await
        .ok();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["id"], ana["id"]);
    let unassigned = api.get("/api/v1/conversations?assignee=none").await.ok();
    assert_eq!(unassigned.as_array().unwrap().len(), 1);
    let by_channel = api
        .get(&format!(
            "/api/v1/conversations?channel_id={channel}&status=open"
        ))
        .await
        .ok();
    assert_eq!(by_channel.as_array().unwrap().len(), 2);
    // Paging: one at a time, newest activity first.
    let first = api.get("/api/v1/conversations?limit=1").await;
    let cursor = first.envelope()["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = api
        .get(&format!("/api/v1/conversations?limit=1&cursor={cursor}"))
        .await
        .ok();
    assert_ne!(first.ok()[0]["id"], second[0]["id"]);
    assert_eq!(first.ok()[0]["id"], ana["id"], "Ana wrote last");
}
both!(unread_counts_are_per_person_and_filters_find_mine_and_unassigned);

async fn round_robin_respects_availability_and_capacity_and_queues_the_rest(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let bo = app.join_as(&owner, "bo@example.com", "agent").await;
    let cy = app.join_as(&owner, "cy@example.com", "agent").await;
    let _off = app.join_as(&owner, "di@example.com", "agent").await;
    for agent in [&bo, &cy] {
        let me = agent
            .browser
            .patch(
                &format!("/api/v1/inbox/agents/{}", agent.id),
                json!({ "available": true, "capacity": 1 }),
            )
            .await
            .ok();
        assert_eq!(
            (me["available"].as_bool(), me["capacity"].as_i64()),
            (Some(true), Some(1))
        );
    }
    // An agent sets only their own availability; owners and admins set anyone's.
    bo.browser
        .patch(
            &format!("/api/v1/inbox/agents/{}", cy.id),
            json!({ "available": false }),
        )
        .await
        .err(403, "forbidden");
    bo.browser
        .patch("/api/v1/inbox/settings", json!({ "auto_assign": true }))
        .await
        .err(403, "forbidden");
    api.patch("/api/v1/inbox/settings", json!({ "auto_assign": true }))
        .await
        .ok();

    let channel = with_customers(
        &app,
        api,
        &[
            ("34600000001", "Ana"),
            ("34600000002", "Bea"),
            ("34600000003", "Cai"),
        ],
    )
    .await;
    let assignee =
        |name: &'static str| async move { conversation_of(api, name).await["assignee_id"].clone() };
    let (ana, bea, cai) = (
        assignee("Ana").await,
        assignee("Bea").await,
        assignee("Cai").await,
    );
    let mut given = vec![
        ana.as_str().unwrap().to_owned(),
        bea.as_str().unwrap().to_owned(),
    ];
    given.sort();
    let mut expected = vec![bo.id.clone(), cy.id.clone()];
    expected.sort();
    assert_eq!(given, expected, "one each, round-robin");
    assert_eq!(cai, Value::Null, "everyone is full: Cai waits");
    let agents = api.get("/api/v1/inbox/agents").await.ok();
    let open: Vec<i64> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["open"].as_i64().unwrap())
        .collect();
    assert_eq!(open.iter().sum::<i64>(), 2);

    // Resolving frees room: the waiting conversation goes to whoever resolved.
    let ana_c = conversation_of(api, "Ana").await;
    api.patch(
        &format!("/api/v1/conversations/{}", id(&ana_c)),
        json!({ "status": "resolved" }),
    )
    .await
    .ok();
    assert_eq!(assignee("Cai").await, ana);
    let lines = messages(api, &id(&conversation_of(api, "Cai").await)).await;
    assert!(
        lines
            .iter()
            .any(|m| m["text"].as_str().unwrap().ends_with("(automatic)"))
    );

    // Nobody available: new conversations wait, and are handed out when someone turns available.
    for agent in [&bo, &cy] {
        api.patch(
            &format!("/api/v1/inbox/agents/{}", agent.id),
            json!({ "available": false }),
        )
        .await
        .ok();
    }
    deliver_parsed(
        &app,
        "whatsapp",
        &channel,
        &text_from("34600000004", "Dan", "wamid.dan", "Hi"),
    )
    .await;
    assert_eq!(assignee("Dan").await, Value::Null);
    api.patch(
        &format!("/api/v1/inbox/agents/{}", bo.id),
        json!({ "available": true, "capacity": 5 }),
    )
    .await
    .ok();
    assert_eq!(assignee("Dan").await, json!(bo.id));
    api.patch(
        &format!("/api/v1/inbox/agents/{}", bo.id),
        json!({ "capacity": 0 }),
    )
    .await
    .field_error("capacity");
}
both!(round_robin_respects_availability_and_capacity_and_queues_the_rest);

async fn merging_contacts_keeps_their_conversations(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let channel = with_customers(
        &app,
        api,
        &[("34600000001", "Ana"), ("34600000002", "Ana B")],
    )
    .await;
    let other_channel = meta_channel(api, "whatsapp").await;
    let other_channel = other_channel["id"].as_str().unwrap();
    deliver_parsed(
        &app,
        "whatsapp",
        other_channel,
        &text_from(
            "34600000002",
            "Ana B",
            "wamid.elsewhere",
            "From my other number",
        ),
    )
    .await;
    let contacts = api.get("/api/v1/contacts?q=ana").await.ok();
    let id_of = |name: &str| {
        contacts
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (keep, other) = (id_of("Ana"), id_of("Ana B"));
    api.post(
        &format!("/api/v1/contacts/{keep}/merge"),
        json!({ "other_id": other }),
    )
    .await
    .ok();
    let list = api.get("/api/v1/conversations").await.ok();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "one per channel: {list:#?}");
    assert!(list.iter().all(|c| c["contact_id"] == json!(keep)));
    // Both threads on the first channel became one, with every message.
    let first = list
        .iter()
        .find(|c| c["channel_id"] == json!(channel))
        .unwrap();
    let texts: Vec<String> = messages(api, &id(first))
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        texts.contains(&"Hello from Ana".to_owned())
            && texts.contains(&"Hello from Ana B".to_owned()),
        "{texts:?}"
    );
}
both!(merging_contacts_keeps_their_conversations);
