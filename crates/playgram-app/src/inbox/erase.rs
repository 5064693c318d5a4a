//! Erasing a contact (GDPR) erases their conversations too: the threads and their messages, the
//! files they sent or were sent, the inbox events that quote them, and the raw webhook payloads
//! already parsed that name them (a payload not parsed yet is kept: it becomes a message first,
//! and a later erasure removes that). Both erasure modes do this: anonymising keeps the contact
//! row for the counts, not their words.

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::{Tx, on_tx};
use serde_json::Value;

pub async fn contact(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> sqlx::Result<()> {
    let threads: Vec<(String, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, customer_ref FROM conversations WHERE workspace_id = $1 AND contact_id = $2")
        .bind(ws).bind(id).fetch_all(conn).await)?;
    for (conversation, customer) in &threads {
        let contents: Vec<String> = on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT content FROM messages WHERE conversation_id = $1 AND content LIKE '%\"file_id\"%'")
            .bind(conversation).fetch_all(conn).await)?;
        for content in contents {
            let value: Value = serde_json::from_str(&content).unwrap_or_default();
            if let Some(file) = value["file_id"].as_str() {
                on_tx!(tx, conn => sqlx::query("DELETE FROM stored_files WHERE workspace_id = $1 AND id = $2")
                    .bind(ws).bind(file).execute(conn).await.map(drop))?;
            }
        }
        let quoted = format!("%{conversation}%");
        on_tx!(tx, conn => sqlx::query(
            "UPDATE events SET data = '{\"erased\":true}' WHERE workspace_id = $1 AND data LIKE $2")
            .bind(ws).bind(&quoted).execute(conn).await.map(drop))?;
        if customer.len() >= 5 {
            // The id as a JSON string, found in the raw bytes (instr and position both search
            // blobs byte by byte).
            let named = format!("\"{customer}\"").into_bytes();
            let sql = match tx.backend() {
                playgram_core::Backend::Postgres => {
                    "DELETE FROM inbound_payloads WHERE workspace_id = $1 AND state <> 'received' AND position($2 in body) > 0"
                }
                _ => {
                    "DELETE FROM inbound_payloads WHERE workspace_id = $1 AND state <> 'received' AND instr(body, $2) > 0"
                }
            };
            on_tx!(tx, conn => sqlx::query(sql).bind(ws).bind(&named).execute(conn).await.map(drop))?;
        }
        on_tx!(tx, conn => sqlx::query("DELETE FROM conversations WHERE id = $1")
            .bind(conversation).execute(conn).await.map(drop))?;
    }
    Ok(())
}
