//! Consent: records per channel and purpose with source, time and evidence; the check senders
//! make (marketing needs an opt-in, transactional respects an opt-out); history in the timeline;
//! `contact.consent_changed`; filters by consent.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create, event_with};

async fn consent_is_recorded_and_checked_before_sending(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let contact = create(api, json!({ "name": "Ana", "identities": [{ "channel": "whatsapp", "external_id": "33612345678" }] })).await;
    let id = contact["id"].as_str().unwrap();
    let check = |query: String| {
        let api = api.clone();
        async move {
            api.get(&format!("/api/v1/consent/check?{query}"))
                .await
                .ok()
        }
    };
    let before = check(format!(
        "contact_id={id}&channel=whatsapp&purpose=marketing"
    ))
    .await;
    assert_eq!(
        (before["allowed"].as_bool(), before["status"].as_str()),
        (Some(false), Some("unknown"))
    );
    assert_eq!(before["rule"], "opt_in_required");
    let transactional = check(format!(
        "contact_id={id}&channel=whatsapp&purpose=transactional"
    ))
    .await;
    assert_eq!(transactional["allowed"], true);

    let path = format!("/api/v1/contacts/{id}/consents");
    let recorded = api.post(&path, json!({
        "channel": "whatsapp", "purpose": "marketing", "status": "opted_in", "source": "keyword",
        "evidence": "Replied YES to the opt-in message", "recorded_at": "2026-11-01T10:00:00Z",
    })).await.ok_with(201);
    assert_eq!(recorded[0]["source"], "keyword");
    assert_eq!(recorded[0]["recorded_at"], "2026-11-01T10:00:00.000Z");
    assert_eq!(recorded[0]["recorded_by"]["type"], "user");
    let after = check(
        "identity_channel=whatsapp&external_id=33612345678&channel=whatsapp&purpose=marketing"
            .into(),
    )
    .await;
    assert_eq!(
        (after["allowed"].as_bool(), after["status"].as_str()),
        (Some(true), Some("opted_in"))
    );
    assert_eq!(after["source"], "keyword");
    // Marketing elsewhere still needs its own opt-in.
    assert_eq!(
        check(format!("contact_id={id}&channel=sms&purpose=marketing")).await["allowed"],
        false
    );
    // An older record is history, not the current state.
    api.post(&path, json!({ "channel": "whatsapp", "purpose": "marketing", "status": "opted_out", "recorded_at": "2026-10-01T10:00:00Z" })).await.ok_with(201);
    assert_eq!(
        check(format!(
            "contact_id={id}&channel=whatsapp&purpose=marketing"
        ))
        .await["allowed"],
        true
    );
    // An opt-out now stops marketing and transactional alike.
    api.post(&path, json!({ "channel": "whatsapp", "purpose": "marketing", "status": "opted_out", "source": "keyword", "evidence": "STOP" })).await.ok_with(201);
    api.post(
        &path,
        json!({ "channel": "whatsapp", "purpose": "transactional", "status": "opted_out" }),
    )
    .await
    .ok_with(201);
    assert_eq!(
        check(format!(
            "contact_id={id}&channel=whatsapp&purpose=marketing"
        ))
        .await["allowed"],
        false
    );
    let no = check(format!(
        "contact_id={id}&channel=whatsapp&purpose=transactional"
    ))
    .await;
    assert_eq!(no["allowed"], false);
    assert!(no["reason"].as_str().unwrap().contains("opted out"));
    let event = event_with(api, "contact.consent_changed", "purpose", "transactional").await;
    assert_eq!(
        (event["status"].as_str(), event["previous_status"].as_str()),
        (Some("opted_out"), None)
    );
    // The history is in the timeline.
    let history = api
        .get(&format!(
            "/api/v1/contacts/{id}/timeline?kind=consent_changed"
        ))
        .await
        .ok();
    assert_eq!(history.as_array().unwrap().len(), 4);
    assert_eq!(history[1]["data"]["evidence"], "STOP");
    // Filters by consent.
    let opted_out = json!({ "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "opted_out" } }).to_string();
    let listed = api
        .get(&format!(
            "/api/v1/contacts?filter={}",
            super::lists::urlencode(&opted_out)
        ))
        .await
        .ok();
    assert_eq!(super::ids(&listed), [id.to_owned()]);
    // Bad records are refused and change nothing.
    for (body, field) in [
        (
            json!({ "channel": "pigeon", "purpose": "marketing", "status": "opted_in" }),
            "channel",
        ),
        (
            json!({ "channel": "email", "purpose": "Marketing Emails!", "status": "opted_in" }),
            "purpose",
        ),
        (
            json!({ "channel": "email", "purpose": "marketing", "status": "maybe" }),
            "status",
        ),
        (
            json!({ "channel": "email", "purpose": "marketing", "status": "opted_in", "recorded_at": "2999-01-01T00:00:00Z" }),
            "recorded_at",
        ),
        (
            json!({ "channel": "email", "purpose": "marketing", "status": "opted_in", "evidence": "x".repeat(2001) }),
            "evidence",
        ),
    ] {
        api.post(&path, body).await.field_error(field);
    }
    assert_eq!(api.get(&path).await.ok().as_array().unwrap().len(), 2);
    api.get("/api/v1/consent/check?channel=whatsapp&purpose=marketing")
        .await
        .field_error("contact_id");
    api.get(&format!(
        "/api/v1/consent/check?contact_id={id}&purpose=marketing"
    ))
    .await
    .field_error("channel");
}
both!(consent_is_recorded_and_checked_before_sending);
