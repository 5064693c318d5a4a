//! `/api/v1/channels…`: list, add, read, change and remove channels. Reading needs `inbox:read`;
//! changing needs owner or admin (`channels:manage`). Every change is audited (never with secrets).

use playgram_core::Conn;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use playgram_core::ids::ChannelId;
use playgram_core::time::{Millis, now_ms};
use serde::Serialize;

use super::input::{ChannelIn, Parts};
use super::{ChannelRow, Kind, store};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

/// A channel as the API shows it: settings, never secret values.
#[derive(Serialize)]
pub struct ChannelOut {
    pub id: ChannelId,
    pub kind: Kind,
    pub name: String,
    /// connected, or reconnect (the provider refused the access token: paste a new one).
    pub status: String,
    pub status_reason: Option<String>,
    /// Meta channels: the callback URL to give Meta.
    pub webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_url: Option<String>,
    /// The names of the secrets that are set.
    pub secrets_set: Vec<&'static str>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

impl ChannelOut {
    pub fn of(state: &AppState, row: &ChannelRow) -> ChannelOut {
        let kind = row.kind();
        let settings = row.settings();
        let external = |k: Kind| (kind == k).then(|| row.external_id.clone()).flatten();
        ChannelOut {
            id: row.id.clone(),
            kind,
            name: row.name.clone(),
            status: row.status.clone(),
            status_reason: row.status_reason.clone(),
            webhook_url: kind
                .is_meta()
                .then(|| state.link(&format!("/hooks/{}/{}", kind.as_str(), row.id))),
            phone_number_id: external(Kind::Whatsapp),
            waba_id: settings.waba_id,
            account_id: external(Kind::Instagram),
            page_id: external(Kind::Messenger),
            color: settings.color,
            greeting: settings.greeting,
            allowed_origins: (kind == Kind::Website).then_some(settings.allowed_origins),
            outbound_url: settings.outbound_url,
            secrets_set: row.secrets(&state.sealer).names(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The creation answer: the channel and the secrets Playgram generated for it (shown this once).
#[derive(Serialize)]
pub struct CreatedOut {
    #[serde(flatten)]
    pub channel: ChannelOut,
    #[serde(flatten)]
    pub generated: BTreeMap<&'static str, String>,
}

pub async fn list_channels(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<ChannelOut>>> {
    principal.require(Capability::ReadInbox)?;
    let rows = store::list(&state.db, &principal.workspace_id).await?;
    Ok(Api::ok(
        rows.iter().map(|r| ChannelOut::of(&state, r)).collect(),
    ))
}

pub async fn create_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ChannelIn>,
) -> Result<Api<CreatedOut>> {
    principal.require(Capability::ManageChannels)?;
    let (kind, parts) = input.create()?;
    let id = ChannelId::new();
    let now = now_ms();
    let row = ChannelRow {
        workspace_id: principal.workspace_id.clone(),
        kind: kind.as_str().to_owned(),
        name: parts.name,
        external_id: parts.external_id,
        settings: serde_json::to_string(&parts.settings).unwrap_or_default(),
        secrets: parts.secrets.seal(&state.sealer, &id),
        status: "connected".into(),
        status_reason: None,
        created_at: now,
        updated_at: now,
        id,
    };
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        Entry::by(&principal, "channel.created")
            .target(row.id.as_str())
            .details(serde_json::json!({ "kind": row.kind, "name": row.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(Api::created(CreatedOut {
        channel: ChannelOut::of(&state, &row),
        generated: parts.generated.into_iter().collect(),
    }))
}

pub async fn get_channel(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ChannelOut>> {
    principal.require(Capability::ReadInbox)?;
    let row = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(ChannelOut::of(&state, &row)))
}

/// Changes the settings given; a new access token also clears the "reconnect" status.
pub async fn update_channel(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ChannelIn>,
) -> Result<Api<ChannelOut>> {
    principal.require(Capability::ManageChannels)?;
    let mut tx = state.db.begin().await?;
    let mut row = store::get(&mut Conn::Tx(&mut tx), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let kind = row.kind();
    let mut parts = Parts {
        name: row.name.clone(),
        external_id: row.external_id.clone(),
        settings: row.settings(),
        secrets: row.secrets(&state.sealer),
        generated: Vec::new(),
    };
    input.update(kind, &mut parts)?;
    row.name = parts.name;
    row.external_id = parts.external_id;
    row.settings = serde_json::to_string(&parts.settings).unwrap_or_default();
    row.secrets = parts.secrets.seal(&state.sealer, &row.id);
    if input.access_token.is_some() {
        row.status = "connected".into();
        row.status_reason = None;
    }
    row.updated_at = now_ms();
    store::update(&mut tx, &row).await?;
    let changed: Vec<&str> = [
        ("name", input.name.is_some()),
        ("access_token", input.access_token.is_some()),
        ("app_secret", input.app_secret.is_some()),
        ("verify_token", input.verify_token.is_some()),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(name, _)| name)
    .collect();
    audit::record(
        &mut tx,
        Entry::by(&principal, "channel.updated")
            .target(row.id.as_str())
            .details(serde_json::json!({ "changed": changed })),
    )
    .await?;
    tx.commit().await?;
    state.channels.forget(&row.id);
    Ok(Api::ok(ChannelOut::of(&state, &row)))
}

/// Removes the channel with its conversations and messages; its webhook URL answers 404 after.
pub async fn delete_channel(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode> {
    principal.require(Capability::ManageChannels)?;
    let mut tx = state.db.begin().await?;
    let row = store::get(&mut Conn::Tx(&mut tx), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    store::delete(&mut tx, &principal.workspace_id, &row.id).await?;
    audit::record(
        &mut tx,
        Entry::by(&principal, "channel.deleted")
            .target(row.id.as_str())
            .details(serde_json::json!({ "kind": row.kind, "name": row.name })),
    )
    .await?;
    tx.commit().await?;
    state.channels.forget(&row.id);
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The answer of a connection test.
#[derive(Serialize)]
pub struct TestOut {
    pub ok: bool,
    /// What Meta says the token is for (number, account or page), when it worked.
    pub account: Option<serde_json::Value>,
    /// Why not, in Meta's words.
    pub error: Option<String>,
    pub channel: ChannelOut,
}

/// Reads the account with the channel's token: proves the id and token work. A refused token
/// marks the channel `reconnect`; a working one marks it `connected` again.
pub async fn test_channel(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<TestOut>> {
    principal.require(Capability::ManageChannels)?;
    let row = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let kind = row.kind();
    let fields = match kind {
        Kind::Whatsapp => "display_phone_number,verified_name",
        Kind::Instagram => "username,name",
        Kind::Messenger => "name",
        Kind::Website | Kind::Api => {
            return Err(AppError::conflict(
                "not_testable",
                "Only WhatsApp, Instagram and Messenger channels connect to a provider.",
            ));
        }
    };
    let token = row.secrets(&state.sealer).access_token.unwrap_or_default();
    let account = row.external_id.clone().unwrap_or_default();
    let answer = state.graph.whoami(&token, &account, fields).await;
    let mut tx = state.db.begin().await?;
    let (ok, account, error) = match answer {
        Ok(value) => {
            store::set_status(&mut tx, &row.id, "connected", None, now_ms()).await?;
            (true, Some(value), None)
        }
        Err(e) => {
            if e.kind == playgram_providers::meta::graph::Kind::TokenInvalid {
                crate::inbox::send::reconnect::needed(&mut tx, &row, &e.message).await?;
            }
            (false, None, Some(e.message))
        }
    };
    tx.commit().await?;
    state.channels.forget(&row.id);
    let row = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(TestOut {
        ok,
        account,
        error,
        channel: ChannelOut::of(&state, &row),
    }))
}
