//! Server-side sessions: the cookie holds a random token; the database holds its hash, the user, the
//! current workspace, the CSRF token and both expiries (idle and absolute).
//!
//! A new session (and so a new id) is created at every login, which is what "rotate the id at login"
//! means here: nothing from a pre-login session carries over. Awaiting-2FA sessions are half sessions
//! that only the 2FA prompt accepts.

use axum::http::{HeaderMap, HeaderValue, header};
use playgram_core::crypto::{random_token, token_hash};
use playgram_core::ids::{UserId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

use crate::auth::Role;
use crate::state::AppState;

pub const COOKIE: &str = "pg_session";

/// Sessions seen within this long are not touched again (saves a write per request).
const TOUCH_EVERY_MS: Millis = 60_000;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub workspace_id: Option<WorkspaceId>,
    pub csrf_token: String,
    pub awaiting_totp: bool,
    pub last_seen_at: Millis,
    pub expires_at: Millis,
    pub email: String,
    pub name: String,
    pub role: Option<String>,
    pub workspace_name: Option<String>,
}

impl SessionRow {
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }
}

/// A session just created: the cookie value to hand to the browser.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub max_age_seconds: i64,
}

pub async fn create(
    tx: &mut Tx,
    state: &AppState,
    user_id: &UserId,
    workspace_id: Option<&WorkspaceId>,
    awaiting_totp: bool,
    ip: &str,
    user_agent: &str,
) -> sqlx::Result<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let now = now_ms();
    // A half session waiting for its 2FA code lives ten minutes at most.
    let lifetime_ms = if awaiting_totp {
        10 * 60_000
    } else {
        state.config.session_absolute_hours * 3_600_000
    };
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, workspace_id, csrf_token, awaiting_totp, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(workspace_id)
    .bind(&csrf_token)
    .bind(awaiting_totp)
    .bind(now)
    .bind(now + lifetime_ms)
    .bind(ip)
    .bind(user_agent.chars().take(200).collect::<String>())
    .execute(conn)
    .await.map(|r| r.rows_affected()))?;
    Ok(NewSession {
        token,
        csrf_token,
        max_age_seconds: lifetime_ms / 1000,
    })
}

/// Finds a live session by its cookie token; expired ones are deleted on sight.
pub async fn find(state: &AppState, token: &str) -> sqlx::Result<Option<SessionRow>> {
    let hash = token_hash(token);
    let row: Option<SessionRow> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT s.token_hash, s.user_id, s.workspace_id, s.csrf_token, s.awaiting_totp, s.last_seen_at, s.expires_at,
                u.email, u.name, m.role, w.name AS workspace_name
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
         LEFT JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await)?;
    let Some(row) = row else { return Ok(None) };
    let now = now_ms();
    let idle_ms = state.config.session_idle_minutes * 60_000;
    if now >= row.expires_at || now - row.last_seen_at >= idle_ms {
        delete(&state.db, &hash).await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY_MS {
        on_db!(&state.db, pool => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
    }
    Ok(Some(row))
}

pub async fn delete(db: &Db, token_hash: &str) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a user except, optionally, one (after a password change or reset).
pub async fn delete_all_for_user(
    tx: &mut Tx,
    user_id: &UserId,
    except_hash: Option<&str>,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(except_hash.unwrap_or(""))
        .execute(conn)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_workspace(
    db: &Db,
    token_hash: &str,
    workspace_id: &WorkspaceId,
) -> sqlx::Result<()> {
    on_db!(db, pool => sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE token_hash = $2")
        .bind(workspace_id)
        .bind(token_hash)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The session token from the request's cookies.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure behind https.
pub fn cookie(state: &AppState, session: &NewSession) -> HeaderValue {
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        session.token, session.max_age_seconds
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}
