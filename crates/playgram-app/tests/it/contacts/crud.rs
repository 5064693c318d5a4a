//! Creating, reading, changing and deleting contacts; normalised emails and E.164 phones with
//! clear refusals; identities unique per workspace; upsert by identity; bad input changes nothing.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, event_of};

async fn a_contact_is_created_read_changed_and_deleted(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let created = create(
        api,
        json!({
            "name": "  Ana   Núñez ",
            "emails": ["Ana@Example.com", "ana@example.com", "ana.work@example.org"],
            "phones": ["+33 6 12 34 56 78"],
            "locale": "es_es",
            "timezone": "Europe/Madrid",
            "identities": [
                { "channel": "whatsapp", "external_id": "+33612345678" },
                { "channel": "instagram", "external_id": "17841400000000", "username": "@ana.k_99" }
            ],
            "tags": ["VIP", "vip", "Lead"],
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ct_"), "{id}");
    assert_eq!(created["name"], "Ana Núñez");
    assert_eq!(
        created["emails"],
        json!(["ana@example.com", "ana.work@example.org"])
    );
    assert_eq!(created["phones"], json!(["+33612345678"]));
    assert_eq!(created["locale"], "es-ES");
    assert_eq!(created["source"], "api");
    // Identities linked at once are listed by channel.
    assert_eq!(created["identities"][1]["external_id"], "33612345678");
    assert_eq!(created["identities"][0]["username"], "ana.k_99");
    let tags: Vec<&str> = created["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Lead", "VIP"]);
    assert_eq!(created["last_seen_at"], json!(null));

    let got = api.get(&format!("/api/v1/contacts/{id}")).await.ok();
    assert_eq!(got, created);

    let changed = api.patch(&format!("/api/v1/contacts/{id}"), json!({
        "name": "Ana N.", "emails": ["ana@example.com"], "timezone": null, "locale": "pt-br",
    })).await.ok();
    assert_eq!(changed["name"], "Ana N.");
    assert_eq!(changed["emails"], json!(["ana@example.com"]));
    assert_eq!(changed["timezone"], json!(null));
    assert_eq!(changed["locale"], "pt-BR");
    assert_eq!(
        changed["phones"],
        json!(["+33612345678"]),
        "what the patch does not name stays"
    );

    let updated = event_of(api, "contact.updated").await;
    let attributes: Vec<&str> = updated["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["attribute"].as_str().unwrap())
        .collect();
    assert_eq!(attributes, ["name", "locale", "timezone", "emails"]);
    assert_eq!(updated["contact"]["name"], "Ana N.");
    assert_eq!(updated["actor"]["type"], "user");
    let created_event = event_of(api, "contact.created").await;
    assert_eq!(created_event["contact"]["id"], id.as_str());
    event_of(api, "contact.tag_added").await;

    // The address given up is free for someone else now.
    create(api, json!({ "emails": ["ana.work@example.org"] })).await;

    api.delete(&format!("/api/v1/contacts/{id}")).await;
    api.get(&format!("/api/v1/contacts/{id}"))
        .await
        .err(404, "not_found");
    let deleted = event_of(api, "contact.deleted").await;
    assert_eq!(
        (deleted["contact_id"].as_str(), deleted["erased"].as_bool()),
        (Some(id.as_str()), Some(false))
    );
    assert!(
        crate::audit_actions(api)
            .await
            .contains(&"contact.deleted".to_owned())
    );
}
both!(a_contact_is_created_read_changed_and_deleted);

async fn bad_input_gets_a_clear_error_and_changes_nothing(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let cases = [
        (
            json!({ "phones": ["06 12 34 56 78"] }),
            "phones",
            "country code",
        ),
        (
            json!({ "phones": ["+33 12"] }),
            "phones",
            "not a valid phone number",
        ),
        (
            json!({ "phones": ["call me"] }),
            "phones",
            "not a phone number",
        ),
        (
            json!({ "emails": ["not-an-email"] }),
            "emails",
            "not an email",
        ),
        (
            json!({ "timezone": "Mars/Olympus" }),
            "timezone",
            "time zone",
        ),
        (
            json!({ "locale": "english please" }),
            "locale",
            "language tag",
        ),
        (
            json!({ "avatar_url": "javascript:alert(1)" }),
            "avatar_url",
            "http",
        ),
        (
            json!({ "identities": [{ "channel": "fax", "external_id": "1" }] }),
            "identities",
            "fax",
        ),
        (
            json!({ "identities": [{ "channel": "whatsapp", "external_id": "abc" }] }),
            "identities",
            "wa_id",
        ),
        (
            json!({ "fields": { "nope": 1 } }),
            "fields.nope",
            "no such custom field",
        ),
        (json!({ "name": "x".repeat(201) }), "name", "200"),
        (json!({ "source": "Bad Source!" }), "source", "a-z"),
    ];
    for (body, field, says) in cases {
        let message = api
            .post("/api/v1/contacts", body.clone())
            .await
            .field_error(field);
        assert!(message.contains(says), "{body}: {message}");
    }
    // Several problems are reported at once.
    let reply = api
        .post(
            "/api/v1/contacts",
            json!({ "emails": ["x"], "phones": ["y"] }),
        )
        .await;
    let error = reply.err(422, "validation_failed");
    assert!(
        error["details"]["fields"]["emails"].is_string()
            && error["details"]["fields"]["phones"].is_string()
    );
    // Shape errors and unknown attributes get the envelope too.
    api.post("/api/v1/contacts", json!({ "emails": "a@b.c" }))
        .await
        .err(422, "validation_failed");
    api.post("/api/v1/contacts", json!({ "nickname": "x" }))
        .await
        .err(422, "validation_failed");
    api.get("/api/v1/contacts?sort=shoe_size")
        .await
        .err(400, "invalid_sort");
    api.get("/api/v1/contacts?cursor=garbage")
        .await
        .err(400, "invalid_cursor");
    api.get("/api/v1/contacts?filter={oops")
        .await
        .err(400, "invalid_filter");
    api.get("/api/v1/contacts?limit=0")
        .await
        .err(400, "invalid_limit");
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM contacts", &[]).await, 0);
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM contact_activities", &[])
            .await,
        0
    );

    // A valid contact, then a patch with one bad attribute: nothing of the patch is applied.
    let id = create(api, json!({ "name": "Bo", "emails": ["bo@example.com"] })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "name": "Bob", "phones": ["nope"] }),
    )
    .await
    .field_error("phones");
    assert_eq!(
        api.get(&format!("/api/v1/contacts/{id}")).await.ok()["name"],
        "Bo"
    );
}
both!(bad_input_gets_a_clear_error_and_changes_nothing);

