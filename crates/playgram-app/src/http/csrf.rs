//! CSRF protection for cookie-authenticated writes.
//!
//! Policy, for every state-changing request that does not carry an `Authorization` header (API keys
//! are not ambient credentials, so they need no CSRF defence):
//! 1. If the browser sent `Sec-Fetch-Site`, it must be `same-origin` or `none` (typed by the user).
//! 2. Otherwise, if it sent `Origin`, that origin must be Playgram's own (the configured public URL
//!    or the request's `Host`).
//! 3. Otherwise (an old browser or a script holding a cookie) a request that carries the session
//!    cookie must also carry `X-CSRF-Token` equal to that session's token. This is checked here, for
//!    every handler, so a page that reads the cookie itself is covered too.
//!
//! Every browser we support sends `Origin` on form posts, so dashboard forms need no hidden token, and
//! login and sign-up forms are protected against login CSRF by the same origin check.

use axum::http::{HeaderMap, Method, StatusCode, header};

use playgram_core::crypto::constant_time_eq;

use crate::auth::session;
use crate::http::error::AppError;
use crate::state::AppState;

pub async fn check(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    if !super::layers::is_unsafe(method) || headers.contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    // Inbound provider webhooks and the request bin are server-to-server and carry no session;
    // the website chat is called from customers' sites and carries the visitor's token, never a
    // session (its origins are checked per channel).
    if path.starts_with("/hooks/") || path.starts_with("/bin/") || path.starts_with("/chat/") {
        return Ok(());
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused()),
        };
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let own = state.config.public_url.origin().ascii_serialization();
        let same_host = origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host);
        return if origin == own || same_host {
            Ok(())
        } else {
            Err(refused())
        };
    }
    let Some(token) = session::token_from(headers) else {
        return Ok(()); // No ambient credential to abuse.
    };
    let Some(session) = session::find(state, &token).await? else {
        return Ok(()); // An expired cookie authenticates nothing.
    };
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(refused())
    }
}

pub fn refused() -> AppError {
    AppError::client(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "This request came from another site or lacks its CSRF token, so it was refused.",
    )
}
