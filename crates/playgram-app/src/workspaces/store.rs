//! SQL for workspaces, memberships and invites. Every query about a workspace's data takes its id.

use playgram_core::ids::{InviteId, UserId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

use crate::auth::Role;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct MembershipRow {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub role: String,
}

impl MembershipRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct MemberRow {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub totp_enabled: bool,
    pub joined_at: Millis,
}

impl MemberRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct InviteRow {
    pub id: InviteId,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub email: String,
    pub role: String,
    pub invited_by_email: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub accepted_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

impl InviteRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }

    pub fn status(&self) -> &'static str {
        match (self.accepted_at, self.revoked_at) {
            (Some(_), _) => "accepted",
            (_, Some(_)) => "revoked",
            _ if self.expires_at <= now_ms() => "expired",
            _ => "pending",
        }
    }
}

pub async fn create_workspace(tx: &mut Tx, id: &WorkspaceId, name: &str) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(now_ms())
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn rename_workspace(tx: &mut Tx, id: &WorkspaceId, name: &str) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE workspaces SET name = $2 WHERE id = $1").bind(id).bind(name).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find_workspace_by_name(tx: &mut Tx, name: &str) -> sqlx::Result<Option<WorkspaceId>> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM workspaces WHERE name = $1 ORDER BY id LIMIT 1")
        .bind(name)
        .fetch_optional(conn)
        .await)
}

/// Adds a member, or sets their role if they already are one.
pub async fn upsert_member(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    user_id: &UserId,
    role: Role,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn memberships_of(db: &Db, user_id: &UserId) -> sqlx::Result<Vec<MembershipRow>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT m.workspace_id, w.name AS workspace_name, m.role
         FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = $1 ORDER BY w.name, m.workspace_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await)
}

pub async fn members(db: &Db, workspace_id: &WorkspaceId) -> sqlx::Result<Vec<MemberRow>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.name, m.role, (u.totp_enabled_at IS NOT NULL) AS totp_enabled, m.created_at AS joined_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1 ORDER BY u.name, u.email",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await)
}

/// A member of this workspace, read inside a write transaction (so role checks see committed state).
pub async fn member(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    user_id: &UserId,
) -> sqlx::Result<Option<MemberRow>> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.name, m.role, (u.totp_enabled_at IS NOT NULL) AS totp_enabled, m.created_at AS joined_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1 AND m.user_id = $2",
    )
    .bind(workspace_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await)
}

/// Serialises changes to a workspace's members for the rest of the transaction, so that two
/// concurrent role changes or removals cannot both see "another owner remains". SQLite's
/// `BEGIN IMMEDIATE` already serialises writers; PostgreSQL locks the workspace row.
pub async fn lock_members(tx: &mut Tx, workspace_id: &WorkspaceId) -> sqlx::Result<()> {
    if tx.backend() == playgram_core::Backend::Postgres {
        on_tx!(tx, conn => sqlx::query("SELECT id FROM workspaces WHERE id = $1 FOR UPDATE")
            .bind(workspace_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub async fn count_owners(tx: &mut Tx, workspace_id: &WorkspaceId) -> sqlx::Result<i64> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'")
        .bind(workspace_id)
        .fetch_one(conn)
        .await)
}

pub async fn remove_member(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    user_id: &UserId,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id)
        .bind(user_id)
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    // Their conversations go back to the queue (and to someone available, when automatic).
    crate::inbox::assign::release(tx, workspace_id, user_id).await
}

pub struct NewInvite<'a> {
    pub id: &'a InviteId,
    pub workspace_id: &'a WorkspaceId,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: Option<&'a UserId>,
    pub expires_at: Millis,
}

pub async fn insert_invite(tx: &mut Tx, invite: NewInvite<'_>) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO invites (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(invite.id)
    .bind(invite.workspace_id)
    .bind(invite.email)
    .bind(invite.role.as_str())
    .bind(invite.token_hash)
    .bind(invite.invited_by)
    .bind(now_ms())
    .bind(invite.expires_at)
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

const INVITE_COLUMNS: &str = "i.id, i.workspace_id, w.name AS workspace_name, i.email, i.role, u.email AS invited_by_email,
    i.created_at, i.expires_at, i.accepted_at, i.revoked_at
    FROM invites i JOIN workspaces w ON w.id = i.workspace_id LEFT JOIN users u ON u.id = i.invited_by";

pub async fn list_invites(db: &Db, workspace_id: &WorkspaceId) -> sqlx::Result<Vec<InviteRow>> {
    let sql =
        format!("SELECT {INVITE_COLUMNS} WHERE i.workspace_id = $1 ORDER BY i.id DESC LIMIT 200");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(workspace_id).fetch_all(pool).await)
}

pub async fn invite_by_id(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &InviteId,
) -> sqlx::Result<Option<InviteRow>> {
    let sql = format!("SELECT {INVITE_COLUMNS} WHERE i.workspace_id = $1 AND i.id = $2");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(workspace_id).bind(id).fetch_optional(conn).await)
}

pub async fn invite_by_token(db: &Db, token_hash: &str) -> sqlx::Result<Option<InviteRow>> {
    let sql = format!("SELECT {INVITE_COLUMNS} WHERE i.token_hash = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).fetch_optional(pool).await)
}

/// Marks a pending invite accepted; false if it was no longer pending (used, revoked or expired).
pub async fn mark_invite_accepted(
    tx: &mut Tx,
    id: &InviteId,
    user_id: &UserId,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE invites SET accepted_at = $1, accepted_by = $2
         WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// True when someone with this (lower-cased) address already belongs to the workspace.
pub async fn is_member_email(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    email: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND u.email = $2",
    )
    .bind(workspace_id)
    .bind(email)
    .fetch_optional(conn)
    .await)?;
    Ok(found.is_some())
}

/// The roles of an address's pending invites.
pub async fn pending_roles_for_email(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    email: &str,
) -> sqlx::Result<Vec<Role>> {
    let roles: Vec<String> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT role FROM invites WHERE workspace_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(workspace_id)
    .bind(email)
    .fetch_all(conn)
    .await)?;
    Ok(roles.iter().filter_map(|r| Role::parse(r)).collect())
}

/// Revokes the pending invites of an address (before a fresh one is sent); returns how many.
pub async fn revoke_pending_for_email(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    email: &str,
) -> sqlx::Result<u64> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE invites SET revoked_at = $1
         WHERE workspace_id = $2 AND email = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(workspace_id)
    .bind(email)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn revoke_invite(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &InviteId,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(workspace_id)
    .bind(id)
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
