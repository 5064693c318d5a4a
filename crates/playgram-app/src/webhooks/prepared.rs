//! Endpoints ready to send to: secrets opened, custom headers parsed, cached so a burst of
//! deliveries to one endpoint reads and decrypts it once. Every delivery reads the endpoint's
//! `updated_at` with its message (one query), so a change made anywhere is used at once; the
//! failure streak and the enabled flag come fresh from that same read.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use playgram_core::ids::{EndpointId, WorkspaceId};
use playgram_core::time::Millis;

use super::signature::Secret;
use super::store::{self, EndpointRow};
use crate::state::AppState;

pub struct Prepared {
    pub row: EndpointRow,
    pub secret: Option<Secret>,
    /// The previous secret and until when it still signs.
    pub previous: Option<(Secret, Millis)>,
    pub headers: Vec<(String, String)>,
}

impl Prepared {
    fn of(state: &AppState, row: EndpointRow) -> Prepared {
        let previous = row.previous_secret_until.and_then(|until| {
            row.previous_secret(&state.sealer, until - 1)
                .map(|secret| (secret, until))
        });
        Prepared {
            secret: row.secret(&state.sealer),
            previous,
            headers: row.headers(&state.sealer).into_iter().collect(),
            row,
        }
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one while
    /// its overlap lasts.
    pub fn secrets(&self, now: Millis) -> Vec<&Secret> {
        let mut secrets: Vec<&Secret> = self.secret.iter().collect();
        if let Some((previous, until)) = &self.previous
            && *until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

#[derive(Clone)]
pub struct Endpoints {
    state: AppState,
    cache: Cache<EndpointId, Arc<Prepared>>,
}

impl Endpoints {
    pub fn new(state: &AppState) -> Endpoints {
        Endpoints {
            state: state.clone(),
            cache: Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
        }
    }

    /// The endpoint as of `updated_at` (read again when it changed since it was cached).
    pub async fn get(
        &self,
        workspace_id: &WorkspaceId,
        id: &EndpointId,
        updated_at: Millis,
    ) -> sqlx::Result<Option<Arc<Prepared>>> {
        if let Some(found) = self.cache.get(id)
            && found.row.updated_at == updated_at
        {
            return Ok(Some(found));
        }
        let Some(row) = store::get(&self.state.db, workspace_id, id.as_str()).await? else {
            return Ok(None);
        };
        let prepared = Arc::new(Prepared::of(&self.state, row));
        self.cache.insert(id.clone(), prepared.clone());
        Ok(Some(prepared))
    }

    pub fn forget(&self, id: &EndpointId) {
        self.cache.invalidate(id);
    }
}
