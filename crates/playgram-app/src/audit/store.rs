//! SQL for the audit log.

use playgram_core::ids::{ApiKeyId, AuditId, UserId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

use crate::auth::{Actor, Principal};

/// One sensitive action to record.
pub struct Entry<'a> {
    pub workspace_id: Option<&'a WorkspaceId>,
    pub actor_user_id: Option<&'a UserId>,
    pub actor_api_key_id: Option<&'a ApiKeyId>,
    pub action: &'static str,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// An action taken by `principal` in its workspace.
    pub fn by(principal: &'a Principal, action: &'static str) -> Self {
        let (user, key) = match &principal.actor {
            Actor::User(id) => (Some(id), None),
            Actor::ApiKey(id) => (None, Some(id)),
        };
        Entry {
            workspace_id: Some(&principal.workspace_id),
            actor_user_id: user,
            actor_api_key_id: key,
            action,
            target: None,
            ip: Some(principal.ip.to_string()),
            details: serde_json::Value::Object(Default::default()),
        }
    }

    /// A person-level action (login, 2FA, password), shown in each of the person's workspaces.
    pub fn personal(user: Option<&'a UserId>, action: &'static str, ip: String) -> Self {
        Entry {
            workspace_id: None,
            actor_user_id: user,
            actor_api_key_id: None,
            action,
            target: None,
            ip: Some(ip),
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

pub async fn record(tx: &mut Tx, entry: Entry<'_>) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO audit_log (id, workspace_id, actor_user_id, actor_api_key_id, action, target, ip, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(AuditId::new())
    .bind(entry.workspace_id)
    .bind(entry.actor_user_id)
    .bind(entry.actor_api_key_id)
    .bind(entry.action)
    .bind(&entry.target)
    .bind(&entry.ip)
    .bind(entry.details.to_string())
    .bind(now_ms())
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Row {
    pub id: AuditId,
    pub action: String,
    pub actor_user_id: Option<UserId>,
    pub actor_email: Option<String>,
    pub actor_api_key_id: Option<ApiKeyId>,
    pub actor_key_name: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub details: String,
    pub created_at: Millis,
}

pub struct Filter {
    pub action: Option<String>,
    pub before: Option<AuditId>,
    pub limit: i64,
}

/// A workspace's log, newest first, one page. A member's person-level events (logins, 2FA, password)
/// appear from the time they joined, not before.
pub async fn list(db: &Db, workspace_id: &WorkspaceId, filter: &Filter) -> sqlx::Result<Vec<Row>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT a.id, a.action, a.actor_user_id, u.email AS actor_email, a.actor_api_key_id, k.name AS actor_key_name,
                a.target, a.ip, a.details, a.created_at
         FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_user_id
         LEFT JOIN api_keys k ON k.id = a.actor_api_key_id
         WHERE (a.workspace_id = $1
                OR (a.workspace_id IS NULL AND EXISTS (
                    SELECT 1 FROM memberships m
                    WHERE m.workspace_id = $1 AND m.user_id = a.actor_user_id AND m.created_at <= a.created_at)))
           AND ($2 IS NULL OR a.action = $2)
           AND ($3 IS NULL OR a.id < $3)
         ORDER BY a.id DESC
         LIMIT $4",
    )
    .bind(workspace_id)
    .bind(&filter.action)
    .bind(&filter.before)
    .bind(filter.limit)
    .fetch_all(pool)
    .await)
}

/// A person's own security events (for the account page).
pub async fn list_personal(db: &Db, user_id: &UserId, limit: i64) -> sqlx::Result<Vec<Row>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT a.id, a.action, a.actor_user_id, u.email AS actor_email, a.actor_api_key_id, NULL AS actor_key_name,
                a.target, a.ip, a.details, a.created_at
         FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.actor_user_id = $1 AND a.workspace_id IS NULL
         ORDER BY a.id DESC
         LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await)
}
