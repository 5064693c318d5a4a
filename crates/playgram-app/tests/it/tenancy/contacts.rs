//! Beta's contact data for the table, and Beta's contact ids sent in the bodies and queries of
//! Alpha's own requests.

use std::time::Duration;

use playgram_testkit::{Settings, TestApp, User, both};
use serde_json::{Value, json};

use super::{Foreign, all_events_sequenced};

/// Beta's contact data: a contact with an email, a website identity, a tag, a custom field value
/// and a consent record; a second contact; a segment; an uploaded import waiting to start and a
/// finished export.
pub(super) struct Contacts {
    pub(super) contact: String,
    pub(super) second: String,
    pub(super) visitor: String,
    pub(super) tag: String,
    pub(super) field: String,
    pub(super) segment: String,
    pub(super) import: String,
    pub(super) export: String,
}

impl Contacts {
    pub(super) async fn create(owner: &User) -> Contacts {
        let api = &owner.browser;
        let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
        let field = api
            .post(
                "/api/v1/contact-fields",
                json!({ "key": "plan", "label": "Plan", "kind": "text" }),
            )
            .await
            .ok_with(201);
        let visitor = "beta-visitor".to_owned();
        let contact = api
            .post(
                "/api/v1/contacts",
                json!({
                    "name": "Beta Person", "emails": ["person@beta.example"], "tags": ["Beta VIP"],
                    "identities": [{ "channel": "website", "external_id": visitor }],
                    "fields": { "plan": "Gold" },
                }),
            )
            .await
            .ok_with(201);
        let second = api
            .post(
                "/api/v1/contacts",
                json!({ "name": "Beta Second", "emails": ["second@beta.example"] }),
            )
            .await
            .ok_with(201);
        api.post(
            &format!("/api/v1/contacts/{}/consents", id(&contact)),
            json!({ "channel": "email", "purpose": "marketing", "status": "opted_in" }),
        )
        .await
        .ok_with(201);
        let segment = api
            .post(
                "/api/v1/segments",
                json!({ "name": "Beta VIPs", "filter": { "tags": { "any": ["Beta VIP"] } } }),
            )
            .await
            .ok_with(201);
        let import = crate::contacts::imports::upload(
            api,
            "beta.csv",
            b"Name,Email\nBeta Third,third@beta.example\n",
        )
        .await
        .ok_with(201);
        let export = api
            .post(
                "/api/v1/contact-exports",
                json!({ "format": "csv", "purpose": "Beta's own audit" }),
            )
            .await
            .ok_with(202);
        let export = id(&export);
        crate::jobs::eventually("Beta's export", Duration::from_secs(20), || async {
            let got = api
                .get(&format!("/api/v1/contact-exports/{export}"))
                .await
                .ok();
            (got["status"] == "completed").then_some(())
        })
        .await;
        Contacts {
            import: id(&import),
            export,
            tag: id(&contact["tags"][0]),
            contact: id(&contact),
            second: id(&second),
            visitor,
            field: id(&field),
            segment: id(&segment),
        }
    }
}

/// Beta's ids sent in bodies and queries of Alpha's own requests: each is refused (or matches
/// nothing) and nothing of Beta changes. Merging Beta's contact into Alpha's is a field error on
/// `other_id`, not a 404, since the path names Alpha's own contact.
async fn foreign_ids_in_bodies_and_queries_change_nothing(app: TestApp) {
    let alpha = app.owner().await;
    let foreign = Foreign::create(&app).await;
    let id = |placeholder: &str| foreign.path(placeholder);
    let api = &alpha.browser;
    let mine = api
        .post(
            "/api/v1/contacts",
            json!({ "name": "Alpha Own", "emails": ["own@alpha.example"] }),
        )
        .await
        .ok_with(201);
    let mine_id = mine["id"].as_str().unwrap().to_owned();
    let before = foreign.snapshot().await;

    // Merging in either direction.
    api.post(
        &format!("/api/v1/contacts/{mine_id}/merge"),
        json!({ "other_id": id("{contact}") }),
    )
    .await
    .field_error("other_id");
    api.post(
        &id("/api/v1/contacts/{contact}/merge"),
        json!({ "other_id": mine_id }),
    )
    .await
    .err(404, "not_found");
    assert_eq!(
        api.get(&format!("/api/v1/contacts/{mine_id}")).await.ok(),
        mine,
        "Alpha's contact is untouched"
    );
    // Beta's tag on Alpha's contact.
    api.post(
        &format!("/api/v1/contacts/{mine_id}/tags"),
        json!({ "tags": [id("{tag}")] }),
    )
    .await
    .field_error("tags");
    api.delete(&format!("/api/v1/contacts/{mine_id}/tags/{}", id("{tag}")))
        .await
        .err(404, "not_found");
    // Bulk actions naming Beta's contacts or segment.
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "delete", "contact_ids": [id("{contact}")] }),
    )
    .await
    .field_error("contact_ids");
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "erase", "segment_id": id("{segment}") }),
    )
    .await
    .field_error("segment_id");
    api.post(
        "/api/v1/contact-exports",
        json!({ "format": "csv", "purpose": "Taking Beta's", "segment_id": id("{segment}") }),
    )
    .await
    .field_error("segment_id");
    let queued = api
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "add_tags", "filter": { "tags": { "any": [id("{tag}")] } }, "tags": ["Alpha only"] }),
        )
        .await
        .ok_with(202);
    assert_eq!(queued["matched"], 0, "Beta's tag selects none of Alpha's");
    // Lists and counts.
    for path in [
        format!("/api/v1/contacts?segment={}", id("{segment}")),
        format!("/api/v1/contacts/count?segment={}", id("{segment}")),
    ] {
        api.get(&path).await.err(400, "invalid_segment");
    }
    for path in [
        format!("/api/v1/contacts?tag={}", id("{tag}")),
        "/api/v1/contacts?q=beta".to_owned(),
        "/api/v1/contacts?q=person%40beta.example".to_owned(),
    ] {
        assert_eq!(api.get(&path).await.ok(), json!([]), "{path}");
    }
    // Beta's identity is free in Alpha: the consent check does not find it, an upsert makes
    // Alpha's own contact.
    api.get(&id(
        "/api/v1/consent/check?channel=email&purpose=marketing&identity_channel=website&external_id={visitor}",
    ))
    .await
    .err(404, "not_found");
    let upserted = api
        .post(
            "/api/v1/contacts/upsert",
            json!({ "channel": "website", "external_id": id("{visitor}") }),
        )
        .await
        .ok_with(201);
    assert_ne!(
        upserted["contact"]["id"].as_str(),
        Some(id("{contact}").as_str())
    );

    crate::jobs::eventually("the bulk job", Duration::from_secs(20), || async {
        let job = api
            .get(&format!(
                "/api/v1/jobs/{}",
                queued["job_id"].as_str().unwrap()
            ))
            .await
            .ok();
        (job["state"] == "done").then_some(())
    })
    .await;
    all_events_sequenced(&app).await;
    assert_eq!(foreign.snapshot().await, before, "Beta changed");
}
both!(
    foreign_ids_in_bodies_and_queries_change_nothing,
    Settings::new().set("signup_open", true)
);
