//! SQL for conversations and their messages.

use playgram_core::ids::{
    ChannelId, ContactId, ConversationId, InboxMessageId, TagId, UserId, WorkspaceId,
};
use playgram_core::sql::{Arg, Sql, insert_many};
use playgram_core::time::Millis;
use playgram_core::{Conn, Db, Tx, bind_args, on_conn, on_db, on_tx};

use super::{ConversationRow, MessageRow};

const CONVERSATION: &str = "id, workspace_id, channel_id, contact_id, customer_ref, status, priority, assignee_id, \
    snoozed_until, last_inbound_at, last_message_at, preview, unread, created_at, updated_at";

const MESSAGE: &str = "num, id, conversation_id, channel_id, direction, kind, text, content, \
    provider_id, reply_to, status, error_code, error, reaction, author_id, sent_at, created_at, updated_at";

pub async fn find(
    tx: &mut Tx,
    channel: &ChannelId,
    contact: &ContactId,
) -> sqlx::Result<Option<ConversationRow>> {
    let sql = format!(
        "SELECT {CONVERSATION} FROM conversations WHERE channel_id = $1 AND contact_id = $2"
    );
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(channel).bind(contact).fetch_optional(conn).await)
}

pub async fn insert(tx: &mut Tx, row: &ConversationRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, priority, \
           last_inbound_at, last_message_at, preview, unread, created_at, updated_at, customer_ref) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.channel_id).bind(&row.contact_id)
        .bind(&row.status).bind(&row.priority).bind(row.last_inbound_at).bind(row.last_message_at)
        .bind(&row.preview).bind(row.unread).bind(row.created_at).bind(row.updated_at)
        .bind(&row.customer_ref).execute(conn).await.map(drop))
}

/// Conversations of a channel with these customers (by the channel's id for them).
pub async fn by_customers(
    tx: &mut Tx,
    channel: &ChannelId,
    customers: &[&str],
) -> sqlx::Result<Vec<ConversationRow>> {
    let mut out = Vec::new();
    for chunk in customers.chunks(500) {
        let mut sql = Sql::new("");
        let c = sql.arg(channel.as_str());
        let list = sql.list(chunk.iter().copied());
        let text = format!(
            "SELECT {CONVERSATION} FROM conversations WHERE channel_id = {c} AND customer_ref IN ({list})"
        );
        let rows: Vec<ConversationRow> = on_tx!(tx, conn => bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(conn).await)?;
        out.extend(rows);
    }
    Ok(out)
}

/// A contact merged into another: its conversations become the other's. Where both had one on
/// the same channel, the messages move into the kept contact's conversation and the other goes.
pub async fn reassign_contact(tx: &mut Tx, from: &ContactId, to: &ContactId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE messages SET conversation_id = (SELECT p.id FROM conversations p \
           WHERE p.contact_id = $2 AND p.channel_id = messages.channel_id) \
         WHERE conversation_id IN (SELECT id FROM conversations WHERE contact_id = $1) \
           AND EXISTS (SELECT 1 FROM conversations p WHERE p.contact_id = $2 AND p.channel_id = messages.channel_id)")
        .bind(from).bind(to).execute(conn).await.map(drop))?;
    on_tx!(tx, conn => sqlx::query(
        "DELETE FROM conversations WHERE contact_id = $1 \
           AND EXISTS (SELECT 1 FROM conversations p WHERE p.contact_id = $2 AND p.channel_id = conversations.channel_id)")
        .bind(from).bind(to).execute(conn).await.map(drop))?;
    on_tx!(tx, conn => sqlx::query("UPDATE conversations SET contact_id = $2 WHERE contact_id = $1")
        .bind(from).bind(to).execute(conn).await.map(drop))
}

/// Placeholder `n` (from 1) of a statement written for `backend` (see `db::placeholders`).
fn slot(backend: playgram_core::Backend, n: usize) -> String {
    playgram_core::db::placeholders(backend, n, 1)
}

