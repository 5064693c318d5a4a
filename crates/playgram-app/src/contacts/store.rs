//! SQL for contacts and the parts kept beside them (emails, phones, identities). Every function
//! takes the workspace first or reaches rows through a contact already loaded from it.

use std::collections::HashMap;

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::sql::Sql;
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, bind_args, on_conn, on_tx};
use sqlx::AssertSqlSafe;

use super::channel::Channel;
use super::fold::{self, Searchable};
use super::model::{COLUMNS, Contact, ContactRow, IdentityRow, Parts, TagRef, display_name};

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<ContactRow>> {
    let sql = format!("SELECT {COLUMNS} FROM contacts c WHERE c.workspace_id = $1 AND c.id = $2");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

/// The contact with all its parts.
pub async fn load(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<Contact>> {
    let Some(row) = get(c, ws, id).await? else {
        return Ok(None);
    };
    let mut parts = parts_of(c, std::slice::from_ref(&row.id)).await?;
    let parts = parts.remove(&row.id).unwrap_or_default();
    Ok(Some(Contact { row, parts }))
}

/// Rows to contacts, with their parts (five queries, whatever the number of rows).
pub async fn with_parts(c: &mut Conn<'_>, rows: Vec<ContactRow>) -> sqlx::Result<Vec<Contact>> {
    let ids: Vec<ContactId> = rows.iter().map(|r| r.id.clone()).collect();
    let mut parts = parts_of(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let parts = parts.remove(&row.id).unwrap_or_default();
            Contact { row, parts }
        })
        .collect())
}

/// The parts of several contacts.
pub async fn parts_of(
    c: &mut Conn<'_>,
    ids: &[ContactId],
) -> sqlx::Result<HashMap<ContactId, Parts>> {
    let mut out: HashMap<ContactId, Parts> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("");
        let list = sql.list(chunk.iter().map(|c| c.as_str()));
        let emails: Vec<(ContactId, String)> = fetch(c, &sql, &format!(
            "SELECT contact_id, email FROM contact_emails WHERE contact_id IN ({list}) ORDER BY position, email")).await?;
        let phones: Vec<(ContactId, String)> = fetch(c, &sql, &format!(
            "SELECT contact_id, phone FROM contact_phones WHERE contact_id IN ({list}) ORDER BY position, phone")).await?;
        let identities: Vec<IdentityRow> = fetch(c, &sql, &format!(
            "SELECT contact_id, channel, external_id, username, created_at FROM contact_identities \
             WHERE contact_id IN ({list}) ORDER BY created_at, channel, external_id")).await?;
        let tags: Vec<TagRef> = fetch(c, &sql, &format!(
            "SELECT ct.contact_id, t.id, t.name, t.color FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.contact_id IN ({list}) ORDER BY t.name_key")).await?;
        for (id, email) in emails {
            out.entry(id).or_default().emails.push(email);
        }
        for (id, phone) in phones {
            out.entry(id).or_default().phones.push(phone);
        }
        for identity in identities {
            out.entry(identity.contact_id.clone())
                .or_default()
                .identities
                .push(identity);
        }
        for tag in tags {
            out.entry(tag.contact_id.clone())
                .or_default()
                .tags
                .push(tag);
        }
    }
    for (id, field, text, number) in super::fields::store::values_of(c, ids).await? {
        out.entry(id)
            .or_default()
            .values
            .push((field, text, number));
    }
    Ok(out)
}

async fn fetch<T>(c: &mut Conn<'_>, sql: &Sql, text: &str) -> sqlx::Result<Vec<T>>
where
    T: Send + Unpin,
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    on_conn!(c, conn => bind_args!(sqlx::query_as(AssertSqlSafe(text.to_owned())), &sql.args).fetch_all(conn).await)
}

/// What a new contact row needs besides its parts.
pub struct NewRow<'a> {
    pub row: &'a ContactRow,
    pub parts: &'a Parts,
}

/// The search document and sort key of a contact with these parts.
pub fn search_of(ws: &WorkspaceId, name: &str, parts: &Parts) -> (String, String) {
    let searchable = Searchable {
        name,
        emails: &parts.emails,
        phones: &parts.phones,
        identities: parts
            .identities
            .iter()
            .map(|i| (i.external_id.as_str(), i.username.as_deref()))
            .collect(),
    };
    (
        fold::document(ws, &searchable),
        fold::sort_key(&display_name(name, parts)),
    )
}

pub async fn insert(tx: &mut Tx, new: NewRow<'_>) -> sqlx::Result<()> {
    let row = new.row;
    let (search, name_sort) = search_of(&row.workspace_id, &row.name, new.parts);
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contacts (id, workspace_id, name, avatar_url, locale, timezone, source, name_sort, search, \
           first_seen_at, last_seen_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.name).bind(&row.avatar_url).bind(&row.locale)
        .bind(&row.timezone).bind(&row.source).bind(name_sort).bind(search).bind(row.first_seen_at)
        .bind(row.last_seen_at).bind(row.created_at).bind(row.updated_at)
        .execute(conn).await.map(|_| ()))?;
    set_emails(tx, &row.workspace_id, &row.id, &new.parts.emails).await?;
    set_phones(tx, &row.workspace_id, &row.id, &new.parts.phones).await?;
    for identity in &new.parts.identities {
        insert_identity(tx, &row.workspace_id, identity).await?;
    }
    Ok(())
}

