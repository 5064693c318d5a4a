//! One-time messages carried from a form post to the page it redirects to ("post, redirect, get"),
//! so a refresh or the back button can never repeat the post. Used for secrets shown once (a new
//! API key's secret): the message is sealed at rest, bound to its session, lives ten minutes at most
//! and is deleted by the read that shows it (`DELETE … RETURNING`, atomic on both backends).
//! A session holds one message; each has a kind, and a page takes only its own kind.

use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, on_db};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::AppState;

const LIFETIME_MS: Millis = 10 * 60_000;

fn context(session_hash: &str) -> String {
    format!("session_flashes:{session_hash}")
}

/// Leaves `message` of `kind` for the session's next page, replacing any message not yet shown.
pub async fn put<T: Serialize>(
    state: &AppState,
    session_hash: &str,
    kind: &str,
    message: &T,
) -> anyhow::Result<()> {
    let sealed = state
        .sealer
        .seal(&serde_json::to_vec(message)?, &context(session_hash));
    on_db!(&state.db, pool => sqlx::query(
        "INSERT INTO session_flashes (token_hash, kind, body, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO UPDATE
         SET kind = excluded.kind, body = excluded.body, created_at = excluded.created_at",
    )
    .bind(session_hash)
    .bind(kind)
    .bind(sealed)
    .bind(now_ms())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes the session's message of `kind`, if one is waiting and fresh; it is gone afterwards.
pub async fn take<T: DeserializeOwned>(
    state: &AppState,
    session_hash: &str,
    kind: &str,
) -> anyhow::Result<Option<T>> {
    let row: Option<(String, Millis)> = on_db!(&state.db, pool => sqlx::query_as(
        "DELETE FROM session_flashes WHERE token_hash = $1 AND kind = $2 RETURNING body, created_at",
    )
    .bind(session_hash)
    .bind(kind)
    .fetch_optional(pool)
    .await)?;
    let Some((sealed, _)) = row.filter(|(_, at)| now_ms() - at <= LIFETIME_MS) else {
        return Ok(None);
    };
    let body = state.sealer.open(&sealed, &context(session_hash))?;
    Ok(Some(serde_json::from_slice(&body)?))
}

/// Removes messages nobody came back for (run by the maintenance loop).
pub async fn sweep(db: &Db) -> sqlx::Result<u64> {
    on_db!(db, pool => sqlx::query("DELETE FROM session_flashes WHERE created_at <= $1")
        .bind(now_ms() - LIFETIME_MS)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
}