async fn phones_use_the_default_country_and_stay_unique(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.patch(
        "/api/v1/contact-settings",
        json!({ "default_country": "fr" }),
    )
    .await
    .ok();
    let settings = api.get("/api/v1/contact-settings").await.ok();
    assert_eq!(settings["default_country"], "FR");
    api.patch(
        "/api/v1/contact-settings",
        json!({ "default_country": "XX" }),
    )
    .await
    .field_error("default_country");
    let a = create(
        api,
        json!({ "name": "A", "phones": ["06 12 34 56 78"], "emails": ["a@example.com"] }),
    )
    .await;
    assert_eq!(a["phones"], json!(["+33612345678"]));
    let a_id = a["id"].as_str().unwrap();
    // The same number written another way, or the same email, is the same person.
    for body in [
        json!({ "phones": ["+33612345678"] }),
        json!({ "emails": ["A@EXAMPLE.COM"] }),
    ] {
        let error = api
            .post("/api/v1/contacts", body)
            .await
            .err(409, "contact_exists");
        assert_eq!(error["details"]["contact_id"], a_id, "{error}");
    }
    create(
        api,
        json!({ "identities": [{ "channel": "messenger", "external_id": "4242" }] }),
    )
    .await;
    api.post(
        "/api/v1/contacts",
        json!({ "identities": [{ "channel": "messenger", "external_id": "4242" }] }),
    )
    .await
    .err(409, "contact_exists");
    // Another workspace may hold the same people.
    let other = app.signup("other@example.com", "Beta").await;
    create(
        &other.browser,
        json!({ "phones": ["+33612345678"], "emails": ["a@example.com"] }),
    )
    .await;
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM contacts", &[]).await, 3);
}
both!(
    phones_use_the_default_country_and_stay_unique,
    playgram_testkit::Settings::new().set("signup_open", "true")
);

