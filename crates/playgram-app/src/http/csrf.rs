//! CSRF protection for cookie-authenticated writes.
//!
//! Policy, for every state-changing request that does not carry an `Authorization` header (API keys
//! are not ambient credentials, so they need no CSRF defence):
//! 1. If the browser sent `Sec-Fetch-Site`, it must be `same-origin` or `none` (typed by the user).
//! 2. Otherwise, if it sent `Origin`, that origin must be Playgram's own (the configured public URL
//!    or the request's `Host`).
//! 3. Otherwise (an old browser or a script holding a cookie) the request must carry
//!    `X-CSRF-Token` equal to the session's token; the session extractor checks it.
//!
//! Every browser we support sends `Origin` on form posts, so dashboard forms need no hidden token, and
//! login and sign-up forms are protected against login CSRF by the same origin check.

use axum::extract::Request;
use axum::http::{StatusCode, header};

use crate::http::error::AppError;
use crate::state::AppState;

/// Marker left in the request when rule 3 applies: the session must match `X-CSRF-Token`.
#[derive(Clone, Copy, Debug)]
pub struct TokenRequired;

pub fn check(state: &AppState, req: &mut Request) -> Result<(), AppError> {
    if !super::layers::is_unsafe(req.method()) || req.headers().contains_key(header::AUTHORIZATION)
    {
        return Ok(());
    }
    // Inbound provider webhooks and the request bin are server-to-server and carry no session.
    let path = req.uri().path();
    if path.starts_with("/hooks/") || path.starts_with("/bin/") {
        return Ok(());
    }
    let headers = req.headers();
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
    req.extensions_mut().insert(TokenRequired);
    Ok(())
}

pub fn refused() -> AppError {
    AppError::client(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "This request came from another site or lacks its CSRF token, so it was refused.",
    )
}
