//! Segments: saved filters with live counts, surviving tag renames, listing their contacts, and
//! narrowed by the list's own parameters.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, ids};

async fn segments_save_filters_with_live_counts(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "score", "label": "Score", "kind": "number" }),
    )
    .await
    .ok_with(201);
    let a = create(
        api,
        json!({ "name": "Anna", "tags": ["VIP"], "fields": { "score": 80 } }),
    )
    .await;
    create(
        api,
        json!({ "name": "Ben", "tags": ["VIP"], "fields": { "score": 10 } }),
    )
    .await;
    create(api, json!({ "name": "Cleo" })).await;
    let segment = api.post("/api/v1/segments", json!({
        "name": "Engaged VIPs",
        "filter": { "tags": { "any": ["vip"] }, "fields": [{ "field": "score", "op": "gte", "value": 50 }] },
    })).await.ok_with(201);
    assert_eq!(segment["contact_count"], 1);
    let tag_id = api.get("/api/v1/tags").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        segment["filter"]["tags"]["any"],
        json!([tag_id]),
        "stored by id"
    );
    let id = segment["id"].as_str().unwrap().to_owned();
    // The count is live.
    create(
        api,
        json!({ "name": "Dana", "tags": ["VIP"], "fields": { "score": 99 } }),
    )
    .await;
    assert_eq!(
        api.get(&format!("/api/v1/segments/{id}")).await.ok()["contact_count"],
        2
    );
    // A renamed tag keeps the segment.
    api.patch(
        &format!("/api/v1/tags/{tag_id}"),
        json!({ "name": "Gold members" }),
    )
    .await
    .ok();
    assert_eq!(
        api.get("/api/v1/segments").await.ok()[0]["contact_count"],
        2
    );
    let listed = api
        .get(&format!("/api/v1/segments/{id}/contacts?sort=name"))
        .await
        .ok();
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Anna", "Dana"]
    );
    let narrowed = api
        .get(&format!("/api/v1/contacts?segment={id}&q=ann"))
        .await
        .ok();
    assert_eq!(ids(&narrowed), [a["id"].as_str().unwrap().to_owned()]);
    assert_eq!(
        api.get(&format!("/api/v1/contacts/count?segment={id}"))
            .await
            .ok()["count"],
        2
    );
    // Changing it; bad filters are refused and change nothing.
    api.patch(
        &format!("/api/v1/segments/{id}"),
        json!({ "filter": { "tags": { "any": ["Nope"] } } }),
    )
    .await
    .field_error("filter.tags.any");
    let changed = api
        .patch(
            &format!("/api/v1/segments/{id}"),
            json!({ "name": "All gold", "filter": { "tags": { "all": ["Gold members"] } } }),
        )
        .await
        .ok();
    assert_eq!(
        (changed["name"].as_str(), changed["contact_count"].as_i64()),
        (Some("All gold"), Some(3))
    );
    api.post("/api/v1/segments", json!({ "name": "" }))
        .await
        .field_error("name");
    // A segment whose field is deleted says so instead of a count.
    let s2 = api.post("/api/v1/segments", json!({ "name": "Scored", "filter": { "fields": [{ "field": "score", "op": "is_set" }] } })).await.ok_with(201);
    let field_id = api.get("/api/v1/contact-fields").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.delete(&format!("/api/v1/contact-fields/{field_id}"))
        .await;
    let broken = api
        .get(&format!("/api/v1/segments/{}", s2["id"].as_str().unwrap()))
        .await
        .ok();
    assert_eq!(broken["contact_count"], json!(null));
    assert!(broken["problem"].as_str().unwrap().contains("score"));
    api.delete(&format!("/api/v1/segments/{id}")).await;
    api.get(&format!("/api/v1/segments/{id}"))
        .await
        .err(404, "not_found");
    api.get(&format!("/api/v1/contacts?segment={id}"))
        .await
        .err(400, "invalid_segment");
    // Viewers read segments but do not save them.
    let viewer = app.join_as(&owner, "viewer@example.com", "viewer").await;
    viewer.browser.get("/api/v1/segments").await.ok();
    viewer
        .browser
        .post("/api/v1/segments", json!({ "name": "x" }))
        .await
        .err(403, "forbidden");
}
both!(segments_save_filters_with_live_counts);
