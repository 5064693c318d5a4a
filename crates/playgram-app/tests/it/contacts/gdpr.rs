//! GDPR: the ZIP of everything about one contact; erasure in both modes, leaving a tombstone
//! without personal data; the retention policy run by cron.

use std::io::Read;

use playgram_testkit::{TestApp, both};
use serde_json::{Value, json};

use super::{create, event_of};

async fn one_contacts_data_is_exported_as_a_zip(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let id = create(
        api,
        json!({ "name": "Ana Núñez", "emails": ["ana@example.com"], "tags": ["VIP"] }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "name": "Ana N." }),
    )
    .await
    .ok();
    api.post(&format!("/api/v1/contacts/{id}/consents"), json!({ "channel": "email", "purpose": "newsletter", "status": "opted_in", "evidence": "form" })).await.ok_with(201);
    let reply = api.get(&format!("/api/v1/contacts/{id}/gdpr-export")).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/zip"));
    assert!(reply.header("content-disposition").unwrap().contains(&id));
    // Read the archive itself.
    let zip_bytes = fetch_bytes(
        &owner.browser,
        &format!("/api/v1/contacts/{id}/gdpr-export"),
    )
    .await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.txt",
            "consents.json",
            "contact.json",
            "files/",
            "history.json",
            "merged.json",
            "timeline.json"
        ]
    );
    let read = |archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| -> Value {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let contact = read(&mut archive, "contact.json");
    assert_eq!(contact["name"], "Ana N.");
    assert_eq!(contact["emails"], json!(["ana@example.com"]));
    assert_eq!(read(&mut archive, "consents.json")[0]["evidence"], "form");
    assert_eq!(read(&mut archive, "history.json")[0]["value"], "Ana N.");
    assert!(
        read(&mut archive, "timeline.json")
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert!(
        crate::audit_actions(api)
            .await
            .contains(&"contact.gdpr_exported".to_owned())
    );
    // Agents cannot take a contact's data away.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .get(&format!("/api/v1/contacts/{id}/gdpr-export"))
        .await
        .err(403, "forbidden");
}
both!(one_contacts_data_is_exported_as_a_zip);

/// The body of a GET as bytes.
pub async fn fetch_bytes(client: &playgram_testkit::Client, path: &str) -> Vec<u8> {
    let builder = client.request(reqwest::Method::GET, path);
    let response = builder.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.unwrap().to_vec()
}

async fn erasure_deletes_or_anonymises_and_leaves_a_tombstone(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    // delete mode (the default): every row goes.
    let a = create(
        api,
        json!({ "name": "Deleted Dan", "emails": ["dan@example.com"], "tags": ["X"],
        "identities": [{ "channel": "website", "external_id": "visitor-dan" }] }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let erased = api
        .post(&format!("/api/v1/contacts/{a}/erase"), json!({}))
        .await
        .ok();
    assert_eq!(erased["mode"], "delete");
    api.get(&format!("/api/v1/contacts/{a}"))
        .await
        .err(404, "not_found");
    for table in [
        "contacts",
        "contact_emails",
        "contact_identities",
        "contact_tags",
        "contact_activities",
    ] {
        let n = app
            .fetch_i64(
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE {} = $1",
                    if table == "contacts" {
                        "id"
                    } else {
                        "contact_id"
                    }
                ),
                &[(&a).into()],
            )
            .await;
        assert_eq!(n, 0, "{table}");
    }
    let event = event_of(api, "contact.deleted").await;
    assert_eq!(
        (
            event["erased"].as_bool(),
            event["mode"].as_str(),
            event["reason"].as_str()
        ),
        (Some(true), Some("delete"), Some("request"))
    );
    // anonymise mode: the row stays without personal data.
    api.patch(
        "/api/v1/contact-settings",
        json!({ "erase_mode": "anonymise" }),
    )
    .await
    .ok();
    let b = create(
        api,
        json!({ "name": "Anon Anne", "emails": ["anne@example.com"], "phones": ["+14155550100"] }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(
        &format!("/api/v1/contacts/{b}/consents"),
        json!({ "channel": "sms", "purpose": "marketing", "status": "opted_in" }),
    )
    .await
    .ok_with(201);
    let erased = api
        .post(&format!("/api/v1/contacts/{b}/erase"), json!({}))
        .await
        .ok();
    assert_eq!(erased["mode"], "anonymise");
    let left = api.get(&format!("/api/v1/contacts/{b}")).await.ok();
    assert_eq!(
        (
            left["name"].as_str(),
            left["emails"].clone(),
            left["phones"].clone()
        ),
        (Some(""), json!([]), json!([]))
    );
    assert!(left["erased_at"].is_string());
    let row = app
        .fetch_text("SELECT search FROM contacts WHERE id = $1", &[(&b).into()])
        .await
        .unwrap();
    assert!(!row.contains("anne"), "{row}");
    assert!(
        api.get("/api/v1/contacts?q=anne")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        super::ids(&api.get("/api/v1/contacts").await.ok()).is_empty(),
        "erased contacts are not listed"
    );
    api.patch(&format!("/api/v1/contacts/{b}"), json!({ "name": "Back" }))
        .await
        .err(409, "contact_erased");
    api.post(&format!("/api/v1/contacts/{b}/erase"), json!({}))
        .await
        .err(409, "contact_erased");
    let denied = api
        .get(&format!(
            "/api/v1/consent/check?contact_id={b}&channel=sms&purpose=marketing"
        ))
        .await
        .ok();
    assert_eq!(denied["allowed"], false);
    // The email is free again.
    create(api, json!({ "emails": ["anne@example.com"] })).await;
    // Tombstones hold nothing personal.
    let tombstones = api.get("/api/v1/contact-tombstones").await.ok();
    assert_eq!(tombstones.as_array().unwrap().len(), 2);
    let text = tombstones.to_string();
    assert!(!text.contains("Anne") && !text.contains("dan@"), "{text}");
    let actions = crate::audit_actions(api).await;
    assert_eq!(actions.iter().filter(|a| *a == "contact.erased").count(), 2);
    // Managers erase; agents do not.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    let c = create(api, json!({ "name": "C" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent
        .browser
        .post(&format!("/api/v1/contacts/{c}/erase"), json!({}))
        .await
        .err(403, "forbidden");
    agent
        .browser
        .delete(&format!("/api/v1/contacts/{c}"))
        .await
        .err(403, "forbidden");
    api.patch("/api/v1/contact-settings", json!({ "erase_mode": "shred" }))
        .await
        .field_error("erase_mode");
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    manager
        .browser
        .patch("/api/v1/contact-settings", json!({ "retention_days": 30 }))
        .await
        .err(403, "forbidden");
}
both!(erasure_deletes_or_anonymises_and_leaves_a_tombstone);

async fn retention_erases_inactive_contacts_by_cron(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.patch("/api/v1/contact-settings", json!({ "retention_days": 0 }))
        .await
        .field_error("retention_days");
    let settings = api
        .patch("/api/v1/contact-settings", json!({ "retention_days": 30 }))
        .await
        .ok();
    assert_eq!(settings["retention_days"], 30);
    let old = create(api, json!({ "name": "Old" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = create(api, json!({ "name": "Old but seen" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = create(api, json!({ "name": "Fresh" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = 86_400_000i64;
    let now = crate::now_ms();
    app.execute(
        "UPDATE contacts SET created_at = $1 WHERE id IN ($2, $3)",
        &[(now - 40 * day).into(), (&old).into(), (&seen).into()],
    )
    .await;
    app.execute(
        "UPDATE contacts SET last_seen_at = $1 WHERE id = $2",
        &[(now - 2 * day).into(), (&seen).into()],
    )
    .await;
    playgram_app::contacts::gdpr::apply_retention(app.state())
        .await
        .unwrap();
    api.get(&format!("/api/v1/contacts/{old}"))
        .await
        .err(404, "not_found");
    api.get(&format!("/api/v1/contacts/{seen}")).await.ok();
    api.get(&format!("/api/v1/contacts/{fresh}")).await.ok();
    let tombstones = api.get("/api/v1/contact-tombstones").await.ok();
    assert_eq!(tombstones[0]["reason"], "retention");
    let event = event_of(api, "contact.deleted").await;
    assert_eq!(event["actor"]["type"], "system");
    // Off again: nothing more is erased.
    api.patch(
        "/api/v1/contact-settings",
        json!({ "retention_days": null }),
    )
    .await
    .ok();
    app.execute(
        "UPDATE contacts SET created_at = $1, last_seen_at = 0",
        &[(now - 400 * day).into()],
    )
    .await;
    playgram_app::contacts::gdpr::apply_retention(app.state())
        .await
        .unwrap();
    assert_eq!(api.get("/api/v1/contacts/count").await.ok()["count"], 2);
    // The job is scheduled daily.
    assert!(
        playgram_app::maintenance::SCHEDULES
            .iter()
            .any(|s| s.name == "contacts.retention")
    );
}
both!(retention_erases_inactive_contacts_by_cron);
