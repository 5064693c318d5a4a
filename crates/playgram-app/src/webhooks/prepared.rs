//! Endpoints ready to send to: secrets opened, custom headers parsed, cached for a second so a
//! burst of deliveries to one endpoint reads and decrypts it once. Changes made through this
//! instance drop the entry at once (`forget`); other instances see them within a second.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use playgram_core::ids::{EndpointId, WorkspaceId};
use playgram_core::time::Millis;

use playgram_core::Db;
use playgram_core::seal::Sealer;

use super::signature::Secret;
use super::store::{self, EndpointRow};

pub struct Prepared {
    pub row: EndpointRow,
    /// The URL parsed (checked when the endpoint was saved).
    pub url: Option<url::Url>,
    pub secret: Option<Secret>,
    /// The previous secret and until when it still signs.
    pub previous: Option<(Secret, Millis)>,
    pub headers: Vec<(String, String)>,
}

impl Prepared {
    fn of(sealer: &Sealer, row: EndpointRow) -> Prepared {
        let previous = row.previous_secret_until.and_then(|until| {
            row.previous_secret(sealer, until - 1)
                .map(|secret| (secret, until))
        });
        Prepared {
            url: url::Url::parse(&row.url).ok(),
            secret: row.secret(sealer),
            previous,
            headers: row.headers(sealer).into_iter().collect(),
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
    db: Db,
    sealer: Sealer,
    cache: Cache<EndpointId, Arc<Prepared>>,
}

impl Endpoints {
    pub fn new(db: Db, sealer: Sealer) -> Endpoints {
        Endpoints {
            db,
            sealer,
            cache: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(1))
                .build(),
        }
    }

    pub async fn get(
        &self,
        workspace_id: &WorkspaceId,
        id: &EndpointId,
    ) -> sqlx::Result<Option<Arc<Prepared>>> {
        if let Some(found) = self.cache.get(id) {
            return Ok(Some(found));
        }
        let Some(row) = store::get(&self.db, workspace_id, id.as_str()).await? else {
            return Ok(None);
        };
        let prepared = Arc::new(Prepared::of(&self.sealer, row));
        self.cache.insert(id.clone(), prepared.clone());
        Ok(Some(prepared))
    }

    pub fn forget(&self, id: &EndpointId) {
        self.cache.invalidate(id);
    }
}
