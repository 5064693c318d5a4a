//! SQL for webhook endpoints. Every function takes the workspace first (another workspace's
//! endpoint is "not found"), except the delivery path, which reaches endpoints through messages.
//!
//! Secrets and custom headers are sealed (encrypted with the instance key, bound to the endpoint
//! id), so a database dump alone does not reveal them.

use std::collections::BTreeMap;

use playgram_core::ids::{EndpointId, WorkspaceId};
use playgram_core::seal::Sealer;
use playgram_core::time::Millis;
use playgram_core::{Db, Tx, on_db, on_tx};
use sqlx::AssertSqlSafe;

use super::endpoint::Settings;
use super::filter::Condition;
use super::signature::Secret;

pub const COLUMNS: &str = "id, workspace_id, url, description, event_types, filter, enabled, \
    disabled_reason, disabled_at, rate_limit, max_in_flight, headers, secret, previous_secret, \
    previous_secret_until, failing_since, created_at, updated_at";

/// An endpoint as stored (sealed columns still sealed).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: EndpointId,
    pub workspace_id: WorkspaceId,
    pub url: String,
    pub description: String,
    pub event_types: Option<String>,
    pub filter: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<Millis>,
    pub rate_limit: Option<i32>,
    pub max_in_flight: i32,
    pub headers: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<Millis>,
    pub failing_since: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

fn secret_context(id: &EndpointId) -> String {
    format!("webhook_endpoints.secret:{id}")
}

fn headers_context(id: &EndpointId) -> String {
    format!("webhook_endpoints.headers:{id}")
}

pub fn seal_secret(sealer: &Sealer, id: &EndpointId, secret: &Secret) -> String {
    sealer.seal(secret.expose().as_bytes(), &secret_context(id))
}

impl EndpointRow {
    pub fn event_types(&self) -> Option<Vec<String>> {
        self.event_types
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
    }

    pub fn conditions(&self) -> Vec<Condition> {
        self.filter
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn headers(&self, sealer: &Sealer) -> BTreeMap<String, String> {
        sealer
            .open(&self.headers, &headers_context(&self.id))
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default()
    }

    pub fn secret(&self, sealer: &Sealer) -> Option<Secret> {
        open_secret(sealer, &self.id, &self.secret)
    }

    /// The previous secret while its overlap lasts.
    pub fn previous_secret(&self, sealer: &Sealer, now: Millis) -> Option<Secret> {
        let until = self.previous_secret_until?;
        (until > now)
            .then(|| open_secret(sealer, &self.id, self.previous_secret.as_deref()?))
            .flatten()
    }

    pub fn settings(&self, sealer: &Sealer) -> Settings {
        Settings {
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.event_types(),
            filter: self.conditions(),
            enabled: self.enabled,
            rate_limit: self.rate_limit.map(|n| n.max(1) as u32),
            max_in_flight: self.max_in_flight.max(1) as u32,
            headers: self.headers(sealer),
        }
    }
}

fn open_secret(sealer: &Sealer, id: &EndpointId, sealed: &str) -> Option<Secret> {
    let text = sealer.open(sealed, &secret_context(id)).ok()?;
    Secret::parse(std::str::from_utf8(&text).ok()?)
}

/// The columns a settings change writes: (url, description, event_types, filter, enabled,
/// rate_limit, max_in_flight, headers).
fn settings_columns(
    sealer: &Sealer,
    id: &EndpointId,
    settings: &Settings,
) -> (Option<String>, Option<String>, String) {
    let types = settings
        .event_types
        .as_ref()
        .and_then(|t| serde_json::to_string(t).ok());
    let filter = (!settings.filter.is_empty())
        .then(|| serde_json::to_string(&settings.filter).ok())
        .flatten();
    let headers = serde_json::to_vec(&settings.headers).unwrap_or_else(|_| b"{}".to_vec());
    (types, filter, sealer.seal(&headers, &headers_context(id)))
}

pub async fn insert(
    tx: &mut Tx,
    sealer: &Sealer,
    workspace_id: &WorkspaceId,
    id: &EndpointId,
    settings: &Settings,
    secret: &Secret,
    now: Millis,
) -> sqlx::Result<()> {
    let (types, filter, headers) = settings_columns(sealer, id, settings);
    let disabled_reason = (!settings.enabled).then_some("manual");
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO webhook_endpoints (id, workspace_id, url, description, event_types, filter, \
           enabled, disabled_reason, disabled_at, rate_limit, max_in_flight, headers, secret, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)")
        .bind(id).bind(workspace_id).bind(&settings.url).bind(&settings.description)
        .bind(types).bind(filter).bind(settings.enabled).bind(disabled_reason)
        .bind(disabled_reason.map(|_| now))
        .bind(settings.rate_limit.map(|n| n as i32)).bind(settings.max_in_flight as i32)
        .bind(headers).bind(seal_secret(sealer, id, secret)).bind(now)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(
    db: &Db,
    workspace_id: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<EndpointRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2");
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<EndpointRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2");
    on_tx!(tx, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await)
}

/// The workspace's endpoints, newest first, before the cursor.
pub async fn list(
    db: &Db,
    workspace_id: &WorkspaceId,
    before: Option<&EndpointId>,
    limit: i64,
) -> sqlx::Result<Vec<EndpointRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND ($2 IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    );
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql))
        .bind(workspace_id).bind(before).bind(limit).fetch_all(pool).await)
}