/// Writes what a batch of messages changed — activity times, preview, unread count, status —
/// for many conversations in one statement per 300.
pub async fn save_activities(tx: &mut Tx, rows: &[&ConversationRow]) -> sqlx::Result<()> {
    let backend = tx.backend();
    for chunk in rows.chunks(300) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 8);
        for row in chunk {
            let n = args.len();
            values.push(format!(
                "({}, {}, CAST({} AS BIGINT), CAST({} AS BIGINT), CAST({} AS BIGINT), {}, CAST({} AS BIGINT), CAST({} AS BIGINT))",
                slot(backend, n + 1), slot(backend, n + 2), slot(backend, n + 3), slot(backend, n + 4),
                slot(backend, n + 5), slot(backend, n + 6), slot(backend, n + 7), slot(backend, n + 8)
            ));
            args.extend([
                Arg::from(row.id.as_str()),
                Arg::from(row.status.as_str()),
                row.snoozed_until.map_or(Arg::NullInt, Arg::Int),
                row.last_inbound_at.map_or(Arg::NullInt, Arg::Int),
                Arg::Int(row.last_message_at),
                Arg::from(row.preview.as_str()),
                Arg::Int(row.unread),
                Arg::Int(row.updated_at),
            ]);
        }
        let text = format!(
            "UPDATE conversations SET status = v.column2, snoozed_until = v.column3, \
               last_inbound_at = v.column4, last_message_at = v.column5, preview = v.column6, \
               unread = v.column7, updated_at = v.column8 \
             FROM (VALUES {}) AS v WHERE conversations.id = v.column1",
            values.join(", ")
        );
        on_tx!(tx, conn => bind_args!(sqlx::query(sqlx::AssertSqlSafe(text)), args.iter()).execute(conn).await.map(drop))?;
    }
    Ok(())
}

/// Marks contacts seen on a channel (first and last seen), many in one statement per 500.
pub async fn contacts_seen(tx: &mut Tx, seen: &[(&ContactId, Millis)]) -> sqlx::Result<()> {
    let backend = tx.backend();
    for chunk in seen.chunks(500) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 2);
        for (contact, at) in chunk {
            let n = args.len();
            values.push(format!(
                "({}, CAST({} AS BIGINT))",
                slot(backend, n + 1),
                slot(backend, n + 2)
            ));
            args.extend([Arg::from(contact.as_str()), Arg::Int(*at)]);
        }
        let text = format!(
            "UPDATE contacts SET \
               last_seen_at = CASE WHEN contacts.last_seen_at > v.column2 THEN contacts.last_seen_at ELSE v.column2 END, \
               first_seen_at = COALESCE(contacts.first_seen_at, v.column2) \
             FROM (VALUES {}) AS v WHERE contacts.id = v.column1",
            values.join(", ")
        );
        on_tx!(tx, conn => bind_args!(sqlx::query(sqlx::AssertSqlSafe(text)), args.iter()).execute(conn).await.map(drop))?;
    }
    Ok(())
}

/// Which of these provider ids the channel already has.
pub async fn known_provider_ids(
    tx: &mut Tx,
    channel: &ChannelId,
    ids: &[&str],
) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("");
        let c = sql.arg(channel.as_str());
        let list = sql.list(chunk.iter().copied());
        let text = format!(
            "SELECT provider_id FROM messages WHERE channel_id = {c} AND provider_id IN ({list})"
        );
        let found: Vec<String> = on_tx!(tx, conn => bind_args!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(conn).await)?;
        out.extend(found);
    }
    Ok(out)
}

/// A message to store.
pub struct NewMessage {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub direction: &'static str,
    pub kind: String,
    pub text: String,
    pub content: String,
    pub provider_id: Option<String>,
    pub reply_to: Option<String>,
    pub status: &'static str,
    pub author_id: Option<String>,
    pub sent_at: Millis,
    pub now: Millis,
}

