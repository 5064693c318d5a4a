//! Tags (create, rename, colour, delete, counts; tagging and untagging with events) and typed
//! custom fields (every kind validated; keys, options and kinds guarded).

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, event_of, event_with};

async fn tags_are_managed_and_counted(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let vip = api
        .post("/api/v1/tags", json!({ "name": "VIP", "color": "#FF0066" }))
        .await
        .ok_with(201);
    assert_eq!(vip["color"], "#ff0066");
    let vip_id = vip["id"].as_str().unwrap().to_owned();
    api.post("/api/v1/tags", json!({ "name": "vip" }))
        .await
        .err(409, "tag_exists");
    api.post("/api/v1/tags", json!({ "name": "a,b" }))
        .await
        .field_error("name");
    api.post("/api/v1/tags", json!({ "name": "Ok", "color": "red" }))
        .await
        .field_error("color");
    let lead = api
        .post("/api/v1/tags", json!({ "name": "Lead" }))
        .await
        .ok_with(201);
    assert!(
        lead["color"].as_str().unwrap().starts_with('#'),
        "a colour is chosen"
    );
    let a = create(api, json!({ "name": "A", "tags": ["vip"] })).await;
    let b = create(api, json!({ "name": "B" })).await;
    let b_id = b["id"].as_str().unwrap();
    let tagged = api
        .post(
            &format!("/api/v1/contacts/{b_id}/tags"),
            json!({ "tags": ["VIP", "New one"] }),
        )
        .await
        .ok();
    assert_eq!(tagged["tags"].as_array().unwrap().len(), 2);
    let added = event_with(api, "contact.tag_added", "contact_id", b_id).await;
    assert_eq!(added["actor"]["type"], "user");
    let tags = api.get("/api/v1/tags").await.ok();
    let count_of = |name: &str| {
        tags.as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["contact_count"].clone())
    };
    assert_eq!(count_of("VIP"), Some(json!(2)));
    assert_eq!(count_of("New one"), Some(json!(1)));
    assert_eq!(count_of("Lead"), Some(json!(0)));
    // Renaming keeps every contact's tag.
    let renamed = api
        .patch(
            &format!("/api/v1/tags/{vip_id}"),
            json!({ "name": "Very important" }),
        )
        .await
        .ok();
    assert_eq!(renamed["contact_count"], 2);
    let a_now = api
        .get(&format!("/api/v1/contacts/{}", a["id"].as_str().unwrap()))
        .await
        .ok();
    assert_eq!(a_now["tags"][0]["name"], "Very important");
    api.patch(&format!("/api/v1/tags/{vip_id}"), json!({ "name": "lead" }))
        .await
        .err(409, "tag_exists");
    // Untag by name or by id.
    api.delete(&format!("/api/v1/contacts/{b_id}/tags/{vip_id}"))
        .await
        .ok();
    event_of(api, "contact.tag_removed").await;
    api.delete(&format!("/api/v1/contacts/{b_id}/tags/unknown%20tag"))
        .await
        .err(404, "not_found");
    // Deleting a tag takes it off everyone.
    api.delete(&format!("/api/v1/tags/{vip_id}")).await;
    api.get(&format!("/api/v1/tags/{vip_id}"))
        .await
        .err(404, "not_found");
    let a_now = api
        .get(&format!("/api/v1/contacts/{}", a["id"].as_str().unwrap()))
        .await
        .ok();
    assert_eq!(a_now["tags"], json!([]));
    assert!(
        crate::audit_actions(api)
            .await
            .contains(&"tag.deleted".to_owned())
    );
    // Agents tag, but do not rename or delete tags.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .post(
            &format!("/api/v1/contacts/{b_id}/tags"),
            json!({ "tags": ["Agent made"] }),
        )
        .await
        .ok();
    let lead_id = lead["id"].as_str().unwrap();
    agent
        .browser
        .patch(&format!("/api/v1/tags/{lead_id}"), json!({ "name": "x" }))
        .await
        .err(403, "forbidden");
    agent
        .browser
        .delete(&format!("/api/v1/tags/{lead_id}"))
        .await
        .err(403, "forbidden");
}
both!(tags_are_managed_and_counted);

