//! Login throttling: failures counted per address and per IP in the database, so the limit holds
//! across every instance of a scaled-out deployment.

use playgram_core::time::now_ms;
use playgram_core::{Db, on_db};

use crate::http::{AppError, Result};
use crate::state::AppState;

/// Refuses with 429 while either the address or the IP has too many recent failures.
pub async fn check(state: &AppState, email: &str, ip: &str) -> Result<()> {
    let window_ms = state.config.login_throttle_minutes * 60_000;
    let since = now_ms() - window_ms;
    let (by_email, oldest_email) = failures(&state.db, "email", email, since).await?;
    let (by_ip, oldest_ip) = failures(&state.db, "ip", ip, since).await?;
    let over_email = by_email >= state.config.login_max_failures_per_account;
    let over_ip = by_ip >= state.config.login_max_failures_per_ip;
    if over_email || over_ip {
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
    Ok(())
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

pub async fn record(db: &Db, email: &str, ip: &str, succeeded: bool) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(ip)
        .bind(succeeded)
        .bind(now_ms())
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    if succeeded {
        on_db!(db, pool => sqlx::query("DELETE FROM login_attempts WHERE email = $1 AND succeeded = FALSE")
            .bind(email)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
