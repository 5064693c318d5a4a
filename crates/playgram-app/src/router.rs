//! Every URL Playgram serves, in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::http::AppError;
use crate::state::AppState;
use crate::{accounts, api_keys, audit, ops, pages, workspaces};

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
        .merge(pages::routes())
        .merge(operations())
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

async fn method_not_allowed() -> Response {
    AppError::client(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method.",
    )
    .into_response()
}