/// Every endpoint of a workspace (the fan-out's candidates).
pub async fn all_in(tx: &mut Tx, workspace_id: &WorkspaceId) -> sqlx::Result<Vec<EndpointRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY id");
    on_tx!(tx, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await)
}

/// Replaces the settings. Disabling by hand records `manual`; enabling clears the reason and the
/// failure streak, so a re-enabled endpoint gets its full five days again.
pub async fn update(
    tx: &mut Tx,
    sealer: &Sealer,
    row: &EndpointRow,
    settings: &Settings,
    now: Millis,
) -> sqlx::Result<()> {
    let (types, filter, headers) = settings_columns(sealer, &row.id, settings);
    let (reason, disabled_at, failing_since) = match (row.enabled, settings.enabled) {
        (_, true) => (
            None,
            None,
            if row.enabled { row.failing_since } else { None },
        ),
        (true, false) => (Some("manual".to_owned()), Some(now), row.failing_since),
        (false, false) => (
            row.disabled_reason.clone(),
            row.disabled_at,
            row.failing_since,
        ),
    };
    on_tx!(tx, conn => sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3, filter = $4, \
           enabled = $5, disabled_reason = $6, disabled_at = $7, rate_limit = $8, max_in_flight = $9, \
           headers = $10, failing_since = $11, updated_at = $12 \
         WHERE workspace_id = $13 AND id = $14")
        .bind(&settings.url).bind(&settings.description).bind(types).bind(filter)
        .bind(settings.enabled).bind(reason).bind(disabled_at)
        .bind(settings.rate_limit.map(|n| n as i32)).bind(settings.max_in_flight as i32)
        .bind(headers).bind(failing_since).bind(now).bind(&row.workspace_id).bind(&row.id)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Disables an endpoint that is still enabled (by the sender: `gone` or `failing`), and with
/// `streak_before` only if it has been failing since then; false when nothing changed, so only
/// one disabling notifies.
pub async fn disable(
    tx: &mut Tx,
    id: &EndpointId,
    reason: &str,
    streak_before: Option<Millis>,
    now: Millis,
) -> sqlx::Result<bool> {
    let changed = on_tx!(tx, conn => sqlx::query(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1, disabled_at = $2, updated_at = $2 \
         WHERE id = $3 AND enabled = TRUE \
           AND ($4 IS NULL OR (failing_since IS NOT NULL AND failing_since <= $4))")
        .bind(reason).bind(now).bind(id).bind(streak_before)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Makes `secret` current; the old one stays valid (signed with too) until `previous_until`.
pub async fn rotate_secret(
    tx: &mut Tx,
    sealer: &Sealer,
    row: &EndpointRow,
    secret: &Secret,
    previous_until: Millis,
    now: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, previous_secret_until = $3, \
           updated_at = $4 WHERE workspace_id = $5 AND id = $6")
        .bind(seal_secret(sealer, &row.id, secret)).bind(&row.secret).bind(previous_until)
        .bind(now).bind(&row.workspace_id).bind(&row.id)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &EndpointId,
) -> sqlx::Result<bool> {
    let deleted = on_tx!(tx, conn => sqlx::query(
        "DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(deleted == 1)
}

/// Records the outcome of a batch of attempts on the endpoints' failure streaks: a success ends
/// the streak; a failure starts one unless it is running.
pub async fn record_streaks(
    tx: &mut Tx,
    succeeded: &[&EndpointId],
    failed: &[&EndpointId],
    now: Millis,
) -> sqlx::Result<()> {
    for id in succeeded {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
            .bind(*id).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    for id in failed {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL")
            .bind(now).bind(*id).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