/// Inserts messages; one the channel already has (same provider id) is skipped.
pub async fn insert_messages(tx: &mut Tx, messages: &[NewMessage]) -> sqlx::Result<u64> {
    if messages.is_empty() {
        return Ok(0);
    }
    let rows: Vec<Vec<Arg>> = messages
        .iter()
        .map(|m| {
            vec![
                Arg::from(m.id.as_str()),
                Arg::from(m.workspace_id.as_str()),
                Arg::from(m.conversation_id.as_str()),
                Arg::from(m.channel_id.as_str()),
                Arg::from(m.direction),
                Arg::from(m.kind.as_str()),
                Arg::from(m.text.as_str()),
                Arg::from(m.content.as_str()),
                Arg::from(m.provider_id.as_deref()),
                Arg::from(m.reply_to.as_deref()),
                Arg::from(m.status),
                Arg::from(m.author_id.as_deref()),
                Arg::Int(m.sent_at),
                Arg::Int(m.now),
                Arg::Int(m.now),
            ]
        })
        .collect();
    let stored = insert_many(
        tx,
        "messages",
        &[
            "id",
            "workspace_id",
            "conversation_id",
            "channel_id",
            "direction",
            "kind",
            "text",
            "content",
            "provider_id",
            "reply_to",
            "status",
            "author_id",
            "sent_at",
            "created_at",
            "updated_at",
        ],
        &rows,
        "ON CONFLICT (channel_id, provider_id) DO NOTHING",
    )
    .await?;
    // A skipped duplicate cannot reach here: callers drop known provider ids first (and a
    // workspace's webhooks are parsed one batch at a time).
    crate::inbox::events::messages_stored(tx, messages).await?;
    crate::inbox::media::enqueue_for(tx, messages).await?;
    Ok(stored)
}

/// Order of delivery statuses: a late `delivered` never replaces `read`. A status we do not know
/// (Meta adds some, e.g. `played`) ranks below all, so it never replaces a known one.
fn rank(status: &str) -> i64 {
    match status {
        "queued" => 0,
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        _ => -1,
    }
}

/// Applies a delivery status to our message; false when the channel has no such message yet.
pub async fn apply_status(
    tx: &mut Tx,
    channel: &ChannelId,
    provider_id: &str,
    status: &str,
    error: Option<&(String, String)>,
    at: Millis,
) -> sqlx::Result<bool> {
    let found: Option<(InboxMessageId, ConversationId, WorkspaceId, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, conversation_id, workspace_id, status FROM messages WHERE channel_id = $1 AND provider_id = $2")
        .bind(channel).bind(provider_id).fetch_optional(conn).await)?;
    let Some((id, conversation_id, ws, current)) = found else {
        return Ok(false);
    };
    let moves = match status {
        // A failure after delivery would be contradictory; before it, it wins.
        "failed" => rank(&current) < rank("delivered"),
        _ => current != "failed" && current != "deleted" && rank(status) > rank(&current),
    };
    if moves {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE messages SET status = $1, error_code = $2, error = $3, updated_at = $4 \
             WHERE channel_id = $5 AND provider_id = $6")
            .bind(status).bind(error.map(|e| e.0.as_str())).bind(error.map(|e| e.1.as_str()))
            .bind(at).bind(channel).bind(provider_id).execute(conn).await.map(drop))?;
        let data = crate::inbox::events::MessageStatusChanged {
            message_id: id,
            conversation_id,
            status: status.to_owned(),
            error_code: error.map(|e| e.0.clone()),
            error: error.map(|e| e.1.clone()),
        };
        crate::inbox::events::status_changed(tx, &ws, &data).await?;
    }
    Ok(true)
}

/// Keeps a status for a message not stored yet (applied when it is).
pub async fn keep_early_status(
    tx: &mut Tx,
    channel: &ChannelId,
    provider_id: &str,
    status: &str,
    error: Option<&(String, String)>,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO early_statuses (channel_id, provider_id, status, at, error_code, error) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, provider_id, status) DO NOTHING")
        .bind(channel).bind(provider_id).bind(status).bind(at)
        .bind(error.map(|e| e.0.as_str())).bind(error.map(|e| e.1.as_str()))
        .execute(conn).await.map(drop))
}

/// Sets (or with None, removes) the customer's reaction on a message; false when not found.
pub async fn set_reaction(
    tx: &mut Tx,
    channel: &ChannelId,
    target: &str,
    emoji: Option<&str>,
    at: Millis,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "UPDATE messages SET reaction = $1, updated_at = $2 WHERE channel_id = $3 AND provider_id = $4")
        .bind(emoji).bind(at).bind(channel).bind(target).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The customer unsent a message: its content is removed, the row stays as "deleted".
