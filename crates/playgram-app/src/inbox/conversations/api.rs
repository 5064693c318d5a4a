//! `/api/v1/conversations…`: the conversation list with its filters, one conversation, and its
//! messages (newest first, paged); and `/api/v1/inbound-payloads`, the webhooks kept but flagged.

use axum::extract::{Path, Query, State};
use base64::Engine;
use playgram_core::Conn;
use playgram_core::ids::{ChannelId, TagId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::store::{self, Assignee, Filter};
use super::{ConversationRow, MessageRow, STATUSES};
use crate::auth::{Actor, Capability, Principal};
use crate::http::{Api, AppError, Result};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub channel_id: Option<String>,
    pub contact_id: Option<String>,
    /// `me`, `none` or a user id.
    pub assignee: Option<String>,
    /// `true`: only conversations with customer messages the caller has not read.
    pub unread: Option<String>,
    /// A tag id or name.
    pub tag: Option<String>,
    /// Search: the contact's name, addresses and identities, and the messages' text.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// A conversation as the API shows it: with its tags, and the caller's own unread count.
#[derive(Serialize)]
pub struct ConversationOut {
    #[serde(flatten)]
    pub row: ConversationRow,
    pub tags: Vec<TagOut>,
    /// Customer messages the signed-in caller has not read (null for an API key).
    pub unread_mine: Option<i64>,
    /// When free-form replies stop (24 hours after the customer's last message); after it,
    /// WhatsApp takes only templates and Instagram and Messenger only `human_agent` replies.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub reply_window_closes_at: Option<Millis>,
}

#[derive(Serialize)]
pub struct TagOut {
    pub id: TagId,
    pub name: String,
    pub color: String,
}

/// Adds tags and the caller's unread counts to rows.
pub async fn shown(
    state: &AppState,
    principal: &Principal,
    rows: Vec<ConversationRow>,
) -> Result<Vec<ConversationOut>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let tags = store::tags_of(&state.db, &ids).await?;
    let unread = match &principal.actor {
        Actor::User(user) => Some(store::unread_by(&state.db, &ids, user).await?),
        Actor::ApiKey(_) => None,
    };
    Ok(rows
        .into_iter()
        .map(|row| ConversationOut {
            tags: tags
                .iter()
                .filter(|t| t.0 == row.id)
                .map(|t| TagOut {
                    id: t.1.clone(),
                    name: t.2.clone(),
                    color: t.3.clone(),
                })
                .collect(),
            unread_mine: unread
                .as_ref()
                .map(|counts| counts.iter().find(|c| c.0 == row.id).map_or(0, |c| c.1)),
            reply_window_closes_at: crate::inbox::send::window::closes_at(row.last_inbound_at),
            row,
        })
        .collect())
}

pub async fn list_conversations(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Api<Vec<ConversationOut>>> {
    principal.require(Capability::ReadInbox)?;
    let limit = crate::http::page_limit(q.limit.as_deref(), 50)?;
    let status = q.status.filter(|s| !s.is_empty());
    if let Some(status) = &status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(AppError::bad_request(
            "invalid_status",
            "`status` is one of open, pending, snoozed or resolved.",
        ));
    }
    let assignee = match q.assignee.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some("none") => Some(Assignee::Nobody),
        Some("me") => match &principal.actor {
            Actor::User(id) => Some(Assignee::User(id.to_string())),
            Actor::ApiKey(_) => {
                return Err(AppError::bad_request(
                    "invalid_assignee",
                    "`assignee=me` needs a signed-in person; an API key names the user id.",
                ));
            }
        },
        Some(user) => Some(Assignee::User(user.to_owned())),
    };
    let me = match &principal.actor {
        Actor::User(id) => Some(id.clone()),
        Actor::ApiKey(_) => None,
    };
    let unread = match q.unread.as_deref() {
        None | Some("" | "false") => None,
        Some("true") => Some(me),
        Some(_) => {
            return Err(AppError::bad_request(
                "invalid_unread",
                "`unread` is true or false.",
            ));
        }
    };
    let before = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| decode_cursor(c).ok_or_else(invalid_cursor))
        .transpose()?;
    let filter = Filter {
        status,
        channel_id: q.channel_id.filter(|c| !c.is_empty()),
        contact_id: q.contact_id.filter(|c| !c.is_empty()),
        assignee,
        unread,
        tag: q.tag.filter(|t| !t.trim().is_empty()),
        q: q.q
            .map(|q| q.trim().chars().take(200).collect::<String>())
            .filter(|q| !q.is_empty()),
        before,
        limit,
    };
    let rows = store::list(&state.db, &principal.workspace_id, &filter).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| {
        encode_cursor(r.last_message_at, r.id.as_str())
    });
    Ok(Api::page(shown(&state, &principal, rows).await?, next))
}

fn encode_cursor(at: Millis, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{at}.{id}"))
}

fn decode_cursor(text: &str) -> Option<(Millis, String)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (at, id) = raw.split_once('.')?;
    Some((at.parse().ok()?, id.to_owned()))
}

fn invalid_cursor() -> AppError {
    AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
}

pub async fn get_conversation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ConversationOut>> {
    principal.require(Capability::ReadInbox)?;
    let row = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    one(&state, &principal, row).await.map(Api::ok)
}

pub async fn one(
    state: &AppState,
    principal: &Principal,
    row: ConversationRow,
) -> Result<ConversationOut> {
    let mut out = shown(state, principal, vec![row]).await?;
    out.pop().ok_or_else(AppError::not_found)
}

#[derive(Deserialize, Default)]
pub struct MessagesQuery {
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// A conversation's messages, newest first.
pub async fn list_conversation_messages(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(q): Query<MessagesQuery>,
) -> Result<Api<Vec<MessageRow>>> {
    principal.require(Capability::ReadInbox)?;
    let limit = crate::http::page_limit(q.limit.as_deref(), 50)?;
    let before = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| c.parse::<i64>().map_err(|_| invalid_cursor()))
        .transpose()?;
    let conversation = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let rows = store::messages(&state.db, &conversation.id, before, limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.num.to_string());
    Ok(Api::page(rows, next))
}

/// A webhook payload that was kept but not fully understood.
#[derive(Serialize)]
pub struct FlaggedOut {
    pub id: i64,
    pub channel_id: ChannelId,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub received_at: Millis,
    /// What was not understood.
    pub note: String,
    /// The body as Meta sent it.
    pub body: String,
}

pub async fn list_flagged_payloads(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<FlaggedOut>>> {
    principal.require(Capability::ManageChannels)?;
    let rows = crate::inbox::parse_job::flagged(&state.db, &principal.workspace_id, 100).await?;
    Ok(Api::ok(
        rows.into_iter()
            .map(|(id, channel_id, received_at, note, body)| FlaggedOut {
                id,
                channel_id,
                received_at,
                note,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
            .collect(),
    ))
}
