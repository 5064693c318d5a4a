//! The channels the public webhook URLs need, cached: every inbound request checks its signature
//! with the channel's app secret, so reading and opening it each time would cost more than the
//! rest of the request. Changes made through this instance drop the entry at once (`forget`);
//! other instances see them within two seconds.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use playgram_core::Db;
use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::seal::Sealer;

use super::{Kind, store};

/// What receiving a webhook needs of its channel.
pub struct HookChannel {
    pub id: ChannelId,
    pub workspace_id: WorkspaceId,
    pub kind: Kind,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
}

#[derive(Clone)]
pub struct Channels {
    db: Db,
    sealer: Sealer,
    cache: Cache<ChannelId, Option<Arc<HookChannel>>>,
}

impl Channels {
    pub fn new(db: Db, sealer: Sealer) -> Channels {
        Channels {
            db,
            sealer,
            cache: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(2))
                .build(),
        }
    }

    /// The channel, or None when there is no such channel.
    pub async fn get(&self, id: &ChannelId) -> sqlx::Result<Option<Arc<HookChannel>>> {
        if let Some(found) = self.cache.get(id) {
            return Ok(found);
        }
        let found = store::by_id(&self.db, id).await?.map(|row| {
            let secrets = row.secrets(&self.sealer);
            Arc::new(HookChannel {
                kind: row.kind(),
                id: row.id,
                workspace_id: row.workspace_id,
                app_secret: secrets.app_secret,
                verify_token: secrets.verify_token,
            })
        });
        self.cache.insert(id.clone(), found.clone());
        Ok(found)
    }

    pub fn forget(&self, id: &ChannelId) {
        self.cache.invalidate(id);
    }
}
