//! `/hooks/{whatsapp,instagram,messenger}/{channel_id}`: Meta's webhook URLs.
//!
//! - `GET` is the subscription handshake: `hub.mode=subscribe` with the channel's verify token is
//!   answered with `hub.challenge` as plain text; anything else is 403.
//! - `POST` checks `X-Hub-Signature-256` over the raw bytes with the channel's app secret (missing
//!   or wrong: 401, nothing stored), stores the body through the group-committing [`Ingest`]
//!   writer, and answers 200 only once it is committed. A failed commit is a 503, so Meta
//!   delivers it again. Parsing happens later, in a job, so a payload we cannot parse is still
//!   kept.
//!
//! A channel id that does not exist, or belongs to another kind, is 404 either way.
//!
//! [`Ingest`]: super::ingest::Ingest

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use playgram_core::ids::ChannelId;
use playgram_providers::meta::signature;
use serde::Deserialize;
use std::sync::Arc;

use super::channels::Kind;
use super::channels::lookup::HookChannel;
use super::ingest::Inbound;
use crate::http::{AppError, Result};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

pub async fn whatsapp_handshake(
    state: State<AppState>,
    id: Path<String>,
    query: Query<Handshake>,
) -> Result<Response> {
    handshake(Kind::Whatsapp, state, id, query).await
}

pub async fn instagram_handshake(
    state: State<AppState>,
    id: Path<String>,
    query: Query<Handshake>,
) -> Result<Response> {
    handshake(Kind::Instagram, state, id, query).await
}

pub async fn messenger_handshake(
    state: State<AppState>,
    id: Path<String>,
    query: Query<Handshake>,
) -> Result<Response> {
    handshake(Kind::Messenger, state, id, query).await
}

pub async fn whatsapp_webhook(
    state: State<AppState>,
    id: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    receive(Kind::Whatsapp, state, id, headers, body).await
}

pub async fn instagram_webhook(
    state: State<AppState>,
    id: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    receive(Kind::Instagram, state, id, headers, body).await
}

pub async fn messenger_webhook(
    state: State<AppState>,
    id: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    receive(Kind::Messenger, state, id, headers, body).await
}

async fn channel(state: &AppState, kind: Kind, id: &str) -> Result<Arc<HookChannel>> {
    let id = ChannelId::parse(id).ok_or_else(AppError::not_found)?;
    state
        .channels
        .get(&id)
        .await?
        .filter(|c| c.kind == kind)
        .ok_or_else(AppError::not_found)
}

async fn handshake(
    kind: Kind,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<Handshake>,
) -> Result<Response> {
    let channel = channel(&state, kind, &id).await?;
    let token_matches = match (&channel.verify_token, &query.verify_token) {
        (Some(expected), Some(given)) => {
            playgram_core::crypto::constant_time_eq(expected.as_bytes(), given.as_bytes())
        }
        _ => false,
    };
    if query.mode.as_deref() != Some("subscribe") || !token_matches {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "verification_failed",
            "hub.mode must be subscribe and hub.verify_token must be this channel's verify token.",
        ));
    }
    let challenge = query.challenge.unwrap_or_default();
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        challenge,
    )
        .into_response())
}

async fn receive(
    kind: Kind,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let channel = channel(&state, kind, &id).await?;
    let given = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    let signed = channel
        .app_secret
        .as_deref()
        .is_some_and(|secret| signature::verify(secret, &body, given));
    if !signed {
        return Err(AppError::client(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "X-Hub-Signature-256 is missing or is not the app secret's signature of this body; nothing was stored.",
        ));
    }
    state
        .ingest
        .store(Inbound {
            channel_id: channel.id.clone(),
            workspace_id: channel.workspace_id.clone(),
            body,
        })
        .await
        .map_err(|_| {
            AppError::client(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_stored",
                "The webhook could not be stored; send it again.",
            )
        })?;
    Ok(StatusCode::OK.into_response())
}
