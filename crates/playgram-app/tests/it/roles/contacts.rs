//! The contact part of the role matrix: every role against the contact actions, over HTTP; and the
//! `contacts:*` API-key scopes. Viewers read; agents create, change, tag, merge and record consent;
//! managers also delete, erase, export and define fields, segments and tags; only owners and
//! admins change the contact settings. Imports and exports (lists, asking for an export) are for
//! managers and up.

use playgram_testkit::{Client, TestApp, User, both};
use reqwest::Method;
use serde_json::{Value, json};

use super::ROLES;

#[derive(Clone, Copy, Debug)]
enum Action {
    ListContacts,
    CountContacts,
    GetContact,
    ReadTimeline,
    CheckConsent,
    ListTombstones,
    ReadSettings,
    CreateContact,
    UpsertContact,
    UpdateContact,
    TagContact,
    UntagContact,
    LinkIdentity,
    MergeContacts,
    RecordConsent,
    CreateTag,
    BulkTag,
    RenameTag,
    DeleteTag,
    CreateField,
    UpdateField,
    DeleteField,
    CreateSegment,
    UpdateSegment,
    DeleteSegment,
    DeleteContact,
    EraseContact,
    BulkDelete,
    ExportContact,
    ListImports,
    ListExports,
    CreateExport,
    UpdateSettings,
}

/// Expected status per role: owner, admin, manager, agent, viewer.
const MATRIX: &[(Action, [u16; 5])] = &[
    (Action::ListContacts, [200, 200, 200, 200, 200]),
    (Action::CountContacts, [200, 200, 200, 200, 200]),
    (Action::GetContact, [200, 200, 200, 200, 200]),
    (Action::ReadTimeline, [200, 200, 200, 200, 200]),
    (Action::CheckConsent, [200, 200, 200, 200, 200]),
    (Action::ListTombstones, [200, 200, 200, 200, 200]),
    (Action::ReadSettings, [200, 200, 200, 200, 200]),
    (Action::CreateContact, [201, 201, 201, 201, 403]),
    (Action::UpsertContact, [201, 201, 201, 201, 403]),
    (Action::UpdateContact, [200, 200, 200, 200, 403]),
    (Action::TagContact, [200, 200, 200, 200, 403]),
    (Action::UntagContact, [200, 200, 200, 200, 403]),
    (Action::LinkIdentity, [201, 201, 201, 201, 403]),
    (Action::MergeContacts, [200, 200, 200, 200, 403]),
    (Action::RecordConsent, [201, 201, 201, 201, 403]),
    (Action::CreateTag, [201, 201, 201, 201, 403]),
    (Action::BulkTag, [200, 200, 200, 200, 403]),
    (Action::RenameTag, [200, 200, 200, 403, 403]),
    (Action::DeleteTag, [204, 204, 204, 403, 403]),
    (Action::CreateField, [201, 201, 201, 403, 403]),
    (Action::UpdateField, [200, 200, 200, 403, 403]),
    (Action::DeleteField, [204, 204, 204, 403, 403]),
    (Action::CreateSegment, [201, 201, 201, 403, 403]),
    (Action::UpdateSegment, [200, 200, 200, 403, 403]),
    (Action::DeleteSegment, [204, 204, 204, 403, 403]),
    (Action::DeleteContact, [204, 204, 204, 403, 403]),
    (Action::EraseContact, [200, 200, 200, 403, 403]),
    (Action::BulkDelete, [200, 200, 200, 403, 403]),
    (Action::ExportContact, [200, 200, 200, 403, 403]),
    (Action::ListImports, [200, 200, 200, 403, 403]),
    (Action::ListExports, [200, 200, 200, 403, 403]),
    (Action::CreateExport, [202, 202, 202, 403, 403]),
    (Action::UpdateSettings, [200, 200, 403, 403, 403]),
];

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// A fresh contact made by the owner; returns its id.
async fn contact(owner: &Client, n: usize) -> String {
    let body = json!({ "name": format!("Target {n}"), "tags": ["Matrix"] });
    id_of(&owner.post("/api/v1/contacts", body).await.ok_with(201))
}

async fn made(owner: &Client, path: &str, body: Value) -> String {
    id_of(&owner.post(path, body).await.ok_with(201))
}

