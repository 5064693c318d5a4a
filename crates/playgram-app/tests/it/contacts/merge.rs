//! Merging two contacts: identities, emails, phones, tags, fields, consent and timeline move; the
//! merge is audited, logged with a snapshot, raises `contact.merged`; the old id says where it went.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, event_of};

async fn merging_moves_everything_to_the_kept_contact(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "plan", "label": "Plan", "kind": "text" }),
    )
    .await
    .ok_with(201);
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "city", "label": "City", "kind": "text" }),
    )
    .await
    .ok_with(201);
    let wa = create(api, json!({
        "name": "Ana", "phones": ["+33612345678"], "tags": ["WhatsApp lead"], "fields": { "plan": "Gold" },
        "identities": [{ "channel": "whatsapp", "external_id": "33612345678" }],
    })).await;
    let ig = create(api, json!({
        "name": "", "emails": ["ana@example.com"], "timezone": "Europe/Paris", "tags": ["Instagram"],
        "fields": { "plan": "Silver", "city": "Lyon" },
        "identities": [{ "channel": "instagram", "external_id": "17841400000009", "username": "ana.ig" }],
    })).await;
    let (keep, other) = (wa["id"].as_str().unwrap(), ig["id"].as_str().unwrap());
    api.post(&format!("/api/v1/contacts/{other}/consents"), json!({ "channel": "instagram", "purpose": "marketing", "status": "opted_in", "evidence": "DM" })).await.ok_with(201);
    api.post(
        &format!("/api/v1/contacts/{keep}/merge"),
        json!({ "other_id": keep }),
    )
    .await
    .field_error("other_id");
    api.post(
        &format!("/api/v1/contacts/{keep}/merge"),
        json!({ "other_id": "ct_01JD0000000000000000000000" }),
    )
    .await
    .field_error("other_id");
    let merged = api
        .post(
            &format!("/api/v1/contacts/{keep}/merge"),
            json!({ "other_id": other }),
        )
        .await
        .ok();
    assert_eq!(merged["id"], keep);
    assert_eq!(merged["name"], "Ana");
    assert_eq!(merged["emails"], json!(["ana@example.com"]));
    assert_eq!(merged["phones"], json!(["+33612345678"]));
    assert_eq!(
        merged["timezone"], "Europe/Paris",
        "blanks are filled from the other"
    );
    assert_eq!(merged["identities"].as_array().unwrap().len(), 2);
    assert_eq!(merged["tags"].as_array().unwrap().len(), 2);
    assert_eq!(
        merged["fields"],
        json!({ "plan": "Gold", "city": "Lyon" }),
        "the kept contact's values win"
    );
    // What the kept contact gained is in its field history; what it kept is not.
    let history = api
        .get(&format!("/api/v1/contacts/{keep}/history"))
        .await
        .ok();
    let gained = |attribute: &str| {
        history
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["attribute"] == attribute)
            .map(|h| h["value"].clone())
    };
    assert_eq!(gained("timezone"), Some(json!("Europe/Paris")), "{history}");
    assert_eq!(gained("fields.city"), Some(json!("Lyon")), "{history}");
    assert_eq!(gained("fields.plan"), None, "{history}");
    let consents = api
        .get(&format!("/api/v1/contacts/{keep}/consents"))
        .await
        .ok();
    assert_eq!(consents[0]["status"], "opted_in");
    let timeline = api
        .get(&format!("/api/v1/contacts/{keep}/timeline?limit=100"))
        .await
        .ok();
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "merged");
    assert_eq!(
        kinds.iter().filter(|k| **k == "created").count(),
        2,
        "both timelines: {kinds:?}"
    );
    let gone = api
        .get(&format!("/api/v1/contacts/{other}"))
        .await
        .err(404, "contact_merged");
    assert_eq!(gone["details"]["merged_into"], keep);
    let event = event_of(api, "contact.merged").await;
    assert_eq!(
        (
            event["contact_id"].as_str(),
            event["merged_contact_id"].as_str()
        ),
        (Some(keep), Some(other))
    );
    assert!(
        crate::audit_actions(api)
            .await
            .contains(&"contact.merged".to_owned())
    );
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM contact_merges", &[])
            .await,
        1
    );
    let snapshot = app
        .fetch_text("SELECT snapshot FROM contact_merges", &[])
        .await
        .unwrap();
    assert!(snapshot.contains("ana.ig"), "{snapshot}");
    // Found by what came from the other contact.
    let found = api.get("/api/v1/contacts?q=ana.ig").await.ok();
    assert_eq!(super::ids(&found), [keep.to_owned()]);
    // Its identity upserts onto the kept contact now.
    let up = api
        .post(
            "/api/v1/contacts/upsert",
            json!({ "channel": "instagram", "external_id": "17841400000009" }),
        )
        .await
        .ok();
    assert_eq!(up["contact"]["id"], keep);
}
both!(merging_moves_everything_to_the_kept_contact);
