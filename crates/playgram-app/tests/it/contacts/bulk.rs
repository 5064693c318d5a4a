//! Bulk actions: named contacts at once; a filter's or a segment's contacts by a job.

use std::time::Duration;

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, ids};

async fn bulk_actions_work_on_ids_and_filters(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let mut made = Vec::new();
    for i in 0..12 {
        let tags = if i % 2 == 0 {
            json!(["Even"])
        } else {
            json!([])
        };
        made.push(
            create(api, json!({ "name": format!("P{i:02}"), "tags": tags })).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let tagged = api
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "add_tags", "contact_ids": &made[..3], "tags": ["Picked"] }),
        )
        .await
        .ok();
    assert_eq!(tagged["changed"], 3);
    assert_eq!(
        ids(&api.get("/api/v1/contacts?tag=Picked&sort=name").await.ok()),
        made[..3].to_vec()
    );
    // By filter: a job does it.
    let queued = api.post("/api/v1/contacts/bulk", json!({ "action": "add_tags", "filter": { "tags": { "any": ["Even"] } }, "tags": ["Campaign"] })).await.ok_with(202);
    assert_eq!(queued["matched"], 6);
    let job = queued["job_id"].as_str().unwrap().to_owned();
    crate::jobs::eventually("the bulk job", Duration::from_secs(20), || async {
        let state = api.get(&format!("/api/v1/jobs/{job}")).await.ok()["state"]
            .as_str()
            .map(str::to_owned);
        (state.as_deref() == Some("done")).then_some(())
    })
    .await;
    assert_eq!(
        api.get("/api/v1/contacts/count?tag=Campaign").await.ok()["count"],
        6
    );
    let removed = api.post("/api/v1/contacts/bulk", json!({ "action": "remove_tags", "contact_ids": [made[0].clone()], "tags": ["Campaign"] })).await.ok();
    assert_eq!(removed["changed"], 1);
    // Delete by segment.
    let segment = api
        .post(
            "/api/v1/segments",
            json!({ "name": "Campaign", "filter": { "tags": { "all": ["Campaign"] } } }),
        )
        .await
        .ok_with(201);
    // Deleting by filter says how many first, and goes ahead only with that number.
    let refused = api
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "delete", "segment_id": segment["id"] }),
        )
        .await
        .err(409, "confirmation_required");
    assert_eq!(refused["details"]["matched"], 5);
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "delete", "filter": {}, "confirm_count": 5 }),
    )
    .await
    .err(409, "confirmation_required");
    let queued = api
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "delete", "segment_id": segment["id"], "confirm_count": 5 }),
        )
        .await
        .ok_with(202);
    assert_eq!(queued["matched"], 5);
    crate::jobs::eventually("the bulk delete", Duration::from_secs(20), || async {
        let n = api.get("/api/v1/contacts/count").await.ok()["count"].as_i64();
        (n == Some(7)).then_some(())
    })
    .await;
    assert!(
        crate::audit_actions(api)
            .await
            .contains(&"contact.bulk_deleted".to_owned())
    );
    // Refusals.
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "paint", "contact_ids": [made[1].clone()] }),
    )
    .await
    .field_error("action");
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "add_tags", "contact_ids": [made[1].clone()] }),
    )
    .await
    .field_error("tags");
    api.post("/api/v1/contacts/bulk", json!({ "action": "delete" }))
        .await
        .field_error("contact_ids");
    api.post(
        "/api/v1/contacts/bulk",
        json!({ "action": "delete", "contact_ids": ["ct_01JD0000000000000000000000"] }),
    )
    .await
    .field_error("contact_ids");
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "delete", "contact_ids": [made[1].clone()] }),
        )
        .await
        .err(403, "forbidden");
    agent
        .browser
        .post(
            "/api/v1/contacts/bulk",
            json!({ "action": "add_tags", "contact_ids": [made[1].clone()], "tags": ["Agent"] }),
        )
        .await
        .ok();
    assert_eq!(api.get("/api/v1/contacts/count").await.ok()["count"], 7);
}
both!(bulk_actions_work_on_ids_and_filters);
