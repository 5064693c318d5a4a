//! Channels: each kind with its own settings, secrets sealed and never answered (except the ones
//! Playgram generated, once), refusals by field, roles, other workspaces' channels are 404.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::meta_channel;

async fn each_kind_is_added_with_its_settings_and_no_secret_comes_back(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    assert!(id.starts_with("ch_"), "{id}");
    assert_eq!(wa["kind"], "whatsapp");
    assert_eq!(wa["status"], "connected");
    assert_eq!(wa["phone_number_id"], "106540352242922");
    assert_eq!(wa["waba_id"], "102290129340398");
    assert!(
        wa["webhook_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/hooks/whatsapp/{id}"))
    );
    assert_eq!(
        wa["secrets_set"],
        json!(["access_token", "app_secret", "verify_token"])
    );
    // The generated verify token is shown this once; the others never.
    let verify = wa["verify_token"].as_str().unwrap().to_owned();
    assert!(verify.len() >= 32);
    assert!(!wa.to_string().contains("EAAtest") && !wa.to_string().contains(super::APP_SECRET));
    let got = api.get(&format!("/api/v1/channels/{id}")).await.ok();
    assert!(got.get("verify_token").is_none(), "{got}");
    assert!(!got.to_string().contains(&verify) && !got.to_string().contains("EAAtest"));
    // Sealed at rest too.
    let stored = app
        .fetch_text("SELECT secrets FROM channels WHERE id = $1", &[id.into()])
        .await
        .unwrap();
    assert!(
        !stored.contains("EAAtest") && !stored.contains(&verify),
        "{stored}"
    );

    let site = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "website", "name": "Shop chat", "color": "#12AB34",
                    "allowed_origins": ["https://Shop.Example.com/any/path", "https://shop.example.com"] }),
        )
        .await
        .ok_with(201);
    assert_eq!(site["color"], "#12ab34");
    assert_eq!(site["greeting"], "Hi! How can we help?");
    assert_eq!(site["allowed_origins"], json!(["https://shop.example.com"]));
    assert_eq!(site["webhook_url"], json!(null));
    let api_channel = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "api", "name": "Our app", "outbound_url": "https://example.com/in" }),
        )
        .await
        .ok_with(201);
    assert!(
        api_channel["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    for kind in ["instagram", "messenger"] {
        let c = meta_channel(api, kind).await;
        assert_eq!(c["kind"], kind);
    }
    let list = api.get("/api/v1/channels").await.ok();
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert!(!list.to_string().contains("whsec_"));
}
both!(each_kind_is_added_with_its_settings_and_no_secret_comes_back);

async fn bad_settings_are_refused_by_field_and_change_nothing(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let reply = api
        .post("/api/v1/channels", json!({ "kind": "telegram" }))
        .await;
    assert!(reply.field_error("kind").contains("whatsapp"));
    let reply = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "whatsapp", "phone_number_id": "+1 555", "color": "#fff" }),
        )
        .await;
    assert!(reply.field_error("phone_number_id").contains("digits"));
    assert!(
        reply
            .field_error("color")
            .contains("not a setting of a WhatsApp channel")
    );
    assert!(reply.field_error("access_token").contains("required"));
    let reply = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "website", "allowed_origins": ["javascript:alert(1)"] }),
        )
        .await;
    assert!(
        reply
            .field_error("allowed_origins")
            .contains("site address")
    );
    let reply = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "api", "outbound_url": "ftp://x" }),
        )
        .await;
    assert!(reply.field_error("outbound_url").contains("http"));
    let list = api.get("/api/v1/channels").await.ok();
    assert_eq!(list, json!([]));

    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let reply = api
        .patch(
            &format!("/api/v1/channels/{id}"),
            json!({ "kind": "instagram" }),
        )
        .await;
    assert!(reply.field_error("kind").contains("cannot change"));
    let reply = api
        .patch(
            &format!("/api/v1/channels/{id}"),
            json!({ "name": " ", "access_token": "" }),
        )
        .await;
    assert!(reply.field_error("name").contains("name"));
    assert!(reply.field_error("access_token").contains("empty"));
    let renamed = api
        .patch(
            &format!("/api/v1/channels/{id}"),
            json!({ "name": "  Support   line ", "verify_token": "my-token" }),
        )
        .await
        .ok();
    assert_eq!(renamed["name"], "Support line");
    assert!(renamed.get("verify_token").is_none());
}
both!(bad_settings_are_refused_by_field_and_change_nothing);

async fn only_owners_and_admins_manage_channels_and_other_workspaces_see_404(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let wa = meta_channel(api, "whatsapp").await;
    let id = wa["id"].as_str().unwrap();
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent.browser.get("/api/v1/channels").await.ok();
    agent
        .browser
        .post("/api/v1/channels", json!({ "kind": "website" }))
        .await
        .err(403, "forbidden");
    agent
        .browser
        .delete(&format!("/api/v1/channels/{id}"))
        .await
        .err(403, "forbidden");

    let stranger = app.signup("other@example.com", "Other").await;
    stranger
        .browser
        .get(&format!("/api/v1/channels/{id}"))
        .await
        .err(404, "not_found");
    stranger
        .browser
        .patch(&format!("/api/v1/channels/{id}"), json!({ "name": "Mine" }))
        .await
        .err(404, "not_found");
    assert_eq!(
        stranger.browser.get("/api/v1/channels").await.ok(),
        json!([])
    );

    let reply = api.delete(&format!("/api/v1/channels/{id}")).await;
    assert_eq!(reply.status.as_u16(), 204);
    api.get(&format!("/api/v1/channels/{id}"))
        .await
        .err(404, "not_found");
    let audit = api.get("/api/v1/audit-log").await.ok().to_string();
    assert!(audit.contains("channel.created") && audit.contains("channel.deleted"));
    assert!(!audit.contains("EAAtest"));
}
both!(
    only_owners_and_admins_manage_channels_and_other_workspaces_see_404,
    playgram_testkit::Settings::new().set("signup_open", true)
);
