//! Every URL Playgram serves, in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::http::AppError;
use crate::state::AppState;
use crate::{accounts, api_keys, audit, contacts, events, jobs, ops, pages, webhooks, workspaces};

/// The REST API under `/api/v1`.
fn api() -> Router<AppState> {
    Router::new()
        // Accounts and sessions
        .route("/auth/signup", post(accounts::api::signup))
        .route("/auth/login", post(accounts::api::login))
        .route("/auth/logout", post(accounts::api::logout))
        .route(
            "/auth/password-reset",
            post(accounts::api::request_password_reset),
        )
        .route(
            "/auth/password-reset/confirm",
            post(accounts::api::confirm_password_reset),
        )
        .route(
            "/me",
            get(accounts::api::get_me).patch(accounts::api::update_me),
        )
        .route("/me/password", post(accounts::api::change_password))
        .route("/me/totp/setup", post(accounts::api::begin_totp))
        .route("/me/totp/enable", post(accounts::api::enable_totp))
        .route("/me/totp/disable", post(accounts::api::disable_totp))
        .route(
            "/me/recovery-codes",
            post(accounts::api::regenerate_recovery_codes),
        )
        // Workspaces, team and invites
        .route(
            "/workspaces",
            get(workspaces::api::list_workspaces).post(workspaces::api::create_workspace),
        )
        .route(
            "/workspaces/{id}/switch",
            post(workspaces::api::switch_workspace),
        )
        .route(
            "/workspace",
            axum::routing::patch(workspaces::api::update_workspace),
        )
        .route("/members", get(workspaces::api::list_members))
        .route(
            "/members/{user_id}",
            axum::routing::patch(workspaces::api::update_member)
                .delete(workspaces::api::delete_member),
        )
        .route(
            "/invites",
            get(workspaces::api::list_invites).post(workspaces::api::create_invite),
        )
        .route("/invites/accept", post(workspaces::api::accept_invite))
        .route(
            "/invites/{id}",
            axum::routing::delete(workspaces::api::delete_invite),
        )
        // API keys
        .route(
            "/api-keys",
            get(api_keys::api::list_api_keys).post(api_keys::api::create_api_key),
        )
        .route(
            "/api-keys/{id}",
            get(api_keys::api::get_api_key).delete(api_keys::api::delete_api_key),
        )
        .route("/api-keys/{id}/rotate", post(api_keys::api::rotate_api_key))
        // Audit log
        .route("/audit-log", get(audit::api::list_audit_log))
        // Inbox: channels, conversations, messages (inbox::routes::api_routes)
        .merge(crate::inbox::routes::api_routes())
        // Jobs
        .route("/jobs", get(jobs::api::list_jobs))
        .route("/jobs/stats", get(jobs::api::get_job_stats))
        .route("/jobs/replay", post(jobs::api::replay_jobs))
        .route("/jobs/probe", post(jobs::api::create_probe))
        .route("/jobs/{id}", get(jobs::api::get_job))
        .route("/jobs/{id}/retry", post(jobs::api::retry_job))
        .route("/jobs/{id}/cancel", post(jobs::api::cancel_job))
        // Events
        .route("/event-types", get(events::api::list_event_types))
        .route("/events", get(events::api::list_events))
        .route("/stream", get(events::api::stream_events))
        // Webhooks
        .route(
            "/webhook-endpoints",
            get(webhooks::api::list_endpoints).post(webhooks::api::create_endpoint),
        )
        .route(
            "/webhook-endpoints/{id}",
            get(webhooks::api::get_endpoint)
                .patch(webhooks::api::update_endpoint)
                .delete(webhooks::api::delete_endpoint),
        )
        .route(
            "/webhook-endpoints/{id}/secret",
            get(webhooks::api::get_endpoint_secret),
        )
        .route(
            "/webhook-endpoints/{id}/secret/rotate",
            post(webhooks::api::rotate_endpoint_secret),
        )
        .route(
            "/webhook-endpoints/{id}/test",
            post(webhooks::api::create_test_message),
        )
        .route(
            "/webhook-endpoints/{id}/recover",
            post(webhooks::api::recover_endpoint),
        )
        .route("/webhook-messages", get(webhooks::api::list_messages))
        .route("/webhook-messages/{id}", get(webhooks::api::get_message))
        .route(
            "/webhook-messages/{id}/resend",
            post(webhooks::api::resend_message),
        )
        // Contacts
        .route(
            "/contacts",
            get(contacts::api::crud::list_contacts).post(contacts::api::crud::create_contact),
        )
        .route("/contacts/count", get(contacts::api::crud::count_contacts))
        .route(
            "/contacts/upsert",
            post(contacts::api::crud::upsert_contact),
        )
        .route("/contacts/bulk", post(contacts::api::crud::bulk_contacts))
        .route(
            "/contacts/{id}",
            get(contacts::api::crud::get_contact)
                .patch(contacts::api::crud::update_contact)
                .delete(contacts::api::crud::delete_contact),
        )
        .route(
            "/contacts/{id}/merge",
            post(contacts::api::crud::merge_contact),
        )
        .route(
            "/contacts/{id}/tags",
            post(contacts::api::related::add_contact_tags),
        )
        .route(
            "/contacts/{id}/tags/{tag}",
            axum::routing::delete(contacts::api::related::delete_contact_tag),
        )
        .route(
            "/contacts/{id}/identities",
            post(contacts::api::related::create_contact_identity),
        )
        .route(
            "/contacts/{id}/identities/{channel}/{external_id}",
            axum::routing::delete(contacts::api::related::delete_contact_identity),
        )
        .route(
            "/contacts/{id}/timeline",
            get(contacts::api::related::list_contact_timeline),
        )
        .route(
            "/contacts/{id}/history",
            get(contacts::api::related::get_contact_history),
        )
        .route(
            "/contacts/{id}/consents",
            get(contacts::api::consent::list_contact_consents)
                .post(contacts::api::consent::create_contact_consent),
        )
        .route(
            "/contacts/{id}/gdpr-export",
            get(contacts::api::gdpr::get_contact_gdpr_export),
        )
        .route(
            "/contacts/{id}/erase",
            post(contacts::api::gdpr::erase_contact),
        )
        .route("/consent/check", get(contacts::api::consent::check_consent))
        .route(
            "/contact-tombstones",
            get(contacts::api::gdpr::list_contact_tombstones),
        )
        .route(
            "/contact-settings",
            get(contacts::api::gdpr::get_contact_settings)
                .patch(contacts::api::gdpr::update_contact_settings),
        )
        .route(
            "/tags",
            get(contacts::tags::api::list_tags).post(contacts::tags::api::create_tag),
        )
        .route(
            "/tags/{id}",
            get(contacts::tags::api::get_tag)
                .patch(contacts::tags::api::update_tag)
                .delete(contacts::tags::api::delete_tag),
        )
        .route(
            "/contact-fields",
            get(contacts::fields::api::list_fields).post(contacts::fields::api::create_field),
        )
        .route(
            "/contact-fields/{id}",
            get(contacts::fields::api::get_field)
                .patch(contacts::fields::api::update_field)
                .delete(contacts::fields::api::delete_field),
        )
        .route(
            "/segments",
            get(contacts::api::segments::list_segments)
                .post(contacts::api::segments::create_segment),
        )
        .route(
            "/segments/{id}",
            get(contacts::api::segments::get_segment)
                .patch(contacts::api::segments::update_segment)
                .delete(contacts::api::segments::delete_segment),
        )
        .route(
            "/segments/{id}/contacts",
            get(contacts::api::segments::list_segment_contacts),
        )
        // Contact imports (the upload has its own size limit: contacts_import_max_bytes) and exports
        .route(
            "/contact-imports",
            get(contacts::imports::api::list_imports).post(axum::handler::Handler::layer(
                contacts::imports::api::create_import,
                DefaultBodyLimit::disable(),
            )),
        )
        .route(
            "/contact-imports/{id}",
            get(contacts::imports::api::get_import),
        )
        .route(
            "/contact-imports/{id}/preview",
            post(contacts::imports::api::preview_import),
        )
        .route(
            "/contact-imports/{id}/start",
            post(contacts::imports::api::start_import),
        )
        .route(
            "/contact-imports/{id}/cancel",
            post(contacts::imports::api::cancel_import),
        )
        .route(
            "/contact-imports/{id}/errors",
            get(contacts::imports::api::get_import_errors),
        )
        .route(
            "/contact-exports",
            get(contacts::exports::api::list_exports).post(contacts::exports::api::create_export),
        )
        .route(
            "/contact-exports/{id}",
            get(contacts::exports::api::get_export),
        )
        .route(
            "/contact-exports/{id}/download",
            get(contacts::exports::api::download_export),
        )
        // Request bins: /request-bins, /{id}, /{id}/captures, /{id}/captures/{capture_id}, /{id}/stream
        .merge(webhooks::bins::api_routes())
        .fallback(api_not_found)
}