async fn custom_fields_are_typed_and_validated(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let kinds = [
        ("text", json!("hello"), json!(42)),
        ("number", json!(3.5), json!("many")),
        ("boolean", json!(true), json!("perhaps")),
        ("date", json!("2026-02-28"), json!("28/02/2026")),
        (
            "datetime",
            json!("2026-12-03T10:00:00+01:00"),
            json!("tomorrow"),
        ),
        ("url", json!("https://example.com/x"), json!("ftp://x")),
        ("email", json!("A@B.example"), json!("nope")),
        ("phone", json!("+14155550100"), json!("+1 1")),
    ];
    for (kind, _, _) in &kinds {
        api.post(
            "/api/v1/contact-fields",
            json!({ "key": format!("f_{kind}"), "label": format!("A {kind}"), "kind": kind }),
        )
        .await
        .ok_with(201);
    }
    let select = api.post("/api/v1/contact-fields", json!({ "label": "Plan level", "kind": "select", "options": ["Gold", "Silver", "gold"] })).await.ok_with(201);
    assert_eq!(select["key"], "plan_level", "the key comes from the label");
    assert_eq!(
        select["options"],
        json!(["Gold", "Silver"]),
        "duplicate options are dropped"
    );
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "tags_", "label": "Multi", "kind": "multi_select", "options": ["A", "B"] }),
    )
    .await
    .ok_with(201);
    for (body, field) in [
        (
            json!({ "key": "name", "label": "Name", "kind": "text" }),
            "key",
        ),
        (
            json!({ "key": "Bad Key", "label": "x", "kind": "text" }),
            "key",
        ),
        (
            json!({ "key": "plan_level", "label": "x", "kind": "text" }),
            "key",
        ),
        (
            json!({ "key": "k", "label": "x", "kind": "colour" }),
            "kind",
        ),
        (
            json!({ "key": "k", "label": "x", "kind": "select" }),
            "options",
        ),
        (
            json!({ "key": "k", "label": "x", "kind": "text", "options": ["a"] }),
            "options",
        ),
        (json!({ "key": "k", "label": "", "kind": "text" }), "label"),
    ] {
        api.post("/api/v1/contact-fields", body)
            .await
            .field_error(field);
    }
    let mut good = serde_json::Map::new();
    for (kind, ok, bad) in &kinds {
        good.insert(format!("f_{kind}"), ok.clone());
        let message = api
            .post(
                "/api/v1/contacts",
                json!({ "fields": { format!("f_{kind}"): bad } }),
            )
            .await
            .field_error(&format!("fields.f_{kind}"));
        assert!(!message.is_empty());
    }
    good.insert("plan_level".into(), json!("silver"));
    good.insert("tags_".into(), json!(["B", "a"]));
    let contact = create(api, json!({ "fields": good })).await;
    let f = &contact["fields"];
    assert_eq!(f["f_number"], json!(3.5));
    assert_eq!(f["f_boolean"], json!(true));
    assert_eq!(f["f_datetime"], "2026-12-03T09:00:00.000Z");
    assert_eq!(f["f_email"], "a@b.example");
    assert_eq!(f["f_phone"], "+14155550100");
    assert_eq!(f["plan_level"], "Silver");
    assert_eq!(f["tags_"], json!(["A", "B"]), "in the options' order");
    let id = contact["id"].as_str().unwrap();
    let cleared = api
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({ "fields": { "f_text": null, "f_number": 7 } }),
        )
        .await
        .ok();
    assert!(cleared["fields"].get("f_text").is_none());
    assert_eq!(cleared["fields"]["f_number"], 7);
    assert_eq!(
        cleared["fields"]["plan_level"], "Silver",
        "fields not named stay"
    );
    // Options in use cannot go; kinds with values cannot change; keys never change.
    let select_id = select["id"].as_str().unwrap();
    let msg = api
        .patch(
            &format!("/api/v1/contact-fields/{select_id}"),
            json!({ "options": ["Gold"] }),
        )
        .await
        .field_error("options");
    assert!(msg.contains("1 contacts"), "{msg}");
    api.patch(
        &format!("/api/v1/contact-fields/{select_id}"),
        json!({ "kind": "text" }),
    )
    .await
    .field_error("kind");
    api.patch(
        &format!("/api/v1/contact-fields/{select_id}"),
        json!({ "key": "other" }),
    )
    .await
    .field_error("key");
    let relabelled = api
        .patch(
            &format!("/api/v1/contact-fields/{select_id}"),
            json!({ "label": "Plan", "options": ["Gold", "Silver", "Bronze"] }),
        )
        .await
        .ok();
    assert_eq!(relabelled["contact_count"], 1);
    let fields = api.get("/api/v1/contact-fields").await.ok();
    assert_eq!(fields.as_array().unwrap().len(), 10);
    // Deleting a field deletes its values.
    api.delete(&format!("/api/v1/contact-fields/{select_id}"))
        .await;
    let after = api.get(&format!("/api/v1/contacts/{id}")).await.ok();
    assert!(after["fields"].get("plan_level").is_none());
    // Agents use fields but do not define them.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .post(
            "/api/v1/contact-fields",
            json!({ "key": "x", "label": "X", "kind": "text" }),
        )
        .await
        .err(403, "forbidden");
    agent
        .browser
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({ "fields": { "f_text": "by agent" } }),
        )
        .await
        .ok();
}
both!(custom_fields_are_typed_and_validated);