async fn upsert_finds_by_identity_or_creates(app: TestApp) {
    let owner = app.owner().await;
    let (_, secret) = app
        .create_api_key(&owner.browser, &["contacts:write"])
        .await;
    let api = app.api(&secret);
    let first = api.post("/api/v1/contacts/upsert", json!({
        "channel": "instagram", "external_id": "17841400000001", "username": "sam.ig", "name": "Sam", "seen": true,
    })).await.ok_with(201);
    assert_eq!(first["created"], true);
    let id = first["contact"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["contact"]["source"], "instagram");
    assert!(
        first["contact"]["last_seen_at"].is_string()
            && first["contact"]["first_seen_at"].is_string()
    );
    let again = api
        .post(
            "/api/v1/contacts/upsert",
            json!({
                "channel": "instagram", "external_id": "17841400000001", "username": "sam.new",
                "emails": ["sam@example.com"],
            }),
        )
        .await
        .ok_with(200);
    assert_eq!(again["created"], false);
    assert_eq!(again["contact"]["id"], id.as_str());
    assert_eq!(again["contact"]["name"], "Sam", "what is not given stays");
    assert_eq!(again["contact"]["identities"][0]["username"], "sam.new");
    let third = api.post("/api/v1/contacts/upsert", json!({
        "channel": "instagram", "external_id": "17841400000001", "emails": ["sam.other@example.com"],
    })).await.ok();
    assert_eq!(
        third["contact"]["emails"],
        json!(["sam@example.com", "sam.other@example.com"]),
        "emails are added"
    );
    // Addresses a channel reports are never dropped, even past the ten a client may send.
    let many: Vec<String> = (0..10).map(|i| format!("sam{i}@example.org")).collect();
    let full = api
        .post(
            "/api/v1/contacts/upsert",
            json!({
                "channel": "instagram", "external_id": "17841400000001", "emails": many,
            }),
        )
        .await
        .ok();
    assert_eq!(full["contact"]["emails"].as_array().map(Vec::len), Some(12));
    assert_eq!(full["contact"]["emails"][11], "sam9@example.org");
    // Found by the new username too.
    let found = api.get("/api/v1/contacts?q=sam.new").await.ok();
    assert_eq!(super::ids(&found), std::slice::from_ref(&id));
    // Concurrent upserts of one new identity store one contact.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.post(
                "/api/v1/contacts/upsert",
                json!({ "channel": "whatsapp", "external_id": "447700900123" }),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 200),
        "{statuses:?}"
    );
    assert_eq!(
        app.fetch_i64(
            "SELECT COUNT(*) FROM contact_identities WHERE channel = 'whatsapp'",
            &[]
        )
        .await,
        1
    );
    // A channel without identities is refused on `channel`, a bad id on `external_id`.
    api.post(
        "/api/v1/contacts/upsert",
        json!({ "channel": "fax", "external_id": "1" }),
    )
    .await
    .field_error("channel");
    api.post(
        "/api/v1/contacts/upsert",
        json!({ "channel": "whatsapp", "external_id": "abc" }),
    )
    .await
    .field_error("external_id");
    // Scopes: a read-only key cannot upsert.
    let (_, read) = app.create_api_key(&owner.browser, &["contacts:read"]).await;
    app.api(&read)
        .post(
            "/api/v1/contacts/upsert",
            json!({ "channel": "website", "external_id": "v1" }),
        )
        .await
        .err(403, "insufficient_scope");
}
both!(upsert_finds_by_identity_or_creates);

async fn identities_are_added_and_removed(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let a = create(api, json!({ "name": "A" })).await;
    let b = create(api, json!({ "name": "B", "identities": [{ "channel": "website", "external_id": "visitor-1" }] })).await;
    let a_id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/contacts/{a_id}/identities");
    let with = api
        .post(
            &path,
            json!({ "channel": "manychat", "external_id": "998877" }),
        )
        .await
        .ok_with(201);
    assert_eq!(with["identities"][0]["channel"], "manychat");
    let error = api
        .post(
            &path,
            json!({ "channel": "website", "external_id": "visitor-1" }),
        )
        .await
        .err(409, "contact_exists");
    assert_eq!(error["details"]["contact_id"], b["id"]);
    api.delete(&format!("{path}/manychat/998877")).await;
    assert_eq!(
        api.get(&format!("/api/v1/contacts/{a_id}")).await.ok()["identities"],
        json!([])
    );
    api.delete(&format!("{path}/manychat/998877"))
        .await
        .err(404, "not_found");
    let kinds: Vec<String> = api
        .get(&format!("/api/v1/contacts/{a_id}/timeline"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.contains(&"identity_added".to_owned())
            && kinds.contains(&"identity_removed".to_owned()),
        "{kinds:?}"
    );
}
both!(identities_are_added_and_removed);
