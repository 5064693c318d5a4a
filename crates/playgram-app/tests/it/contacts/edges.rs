//! The edges a demanding user finds: text filters on accented values, a segment searched again
//! from the list, filters too big to evaluate, a field changing kind, an identity named as it
//! was typed, an import naming one identity in two columns, and old page addresses.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::imports::{finished, preview_of, upload};
use super::lists::urlencode;
use super::{create, ids};

async fn text_filters_fold_case_beyond_ascii(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "school", "label": "School", "kind": "text" }),
    )
    .await
    .ok_with(201);
    let ecole = create(
        api,
        json!({ "name": "Élise", "fields": { "school": "École Łódź" } }),
    )
    .await;
    create(
        api,
        json!({ "name": "Bob", "fields": { "school": "Lycée" } }),
    )
    .await;
    let id = ecole["id"].as_str().unwrap().to_owned();
    for (op, value) in [
        ("eq", json!("ÉCOLE ŁÓDŹ")),
        ("contains", json!("łódź")),
        ("starts_with", json!("ÉCO")),
        ("in", json!(["x", "école łódź"])),
    ] {
        let filter = json!({ "fields": [{ "field": "school", "op": op, "value": value }] });
        let found = api
            .get(&format!(
                "/api/v1/contacts?filter={}",
                urlencode(&filter.to_string())
            ))
            .await
            .ok();
        assert_eq!(ids(&found), std::slice::from_ref(&id), "{op} {value}");
    }
}
both!(text_filters_fold_case_beyond_ascii);

async fn a_segment_searched_from_the_list_keeps_its_own_words(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let ana = create(api, json!({ "name": "Ana Silva" })).await;
    create(api, json!({ "name": "Ana Costa" })).await;
    create(api, json!({ "name": "Bruno Silva" })).await;
    let segment = api
        .post(
            "/api/v1/segments",
            json!({ "name": "The Silvas", "filter": { "q": "silva" } }),
        )
        .await
        .ok_with(201);
    assert_eq!(segment["contact_count"], 2);
    let id = segment["id"].as_str().unwrap();
    let found = api
        .get(&format!("/api/v1/contacts?segment={id}&q=an"))
        .await
        .ok();
    assert_eq!(ids(&found), [ana["id"].as_str().unwrap().to_owned()]);
}
both!(a_segment_searched_from_the_list_keeps_its_own_words);

async fn filters_too_big_to_evaluate_are_refused(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    create(api, json!({ "name": "Ana", "tags": ["VIP"] })).await;
    let many: Vec<String> = (0..1_001).map(|i| format!("tag_{i:026}")).collect();
    let filter = json!({ "tags": { "all": many } });
    api.post(
        "/api/v1/segments",
        json!({ "name": "Huge", "filter": filter }),
    )
    .await
    .field_error("filter.tags.all");
    api.get(&format!(
        "/api/v1/contacts?filter={}",
        urlencode(&filter.to_string())
    ))
    .await
    .field_error("filter.tags.all");
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "add_tags", "tags": ["VIP"], "filter": filter }),
    )
    .await
    .field_error("filter.tags.all");
    let channels = json!({ "channels": vec!["whatsapp"; 21] });
    api.post(
        "/api/v1/segments",
        json!({ "name": "Channels", "filter": channels }),
    )
    .await
    .field_error("filter.channels");
    // Nothing was saved, and the segment list still answers.
    assert_eq!(api.get("/api/v1/segments").await.ok(), json!([]));
}
both!(filters_too_big_to_evaluate_are_refused);

async fn an_unused_select_field_changes_kind_without_naming_options(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let field = api
        .post(
            "/api/v1/contact-fields",
            json!({ "key": "plan", "label": "Plan", "kind": "select", "options": ["Gold", "Silver"] }),
        )
        .await
        .ok_with(201);
    let id = field["id"].as_str().unwrap();
    let changed = api
        .patch(
            &format!("/api/v1/contact-fields/{id}"),
            json!({ "kind": "text" }),
        )
        .await
        .ok();
    assert_eq!(changed["kind"], "text");
    assert_eq!(changed["options"], json!([]));
    // Options on a kind without them are still refused.
    api.patch(
        &format!("/api/v1/contact-fields/{id}"),
        json!({ "options": ["Gold"] }),
    )
    .await
    .field_error("options");
}
both!(an_unused_select_field_changes_kind_without_naming_options);