pub async fn mark_deleted(
    tx: &mut Tx,
    channel: &ChannelId,
    target: &str,
    at: Millis,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "UPDATE messages SET status = 'deleted', text = '', content = '{}', reaction = NULL, updated_at = $1 \
         WHERE channel_id = $2 AND provider_id = $3 AND direction = 'in'")
        .bind(at).bind(channel).bind(target).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The customer has seen our messages up to `target` (all of them when None).
pub async fn mark_seen(
    tx: &mut Tx,
    conversation: &ConversationId,
    target: Option<&str>,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE messages SET status = 'read', updated_at = $1 WHERE conversation_id = $2 \
           AND direction = 'out' AND status IN ('sent', 'delivered') \
           AND ($3 IS NULL OR num <= COALESCE((SELECT m.num FROM messages m WHERE m.conversation_id = $2 AND m.provider_id = $3), 0))")
        .bind(at).bind(conversation).bind(target).execute(conn).await.map(drop))
}

/// Records a WhatsApp template's new status (adding the template if the sync has not seen it).
pub async fn save_template_status(
    tx: &mut Tx,
    channel: &ChannelId,
    t: &playgram_providers::meta::inbound::TemplateStatus,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO whatsapp_templates (channel_id, external_id, name, language, category, status, reason, updated_at) \
         VALUES ($1, $2, $3, $4, COALESCE($5, ''), $6, $7, $8) \
         ON CONFLICT (channel_id, external_id) DO UPDATE SET status = excluded.status, \
           reason = excluded.reason, name = excluded.name, language = excluded.language, \
           category = CASE WHEN $5 IS NULL THEN whatsapp_templates.category ELSE excluded.category END, \
           updated_at = excluded.updated_at")
        .bind(channel).bind(&t.external_id).bind(&t.name).bind(&t.language).bind(&t.category)
        .bind(&t.status).bind(&t.reason).bind(at).execute(conn).await.map(drop))
}

/// The filters of the conversation list.
#[derive(Default)]
pub struct Filter {
    pub status: Option<String>,
    pub channel_id: Option<String>,
    pub contact_id: Option<String>,
    pub assignee: Option<Assignee>,
    /// Only with customer messages this person has not read (or, with None, nobody has).
    pub unread: Option<Option<UserId>>,
    /// A tag id or name.
    pub tag: Option<String>,
    /// Words in the contact's name, addresses and identities, or in a message.
    pub q: Option<String>,
    /// Cursor: conversations active before this (last_message_at, id).
    pub before: Option<(Millis, String)>,
    pub limit: i64,
}

pub enum Assignee {
    Nobody,
    User(String),
}

/// Conversations by latest activity first.
pub async fn list(db: &Db, ws: &WorkspaceId, f: &Filter) -> sqlx::Result<Vec<ConversationRow>> {
    let mut sql = Sql::new("");
    let w = sql.arg(ws.as_str());
    let mut text = format!("SELECT {CONVERSATION} FROM conversations WHERE workspace_id = {w}");
    if let Some(status) = &f.status {
        text += &format!(" AND status = {}", sql.arg(status));
    }
    if let Some(channel) = &f.channel_id {
        text += &format!(" AND channel_id = {}", sql.arg(channel));
    }
    if let Some(contact) = &f.contact_id {
        text += &format!(" AND contact_id = {}", sql.arg(contact));
    }
    match &f.assignee {
        Some(Assignee::Nobody) => text += " AND assignee_id IS NULL",
        Some(Assignee::User(user)) => text += &format!(" AND assignee_id = {}", sql.arg(user)),
        None => {}
    }
    match &f.unread {
        Some(Some(user)) => {
            let u = sql.arg(user.as_str());
            text += &format!(
                " AND EXISTS (SELECT 1 FROM messages m LEFT JOIN conversation_reads r \
                   ON r.conversation_id = m.conversation_id AND r.user_id = {u} \
                   WHERE m.conversation_id = conversations.id AND m.direction = 'in' \
                   AND m.num > COALESCE(r.last_read_num, 0))"
            );
        }
        Some(None) => text += " AND unread > 0",
        None => {}
    }
    if let Some(tag) = &f.tag {
        let t = sql.arg(tag);
        let key = sql.arg(crate::contacts::fold::fold(tag));
        text += &format!(
            " AND EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id \
               WHERE ct.conversation_id = conversations.id AND (t.id = {t} OR t.name_key = {key}))"
        );
    }
    if let Some(q) = &f.q {
        let pattern = format!(
            "%{}%",
            playgram_core::sql::escape_like(&crate::contacts::fold::fold(q))
        );
        let p = sql.arg(pattern);
        text += &format!(
            " AND (EXISTS (SELECT 1 FROM contacts c WHERE c.id = conversations.contact_id AND c.search LIKE {p} ESCAPE '\\') \
               OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND LOWER(m.text) LIKE {p} ESCAPE '\\'))"
        );
    }
    if let Some((at, id)) = &f.before {
        let a = sql.arg(*at);
        let i = sql.arg(id);
        text += &format!(" AND (last_message_at < {a} OR (last_message_at = {a} AND id < {i}))");
    }
    text += &format!(
        " ORDER BY last_message_at DESC, id DESC LIMIT {}",
        sql.arg(f.limit)
    );
    on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(pool).await)
}

