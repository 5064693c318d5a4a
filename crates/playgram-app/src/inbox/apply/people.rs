//! Who is writing: the contact behind a channel identity, found or created, once per batch.

use std::collections::HashMap;

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::sql::Sql;
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, bind_args, on_tx};
use playgram_providers::meta::inbound::Person;

use crate::contacts::channel::Channel;
use crate::contacts::fields::FieldSet;
use crate::contacts::input::Profile;
use crate::contacts::service::{self, Sighting};
use crate::contacts::timeline::By;
use crate::http::Result;

/// The contacts a batch has met, and the latest time each was active.
#[derive(Default)]
pub struct People {
    known: HashMap<(Channel, String), ContactId>,
    /// Identities read ahead: the contact, its name and the identity's username.
    read: HashMap<(Channel, String), (ContactId, String, Option<String>)>,
    pub seen: HashMap<ContactId, Millis>,
    fields: Option<FieldSet>,
}

impl People {
    /// The contact with this identity; created (source: the channel) on first contact. A WhatsApp
    /// contact gets the number as a phone, unless another contact already has it — then that
    /// contact is the person, and gets the identity.
    pub async fn contact(
        &mut self,
        tx: &mut Tx,
        ws: &WorkspaceId,
        channel: Channel,
        person: &Person,
        at: Millis,
    ) -> Result<ContactId> {
        let key = (channel, person.id.clone());
        let id = match self.known.get(&key) {
            Some(id) => id.clone(),
            None => {
                let id = self.resolve(tx, ws, channel, person).await?;
                self.known.insert(key, id.clone());
                id
            }
        };
        let latest = self.seen.entry(id.clone()).or_insert(at);
        *latest = (*latest).max(at);
        Ok(id)
    }

    async fn resolve(
        &mut self,
        tx: &mut Tx,
        ws: &WorkspaceId,
        channel: Channel,
        person: &Person,
    ) -> Result<ContactId> {
        let found = match self.read.remove(&(channel, person.id.clone())) {
            Some(found) => Some(found),
            None => existing(tx, ws, channel, &person.id).await?,
        };
        if let Some((id, name, username)) = found {
            let new_name = name.is_empty() && person.name.is_some();
            let new_username = person.username.is_some() && person.username != username;
            if new_name || new_username {
                self.upsert(tx, ws, channel, person, None).await?;
            }
            return Ok(id);
        }
        let mut phones = None;
        if channel == Channel::Whatsapp {
            let phone = format!("+{}", person.id);
            let owners = crate::contacts::store::owners_of_phones(
                &mut Conn::Tx(tx),
                ws,
                std::slice::from_ref(&phone),
            )
            .await?;
            if let Some((_, owner)) = owners.into_iter().next() {
                link(tx, ws, channel, person, &owner).await?;
                return Ok(owner);
            }
            phones = Some(vec![phone]);
        }
        self.upsert(tx, ws, channel, person, phones).await
    }

    /// Reads the contacts of these identities ahead, in statements of 500.
    pub async fn prefetch(
        &mut self,
        tx: &mut Tx,
        ws: &WorkspaceId,
        channel: Channel,
        ids: &[&str],
    ) -> sqlx::Result<()> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.known.contains_key(&(channel, (*id).to_owned())))
            .collect();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new("");
            let w = sql.arg(ws.as_str());
            let c = sql.arg(channel.as_str());
            let list = sql.list(chunk.iter().copied());
            let text = format!(
                "SELECT i.external_id, c.id, c.name, i.username FROM contact_identities i \
                 JOIN contacts c ON c.id = i.contact_id \
                 WHERE i.workspace_id = {w} AND i.channel = {c} AND i.external_id IN ({list})"
            );
            let rows: Vec<(String, ContactId, String, Option<String>)> = on_tx!(tx, conn => bind_args!(
                sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(conn).await)?;
            for (external, id, name, username) in rows {
                self.read.insert((channel, external), (id, name, username));
            }
        }
        Ok(())
    }

    async fn upsert(
        &mut self,
        tx: &mut Tx,
        ws: &WorkspaceId,
        channel: Channel,
        person: &Person,
        phones: Option<Vec<String>>,
    ) -> Result<ContactId> {
        if self.fields.is_none() {
            let fields = crate::contacts::fields::store::all(&mut Conn::Tx(tx), ws).await?;
            self.fields = Some(fields);
        }
        let sighting = Sighting {
            channel: Some(channel),
            external_id: person.id.clone(),
            username: person.username.clone(),
            profile: Profile {
                name: person.name.clone(),
                phones,
                ..Profile::default()
            },
            source: channel.as_str().to_owned(),
            tags: Vec::new(),
            seen_at: None,
        };
        let fields = self.fields.as_ref().cloned().unwrap_or_default();
        let (id, _) = service::upsert_in(tx, ws, &sighting, &fields, &By::system()).await?;
        Ok(id)
    }
}

/// The contact holding the identity, with its name and the identity's username.
async fn existing(
    tx: &mut Tx,
    ws: &WorkspaceId,
    channel: Channel,
    external_id: &str,
) -> sqlx::Result<Option<(ContactId, String, Option<String>)>> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT c.id, c.name, i.username FROM contact_identities i JOIN contacts c ON c.id = i.contact_id \
         WHERE i.workspace_id = $1 AND i.channel = $2 AND i.external_id = $3")
        .bind(ws).bind(channel.as_str()).bind(external_id).fetch_optional(conn).await)
}

/// Gives an existing contact this identity.
async fn link(
    tx: &mut Tx,
    ws: &WorkspaceId,
    channel: Channel,
    person: &Person,
    contact: &ContactId,
) -> sqlx::Result<()> {
    let row = crate::contacts::model::IdentityRow {
        contact_id: contact.clone(),
        channel: channel.as_str().to_owned(),
        external_id: person.id.clone(),
        username: person.username.clone(),
        created_at: playgram_core::time::now_ms(),
    };
    crate::contacts::store::insert_identity(tx, ws, &row).await?;
    crate::contacts::store::refresh_search(tx, ws, contact).await
}
