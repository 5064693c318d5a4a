//! The dashboard's URLs: its pages, their forms and static assets (the inbox, the request bins
//! and the chat merge their own from their modules).

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::pages;
use crate::state::AppState;
use crate::{accounts, api_keys, audit, contacts, events, jobs, webhooks, workspaces};

/// The dashboard: server-rendered pages and their two static assets. Unknown paths get the HTML
/// 404 (or JSON under `/api/`) from `pages::error::not_found`.
pub fn routes() -> Router<AppState> {
    use pages::roadmap;
    Router::new()
        .route("/", get(pages::home::show_root))
        .route("/static/app.css", get(pages::assets::get_css))
        .route("/static/app.js", get(pages::assets::get_js))
        .route("/static/inbox.js", get(pages::assets::get_inbox_js))
        // Signed out: sign-up, login, 2FA, password reset, invites
        .route(
            "/signup",
            get(accounts::views::show_signup).post(accounts::views::submit_signup),
        )
        .route(
            "/login",
            get(accounts::views::show_login).post(accounts::views::submit_login),
        )
        .route(
            "/login/2fa",
            get(accounts::views::show_totp_prompt).post(accounts::views::submit_totp_prompt),
        )
        .route("/logout", post(accounts::views::submit_logout))
        .route(
            "/invite/{token}",
            get(workspaces::views::show_invite).post(workspaces::views::accept_invite),
        )
        .route(
            "/password-reset",
            get(accounts::views::show_reset_request).post(accounts::views::submit_reset_request),
        )
        .route(
            "/password-reset/{token}",
            get(accounts::views::show_reset_form).post(accounts::views::submit_reset_form),
        )
        // Signed in: overview and the roadmap's sections (placeholders until built)
        .route("/app", get(pages::home::show_overview))
        .route("/app/publishing", roadmap::page(&roadmap::PUBLISHING))
        .route("/app/qr", roadmap::page(&roadmap::QR))
        .route("/app/bookings", roadmap::page(&roadmap::BOOKINGS))
        .route("/app/ai", roadmap::page(&roadmap::AI))
        .route("/app/shop", roadmap::page(&roadmap::SHOP))
        .route("/app/analytics", roadmap::page(&roadmap::ANALYTICS))
        .route("/app/tools", roadmap::page(&roadmap::TOOLS))
        // Settings: workspaces and team
        .route(
            "/app/workspaces",
            get(workspaces::views::show_workspaces).post(workspaces::views::create_workspace),
        )
        .route(
            "/app/workspaces/switch",
            post(workspaces::views::switch_workspace),
        )
        .route(
            "/app/workspaces/rename",
            post(workspaces::views::rename_workspace),
        )
        .route("/app/team", get(workspaces::views::team::show_team))
        .route(
            "/app/team/invites",
            post(workspaces::views::team::create_invite),
        )
        .route(
            "/app/team/invites/{id}/revoke",
            post(workspaces::views::team::revoke_invite),
        )
        .route(
            "/app/team/members/{user_id}/role",
            post(workspaces::views::team::update_member_role),
        )
        .route(
            "/app/team/members/{user_id}/remove",
            post(workspaces::views::team::remove_member),
        )
        // Settings: API keys
        .route(
            "/app/api-keys",
            get(api_keys::views::list_api_keys).post(api_keys::views::create_api_key),
        )
        .route(
            "/app/api-keys/{id}/rotate",
            post(api_keys::views::rotate_api_key),
        )
        .route(
            "/app/api-keys/{id}/revoke",
            post(api_keys::views::revoke_api_key),
        )
        // Settings: account
        .route("/app/account", get(accounts::views::settings::show_account))
        .route(
            "/app/account/name",
            post(accounts::views::settings::update_name),
        )
        .route(
            "/app/account/password",
            post(accounts::views::settings::update_password),
        )
        .route(
            "/app/account/2fa/setup",
            post(accounts::views::settings::begin_totp),
        )
        .route(
            "/app/account/2fa/enable",
            post(accounts::views::settings::enable_totp),
        )
        .route(
            "/app/account/2fa/disable",
            post(accounts::views::settings::disable_totp),
        )
        .route(
            "/app/account/recovery-codes",
            post(accounts::views::settings::regenerate_recovery_codes),
        )
        // Settings: audit log
        .route("/app/audit-log", get(audit::views::list_audit_log))
        // Jobs and events
        .route("/app/jobs", get(jobs::views::list_jobs))
        .route("/app/jobs/probe", post(jobs::views::create_probe))
        .route("/app/jobs/replay", post(jobs::views::replay_jobs))
        .route("/app/jobs/{id}/retry", post(jobs::views::retry_job))
        .route("/app/jobs/{id}/cancel", post(jobs::views::cancel_job))
        .route("/app/events", get(events::views::list_events))
        // Webhooks: endpoints, their delivery log and messages (request bins: below)
        .route(
            "/app/webhooks",
            get(webhooks::views::endpoints::list_endpoints)
                .post(webhooks::views::endpoints::create_endpoint),
        )
        .route(
            "/app/webhooks/{id}",
            get(webhooks::views::detail::show_endpoint),
        )
        .route(
            "/app/webhooks/{id}/settings",
            post(webhooks::views::actions::update_endpoint),
        )
        .route(
            "/app/webhooks/{id}/enabled",
            post(webhooks::views::actions::set_endpoint_enabled),
        )
        .route(
            "/app/webhooks/{id}/secret",
            post(webhooks::views::actions::reveal_endpoint_secret),
        )
        .route(
            "/app/webhooks/{id}/rotate",
            post(webhooks::views::actions::rotate_endpoint_secret),
        )
        .route(
            "/app/webhooks/{id}/test",
            post(webhooks::views::actions::create_test_message),
        )
        .route(
            "/app/webhooks/{id}/recover",
            post(webhooks::views::actions::recover_endpoint),
        )
        .route(
            "/app/webhooks/{id}/delete",
            post(webhooks::views::actions::delete_endpoint),
        )
        .route(
            "/app/webhooks/messages/{id}",
            get(webhooks::views::messages::show_message),
        )
        .route(
            "/app/webhooks/messages/{id}/resend",
            post(webhooks::views::messages::resend_message),
        )
        // Contacts: the list, a contact, tags, fields, settings
        .route("/app/contacts", get(contacts::views::list::list_contacts))
        .route(
            "/app/contacts/bulk",
            post(contacts::views::list::bulk_contacts),
        )
        .route(
            "/app/contacts/segments",
            post(contacts::views::list::create_segment),
        )
        .route(
            "/app/contacts/segments/{id}/delete",
            post(contacts::views::list::delete_segment),
        )
        .route(
            "/app/contacts/new",
            get(contacts::views::edit::show_new).post(contacts::views::edit::create_contact),
        )
        .route(
            "/app/contacts/tags",
            get(contacts::views::schema::list_tags).post(contacts::views::schema::create_tag),
        )
        .route(
            "/app/contacts/tags/{id}",
            post(contacts::views::schema::update_tag),
        )
        .route(
            "/app/contacts/tags/{id}/delete",
            post(contacts::views::schema::delete_tag),
        )
        .route(
            "/app/contacts/fields",
            get(contacts::views::schema::list_fields).post(contacts::views::schema::create_field),
        )
        .route(
            "/app/contacts/fields/{id}",
            post(contacts::views::schema::update_field),
        )
        .route(
            "/app/contacts/fields/{id}/delete",
            post(contacts::views::schema::delete_field),
        )
        .route(
            "/app/contacts/settings",
            get(contacts::views::settings::show_settings)
                .post(contacts::views::settings::update_settings),
        )
        .route(
            "/app/contacts/{id}",
            get(contacts::views::detail::show_contact),
        )
        .route(
            "/app/contacts/{id}/profile",
            post(contacts::views::edit::update_profile),
        )
        .route(
            "/app/contacts/{id}/fields",
            post(contacts::views::edit::update_fields),
        )
        .route(
            "/app/contacts/{id}/tags",
            post(contacts::views::actions::add_tag),
        )
        .route(
            "/app/contacts/{id}/tags/{tag}/remove",
            post(contacts::views::actions::remove_tag),
        )
        .route(
            "/app/contacts/{id}/identities",
            post(contacts::views::actions::add_identity),
        )
        .route(
            "/app/contacts/{id}/identities/{channel}/{external_id}/remove",
            post(contacts::views::actions::remove_identity),
        )
        .route(
            "/app/contacts/{id}/consents",
            post(contacts::views::actions::record_consent),
        )
        .route(
            "/app/contacts/{id}/merge",
            post(contacts::views::actions::merge_contact),
        )
        .route(
            "/app/contacts/{id}/erase",
            post(contacts::views::actions::erase_contact),
        )
        .route(
            "/app/contacts/{id}/delete",
            post(contacts::views::actions::delete_contact),
        )
        .route(
            "/app/contacts/{id}/gdpr-export",
            get(contacts::views::actions::download_gdpr),
        )
        // Contacts: imports and exports
        .route(
            "/app/contacts/imports",
            get(contacts::imports::views::list_imports).post(axum::handler::Handler::layer(
                contacts::imports::views::create_import,
                DefaultBodyLimit::disable(),
            )),
        )
        .route(
            "/app/contacts/imports/{id}",
            get(contacts::imports::views::show_import),
        )
        .route(
            "/app/contacts/imports/{id}/preview",
            post(contacts::imports::views::preview_import),
        )
        .route(
            "/app/contacts/imports/{id}/start",
            post(contacts::imports::views::start_import),
        )
        .route(
            "/app/contacts/imports/{id}/cancel",
            post(contacts::imports::views::cancel_import),
        )
        .route(
            "/app/contacts/exports",
            get(contacts::exports::views::list_exports)
                .post(contacts::exports::views::create_export),
        )
        .route(
            "/app/contacts/exports/{id}/download",
            get(contacts::exports::views::download_export),
        )
        // Request bins: /app/webhooks/bins, /{id}, /{id}/clear, /{id}/delete
        .merge(webhooks::bins::page_routes())
        .fallback(pages::error::not_found)
}
