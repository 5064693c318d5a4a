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
        .merge(pages::routes::routes())
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
