//! Login throttling: failures counted per address and per IP in the database, so the limit holds
//! across every instance of a scaled-out deployment.
//!
//! An attempt is written down as a failure *before* its password is checked, then counted: a burst
//! of parallel guesses cannot all pass a check made while the others are still hashing. An attempt
//! that turns out not to be a failure is taken back ([`Attempt::not_a_failure`]); a successful
//! login clears the address's failures ([`record_success`]).

use playgram_core::time::now_ms;
use playgram_core::{Db, on_db};

use crate::http::{AppError, Result};
use crate::state::AppState;

/// A sign-in attempt already counted as a failure.
#[must_use = "an attempt counts as a failure unless taken back"]
pub struct Attempt {
    id: i64,
}

impl Attempt {
    /// Leaves the attempt counted: it failed.
    pub fn failed(self) {}

    /// Takes the attempt back: it did not fail (a right password waiting for its second factor,
    /// or a reset asked for an existing account).
    pub async fn not_a_failure(self, db: &Db) -> sqlx::Result<()> {
        delete(db, self.id).await
    }
}

/// Counts an attempt for the address and the IP, and refuses with 429 (taking it back) while
/// either has more recent failures than allowed.
pub async fn begin(state: &AppState, email: &str, ip: &str) -> Result<Attempt> {
    let now = now_ms();
    let id: i64 = on_db!(&state.db, pool => sqlx::query_scalar(
        "INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, FALSE, $3) RETURNING id",
    )
    .bind(email)
    .bind(ip)
    .bind(now)
    .fetch_one(pool)
    .await)?;
    let window_ms = state.config.login_throttle_minutes * 60_000;
    let since = now - window_ms;
    let (by_email, oldest_email) = failures(&state.db, "email", email, since).await?;
    let (by_ip, oldest_ip) = failures(&state.db, "ip", ip, since).await?;
    let over_email = by_email > state.config.login_max_failures_per_account;
    let over_ip = by_ip > state.config.login_max_failures_per_ip;
    if over_email || over_ip {
        delete(&state.db, id).await?;
        let oldest = if over_email { oldest_email } else { oldest_ip }.unwrap_or(since);
        let retry_after = ((oldest + window_ms - now_ms()) / 1000).max(1) as u64;
        return Err(AppError::too_many(
            "login_throttled",
            format!(
                "Too many failed sign-ins. Try again in {} minutes, or reset your password.",
                retry_after.div_ceil(60)
            ),
            retry_after,
        ));
    }
    Ok(Attempt { id })
}

async fn failures(
    db: &Db,
    column: &str,
    value: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    // `column` is one of two literals chosen above, never user input.
    let sql = format!(
        "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE {column} = $1 AND at > $2 AND succeeded = FALSE"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(value).bind(since).fetch_one(pool).await)
}

async fn delete(db: &Db, id: i64) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Notes a successful login and clears the address's failures (this attempt's included).
pub async fn record_success(db: &Db, email: &str, ip: &str) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, TRUE, $3)")
        .bind(email)
        .bind(ip)
        .bind(now_ms())
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    on_db!(db, pool => sqlx::query("DELETE FROM login_attempts WHERE email = $1 AND succeeded = FALSE")
        .bind(email)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}
