//! Imports: upload CSV and XLSX with detected headers and suggestions, a dry-run preview that
//! keeps nothing, dedupe by identity, email or phone with skip / update / merge, the job with
//! live progress, the per-row error report, cancel, limits and refusals.

use std::time::Duration;

use playgram_testkit::{Client, Reply, Settings, TestApp, both};
use serde_json::{Value, json};

use super::create;

/// Sends `bytes` to the API as the multipart part `file`.
pub async fn upload(api: &Client, name: &str, bytes: &[u8]) -> Reply {
    upload_to(api, "/api/v1/contact-imports", name, bytes).await
}

/// Sends `bytes` as the multipart part `file` to `path`, as a browser form would.
pub async fn upload_to(api: &Client, path: &str, name: &str, bytes: &[u8]) -> Reply {
    let boundary = "----playgram-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = api
        .request(reqwest::Method::POST, path)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    api.send(request).await
}

/// Previews `plan` for the import: its rows, and each row's action.
pub async fn preview_of(api: &Client, id: &str, plan: &Value) -> (Value, Vec<String>) {
    let rows = api
        .post(
            &format!("/api/v1/contact-imports/{id}/preview"),
            plan.clone(),
        )
        .await
        .ok();
    let actions = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    (rows, actions)
}

/// Waits until the import has finished; returns it.
pub async fn finished(api: &Client, id: &str) -> Value {
    crate::jobs::eventually(
        &format!("import {id} to finish"),
        Duration::from_secs(60),
        || async {
            let import = api.get(&format!("/api/v1/contact-imports/{id}")).await.ok();
            matches!(
                import["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            )
            .then_some(import)
        },
    )
    .await
}

const CSV: &str = "Full name;E-mail;Mobile;Plan;Tags;Newsletter\n\
Ana Núñez;ana@example.com;+33 6 12 34 56 78;Gold;VIP, Lead;yes\n\
Bo;not-an-email;;Silver;;no\n\
;;;;;\n\
Cleo;cleo@example.com;0612345679;Bronze;;maybe\n\
Dan;dan@example.com;;Silver;;\n";

async fn a_csv_is_uploaded_previewed_and_imported(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.patch(
        "/api/v1/contact-settings",
        json!({ "default_country": "FR" }),
    )
    .await
    .ok();
    let existing = create(
        api,
        json!({ "name": "Dan Old", "emails": ["dan@example.com"], "locale": "fr" }),
    )
    .await;
    let up = upload(api, "clients.csv", CSV.as_bytes())
        .await
        .ok_with(201);
    assert_eq!(up["status"], "uploaded");
    assert_eq!(
        up["headers"],
        json!([
            "Full name",
            "E-mail",
            "Mobile",
            "Plan",
            "Tags",
            "Newsletter"
        ])
    );
    assert_eq!(up["row_count"], 4, "the empty row is dropped");
    assert_eq!(up["sample"][0][0], "Ana Núñez");
    let targets: Vec<&str> = up["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["name", "email", "phone", "", "tags", ""]);
    assert_eq!(up["suggestions"][3]["new_field"]["key"], "plan");
    let id = up["id"].as_str().unwrap().to_owned();
    let plan = json!({
        "mapping": { "Full name": "name", "E-mail": "email", "Mobile": "phone", "Plan": "field:plan", "Tags": "tags", "Newsletter": "consent:email:newsletter" },
        "create_fields": [{ "key": "plan", "label": "Plan", "kind": "select", "options": ["Gold", "Silver"] }],
        "match_by": ["email"],
        "on_match": "update",
        "tags": ["Imported"],
    });
    // The preview says what would happen, and keeps nothing.
    let (preview, actions) = preview_of(api, &id, &plan).await;
    assert_eq!(actions, ["create", "error", "error", "update"]);
    assert_eq!(preview[1]["errors"][0]["column"], "E-mail");
    // Rows are numbered as a spreadsheet shows them: the header is row 1, and the blank row
    // between Bo and Cleo counts.
    let numbers: Vec<i64> = preview
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 3, 5, 6]);
    let cleo: Vec<String> = preview[2]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cleo, ["Plan", "Newsletter"], "every bad cell is named");
    assert_eq!(preview[3]["contact_id"], existing["id"]);
    assert_eq!(api.get("/api/v1/contacts/count").await.ok()["count"], 1);
    assert!(
        api.get("/api/v1/contact-fields")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Bad plans are explained.
    let bad = api.post(&format!("/api/v1/contact-imports/{id}/preview"), json!({ "mapping": { "Nope": "email", "Plan": "field:missing" }, "on_match": "overwrite" })).await;
    let fields = bad.err(422, "validation_failed")["details"]["fields"].clone();
    assert!(
        fields["mapping.Nope"].is_string()
            && fields["mapping.Plan"].is_string()
            && fields["on_match"].is_string(),
        "{fields}"
    );
    // Import.
    let started = api
        .post(&format!("/api/v1/contact-imports/{id}/start"), plan.clone())
        .await
        .ok_with(202);
    assert_eq!(started["status"], "queued");
    api.post(&format!("/api/v1/contact-imports/{id}/start"), plan.clone())
        .await
        .err(409, "import_started");
    let done = finished(api, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (
            done["rows_done"].as_i64(),
            done["created"].as_i64(),
            done["updated"].as_i64(),
            done["failed"].as_i64()
        ),
        (Some(4), Some(1), Some(1), Some(2))
    );
    assert_eq!(done["progress"], 1.0);
    let ana = &api.get("/api/v1/contacts?q=ana").await.ok()[0];
    assert_eq!(ana["phones"], json!(["+33612345678"]));
    assert_eq!(ana["fields"]["plan"], "Gold");
    assert_eq!(ana["source"], "import");
    let tags: Vec<&str> = ana["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Imported", "Lead", "VIP"]);
    let consent = api
        .get(&format!(
            "/api/v1/contacts/{}/consents",
            ana["id"].as_str().unwrap()
        ))
        .await
        .ok();
    assert_eq!(
        (
            consent[0]["purpose"].as_str(),
            consent[0]["status"].as_str(),
            consent[0]["source"].as_str()
        ),
        (Some("newsletter"), Some("opted_in"), Some("import"))
    );
    let dan = api
        .get(&format!(
            "/api/v1/contacts/{}",
            existing["id"].as_str().unwrap()
        ))
        .await
        .ok();
    assert_eq!(dan["name"], "Dan", "update writes the row's values");
    assert_eq!(dan["fields"]["plan"], "Silver");
    assert_eq!(dan["locale"], "fr", "empty cells change nothing");
    // The error report: one line per refused row, with its own cells, ready to fix.
    let report = String::from_utf8(
        super::gdpr::fetch_bytes(api, &format!("/api/v1/contact-imports/{id}/errors")).await,
    )
    .unwrap();
    let lines: Vec<&str> = report.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "row,errors,Full name,E-mail,Mobile,Plan,Tags,Newsletter"
    );
    assert_eq!(lines.len(), 3, "{report}");
    assert!(
        lines[1].starts_with("3,E-mail:") && lines[1].contains("not-an-email"),
        "{report}"
    );
    assert!(
        lines[2].starts_with("5,")
            && lines[2].contains("Plan:")
            && lines[2].contains("Newsletter:"),
        "{report}"
    );
    // Events: a contact.created per new contact, and the import's end.
    let finished_event = super::event_of(api, "contact_import.finished").await;
    assert_eq!(
        (
            finished_event["created"].as_i64(),
            finished_event["failed"].as_i64()
        ),
        (Some(1), Some(2))
    );
}

