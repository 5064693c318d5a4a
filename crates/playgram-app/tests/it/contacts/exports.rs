//! Exports: CSV (formula-safe, re-importable), JSON and XLSX of a filter or a segment, written by
//! a job, downloadable until they expire, each recorded with who, when, which contacts and why.

use std::io::Read;
use std::time::Duration;

use playgram_testkit::{Client, TestApp, both};
use serde_json::{Value, json};

use super::create;
use super::gdpr::fetch_bytes;

async fn ready(api: &Client, id: &str) -> Value {
    crate::jobs::eventually(&format!("export {id}"), Duration::from_secs(30), || async {
        let export = api.get(&format!("/api/v1/contact-exports/{id}")).await.ok();
        matches!(export["status"].as_str(), Some("completed" | "failed")).then_some(export)
    })
    .await
}

async fn contacts_are_exported_as_csv_json_and_xlsx(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "plan", "label": "Plan", "kind": "text" }),
    )
    .await
    .ok_with(201);
    create(api, json!({ "name": "=HYPERLINK(\"http://evil.example\",\"click\")", "emails": ["evil@example.com"], "tags": ["VIP"] })).await;
    create(api, json!({ "name": "Ana Núñez", "phones": ["+33612345678"], "tags": ["VIP"], "fields": { "plan": "@SUM(1)" },
        "identities": [{ "channel": "instagram", "external_id": "1784", "username": "ana.ig" }] })).await;
    create(api, json!({ "name": "Not VIP" })).await;
    let ask = |body: Value| {
        let api = api.clone();
        async move { api.post("/api/v1/contact-exports", body).await.ok_with(202) }
    };
    let csv = ask(json!({ "format": "csv", "filter": { "tags": { "any": ["vip"] } }, "purpose": "Newsletter tool sync" })).await;
    assert_eq!(csv["status"], "queued");
    let tag_id = api.get("/api/v1/tags").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        csv["filter"]["tags"]["any"],
        json!([tag_id]),
        "recorded with tags by id"
    );
    let done = ready(api, csv["id"].as_str().unwrap()).await;
    assert_eq!(
        (done["status"].as_str(), done["row_count"].as_i64()),
        (Some("completed"), Some(2))
    );
    assert!(done["expires_at"].is_string());
    let url = done["download_url"].as_str().unwrap().to_owned();
    let text = String::from_utf8(fetch_bytes(api, &url).await).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(
        text.contains("\"'=HYPERLINK("),
        "formulas are defused: {text}"
    );
    assert!(
        text.contains("'+33612345678") && text.contains("'@SUM(1)"),
        "{text}"
    );
    assert!(!text.contains("Not VIP"));
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header
            .starts_with("ID,Name,Emails,Phones,Tags,WhatsApp ID,Instagram ID,Instagram username")
            && header.ends_with(",Plan"),
        "{header}"
    );
    let listed = api.get("/api/v1/contact-exports").await.ok();
    assert_eq!(
        (
            listed[0]["downloads"].as_i64(),
            listed[0]["purpose"].as_str()
        ),
        (Some(1), Some("Newsletter tool sync"))
    );
    assert_eq!(listed[0]["requested_by"]["type"], "user");
    let actions = crate::audit_actions(api).await;
    assert!(
        actions.contains(&"contact_export.created".to_owned())
            && actions.contains(&"contact_export.downloaded".to_owned())
    );

    // The export imports back unchanged.
    let up = super::imports::upload(api, "back.csv", text.as_bytes())
        .await
        .ok_with(201);
    let preview_plan = json!({ "mapping": { "Name": "name", "Emails": "email", "Phones": "phone", "Instagram ID": "identity:instagram", "Instagram username": "username:instagram" }, "on_match": "skip" });
    let preview = api
        .post(
            &format!(
                "/api/v1/contact-imports/{}/preview",
                up["id"].as_str().unwrap()
            ),
            preview_plan,
        )
        .await
        .ok();
    let actions: Vec<&str> = preview
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["skip", "skip"], "{preview}");

    // JSON: the API's own objects. XLSX: text cells.
    let segment = api
        .post("/api/v1/segments", json!({ "name": "All", "filter": {} }))
        .await
        .ok_with(201);
    let json_export =
        ask(json!({ "format": "json", "segment_id": segment["id"], "purpose": "Backup" })).await;
    let done = ready(api, json_export["id"].as_str().unwrap()).await;
    let body: Value =
        serde_json::from_slice(&fetch_bytes(api, done["download_url"].as_str().unwrap()).await)
            .unwrap();
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .any(|c| c["identities"][0]["username"] == "ana.ig")
    );
    assert_eq!(done["segment_id"], segment["id"]);
    let xlsx = ask(json!({ "format": "xlsx", "purpose": "Accounting" })).await;
    let done = ready(api, xlsx["id"].as_str().unwrap()).await;
    let bytes = fetch_bytes(api, done["download_url"].as_str().unwrap()).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    assert!(
        strings.contains("Ana Núñez") && strings.contains("=HYPERLINK"),
        "text, not a formula"
    );
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(!sheet.contains("<f>"), "no formulas");

    // Refusals, and an expired file.
    for (body, field) in [
        (json!({ "format": "pdf", "purpose": "x y z" }), "format"),
        (json!({ "format": "csv", "purpose": "" }), "purpose"),
        (
            json!({ "format": "csv", "purpose": "why", "filter": {}, "segment_id": segment["id"] }),
            "segment_id",
        ),
        (
            json!({ "format": "csv", "purpose": "why", "filter": { "tags": { "any": ["Nope"] } } }),
            "filter.tags.any",
        ),
    ] {
        api.post("/api/v1/contact-exports", body)
            .await
            .field_error(field);
    }
    app.execute("UPDATE stored_files SET expires_at = 1", &[])
        .await;
    api.get(&url).await.err(410, "export_expired");
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent
        .browser
        .post(
            "/api/v1/contact-exports",
            json!({ "format": "csv", "purpose": "mine now" }),
        )
        .await
        .err(403, "forbidden");
    agent
        .browser
        .get("/api/v1/contact-exports")
        .await
        .err(403, "forbidden");
}
both!(contacts_are_exported_as_csv_json_and_xlsx);
