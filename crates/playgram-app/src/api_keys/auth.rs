//! Authenticating a request by API key: hash the secret, look it up (cached), check expiry and
//! revocation, note the use.

use axum::http::StatusCode;
use moka::sync::Cache;
use playgram_core::crypto::token_hash;
use playgram_core::ids::{ApiKeyId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::store;
use crate::auth::Scopes;
use crate::http::{AppError, Result};
use crate::state::AppState;

pub const SECRET_PREFIX: &str = "pgk_";

/// What a request authenticated by key may act as.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    pub key_id: ApiKeyId,
    pub name: String,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub scopes: Scopes,
    /// The earlier of the key's expiry and this secret's end of rotation overlap.
    pub expires_at: Option<Millis>,
    pub revoked: bool,
}

/// Cached lookups by secret hash (`None` caches "no such key"), and when each key's use was last saved.
#[derive(Clone)]
pub struct KeyCache {
    lookups: Option<Cache<String, Option<KeyRecord>>>,
    last_saved: Arc<Mutex<HashMap<ApiKeyId, Millis>>>,
}

/// `last_used_at` is written at most this often per key.
const SAVE_USE_EVERY_MS: Millis = 60_000;

impl KeyCache {
    pub fn new(ttl_seconds: u64) -> Self {
        let lookups = (ttl_seconds > 0).then(|| {
            Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(ttl_seconds))
                .build()
        });
        Self {
            lookups,
            last_saved: Arc::default(),
        }
    }

    /// Drops every cached lookup (after a revoke, a rotation or a workspace rename).
    pub fn forget_all(&self) {
        if let Some(cache) = &self.lookups {
            cache.invalidate_all();
        }
    }

    /// True when this key's use should be written now.
    fn due(&self, key_id: &ApiKeyId, now: Millis) -> bool {
        let Ok(mut saved) = self.last_saved.lock() else {
            return false;
        };
        match saved.get(key_id) {
            Some(at) if now - at < SAVE_USE_EVERY_MS => false,
            _ => {
                saved.insert(key_id.clone(), now);
                true
            }
        }
    }
}

fn unauthorized(code: &'static str, message: &str) -> AppError {
    AppError::client(StatusCode::UNAUTHORIZED, code, message)
}

pub async fn authenticate(state: &AppState, secret: &str) -> Result<KeyRecord> {
    if !secret.starts_with(SECRET_PREFIX) || secret.len() > 200 {
        return Err(unauthorized(
            "invalid_api_key",
            "That is not a Playgram API key (they start with `pgk_`).",
        ));
    }
    let hash = token_hash(secret);
    let cached = state.keys.lookups.as_ref().and_then(|c| c.get(&hash));
    let record = match cached {
        Some(record) => record,
        None => {
            let record = store::lookup(&state.db, &hash).await?.map(|row| KeyRecord {
                key_id: row.key_id,
                name: row.name,
                workspace_id: row.workspace_id,
                workspace_name: row.workspace_name,
                scopes: Scopes::from_stored(&row.scopes),
                expires_at: match (row.key_expires_at, row.secret_expires_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
                revoked: row.revoked_at.is_some(),
            });
            if let Some(cache) = &state.keys.lookups {
                cache.insert(hash, record.clone());
            }
            record
        }
    };
    let record =
        record.ok_or_else(|| unauthorized("invalid_api_key", "This API key is not valid."))?;
    if record.revoked {
        return Err(unauthorized(
            "api_key_revoked",
            "This API key has been revoked.",
        ));
    }
    let now = now_ms();
    if record.expires_at.is_some_and(|at| at <= now) {
        return Err(unauthorized("api_key_expired", "This API key has expired."));
    }
    if state.keys.due(&record.key_id, now) {
        let (db, key_id) = (state.db.clone(), record.key_id.clone());
        tokio::spawn(async move {
            if let Err(error) = store::touch(&db, &key_id, now).await {
                tracing::warn!(error = %error, key = %key_id, "could not save API key use");
            }
        });
    }
    Ok(record)
}