/// The dashboard: server-rendered pages and their two static assets. Unknown paths get the HTML
/// 404 (or JSON under `/api/`) from `pages::error::not_found`.
fn pages() -> Router<AppState> {
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

/// Liveness, readiness and metrics: served by every role.
fn operations() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
}

/// The full application (`--role all` or `web`).
pub fn web(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .nest("/api/v1", api())
        .merge(crate::openapi::routes())
        .merge(pages())
        .merge(operations())
        // Request bins: the public capture URLs /bin/{token} and below, any method
        .merge(webhooks::bins::capture_routes())
        // Meta's webhook URLs: /hooks/{whatsapp,instagram,messenger}/{channel_id}
        .merge(crate::inbox::routes::hook_routes())
        // The inbox's pages: /app/inbox and its forms
        .merge(crate::inbox::routes::page_routes())
        // The website chat: /widget.js and /chat/{channel_id}/…
        .merge(crate::inbox::routes::chat_routes())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::layers::around,
        ))
        .with_state(state)
}

/// What a worker-only instance serves: just the operational endpoints.
pub fn worker(state: AppState) -> Router {
    operations()
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::layers::around,
        ))
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::client(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API endpoint. See /api/docs.",
    )
}

/// A page address that only takes forms (`/app/contacts/{id}/profile`) is what the address bar
/// shows after a form answered with its errors; opening it again leads to the page it belongs to
/// (the address one level up) instead of an error. Anything else is 405 in the API's envelope.
async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if (method == axum::http::Method::GET || method == axum::http::Method::HEAD)
        && path.starts_with("/app/")
        && let Some((parent, _)) = path.trim_end_matches('/').rsplit_once('/')
    {
        return axum::response::Redirect::to(parent).into_response();
    }
    AppError::client(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method.",
    )
    .into_response()
}