/// Prepares a fresh target as the owner (so every attempt acts on something real) and says what
/// the actor sends.
async fn request(owner: &Client, action: Action, n: usize) -> (Method, String, Value) {
    use Method as M;
    let none = Value::Null;
    match action {
        Action::ListContacts => (M::GET, "/api/v1/contacts".into(), none),
        Action::CountContacts => (M::GET, "/api/v1/contacts/count".into(), none),
        Action::GetContact => {
            let id = contact(owner, n).await;
            (M::GET, format!("/api/v1/contacts/{id}"), none)
        }
        Action::ReadTimeline => {
            let id = contact(owner, n).await;
            (M::GET, format!("/api/v1/contacts/{id}/timeline"), none)
        }
        Action::CheckConsent => {
            let id = contact(owner, n).await;
            let path =
                format!("/api/v1/consent/check?contact_id={id}&channel=sms&purpose=marketing");
            (M::GET, path, none)
        }
        Action::ListTombstones => (M::GET, "/api/v1/contact-tombstones".into(), none),
        Action::ReadSettings => (M::GET, "/api/v1/contact-settings".into(), none),
        Action::CreateContact => (
            M::POST,
            "/api/v1/contacts".into(),
            json!({ "name": format!("New {n}") }),
        ),
        Action::UpsertContact => (
            M::POST,
            "/api/v1/contacts/upsert".into(),
            json!({ "channel": "website", "external_id": format!("visitor-{n}") }),
        ),
        Action::UpdateContact => {
            let id = contact(owner, n).await;
            let body = json!({ "name": format!("Renamed {n}") });
            (M::PATCH, format!("/api/v1/contacts/{id}"), body)
        }
        Action::TagContact => {
            let id = contact(owner, n).await;
            let body = json!({ "tags": ["Tagged by the matrix"] });
            (M::POST, format!("/api/v1/contacts/{id}/tags"), body)
        }
        Action::UntagContact => {
            let id = contact(owner, n).await;
            (
                M::DELETE,
                format!("/api/v1/contacts/{id}/tags/Matrix"),
                none,
            )
        }
        Action::LinkIdentity => {
            let id = contact(owner, n).await;
            let body = json!({ "channel": "manychat", "external_id": format!("{n}") });
            (M::POST, format!("/api/v1/contacts/{id}/identities"), body)
        }
        Action::MergeContacts => {
            let (keep, other) = (contact(owner, n).await, contact(owner, n + 10_000).await);
            let body = json!({ "other_id": other });
            (M::POST, format!("/api/v1/contacts/{keep}/merge"), body)
        }
        Action::RecordConsent => {
            let id = contact(owner, n).await;
            let body = json!({ "channel": "sms", "purpose": "marketing", "status": "opted_in" });
            (M::POST, format!("/api/v1/contacts/{id}/consents"), body)
        }
        Action::CreateTag => (
            M::POST,
            "/api/v1/tags".into(),
            json!({ "name": format!("Tag {n}") }),
        ),
        Action::BulkTag => {
            let id = contact(owner, n).await;
            let body = json!({ "action": "add_tags", "contact_ids": [id], "tags": ["Bulk"] });
            (M::POST, "/api/v1/contacts/bulk".into(), body)
        }
        Action::RenameTag | Action::DeleteTag => {
            let id = made(owner, "/api/v1/tags", json!({ "name": format!("Tag {n}") })).await;
            let path = format!("/api/v1/tags/{id}");
            match action {
                Action::RenameTag => (M::PATCH, path, json!({ "name": format!("Renamed {n}") })),
                _ => (M::DELETE, path, none),
            }
        }
        Action::CreateField => (
            M::POST,
            "/api/v1/contact-fields".into(),
            json!({ "key": format!("f{n}"), "label": format!("F {n}"), "kind": "text" }),
        ),
        Action::UpdateField | Action::DeleteField => {
            let body = json!({ "key": format!("f{n}"), "label": format!("F {n}"), "kind": "text" });
            let id = made(owner, "/api/v1/contact-fields", body).await;
            let path = format!("/api/v1/contact-fields/{id}");
            match action {
                Action::UpdateField => (M::PATCH, path, json!({ "label": "Relabelled" })),
                _ => (M::DELETE, path, none),
            }
        }
        Action::CreateSegment => (
            M::POST,
            "/api/v1/segments".into(),
            json!({ "name": format!("Segment {n}") }),
        ),
        Action::UpdateSegment | Action::DeleteSegment => {
            let body = json!({ "name": format!("Segment {n}") });
            let id = made(owner, "/api/v1/segments", body).await;
            let path = format!("/api/v1/segments/{id}");
            match action {
                Action::UpdateSegment => (M::PATCH, path, json!({ "name": "Renamed" })),
                _ => (M::DELETE, path, none),
            }
        }
        Action::DeleteContact => {
            let id = contact(owner, n).await;
            (M::DELETE, format!("/api/v1/contacts/{id}"), none)
        }
        Action::EraseContact => {
            let id = contact(owner, n).await;
            (M::POST, format!("/api/v1/contacts/{id}/erase"), none)
        }
        Action::BulkDelete => {
            let id = contact(owner, n).await;
            let body = json!({ "action": "delete", "contact_ids": [id] });
            (M::POST, "/api/v1/contacts/bulk".into(), body)
        }
        Action::ExportContact => {
            let id = contact(owner, n).await;
            (M::GET, format!("/api/v1/contacts/{id}/gdpr-export"), none)
        }
        Action::ListImports => (M::GET, "/api/v1/contact-imports".into(), none),
        Action::ListExports => (M::GET, "/api/v1/contact-exports".into(), none),
        Action::CreateExport => (
            M::POST,
            "/api/v1/contact-exports".into(),
            json!({ "format": "csv", "purpose": format!("Matrix {n}") }),
        ),
        Action::UpdateSettings => (
            M::PATCH,
            "/api/v1/contact-settings".into(),
            json!({ "retention_days": 365 + n }),
        ),
    }
}