async fn an_identity_is_removed_as_it_was_typed(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let contact = create(
        api,
        json!({ "name": "Wa", "identities": [{ "channel": "whatsapp", "external_id": "+33612345678" }] }),
    )
    .await;
    let id = contact["id"].as_str().unwrap();
    let removed = api
        .delete(&format!(
            "/api/v1/contacts/{id}/identities/whatsapp/%2B33612345678"
        ))
        .await;
    assert_eq!(removed.status.as_u16(), 204, "{}", removed.text);
    let after = api.get(&format!("/api/v1/contacts/{id}")).await.ok();
    assert_eq!(after["identities"], json!([]));
    api.delete(&format!(
        "/api/v1/contacts/{id}/identities/whatsapp/not-a-number"
    ))
    .await
    .err(404, "not_found");
}
both!(an_identity_is_removed_as_it_was_typed);

async fn one_identity_in_two_columns_imports_once(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let existing = create(
        api,
        json!({ "name": "Old", "identities": [{ "channel": "whatsapp", "external_id": "14155550100" }] }),
    )
    .await;
    let csv =
        "name,wa,wa again\nNew name,14155550100,+1 415 555 0100\nFresh,14155550101,14155550101\n";
    let up = upload(api, "twice.csv", csv.as_bytes()).await.ok_with(201);
    let id = up["id"].as_str().unwrap().to_owned();
    let plan = json!({
        "mapping": { "name": "name", "wa": "identity:whatsapp", "wa again": "identity:whatsapp" },
        "on_match": "update",
    });
    let (_, actions) = preview_of(api, &id, &plan).await;
    assert_eq!(actions, ["update", "create"]);
    api.post(&format!("/api/v1/contact-imports/{id}/start"), plan)
        .await
        .ok_with(202);
    let done = finished(api, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (
            done["updated"].as_i64(),
            done["created"].as_i64(),
            done["failed"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    let updated = api
        .get(&format!(
            "/api/v1/contacts/{}",
            existing["id"].as_str().unwrap()
        ))
        .await
        .ok();
    assert_eq!(updated["name"], "New name");
}
both!(one_identity_in_two_columns_imports_once);

async fn erasure_empties_refused_import_rows_naming_the_contact(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let erin = create(
        api,
        json!({ "name": "Erin", "emails": ["erin@private.example"] }),
    )
    .await;
    let csv = "name,email,phone\nErin,Erin@Private.example,not a phone\nOther,other@example.com,also not\n";
    let up = upload(api, "refused.csv", csv.as_bytes())
        .await
        .ok_with(201);
    let id = up["id"].as_str().unwrap().to_owned();
    let plan = json!({ "mapping": { "name": "name", "email": "email", "phone": "phone" } });
    api.post(&format!("/api/v1/contact-imports/{id}/start"), plan)
        .await
        .ok_with(202);
    assert_eq!(finished(api, &id).await["failed"], 2);
    let report = || async {
        String::from_utf8(
            super::gdpr::fetch_bytes(api, &format!("/api/v1/contact-imports/{id}/errors")).await,
        )
        .unwrap()
    };
    assert!(report().await.contains("Erin@Private.example"));
    api.post(
        &format!("/api/v1/contacts/{}/erase", erin["id"].as_str().unwrap()),
        json!({}),
    )
    .await
    .ok();
    let after = report().await;
    assert!(!after.contains("Private.example"), "{after}");
    assert!(after.contains("other@example.com"), "{after}");
    assert!(after.lines().any(|l| l.starts_with("2,")), "{after}");
}
both!(erasure_empties_refused_import_rows_naming_the_contact);

async fn old_addresses_lead_to_their_pages(app: TestApp) {
    let owner = app.owner().await;
    let kept = create(&owner.browser, json!({ "name": "Ana" })).await;
    let gone = create(&owner.browser, json!({ "name": "Ana again" })).await;
    let (kept, gone) = (kept["id"].as_str().unwrap(), gone["id"].as_str().unwrap());
    // The address a refused form leaves in the address bar, opened again.
    let reply = owner
        .browser
        .get(&format!("/app/contacts/{kept}/profile"))
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("location")),
        (303, Some(format!("/app/contacts/{kept}").as_str()))
    );
    // The API still says 405 in its envelope.
    owner
        .browser
        .get(&format!("/api/v1/contacts/{kept}/merge"))
        .await
        .err(405, "method_not_allowed");
    // A merged contact's address leads to the contact it went into.
    owner
        .browser
        .post(
            &format!("/api/v1/contacts/{kept}/merge"),
            json!({ "other_id": gone }),
        )
        .await
        .ok();
    let reply = owner.browser.get(&format!("/app/contacts/{gone}")).await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("location")),
        (303, Some(format!("/app/contacts/{kept}").as_str()))
    );
}
both!(old_addresses_lead_to_their_pages);