/// A reply was written: it is the latest activity (the customer's unread count stays).
pub async fn touch_outbound(
    tx: &mut Tx,
    id: &ConversationId,
    preview: &str,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE conversations SET last_message_at = $1, preview = $2, updated_at = $1 WHERE id = $3")
        .bind(at).bind(preview).bind(id).execute(conn).await.map(drop))
}

/// Writes what people change: status, snooze, priority, assignee.
pub async fn save_state(tx: &mut Tx, row: &ConversationRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE conversations SET status = $1, snoozed_until = $2, priority = $3, assignee_id = $4, \
           updated_at = $5 WHERE id = $6")
        .bind(&row.status).bind(row.snoozed_until).bind(&row.priority).bind(&row.assignee_id)
        .bind(row.updated_at).bind(&row.id).execute(conn).await.map(drop))
}

pub async fn message_in(tx: &mut Tx, id: &str) -> sqlx::Result<Option<MessageRow>> {
    let sql = format!("SELECT {MESSAGE} FROM messages WHERE id = $1");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await)
}

/// The person has read the conversation up to its latest message.
pub async fn mark_read_by(
    tx: &mut Tx,
    conversation: &ConversationId,
    user: &UserId,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO conversation_reads (conversation_id, user_id, last_read_num) \
         SELECT $1, $2, COALESCE(MAX(num), 0) FROM messages WHERE conversation_id = $1 \
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_num = excluded.last_read_num")
        .bind(conversation).bind(user).execute(conn).await.map(drop))
}

/// Tags of these conversations: (conversation id, tag id, name, colour).
pub async fn tags_of(
    db: &Db,
    ids: &[&str],
) -> sqlx::Result<Vec<(ConversationId, TagId, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let list = sql.list(ids.iter().copied());
    let text = format!(
        "SELECT ct.conversation_id, t.id, t.name, t.color FROM conversation_tags ct \
         JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id IN ({list}) ORDER BY t.name_key"
    );
    on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(pool).await)
}

/// Customer messages the person has not read, per conversation.
pub async fn unread_by(
    db: &Db,
    ids: &[&str],
    user: &UserId,
) -> sqlx::Result<Vec<(ConversationId, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let u = sql.arg(user.as_str());
    let list = sql.list(ids.iter().copied());
    let text = format!(
        "SELECT m.conversation_id, COUNT(*) FROM messages m \
         LEFT JOIN conversation_reads r ON r.conversation_id = m.conversation_id AND r.user_id = {u} \
         WHERE m.conversation_id IN ({list}) AND m.direction = 'in' AND m.num > COALESCE(r.last_read_num, 0) \
         GROUP BY m.conversation_id"
    );
    on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(pool).await)
}

/// The workspace's conversation, read from the pool or inside a transaction.
pub async fn get(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<ConversationRow>> {
    let sql =
        format!("SELECT {CONVERSATION} FROM conversations WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

/// A conversation's messages, newest first, before the cursor `num`.
pub async fn messages(
    db: &Db,
    conversation: &ConversationId,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {MESSAGE} FROM messages WHERE conversation_id = $1 AND num < $2 ORDER BY num DESC LIMIT $3"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(conversation).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await)
}
