//! Consent: a contact's records, recording one, and the check senders make before sending.

use axum::extract::{Path, Query, State};
use playgram_core::Conn;
use serde::Deserialize;

use crate::auth::{Capability, Principal};
use crate::contacts::channel::Channel;
use crate::contacts::consent::{self, ConsentIn, ConsentOut, Decision};
use crate::contacts::service;
use crate::contacts::store;
use crate::contacts::timeline::By;
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

pub async fn list_contact_consents(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<Vec<ConsentOut>>> {
    principal.require(Capability::ReadContacts)?;
    let mut c = Conn::Db(&state.db);
    let contact = service::found(&mut c, &principal.workspace_id, &id).await?;
    let rows = consent::current(&mut c, &contact.row.id).await?;
    Ok(Api::ok(rows.into_iter().map(ConsentOut::from).collect()))
}

/// Records an opt-in or opt-out (with source and evidence); the history stays in the timeline.
pub async fn create_contact_consent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConsentIn>,
) -> Result<Api<Vec<ConsentOut>>> {
    principal.require(Capability::WriteContacts)?;
    let source = if principal.api_key_id().is_some() {
        "api"
    } else {
        "dashboard"
    };
    let record = input.parse(source)?;
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let contact = service::found_live(&mut Conn::Tx(&mut tx), ws, &id).await?;
    consent::record(&mut tx, ws, &contact.row.id, &record, &By::of(&principal)).await?;
    let rows = consent::current(&mut Conn::Tx(&mut tx), &contact.row.id).await?;
    tx.commit().await?;
    Ok(Api::created(
        rows.into_iter().map(ConsentOut::from).collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckQuery {
    /// The contact, by id…
    pub contact_id: Option<String>,
    /// …or by a channel identity: `identity_channel` and `external_id`.
    pub identity_channel: Option<String>,
    pub external_id: Option<String>,
    /// The channel the message would go out on.
    pub channel: Option<String>,
    /// What it is for: marketing, transactional, …
    pub purpose: Option<String>,
}

/// May this purpose be sent to the contact on this channel? Ask before every marketing send.
pub async fn check_consent(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<CheckQuery>,
) -> Result<Api<Decision>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let channel = q.channel.as_deref().and_then(Channel::parse)
        .ok_or_else(|| AppError::field("channel", "Name the channel: whatsapp, instagram, messenger, manychat, website, email or sms."))?;
    let purpose = consent::parse_purpose(q.purpose.as_deref().unwrap_or_default())
        .map_err(|m| AppError::field("purpose", m))?;
    let mut c = Conn::Db(&state.db);
    let id = match (
        q.contact_id.as_deref(),
        q.identity_channel.as_deref(),
        q.external_id.as_deref(),
    ) {
        (Some(id), _, _) => id.trim().to_owned(),
        (None, Some(ch), Some(ext)) => {
            let ch = Channel::parse(ch)
                .filter(|c| c.has_identity())
                .ok_or_else(|| {
                    AppError::field(
                        "identity_channel",
                        "Use whatsapp, instagram, messenger, manychat or website.",
                    )
                })?;
            let ext = ch
                .parse_external_id(ext)
                .map_err(|m| AppError::field("external_id", m))?;
            store::by_identity(&mut c, ws, ch, &ext)
                .await?
                .ok_or_else(AppError::not_found)?
                .to_string()
        }
        _ => {
            return Err(AppError::field(
                "contact_id",
                "Give contact_id, or identity_channel and external_id.",
            ));
        }
    };
    let contact = service::found(&mut c, ws, &id).await?;
    let decision = consent::check(
        &mut c,
        &contact.row.id,
        contact.row.erased_at.is_some(),
        channel,
        &purpose,
    )
    .await?;
    Ok(Api::ok(decision))
}
