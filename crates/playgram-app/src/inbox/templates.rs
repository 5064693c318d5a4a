//! WhatsApp templates: read from the WhatsApp Business Account (hourly, and on demand), submitted
//! for review, and kept current by `message_template_status_update` webhooks. Replies outside the
//! 24-hour window may only use approved ones (`send::body::template_preview`).

use axum::extract::{Path, State};
use playgram_core::Conn;
use playgram_core::jobs::{Job, JobContext, JobError, NewJob};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::channels::{ChannelRow, Kind, store as channels};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Serialize, sqlx::FromRow)]
pub struct TemplateRow {
    pub external_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    /// APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …
    pub status: String,
    pub reason: Option<String>,
    #[serde(serialize_with = "raw")]
    pub components: String,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

fn raw<S: serde::Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde_json::from_str::<Value>(text)
        .unwrap_or_default()
        .serialize(s)
}

async fn whatsapp(state: &AppState, principal: &Principal, id: &str) -> Result<ChannelRow> {
    let row = channels::get(&mut Conn::Db(&state.db), &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if row.kind() != Kind::Whatsapp {
        return Err(AppError::conflict(
            "not_whatsapp",
            "Templates belong to WhatsApp channels.",
        ));
    }
    Ok(row)
}

pub async fn list_channel_templates(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<Vec<TemplateRow>>> {
    principal.require(Capability::ReadInbox)?;
    let row = whatsapp(&state, &principal, &id).await?;
    let rows = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT external_id, name, language, category, status, reason, components, updated_at \
         FROM whatsapp_templates WHERE channel_id = $1 ORDER BY name, language")
        .bind(&row.id).fetch_all(pool).await)?;
    Ok(Api::ok(rows))
}

/// Reads the WABA's templates now.
pub async fn sync_channel_templates(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<Value>> {
    principal.require(Capability::ManageChannels)?;
    let row = whatsapp(&state, &principal, &id).await?;
    let count = sync(&state, &row).await.map_err(|e| {
        AppError::client(
            axum::http::StatusCode::BAD_GATEWAY,
            "provider_error",
            format!("Meta refused the template list: {}", e.message),
        )
    })?;
    Ok(Api::ok(json!({ "templates": count })))
}

/// Stores what Meta lists for the channel's WABA; returns how many templates it has.
pub async fn sync(
    state: &AppState,
    channel: &ChannelRow,
) -> std::result::Result<usize, playgram_providers::meta::graph::GraphError> {
    let token = channel
        .secrets(&state.sealer)
        .access_token
        .unwrap_or_default();
    let waba = channel.settings().waba_id.unwrap_or_default();
    let listed = state.graph.templates(&token, &waba).await?;
    let save = async {
        let mut tx = state.db.begin().await?;
        for t in &listed {
            save(&mut tx, channel, t).await?;
        }
        tx.commit().await
    };
    save.await
        .map_err(|e| playgram_providers::meta::graph::GraphError {
            kind: playgram_providers::meta::graph::Kind::Unavailable,
            status: 0,
            code: None,
            subcode: None,
            message: format!("storing the templates: {e}"),
        })?;
    Ok(listed.len())
}

async fn save(tx: &mut Tx, channel: &ChannelRow, t: &Value) -> sqlx::Result<()> {
    let text = |key: &str| {
        t[key]
            .as_str()
            .map(str::to_owned)
            .or_else(|| t[key].as_i64().map(|n| n.to_string()))
            .unwrap_or_default()
    };
    let reason = t["rejected_reason"]
        .as_str()
        .filter(|r| *r != "NONE")
        .map(str::to_owned);
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO whatsapp_templates (channel_id, external_id, name, language, category, status, reason, components, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (channel_id, external_id) DO UPDATE SET name = excluded.name, language = excluded.language, \
           category = excluded.category, status = excluded.status, reason = excluded.reason, \
           components = excluded.components, updated_at = excluded.updated_at")
        .bind(&channel.id).bind(text("id")).bind(text("name")).bind(text("language")).bind(text("category"))
        .bind(text("status")).bind(reason).bind(t["components"].to_string()).bind(now_ms())
        .execute(conn).await.map(drop))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// Lower-case letters, digits and underscores.
    pub name: String,
    pub language: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    /// Meta's components (HEADER, BODY, FOOTER, BUTTONS), as Meta documents them.
    pub components: Vec<Value>,
}

/// Submits a template for Meta's review; it is stored as PENDING until its status webhook.
pub async fn create_channel_template(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TemplateIn>,
) -> Result<Api<TemplateRow>> {
    principal.require(Capability::ManageChannels)?;
    let row = whatsapp(&state, &principal, &id).await?;
    let name_ok = !input.name.is_empty()
        && input.name.len() <= 512
        && input
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !name_ok {
        return Err(AppError::field(
            "name",
            "Use lower-case letters, digits and underscores, e.g. order_update.",
        ));
    }
    if !["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&input.category.as_str()) {
        return Err(AppError::field(
            "category",
            "Choose MARKETING, UTILITY or AUTHENTICATION.",
        ));
    }
    if !input.components.iter().any(|c| {
        c["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("body"))
    }) {
        return Err(AppError::field(
            "components",
            "A template needs a BODY component with its text.",
        ));
    }
    let token = row.secrets(&state.sealer).access_token.unwrap_or_default();
    let waba = row.settings().waba_id.unwrap_or_default();
    let body = json!({ "name": input.name, "language": input.language, "category": input.category, "components": input.components });
    let answer = state
        .graph
        .create_template(&token, &waba, &body)
        .await
        .map_err(|e| {
            AppError::client(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "template_refused",
                format!("Meta refused the template: {}", e.message),
            )
        })?;
    let stored = json!({ "id": answer["id"], "name": input.name, "language": input.language,
        "category": answer["category"].as_str().unwrap_or(&input.category), "status": answer["status"].as_str().unwrap_or("PENDING"),
        "components": input.components });
    let mut tx = state.db.begin().await?;
    save(&mut tx, &row, &stored).await?;
    let saved = on_tx!(&mut tx, conn => sqlx::query_as(
        "SELECT external_id, name, language, category, status, reason, components, updated_at \
         FROM whatsapp_templates WHERE channel_id = $1 AND external_id = $2")
        .bind(&row.id).bind(stored["id"].as_str().unwrap_or_default()).fetch_one(conn).await)?;
    tx.commit().await?;
    Ok(Api::created(saved))
}

/// `inbox.templates_sync`, hourly: every WhatsApp channel's templates.
pub struct SyncJob {
    pub state: AppState,
}

impl Job for SyncJob {
    const NAME: &'static str = "inbox.templates_sync";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> std::result::Result<(), JobError> {
        for channel in whatsapp_channels(&self.state.db).await? {
            if let Err(e) = sync(&self.state, &channel).await {
                tracing::warn!(channel = %channel.id, error = %e.message, "template sync failed");
            }
        }
        Ok(())
    }
}

async fn whatsapp_channels(db: &Db) -> sqlx::Result<Vec<ChannelRow>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, workspace_id, kind, name, external_id, settings, secrets, status, status_reason, created_at, updated_at \
         FROM channels WHERE kind = 'whatsapp' AND status = 'connected'")
        .fetch_all(pool).await)
}

pub fn sync_job() -> NewJob {
    NewJob::of::<SyncJob>(&()).unwrap_or_else(|_| unreachable!("() always serializes"))
}
