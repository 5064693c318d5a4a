//! The import and export pages on both backends: upload through the form, the wizard with the
//! suggested mapping, the preview, starting, the progress and summary with the error report;
//! the export form carrying the list's filter, the record and the download; refusals.

use std::time::Duration;

use playgram_testkit::{TestApp, User, both};
use reqwest::Method;
use serde_json::json;

use super::create;
use super::imports::{finished, upload_to};

async fn post_form(user: &User, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let request = user.browser.request(Method::POST, path).form(fields);
    let reply = user.browser.send(request).await;
    let location = reply.header("location").unwrap_or_default().to_owned();
    (reply.status.as_u16(), location, reply.text)
}

async fn page(user: &User, path: &str) -> String {
    let reply = user.browser.get(path).await;
    assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.text);
    reply.text
}

async fn an_import_runs_through_the_wizard(app: TestApp) {
    let owner = app.owner().await;
    let empty = page(&owner, "/app/contacts/imports").await;
    assert!(empty.contains("No imports yet"), "an empty state");
    // A file that cannot be read comes back with the reason; nothing is stored.
    let refused = upload_to(&owner.browser, "/app/contacts/imports", "x.csv", b"").await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(
        refused.text.contains("The file is empty"),
        "{}",
        refused.text
    );
    let csv = "Name,E-mail,Plan,Tier\nAna,ana@example.com,Gold,A\nBo,not-an-email,Silver,B\n";
    let up = upload_to(
        &owner.browser,
        "/app/contacts/imports",
        "people.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(up.status.as_u16(), 303, "{}", up.text);
    let at = up.header("location").unwrap().to_owned();
    assert!(at.starts_with("/app/contacts/imports/imp_"), "{at}");
    let id = at.rsplit('/').next().unwrap().to_owned();
    let wizard = page(&owner, &at).await;
    assert!(wizard.contains("Where each column goes") && wizard.contains("ana@example.com"));
    assert!(
        wizard.contains(r#"<option value="email" selected>"#),
        "the email column is suggested"
    );
    let plan = [
        ("target.0", "name"),
        ("target.1", "email"),
        ("target.2", "new"),
        ("kind.2", "select"),
        ("target.3", ""),
        ("match_by", "email"),
        ("on_match", "update"),
        ("tags", "From the fair"),
    ];
    let (status, _, preview) = post_form(
        &owner,
        &format!("/app/contacts/imports/{id}/preview"),
        &plan,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        preview.contains("Nothing has been imported yet") && preview.contains("not an email"),
        "{preview}"
    );
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM contacts", &[]).await, 0);
    let (status, location, _) =
        post_form(&owner, &format!("/app/contacts/imports/{id}/start"), &plan).await;
    assert_eq!((status, location.as_str()), (303, at.as_str()));
    let done = finished(&owner.browser, &id).await;
    assert_eq!(
        (done["created"].as_i64(), done["failed"].as_i64()),
        (Some(1), Some(1))
    );
    let summary = page(&owner, &at).await;
    assert!(
        summary.contains("Imported") && summary.contains("Download the 1 refused rows"),
        "{summary}"
    );
    let contact = &owner.browser.get("/api/v1/contacts?q=ana").await.ok()[0];
    assert_eq!(
        contact["fields"]["plan"], "Gold",
        "a select made from the column's values"
    );
    let listed = page(&owner, "/app/contacts/imports").await;
    assert!(listed.contains("people.csv") && listed.contains("1 failed"));
    // Agents may not import; other workspaces' imports are 404.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    assert_eq!(
        agent
            .browser
            .get("/app/contacts/imports")
            .await
            .status
            .as_u16(),
        403
    );
    let other = app.signup("other@example.com", "Beta").await;
    assert_eq!(other.browser.get(&at).await.status.as_u16(), 404);
}
both!(
    an_import_runs_through_the_wizard,
    playgram_testkit::Settings::new().set("signup_open", "true")
);

async fn exports_are_asked_for_and_downloaded_from_the_page(app: TestApp) {
    let owner = app.owner().await;
    create(&owner.browser, json!({ "name": "Ana", "tags": ["VIP"] })).await;
    create(&owner.browser, json!({ "name": "Bo" })).await;
    let tag = owner.browser.get("/api/v1/tags").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let empty = page(&owner, "/app/contacts/exports").await;
    assert!(empty.contains("No exports yet") && empty.contains("All 2 contacts"));
    let form = page(&owner, &format!("/app/contacts/exports?tag={tag}")).await;
    assert!(form.contains("1 contact: tagged VIP"), "{form}");
    let (status, _, text) = post_form(
        &owner,
        "/app/contacts/exports",
        &[("tag", &tag), ("format", "csv"), ("purpose", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        text.contains("why these contacts are exported"),
        "the purpose is required"
    );
    let (status, location, _) = post_form(
        &owner,
        "/app/contacts/exports",
        &[
            ("tag", &tag),
            ("format", "csv"),
            ("purpose", "Event badges"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/app/contacts/exports"));
    let id = crate::jobs::eventually("the export", Duration::from_secs(20), || async {
        let list = owner.browser.get("/api/v1/contact-exports").await.ok();
        (list[0]["status"] == "completed").then(|| list[0]["id"].as_str().unwrap().to_owned())
    })
    .await;
    let listed = page(&owner, "/app/contacts/exports").await;
    assert!(
        listed.contains("Event badges") && listed.contains("Download CSV"),
        "{listed}"
    );
    let reply = owner
        .browser
        .get(&format!("/app/contacts/exports/{id}/download"))
        .await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(
        reply.text.contains("Ana") && !reply.text.contains("Bo,"),
        "{}",
        reply.text
    );
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    assert_eq!(
        agent
            .browser
            .get("/app/contacts/exports")
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(
        agent
            .browser
            .get(&format!("/app/contacts/exports/{id}/download"))
            .await
            .status
            .as_u16(),
        403
    );
}
both!(exports_are_asked_for_and_downloaded_from_the_page);
