//! SQL for users, recovery codes and password resets.

use playgram_core::ids::UserId;
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<Millis>,
    pub totp_last_step: Option<i64>,
    pub created_at: Millis,
}

impl UserRow {
    pub fn totp_enabled(&self) -> bool {
        self.totp_enabled_at.is_some()
    }
}

const USER_COLUMNS: &str =
    "id, email, name, password_hash, totp_secret, totp_enabled_at, totp_last_step, created_at";

pub async fn insert_user(
    tx: &mut Tx,
    id: &UserId,
    email: &str,
    name: &str,
    password_hash: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id)
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn count_users(tx: &mut Tx) -> sqlx::Result<i64> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await)
}

pub async fn by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(email).fetch_optional(pool).await)
}

pub async fn by_id(db: &Db, id: &UserId) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)
}

pub async fn set_password(tx: &mut Tx, id: &UserId, password_hash: &str) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(password_hash)
        .bind(now_ms())
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_name(db: &Db, id: &UserId, name: &str) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("UPDATE users SET name = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(now_ms())
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a sealed TOTP secret; `enabled_at` stays empty until a first code confirms it.
pub async fn set_totp(
    tx: &mut Tx,
    id: &UserId,
    sealed: Option<&str>,
    enabled_at: Option<Millis>,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_enabled_at = $3, totp_last_step = NULL, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(sealed)
    .bind(enabled_at)
    .bind(now_ms())
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the time step of an accepted code; false if that step (or a later one) was already used.
pub async fn claim_totp_step(db: &Db, id: &UserId, step: i64) -> sqlx::Result<bool> {
    let done = on_db!(db, pool => sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .execute(pool)
    .await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn replace_recovery_codes(
    tx: &mut Tx,
    id: &UserId,
    hashes: &[String],
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id).execute(&mut *conn).await.map(|r| r.rows_affected()))?;
    for hash in hashes {
        on_tx!(tx, conn => sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(hash)
            .execute(conn)
            .await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Uses up a recovery code; false if it is unknown or already used.
pub async fn use_recovery_code(db: &Db, id: &UserId, hash: &str) -> sqlx::Result<bool> {
    let done = on_db!(db, pool => sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(id)
    .bind(hash)
    .bind(now_ms())
    .execute(pool)
    .await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn unused_recovery_codes(db: &Db, id: &UserId) -> sqlx::Result<i64> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(id)
        .fetch_one(pool)
        .await)
}

pub async fn insert_reset(
    tx: &mut Tx,
    token_hash: &str,
    user_id: &UserId,
    expires_at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms())
        .bind(expires_at)
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Uses up a live reset token and returns its user.
pub async fn take_reset(tx: &mut Tx, token_hash: &str) -> sqlx::Result<Option<UserId>> {
    let now = now_ms();
    on_tx!(tx, conn => sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await)
}

pub async fn reset_is_live(db: &Db, token_hash: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether anyone has signed up yet (the first visit goes to sign-up, later ones to login).
pub async fn has_users(db: &Db) -> sqlx::Result<bool> {
    let found: Option<i64> = on_db!(db, pool => sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM users LIMIT 1")
        .fetch_optional(pool)
        .await)?;
    Ok(found.is_some())
}

/// Marks every unused reset link of a user used (after a reset or a password change).
pub async fn retire_resets(tx: &mut Tx, user_id: &UserId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now_ms())
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many reset links were made for a user since `since`.
pub async fn recent_resets(db: &Db, user_id: &UserId, since: Millis) -> sqlx::Result<i64> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2")
        .bind(user_id)
        .bind(since)
        .fetch_one(pool)
        .await)
}
