//! The API channel: conversations with customers who reach the business through its own
//! software (an app, a kiosk, another chat platform).
//!
//! - **Inbound:** `POST /api/v1/channels/{id}/messages` with `{message_id, customer: {id, name,
//!   email, phone}, text}` (scope `inbox:write`). `message_id` is the integration's own id: the
//!   same id again is the same message (200, stored once; a new one is 201). The customer becomes
//!   a contact (identity `website` with `{channel_id}:{the integration's id}`, so two integrations'
//!   customer "42" stay two people; plus the email and phone when no other contact has them) and
//!   the message enters the inbox like any other.
//! - **Outbound:** an agent's reply is queued and delivered by a job ([`deliver`]) to the
//!   channel's `outbound_url` as a Standard Webhooks request signed with the channel's
//!   `signing_secret` (`webhook-id` is the message id, so a receiver can drop a retried
//!   delivery). 2xx: `sent`. Another 4xx: `failed` with the status and the start of the answer.
//!   5xx, 408, 429 or no answer: tried again with growing waits, then `failed`.

pub mod deliver;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use playgram_core::Conn;
use playgram_providers::meta::inbound::Person;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::apply::direct::{self, Inbound};
use super::channels::{Kind, store as channels};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, FieldErrors, Result};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    /// The integration's id for the customer.
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiMessageIn {
    pub message_id: String,
    pub customer: CustomerIn,
    pub text: String,
    /// Anything the integration wants kept with the message (shown to agents as details).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// RFC 3339; now when left out.
    pub sent_at: Option<String>,
}

#[derive(Serialize)]
pub struct ApiMessageOut {
    pub id: String,
    pub conversation_id: String,
    pub contact_id: String,
    /// False when this `message_id` was already stored (nothing changed).
    pub created: bool,
}

fn id_like(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.len() <= 128 && !t.chars().any(char::is_control)
}

pub async fn receive_api_message(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ApiMessageIn>,
) -> Result<Response> {
    principal.require(Capability::ReplyInbox)?;
    let ws = &principal.workspace_id;
    let channel = channels::get(&mut Conn::Db(&state.db), ws, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if channel.kind() != Kind::Api {
        return Err(AppError::conflict(
            "not_api_channel",
            "Messages are posted to API channels; Meta and website channels receive their own way.",
        ));
    }
    let mut errors = FieldErrors::new();
    if !id_like(&input.message_id) {
        errors.insert(
            "message_id",
            "Give your id for the message (1 to 128 characters).".into(),
        );
    }
    if !id_like(&input.customer.id) {
        errors.insert(
            "customer.id",
            "Give your id for the customer (1 to 128 characters).".into(),
        );
    }
    let text = input.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 4096 {
        errors.insert("text", "Write 1 to 4,096 characters.".into());
    }
    let email = match input
        .customer
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        None => None,
        Some(e) => match crate::contacts::input::parse_emails(&[e.to_owned()]) {
            Ok(list) => list.into_iter().next(),
            Err(message) => {
                errors.insert("customer.email", message);
                None
            }
        },
    };
    let phone = match input
        .customer
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        None => None,
        Some(p) => match crate::contacts::input::parse_phones(&[p.to_owned()], None) {
            Ok(list) => list.into_iter().next(),
            Err(message) => {
                errors.insert("customer.phone", message);
                None
            }
        },
    };
    let at = match input.sent_at.as_deref() {
        None => None,
        Some(t) => match chrono::DateTime::parse_from_rfc3339(t.trim()) {
            Ok(t) => Some(t.timestamp_millis()),
            Err(_) => {
                errors.insert(
                    "sent_at",
                    "Give an RFC 3339 time, e.g. 2026-12-24T09:00:00Z.".into(),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let inbound = Inbound {
        customer: Person {
            // The channel's own namespace: customer "42" of two integrations is two people.
            id: format!("{}:{}", channel.id, input.customer.id.trim()),
            name: input.customer.name.clone().filter(|n| !n.trim().is_empty()),
            username: None,
        },
        provider_id: format!("api:{}", input.message_id.trim()),
        kind: "text".into(),
        text,
        content: json!({ "metadata": input.metadata }),
        at,
    };
    let (message_id, created) = direct::store(&state, &channel, inbound).await?;
    let (conversation_id, contact_id): (String, String) = playgram_core::on_db!(&state.db, pool => sqlx::query_as(
        "SELECT c.id, c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1")
        .bind(&message_id).fetch_one(pool).await)?;
    if created {
        save_addresses(&state, &principal, &contact_id, email, phone).await?;
    }
    let out = ApiMessageOut {
        id: message_id,
        conversation_id,
        contact_id,
        created,
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Api::ok(out)).into_response())
}

/// Adds the email and phone to the contact when no other contact has them.
async fn save_addresses(
    state: &AppState,
    principal: &Principal,
    contact: &str,
    email: Option<String>,
    phone: Option<String>,
) -> Result<()> {
    if email.is_none() && phone.is_none() {
        return Ok(());
    }
    let ws = &principal.workspace_id;
    let contact = playgram_core::ids::ContactId::parse(contact).ok_or_else(AppError::not_found)?;
    let mut tx = state.db.begin().await?;
    let loaded = crate::contacts::store::load(&mut Conn::Tx(&mut tx), ws, contact.as_str())
        .await?
        .ok_or_else(AppError::not_found)?;
    let c = &mut Conn::Tx(&mut tx);
    if let Some(email) = email
        && crate::contacts::store::owners_of_emails(c, ws, std::slice::from_ref(&email))
            .await?
            .is_empty()
    {
        let mut emails = loaded.parts.emails.clone();
        emails.push(email);
        crate::contacts::store::set_emails(&mut tx, ws, &contact, &emails).await?;
    }
    let c = &mut Conn::Tx(&mut tx);
    if let Some(phone) = phone
        && crate::contacts::store::owners_of_phones(c, ws, std::slice::from_ref(&phone))
            .await?
            .is_empty()
    {
        let mut phones = loaded.parts.phones.clone();
        phones.push(phone);
        crate::contacts::store::set_phones(&mut tx, ws, &contact, &phones).await?;
    }
    crate::contacts::store::refresh_search(&mut tx, ws, &contact).await?;
    tx.commit().await?;
    Ok(())
}
