//! The contact pages on both backends: the list (empty state, search, filters, segments, bulk),
//! a new contact, a contact's page and each of its forms, tags, fields, settings, and who may see
//! and do what.

use std::time::Duration;

use playgram_testkit::{Settings, TestApp, User, both};
use reqwest::Method;
use serde_json::json;

use super::create;

async fn post(user: &User, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let request = user.browser.request(Method::POST, path).form(fields);
    let reply = user.browser.send(request).await;
    (
        reply.status.as_u16(),
        reply.header("location").unwrap_or_default().to_owned(),
        reply.text,
    )
}

async fn page(user: &User, path: &str) -> String {
    let reply = user.browser.get(path).await;
    assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.text);
    reply.text
}

async fn the_list_searches_filters_and_acts_in_bulk(app: TestApp) {
    let owner = app.owner().await;
    let empty = page(&owner, "/app/contacts").await;
    assert!(
        empty.contains("No contacts yet") && empty.contains("/app/contacts/imports"),
        "an empty state"
    );
    create(
        &owner.browser,
        json!({ "name": "José Núñez", "tags": ["VIP"] }),
    )
    .await;
    let bo = create(
        &owner.browser,
        json!({ "name": "Bo", "emails": ["bo@example.com"] }),
    )
    .await;
    let cleo = create(&owner.browser, json!({ "name": "Cleo", "identities": [{ "channel": "whatsapp", "external_id": "33600000001" }] })).await;
    let all = page(&owner, "/app/contacts").await;
    assert!(all.contains("José Núñez") && all.contains("Bo") && all.contains("Cleo"));
    let found = page(&owner, "/app/contacts?q=jose").await;
    assert!(
        found.contains("José Núñez") && !found.contains(">Cleo<") && found.contains("1 matching"),
        "{found}"
    );
    let none = page(&owner, "/app/contacts?q=nobody").await;
    assert!(none.contains("No contacts match"));
    let whatsapp = page(&owner, "/app/contacts?channel=whatsapp").await;
    assert!(whatsapp.contains("Cleo") && !whatsapp.contains("José"));
    // Save the filter as a segment; it is listed with its count.
    let (status, location, _) = post(
        &owner,
        "/app/contacts/segments",
        &[("name", "On WhatsApp"), ("channel", "whatsapp")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/app/contacts?segment=seg_"),
        "{location}"
    );
    let segment = page(&owner, &location).await;
    assert!(
        segment.contains("On WhatsApp") && segment.contains("Cleo") && !segment.contains("José")
    );
    assert!(
        segment.contains("<strong>On WhatsApp</strong>: on WhatsApp."),
        "the segment says what it selects: {segment}"
    );
    // Bulk: tag the ticked ones.
    let (bo_id, cleo_id) = (bo["id"].as_str().unwrap(), cleo["id"].as_str().unwrap());
    let (status, _, _) = post(
        &owner,
        "/app/contacts/bulk",
        &[
            ("ids", bo_id),
            ("ids", cleo_id),
            ("scope", "ticked"),
            ("action", "add_tags"),
            ("tag_name", "Follow up"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        page(&owner, "/app/contacts")
            .await
            .contains("Tagged 2 contacts.")
    );
    assert_eq!(
        owner
            .browser
            .get("/api/v1/contacts/count?tag=Follow%20up")
            .await
            .ok()["count"],
        2
    );
    // Bulk delete of everything matching, confirmed with the count the page showed.
    let (status, _, _) = post(
        &owner,
        "/app/contacts/bulk",
        &[
            ("q", "bo"),
            ("scope", "all"),
            ("action", "delete"),
            ("confirm_count", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    crate::jobs::eventually("the bulk delete", Duration::from_secs(20), || async {
        (owner.browser.get("/api/v1/contacts/count").await.ok()["count"] == 2).then_some(())
    })
    .await;
    // A stale count is refused with a message, and nothing happens.
    post(
        &owner,
        "/app/contacts/bulk",
        &[
            ("scope", "all"),
            ("action", "delete"),
            ("confirm_count", "7"),
        ],
    )
    .await;
    assert!(
        page(&owner, "/app/contacts")
            .await
            .contains("send confirm_count = 2")
    );
    assert_eq!(
        owner.browser.get("/api/v1/contacts/count").await.ok()["count"],
        2
    );
    // Viewers see the list without the writing controls.
    let viewer = app.join_as(&owner, "viewer@example.com", "viewer").await;
    let seen = page(&viewer, "/app/contacts").await;
    assert!(
        seen.contains("José") && !seen.contains("Bulk actions") && !seen.contains("Add contact")
    );
    assert_eq!(
        post(
            &viewer,
            "/app/contacts/bulk",
            &[("ids", cleo_id), ("action", "add_tags"), ("tag_name", "x")]
        )
        .await
        .0,
        403
    );
}
both!(the_list_searches_filters_and_acts_in_bulk);

async fn a_contact_is_added_and_changed_with_its_forms(app: TestApp) {
    let owner = app.owner().await;
    owner
        .browser
        .post(
            "/api/v1/contact-fields",
            json!({ "key": "score", "label": "Score", "kind": "number" }),
        )
        .await
        .ok_with(201);
    owner.browser.post("/api/v1/contact-fields", json!({ "key": "topics", "label": "Topics", "kind": "multi_select", "options": ["Yoga", "Surf"] })).await.ok_with(201);
    // Bad input comes back beside its field; nothing is stored.
    let (status, _, text) = post(
        &owner,
        "/app/contacts/new",
        &[
            ("name", "Ana"),
            ("emails", "not-an-email"),
            ("fields.score", "lots"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        text.contains("is not an email address") && text.contains("Expected a number"),
        "{text}"
    );
    assert!(
        text.contains(r#"value="Ana""#),
        "the form keeps what was typed"
    );
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM contacts", &[]).await, 0);
    // An empty form is a slip, not an anonymous contact.
    let (status, _, text) = post(
        &owner,
        "/app/contacts/new",
        &[
            ("name", " "),
            ("emails", ""),
            ("phones", ""),
            ("tags", "VIP"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        text.contains("Give a name, an email or a phone number."),
        "{text}"
    );
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM contacts", &[]).await, 0);
    let (status, location, _) = post(
        &owner,
        "/app/contacts/new",
        &[
            ("name", "Ana"),
            ("emails", "ana@example.com"),
            ("phones", "+33 6 12 34 56 78"),
            ("tags", "VIP, Lead"),
            ("fields.score", "7"),
            ("fields.topics", "Surf"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let id = location.rsplit('/').next().unwrap().to_owned();
    let shown = page(&owner, &location).await;
    assert!(
        shown.contains("Contact added.")
            && shown.contains("ana@example.com")
            && shown.contains("+33612345678")
            && shown.contains("Created from dashboard"),
        "{shown}"
    );
    // The same email again: the existing contact is pointed at.
    let (status, _, text) = post(
        &owner,
        "/app/contacts/new",
        &[("emails", "ANA@example.com")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(text.contains(&format!("/app/contacts/{id}")), "{text}");
    let at = |p: &str| format!("/app/contacts/{id}{p}");
    assert_eq!(
        post(
            &owner,
            &at("/profile"),
            &[
                ("name", "Ana Núñez"),
                ("emails", "ana@example.com"),
                ("phones", ""),
                ("timezone", "Mars/Base")
            ]
        )
        .await
        .0,
        422
    );
    assert_eq!(
        post(
            &owner,
            &at("/profile"),
            &[
                ("name", "Ana Núñez"),
                ("emails", "ana@example.com"),
                ("phones", ""),
                ("timezone", "Europe/Madrid")
            ]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        post(
            &owner,
            &at("/fields"),
            &[
                ("fields.score", "9"),
                ("fields.topics.present", "1"),
                ("fields.topics", "Yoga"),
                ("fields.topics", "Surf")
            ]
        )
        .await
        .0,
        303
    );
    assert_eq!(post(&owner, &at("/tags"), &[("tag", "Trial")]).await.0, 303);
    let tag = owner
        .browser
        .get("/api/v1/tags")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "VIP")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&owner, &at(&format!("/tags/{tag}/remove")), &[])
            .await
            .0,
        303
    );
    assert_eq!(
        post(
            &owner,
            &at("/identities"),
            &[
                ("channel", "instagram"),
                ("external_id", "1784"),
                ("username", "ana.ig")
            ]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        post(
            &owner,
            &at("/consents"),
            &[
                ("channel", "whatsapp"),
                ("purpose", "Marketing Stuff!"),
                ("status", "opted_in")
            ]
        )
        .await
        .0,
        422
    );
    assert_eq!(
        post(
            &owner,
            &at("/consents"),
            &[
                ("channel", "instagram"),
                ("purpose", "marketing"),
                ("status", "opted_in"),
                ("source", "keyword"),
                ("evidence", "YES")
            ]
        )
        .await
        .0,
        303
    );
    let api = owner
        .browser
        .get(&format!("/api/v1/contacts/{id}"))
        .await
        .ok();
    assert_eq!(
        (
            api["name"].as_str(),
            api["timezone"].as_str(),
            api["phones"].clone()
        ),
        (Some("Ana Núñez"), Some("Europe/Madrid"), json!([]))
    );
    assert_eq!(
        api["fields"],
        json!({ "score": 9, "topics": ["Yoga", "Surf"] })
    );
    let tags: Vec<&str> = api["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Lead", "Trial"]);
    let shown = page(&owner, &at("")).await;
    assert!(
        shown.contains("May</span> send marketing on Instagram")
            && shown.contains("ana.ig")
            && shown.contains("Changed Score"),
        "{shown}"
    );
    assert!(shown.contains("Field history") && shown.contains("Download all data (ZIP)"));
    // The history names attributes as people do, and says what each value replaced.
    assert!(
        shown.contains("Time zone <span class=\"count\">")
            && shown.contains("<strong>Europe/Madrid</strong>")
            && shown.contains("(was 7)"),
        "{shown}"
    );
    assert!(
        shown.contains(r#"list="ct-zones""#)
            && shown.contains(r#"<option value="America/Sao_Paulo">"#),
        "time zones are offered as you type"
    );
    // Merge a duplicate found by search, then erase.
    let dup = create(
        &owner.browser,
        json!({ "name": "Ana (IG)", "emails": ["ana.other@example.com"] }),
    )
    .await;
    let search = page(&owner, &at("?merge_q=ana.other")).await;
    assert!(search.contains("Merge into this one"), "{search}");
    assert_eq!(
        post(
            &owner,
            &at("/merge"),
            &[("other_id", dup["id"].as_str().unwrap())]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        owner
            .browser
            .get(&format!("/api/v1/contacts/{id}"))
            .await
            .ok()["emails"],
        json!(["ana@example.com", "ana.other@example.com"])
    );
    let zip = owner.browser.get(&at("/gdpr-export")).await;
    assert_eq!(
        (zip.status.as_u16(), zip.header("content-type")),
        (200, Some("application/zip"))
    );
    // An agent edits but does not erase; another workspace sees a 404.
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    let agent_view = page(&agent, &at("")).await;
    assert!(agent_view.contains("Save profile") && !agent_view.contains("Erase under GDPR"));
    assert_eq!(post(&agent, &at("/erase"), &[]).await.0, 403);
    let other = app.signup("other@example.com", "Beta").await;
    assert_eq!(other.browser.get(&at("")).await.status.as_u16(), 404);
    assert_eq!(
        post(&other, &at("/tags"), &[("tag", "x")]).await.1,
        format!("/app/contacts/{id}"),
        "refused with a message, nothing changed"
    );
    assert!(
        !owner
            .browser
            .get(&format!("/api/v1/contacts/{id}"))
            .await
            .text
            .contains("\"x\"")
    );
    let (status, location, _) = post(&owner, &at("/erase"), &[]).await;
    assert_eq!((status, location.as_str()), (303, "/app/contacts"));
    owner
        .browser
        .get(&format!("/api/v1/contacts/{id}"))
        .await
        .err(404, "not_found");
}
both!(
    a_contact_is_added_and_changed_with_its_forms,
    Settings::new().set("signup_open", "true")
);

async fn tags_fields_and_settings_have_their_pages(app: TestApp) {
    let owner = app.owner().await;
    assert!(
        page(&owner, "/app/contacts/tags")
            .await
            .contains("No tags yet")
    );
    assert!(
        page(&owner, "/app/contacts/fields")
            .await
            .contains("No custom fields yet")
    );
    assert_eq!(
        post(
            &owner,
            "/app/contacts/tags",
            &[("name", "VIP"), ("color", "#be185d")]
        )
        .await
        .0,
        303
    );
    let (status, _, text) = post(&owner, "/app/contacts/tags", &[("name", "vip")]).await;
    assert_eq!(status, 409);
    assert!(text.contains("already a tag"));
    let tag = owner.browser.get("/api/v1/tags").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(
            &owner,
            &format!("/app/contacts/tags/{tag}"),
            &[("name", "Very important"), ("color", "#0f7b6c")]
        )
        .await
        .0,
        303
    );
    assert!(
        page(&owner, "/app/contacts/tags")
            .await
            .contains("Very important")
    );
    let (status, _, text) = post(
        &owner,
        "/app/contacts/fields",
        &[("label", "Plan"), ("kind", "select"), ("options", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text.contains("Give at least one option"));
    assert_eq!(
        post(
            &owner,
            "/app/contacts/fields",
            &[
                ("label", "Plan"),
                ("kind", "select"),
                ("options", "Free\nPro")
            ]
        )
        .await
        .0,
        303
    );
    let fields = page(&owner, "/app/contacts/fields").await;
    assert!(fields.contains("<code>plan</code>") && fields.contains("Free, Pro"));
    let field = owner.browser.get("/api/v1/contact-fields").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&owner, &format!("/app/contacts/fields/{field}/delete"), &[])
            .await
            .0,
        303
    );
    assert_eq!(
        post(&owner, &format!("/app/contacts/tags/{tag}/delete"), &[])
            .await
            .0,
        303
    );
    // Settings: owners change them; a bad value comes back with its message.
    let (status, _, text) = post(
        &owner,
        "/app/contacts/settings",
        &[
            ("erase_mode", "anonymise"),
            ("retention_days", "0"),
            ("default_country", "FR"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text.contains("Use 1 to 3650 days"));
    assert_eq!(
        post(
            &owner,
            "/app/contacts/settings",
            &[
                ("erase_mode", "anonymise"),
                ("retention_days", "365"),
                ("default_country", "fr")
            ]
        )
        .await
        .0,
        303
    );
    let saved = owner.browser.get("/api/v1/contact-settings").await.ok();
    assert_eq!(
        (
            saved["erase_mode"].as_str(),
            saved["retention_days"].as_i64(),
            saved["default_country"].as_str()
        ),
        (Some("anonymise"), Some(365), Some("FR"))
    );
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    assert!(
        page(&manager, "/app/contacts/settings")
            .await
            .contains("Only owners and admins change these")
    );
    assert_eq!(
        post(
            &manager,
            "/app/contacts/settings",
            &[("erase_mode", "delete")]
        )
        .await
        .0,
        403
    );
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    assert!(
        !page(&agent, "/app/contacts/fields")
            .await
            .contains("Create field")
    );
    assert_eq!(
        post(
            &agent,
            "/app/contacts/fields",
            &[("label", "X"), ("kind", "text")]
        )
        .await
        .0,
        403
    );
}
both!(tags_fields_and_settings_have_their_pages);
