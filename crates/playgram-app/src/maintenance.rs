//! Background housekeeping run by `--role all|worker` instances: removes expired sessions, used or
//! expired reset links, old login attempts and one-time page messages nobody came back for. (The durable job queue arrives with the jobs issue;
//! this loop is idempotent, so several workers running it at once is harmless.)

use playgram_core::time::now_ms;
use playgram_core::{Db, on_db};
use std::time::Duration;
use tokio::sync::watch;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(300);
/// Login attempts are kept a day, long past any throttle window, for investigating attacks.
const KEEP_LOGIN_ATTEMPTS_MS: i64 = 24 * 3_600_000;

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = sweep(&state.db).await {
            tracing::warn!(error = %error, "maintenance sweep failed; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

pub async fn sweep(db: &Db) -> sqlx::Result<()> {
    let now = now_ms();
    on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
    on_db!(db, pool => sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1 OR used_at IS NOT NULL").bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
    on_db!(db, pool => sqlx::query("DELETE FROM login_attempts WHERE at <= $1").bind(now - KEEP_LOGIN_ATTEMPTS_MS).execute(pool).await.map(|r| r.rows_affected()))?;
    crate::auth::flash::sweep(db).await?;
    Ok(())
}
