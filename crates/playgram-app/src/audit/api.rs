//! `GET /api/v1/audit-log`.

use axum::extract::{Query, State};
use playgram_core::ids::{ApiKeyId, AuditId, UserId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::store::{self, Filter, Row};
use crate::auth::{Capability, Principal};
use crate::http::{Api, AppError, Result};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Only entries with this action, such as `api_key.created`.
    pub action: Option<String>,
    /// The `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50). Read as text so that `limit=abc` gets the envelope's
    /// `invalid_limit` rather than the query extractor's plain-text rejection.
    pub limit: Option<String>,
}

#[derive(Serialize)]
pub struct AuditOut {
    pub id: AuditId,
    /// Stable action name, such as `login.succeeded` or `api_key.revoked`.
    pub action: String,
    pub actor: ActorOut,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
}

#[derive(Serialize)]
pub struct ActorOut {
    /// `user`, `api_key` or `anonymous` (a failed login for an unknown address).
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub user_id: Option<UserId>,
    pub api_key_id: Option<ApiKeyId>,
    /// The person's email or the key's name.
    pub label: Option<String>,
}

impl From<Row> for AuditOut {
    fn from(row: Row) -> Self {
        let actor = match (&row.actor_user_id, &row.actor_api_key_id) {
            (Some(_), _) => ActorOut {
                kind: "user",
                user_id: row.actor_user_id.clone(),
                api_key_id: None,
                label: row.actor_email.clone(),
            },
            (None, Some(_)) => ActorOut {
                kind: "api_key",
                user_id: None,
                api_key_id: row.actor_api_key_id.clone(),
                label: row.actor_key_name.clone(),
            },
            (None, None) => ActorOut {
                kind: "anonymous",
                user_id: None,
                api_key_id: None,
                label: None,
            },
        };
        AuditOut {
            id: row.id,
            action: row.action,
            actor,
            target: row.target,
            ip: row.ip,
            details: serde_json::from_str(&row.details).unwrap_or_default(),
            created_at: row.created_at,
        }
    }
}

pub fn filter_from(query: &ListQuery) -> Result<Filter> {
    let before = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(AuditId::parse(cursor).ok_or_else(|| {
            AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
        })?),
        None => None,
    };
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    Ok(Filter {
        action: query.action.clone().filter(|a| !a.is_empty()),
        before,
        limit,
    })
}

/// Lists the workspace's audit log, newest first.
pub async fn list_audit_log(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Api<Vec<AuditOut>>> {
    principal.require(Capability::ReadAuditLog)?;
    let filter = filter_from(&query)?;
    let rows = store::list(&state.db, &principal.workspace_id, &filter).await?;
    let next = (rows.len() as i64 == filter.limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Api::page(
        rows.into_iter().map(AuditOut::from).collect(),
        next,
    ))
}
