//! `ANY /bin/{token}[/{*rest}]`: records whatever request arrives — method, the path after the
//! token, the raw query, every header in order, the body — and answers
//! `200 {"ok":true,"capture_id":"cap_…"}`. Public and cookie-less by design: the token is the
//! only credential (CSRF does not apply to `/bin/`, see `http::csrf`).
//!
//! Order of checks, cheapest first: the token's shape, the bin (404), the bin's rate (429 with
//! `Retry-After`, nothing read or stored), then the body (413 over the server's `max_body_bytes`;
//! bodies over `request_bin_max_body_bytes` are kept cut, marked `truncated`, with the real size).
//! Nothing of the request is echoed back.

use axum::Json;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use playgram_core::ids::CaptureId;
use playgram_core::time::now_ms;
use serde::Serialize;

use super::store::{self, CaptureRow};
use crate::auth::session;
use crate::http::layers::ClientIp;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// A bin keeps its newest captures up to this many; older ones are deleted as new ones arrive.
pub const KEEP_PER_BIN: i64 = 1000;

/// The answer to a captured request.
#[derive(Serialize)]
pub struct CaptureAck {
    pub ok: bool,
    pub capture_id: CaptureId,
}

/// Records one request to a bin.
pub async fn capture_request(State(state): State<AppState>, request: Request) -> Result<Response> {
    let (parts, body) = request.into_parts();
    let (token, path) = split_path(parts.uri.path()).ok_or_else(AppError::not_found)?;
    if !plausible_token(token) {
        return Err(AppError::not_found());
    }
    let bin_id = store::bin_by_token(&state.db, token)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Err(wait) = state.bins.limiter.take(&bin_id) {
        return Err(AppError::too_many(
            "rate_limited",
            "This request bin has had too many requests this minute; nothing was recorded.",
            wait,
        ));
    }
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| crate::http::json::payload_too_large())?;
    let (body_encoding, body, truncated) =
        keep_body(&bytes, state.config.request_bin_max_body_bytes);
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = if name == axum::http::header::COOKIE {
                redact_session(&value)
            } else {
                value.into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    let row = CaptureRow {
        id: CaptureId::new(),
        bin_id: bin_id.clone(),
        method: parts.method.as_str().to_owned(),
        path: path.to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: serde_json::to_string(&headers).map_err(anyhow::Error::from)?,
        body_encoding: body_encoding.to_owned(),
        body,
        body_size: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        truncated,
        remote_addr: parts
            .extensions
            .get::<ClientIp>()
            .map(|ip| ip.0.to_string()),
        received_at: now_ms(),
    };
    save(&state, &row).await?;
    let ack = CaptureAck {
        ok: true,
        capture_id: row.id,
    };
    Ok(Json(ack).into_response())
}

/// Stores a capture and trims its bin in one transaction, then wakes this instance's streams.
async fn save(state: &AppState, row: &CaptureRow) -> Result<()> {
    let mut tx = state.db.begin().await?;
    store::insert_capture(&mut tx, row).await?;
    store::trim(&mut tx, &row.bin_id, KEEP_PER_BIN).await?;
    tx.commit().await?;
    state.bins.notifier.notify(&row.bin_id);
    Ok(())
}

/// `/bin/{token}/a/b` → (`token`, `/a/b`); `/bin/{token}` → (`token`, ``).
fn split_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/bin/")?;
    Some(match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    })
}

/// Tokens are `crypto::random_token()`: URL-safe base64 of 32 bytes. Anything else is not a bin,
/// and is answered without a query.
fn plausible_token(token: &str) -> bool {
    (32..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The body as kept: (`utf8` or `base64`, the text, whether it was cut at `max` bytes). A UTF-8
/// body cut inside a character is cut before that character instead, and stays text.
fn keep_body(bytes: &[u8], max: usize) -> (&'static str, String, bool) {
    let truncated = bytes.len() > max;
    let kept = &bytes[..bytes.len().min(max)];
    match std::str::from_utf8(kept) {
        Ok(text) => ("utf8", text.to_owned(), truncated),
        // Only the cut split a character: the rest is valid text.
        Err(error) if truncated && error.error_len().is_none() => {
            let text = String::from_utf8_lossy(&kept[..error.valid_up_to()]).into_owned();
            ("utf8", text, truncated)
        }
        Err(_) => (
            "base64",
            base64::engine::general_purpose::STANDARD.encode(kept),
            truncated,
        ),
    }
}

/// Playgram's own session cookie is replaced by `[redacted]`: a signed-in person who merely opens
/// a bin's link sends it (SameSite=Lax allows top-level navigations), and whoever reads the bin
/// must not be able to take over their session. Every other cookie is recorded as sent.
fn redact_session(cookie: &str) -> String {
    cookie
        .split(';')
        .map(|pair| match pair.trim_start().split_once('=') {
            Some((name, _)) if name.trim() == session::COOKIE => {
                let lead = &pair[..pair.len() - pair.trim_start().len()];
                format!("{lead}{}=[redacted]", session::COOKIE)
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_token_and_rest() {
        assert_eq!(split_path("/bin/abc"), Some(("abc", "")));
        assert_eq!(split_path("/bin/abc/"), Some(("abc", "/")));
        assert_eq!(split_path("/bin/abc/x/y"), Some(("abc", "/x/y")));
        assert_eq!(split_path("/other"), None);
        assert!(!plausible_token("short"));
        assert!(plausible_token(&playgram_core::crypto::random_token()));
    }

    #[test]
    fn bodies_are_text_or_base64_and_cut_at_the_limit() {
        assert_eq!(keep_body(b"hello", 10), ("utf8", "hello".into(), false));
        assert_eq!(keep_body(b"hello", 3), ("utf8", "hel".into(), true));
        // "é" is two bytes; a cut between them keeps the text before it.
        assert_eq!(keep_body("aé".as_bytes(), 2), ("utf8", "a".into(), true));
        assert_eq!(
            keep_body(&[0xff, 0x00, 0x01], 10),
            ("base64", "/wAB".into(), false)
        );
        assert_eq!(
            keep_body(&[0xff, 0x00, 0x01], 1),
            ("base64", "/w==".into(), true)
        );
    }

    #[test]
    fn the_session_cookie_is_redacted() {
        assert_eq!(
            redact_session("a=1; pg_session=secret; b=2"),
            "a=1; pg_session=[redacted]; b=2"
        );
        assert_eq!(redact_session("theme=dark"), "theme=dark");
    }
}