async fn dedupe_rules_skip_update_or_merge(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let a = create(
        api,
        json!({ "name": "", "emails": ["a@example.com"], "timezone": "Europe/Paris" }),
    )
    .await;
    let b = create(
        api,
        json!({ "name": "B by phone", "phones": ["+14155550100"] }),
    )
    .await;
    let csv = "name,email,phone,whatsapp\nAlice,a@example.com,+14155550100,14155550100\nNew,new@example.com,,\nNew again,new@example.com,+14155550199,\n";
    let plan = |rule: &str| {
        json!({
            "mapping": { "name": "name", "email": "email", "phone": "phone", "whatsapp": "identity:whatsapp" },
            "match_by": ["identity", "email", "phone"], "on_match": rule,
        })
    };
    let run = |rule: &'static str| {
        let api = api.clone();
        let plan = plan(rule);
        async move {
            let up = upload(&api, "d.csv", csv.as_bytes()).await.ok_with(201);
            let id = up["id"].as_str().unwrap().to_owned();
            let preview = api
                .post(
                    &format!("/api/v1/contact-imports/{id}/preview"),
                    plan.clone(),
                )
                .await
                .ok();
            api.post(&format!("/api/v1/contact-imports/{id}/start"), plan)
                .await
                .ok_with(202);
            (preview, finished(&api, &id).await)
        }
    };
    // skip: the match stays as it is; the file's own duplicate is skipped too.
    let (preview, done) = run("skip").await;
    let actions: Vec<&str> = preview
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["skip", "create", "skip"]);
    assert_eq!(
        (done["created"].as_i64(), done["skipped"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        api.get(&format!("/api/v1/contacts/{}", a["id"].as_str().unwrap()))
            .await
            .ok()["name"],
        ""
    );
    // update: a row naming two contacts (email: A, phone: B) is refused, not silently split.
    let (preview, done) = run("update").await;
    assert_eq!(preview[0]["action"], "error");
    assert!(
        preview[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("merge")
    );
    assert_eq!(
        (done["failed"].as_i64(), done["updated"].as_i64()),
        (Some(1), Some(2))
    );
    let new = &api.get("/api/v1/contacts?q=new@example.com").await.ok()[0];
    assert_eq!(new["name"], "New again");
    assert_eq!(new["phones"], json!(["+14155550199"]));
    // merge: the row folds A and B into one, filling only what was missing.
    let (preview, done) = run("merge").await;
    assert_eq!(preview[0]["action"], "merge");
    assert_eq!(done["failed"], 0);
    let merged = api
        .get(&format!("/api/v1/contacts/{}", a["id"].as_str().unwrap()))
        .await
        .ok();
    assert_eq!(
        merged["name"], "B by phone",
        "merging the two filled the name; the row only fills what is still missing"
    );
    assert_eq!(merged["timezone"], "Europe/Paris");
    assert_eq!(merged["phones"], json!(["+14155550100"]));
    assert_eq!(merged["identities"][0]["external_id"], "14155550100");
    api.get(&format!("/api/v1/contacts/{}", b["id"].as_str().unwrap()))
        .await
        .err(404, "contact_merged");
    let kept = api.get("/api/v1/contacts?q=new@example.com").await.ok();
    assert_eq!(kept[0]["name"], "New again", "merge does not overwrite");
}
both!(a_csv_is_uploaded_previewed_and_imported);
both!(dedupe_rules_skip_update_or_merge);

async fn xlsx_files_import_and_refusals_change_nothing(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in [
        "First name",
        "Last name",
        "Email",
        "WhatsApp ID",
        "Instagram ID",
        "Instagram username",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    for row in 1..=120u32 {
        sheet.write_string(row, 0, format!("Person{row}")).unwrap();
        sheet.write_string(row, 1, "Zoë").unwrap();
        sheet
            .write_string(row, 2, format!("p{row}@example.com"))
            .unwrap();
        sheet
            .write_number(row, 3, (33600000000u64 + u64::from(row)) as f64)
            .unwrap();
        sheet
            .write_number(row, 4, (17841400000000u64 + u64::from(row)) as f64)
            .unwrap();
        sheet
            .write_string(row, 5, format!("@person.{row}"))
            .unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let up = upload(api, "people.xlsx", &bytes).await.ok_with(201);
    assert_eq!(
        (up["format"].as_str(), up["row_count"].as_i64()),
        (Some("xlsx"), Some(120))
    );
    let targets: Vec<&str> = up["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "first_name",
            "last_name",
            "email",
            "identity:whatsapp",
            "identity:instagram",
            "username:instagram"
        ]
    );
    let mapping: serde_json::Map<String, Value> = up["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["header"].as_str().unwrap().to_owned(),
                s["target"].clone(),
            )
        })
        .collect();
    let id = up["id"].as_str().unwrap().to_owned();
    api.post(
        &format!("/api/v1/contact-imports/{id}/start"),
        json!({ "mapping": mapping, "tags": ["XLSX"] }),
    )
    .await
    .ok_with(202);
    let done = finished(api, &id).await;
    assert_eq!(
        (done["created"].as_i64(), done["failed"].as_i64()),
        (Some(120), Some(0)),
        "{done}"
    );
    let p7 = &api.get("/api/v1/contacts?q=p7@example.com").await.ok()[0];
    assert_eq!(p7["name"], "Person7 Zoë");
    assert_eq!(p7["identities"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.get("/api/v1/contacts/count?tag=XLSX").await.ok()["count"],
        120
    );
    assert_eq!(
        api.get("/api/v1/contacts?q=zoe&limit=200")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        120
    );
    // Refusals: not a spreadsheet, empty, too big, wrong role; nothing stored.
    upload(api, "old.xls", b"\xd0\xcf\x11\xe0")
        .await
        .field_error("file");
    upload(api, "empty.csv", b"").await.field_error("file");
    upload(api, "header.csv", b"name,email\n")
        .await
        .field_error("file");
    upload(api, "broken.xlsx", b"PK\x03\x04broken")
        .await
        .field_error("file");
    let junk: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    upload(api, "junk.xlsx", &junk).await.field_error("file");
    for body in [json!({ "file": "contacts.csv" }), Value::Null] {
        api.post("/api/v1/contact-imports", body)
            .await
            .err(415, "unsupported_media_type");
    }
    let big = vec![b'a'; 70_000];
    upload(api, "big.csv", &big)
        .await
        .err(413, "payload_too_large");
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    upload(&agent.browser, "x.csv", b"name\nx\n")
        .await
        .err(403, "forbidden");
    assert_eq!(
        api.get("/api/v1/contact-imports")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Cancel: a finished import cannot be; an uploaded one can.
    api.post(&format!("/api/v1/contact-imports/{id}/cancel"), json!({}))
        .await
        .err(409, "import_finished");
    let up = upload(api, "c.csv", b"name\nx\n").await.ok_with(201);
    let cancelled = api
        .post(
            &format!(
                "/api/v1/contact-imports/{}/cancel",
                up["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(cancelled["status"], "cancelled");
}
both!(
    xlsx_files_import_and_refusals_change_nothing,
    Settings::new().set("contacts_import_max_bytes", "65536")
);