/// Writes the profile columns of `row` (name, avatar, locale, timezone, seen times, updated).
pub async fn update_profile(tx: &mut Tx, row: &ContactRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contacts SET name = $1, avatar_url = $2, locale = $3, timezone = $4, first_seen_at = $5, \
           last_seen_at = $6, updated_at = $7 WHERE workspace_id = $8 AND id = $9")
        .bind(&row.name).bind(&row.avatar_url).bind(&row.locale).bind(&row.timezone)
        .bind(row.first_seen_at).bind(row.last_seen_at).bind(row.updated_at)
        .bind(&row.workspace_id).bind(&row.id)
        .execute(conn).await.map(|_| ()))
}

/// Recomputes the search document and sort key from what is stored now.
pub async fn refresh_search(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> sqlx::Result<()> {
    let mut conn = Conn::Tx(tx);
    let Some(contact) = load(&mut conn, ws, id.as_str()).await? else {
        return Ok(());
    };
    let (search, name_sort) = search_of(ws, &contact.row.name, &contact.parts);
    on_tx!(tx, conn => sqlx::query("UPDATE contacts SET search = $1, name_sort = $2 WHERE id = $3")
        .bind(search).bind(name_sort).bind(id).execute(conn).await.map(|_| ()))
}

pub async fn set_emails(
    tx: &mut Tx,
    ws: &WorkspaceId,
    id: &ContactId,
    emails: &[String],
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM contact_emails WHERE contact_id = $1")
        .bind(id).execute(conn).await.map(|_| ()))?;
    for (position, email) in emails.iter().enumerate() {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contact_emails (workspace_id, email, contact_id, position) VALUES ($1, $2, $3, $4)")
            .bind(ws).bind(email).bind(id).bind(position as i64).execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn set_phones(
    tx: &mut Tx,
    ws: &WorkspaceId,
    id: &ContactId,
    phones: &[String],
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1")
        .bind(id).execute(conn).await.map(|_| ()))?;
    for (position, phone) in phones.iter().enumerate() {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contact_phones (workspace_id, phone, contact_id, position) VALUES ($1, $2, $3, $4)")
            .bind(ws).bind(phone).bind(id).bind(position as i64).execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn insert_identity(
    tx: &mut Tx,
    ws: &WorkspaceId,
    identity: &IdentityRow,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_identities (workspace_id, channel, external_id, contact_id, username, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(ws).bind(&identity.channel).bind(&identity.external_id).bind(&identity.contact_id)
        .bind(&identity.username).bind(identity.created_at)
        .execute(conn).await.map(|_| ()))
}

pub async fn set_username(
    tx: &mut Tx,
    ws: &WorkspaceId,
    channel: Channel,
    external_id: &str,
    username: Option<&str>,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_identities SET username = $1 WHERE workspace_id = $2 AND channel = $3 AND external_id = $4")
        .bind(username).bind(ws).bind(channel.as_str()).bind(external_id)
        .execute(conn).await.map(|_| ()))
}

/// Removes one identity of the contact; false when it has no such identity.
pub async fn delete_identity(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    channel: Channel,
    external_id: &str,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "DELETE FROM contact_identities WHERE workspace_id = $1 AND channel = $2 AND external_id = $3 AND contact_id = $4")
        .bind(ws).bind(channel.as_str()).bind(external_id).bind(contact)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The contact holding this identity.
pub async fn by_identity(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    channel: Channel,
    external_id: &str,
) -> sqlx::Result<Option<ContactId>> {
    on_conn!(c, conn => sqlx::query_scalar(
        "SELECT contact_id FROM contact_identities WHERE workspace_id = $1 AND channel = $2 AND external_id = $3")
        .bind(ws).bind(channel.as_str()).bind(external_id).fetch_optional(conn).await)
}

/// Which of these emails belong to which contacts.
pub async fn owners_of_emails(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    emails: &[String],
) -> sqlx::Result<Vec<(String, ContactId)>> {
    owners(c, ws, "contact_emails", "email", emails).await
}

/// Which of these phones belong to which contacts.
pub async fn owners_of_phones(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    phones: &[String],
) -> sqlx::Result<Vec<(String, ContactId)>> {
    owners(c, ws, "contact_phones", "phone", phones).await
}

async fn owners(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    table: &str,
    column: &str,
    values: &[String],
) -> sqlx::Result<Vec<(String, ContactId)>> {
    let mut out = Vec::new();
    for chunk in values.chunks(500) {
        let mut sql = Sql::new("");
        let w = sql.arg(ws.as_str());
        let list = sql.list(chunk.iter().map(String::as_str));
        let text = format!(
            "SELECT {column}, contact_id FROM {table} WHERE workspace_id = {w} AND {column} IN ({list})"
        );
        out.extend(fetch::<(String, ContactId)>(c, &sql, &text).await?);
    }
    Ok(out)
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query("DELETE FROM contacts WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks the contact seen on a channel now (first and last seen).
pub async fn seen(tx: &mut Tx, id: &ContactId, at: Millis) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contacts SET last_seen_at = CASE WHEN last_seen_at > $1 THEN last_seen_at ELSE $1 END, \
           first_seen_at = COALESCE(first_seen_at, $1) WHERE id = $2")
        .bind(at).bind(id).execute(conn).await.map(|_| ()))
}