/// The status, and the error code of a refusal (successes may be a ZIP or have no body).
async fn perform(owner: &User, actor: &User, action: Action, n: usize) -> (u16, Option<String>) {
    let (method, path, body) = request(&owner.browser, action, n).await;
    let reply = actor.browser.call(method, &path, body).await;
    let status = reply.status.as_u16();
    let code = (!reply.status.is_success())
        .then(|| {
            reply.envelope()["error"]["code"]
                .as_str()
                .map(str::to_owned)
        })
        .flatten();
    (status, code)
}

async fn contact_role_matrix(app: TestApp) {
    let owner = app.owner().await;
    let mut by_role = vec![("owner", owner.clone())];
    for role in &ROLES[1..] {
        let user = app
            .join_as(&owner, &format!("{role}@example.com"), role)
            .await;
        by_role.push((role, user));
    }
    let mut failures = Vec::new();
    let mut n = 0;
    for (action, expected) in MATRIX {
        for (i, (role, actor)) in by_role.iter().enumerate() {
            n += 1;
            let (status, code) = perform(&owner, actor, *action, n).await;
            if status != expected[i] {
                failures.push(format!(
                    "{role} {action:?}: expected {}, got {status} ({code:?})",
                    expected[i]
                ));
            } else if status == 403 && code.as_deref() != Some("forbidden") {
                failures.push(format!("{role} {action:?}: 403 with code {code:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "contact role matrix mismatches:\n{}",
        failures.join("\n")
    );
}
both!(contact_role_matrix);

/// A `contacts:read` key reads everything of the CRM and changes nothing: every write is 403
/// `insufficient_scope`. `contacts:write` writes but does not delete, erase, export or define;
/// `contacts:manage` deletes but does not create.
async fn contact_scopes_are_enforced(app: TestApp) {
    let owner = app.owner().await;
    let (_, read) = app.create_api_key(&owner.browser, &["contacts:read"]).await;
    let (_, write) = app
        .create_api_key(&owner.browser, &["contacts:write"])
        .await;
    let (_, manage) = app
        .create_api_key(&owner.browser, &["contacts:manage"])
        .await;
    let (read, write, manage) = (app.api(&read), app.api(&write), app.api(&manage));
    let mut n = 0;
    let mut refused = Vec::new();
    for (action, expected) in MATRIX {
        n += 1;
        let (method, path, body) = request(&owner.browser, *action, n).await;
        let reply = read.call(method, &path, body).await;
        let reads = expected[4] == 200;
        if reads {
            assert!(reply.status.is_success(), "{action:?}: {}", reply.text);
        } else {
            let code = reply.envelope()["error"]["code"]
                .as_str()
                .map(str::to_owned);
            assert_eq!(
                (reply.status.as_u16(), code.as_deref()),
                (403, Some("insufficient_scope")),
                "contacts:read {action:?}"
            );
            refused.push(*action);
        }
    }
    assert_eq!(refused.len(), MATRIX.len() - 7, "{refused:?}");

    let id = contact(&owner.browser, 0).await;
    write
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({ "name": "By key" }),
        )
        .await
        .ok();
    for (method, path) in [
        (Method::DELETE, format!("/api/v1/contacts/{id}")),
        (Method::POST, format!("/api/v1/contacts/{id}/erase")),
        (Method::GET, format!("/api/v1/contacts/{id}/gdpr-export")),
    ] {
        write
            .call(method, &path, Value::Null)
            .await
            .err(403, "insufficient_scope");
    }
    write
        .post("/api/v1/segments", json!({ "name": "By key" }))
        .await
        .err(403, "insufficient_scope");
    manage
        .post("/api/v1/contacts", json!({ "name": "By manager key" }))
        .await
        .err(403, "insufficient_scope");
    manage
        .post("/api/v1/segments", json!({ "name": "By key" }))
        .await
        .ok_with(201);
    let reply = manage.delete(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(reply.status.as_u16(), 204, "{}", reply.text);
}
both!(contact_scopes_are_enforced);
