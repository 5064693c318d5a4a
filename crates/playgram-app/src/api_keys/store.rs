//! SQL for API keys and their secrets.

use playgram_core::ids::{ApiKeyId, UserId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct KeyRow {
    pub id: ApiKeyId,
    pub name: String,
    pub scopes: String,
    pub created_by_email: Option<String>,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    /// Shown form of the current secret, such as `pgk_Ab3d…x9Zq`.
    pub hint: Option<String>,
    /// When the previous secret stops working, during a rotation overlap.
    pub previous_expires_at: Option<Millis>,
}

impl KeyRow {
    pub fn status(&self) -> &'static str {
        match (self.revoked_at, self.expires_at) {
            (Some(_), _) => "revoked",
            (None, Some(at)) if at <= now_ms() => "expired",
            _ => "active",
        }
    }
}

const KEY_COLUMNS: &str = "k.id, k.name, k.scopes, u.email AS created_by_email, k.created_at, k.expires_at, k.last_used_at, k.revoked_at,
    (SELECT s.hint FROM api_key_secrets s WHERE s.key_id = k.id AND s.expires_at IS NULL LIMIT 1) AS hint,
    (SELECT MAX(s.expires_at) FROM api_key_secrets s WHERE s.key_id = k.id AND s.expires_at > $2) AS previous_expires_at
    FROM api_keys k LEFT JOIN users u ON u.id = k.created_by";

pub struct NewKey<'a> {
    pub id: &'a ApiKeyId,
    pub workspace_id: &'a WorkspaceId,
    pub name: &'a str,
    pub scopes: &'a str,
    pub created_by: Option<&'a UserId>,
    pub expires_at: Option<Millis>,
}

pub async fn insert(tx: &mut Tx, key: NewKey<'_>) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, name, scopes, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(key.id)
    .bind(key.workspace_id)
    .bind(key.name)
    .bind(key.scopes)
    .bind(key.created_by)
    .bind(now_ms())
    .bind(key.expires_at)
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_secret(
    tx: &mut Tx,
    key_id: &ApiKeyId,
    secret_hash: &str,
    hint: &str,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("INSERT INTO api_key_secrets (secret_hash, key_id, hint, created_at) VALUES ($1, $2, $3, $4)")
        .bind(secret_hash)
        .bind(key_id)
        .bind(hint)
        .bind(now_ms())
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives every current secret of a key an end time (rotation); earlier-ending ones keep theirs.
pub async fn expire_current_secrets(
    tx: &mut Tx,
    key_id: &ApiKeyId,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE api_key_secrets SET expires_at = $2 WHERE key_id = $1 AND (expires_at IS NULL OR expires_at > $2)")
        .bind(key_id)
        .bind(at)
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn list(db: &Db, workspace_id: &WorkspaceId) -> sqlx::Result<Vec<KeyRow>> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} WHERE k.workspace_id = $1 ORDER BY k.revoked_at IS NOT NULL, k.id DESC"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(workspace_id).bind(now_ms()).fetch_all(pool).await)
}

pub async fn get(
    db: &Db,
    workspace_id: &WorkspaceId,
    id: &ApiKeyId,
) -> sqlx::Result<Option<KeyRow>> {
    let sql = format!("SELECT {KEY_COLUMNS} WHERE k.workspace_id = $1 AND k.id = $3");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(workspace_id).bind(now_ms()).bind(id).fetch_optional(pool).await)
}

pub async fn get_in(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &ApiKeyId,
) -> sqlx::Result<Option<KeyRow>> {
    let sql = format!("SELECT {KEY_COLUMNS} WHERE k.workspace_id = $1 AND k.id = $3");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(workspace_id).bind(now_ms()).bind(id).fetch_optional(conn).await)
}

pub async fn revoke(tx: &mut Tx, workspace_id: &WorkspaceId, id: &ApiKeyId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(workspace_id)
        .bind(id)
        .bind(now_ms())
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SecretLookup {
    pub key_id: ApiKeyId,
    pub name: String,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub scopes: String,
    pub key_expires_at: Option<Millis>,
    pub secret_expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

pub async fn lookup(db: &Db, secret_hash: &str) -> sqlx::Result<Option<SecretLookup>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT k.id AS key_id, k.name, k.workspace_id, w.name AS workspace_name, k.scopes,
                k.expires_at AS key_expires_at, s.expires_at AS secret_expires_at, k.revoked_at
         FROM api_key_secrets s JOIN api_keys k ON k.id = s.key_id JOIN workspaces w ON w.id = k.workspace_id
         WHERE s.secret_hash = $1",
    )
    .bind(secret_hash)
    .fetch_optional(pool)
    .await)
}

pub async fn touch(db: &Db, id: &ApiKeyId, at: Millis) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1").bind(id).bind(at).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}
