//! Applies parsed webhook events to the inbox, one batch of payloads in one transaction: contacts
//! found or created, conversations created or reopened, messages stored once (a provider id the
//! channel already has is skipped, within the batch too), statuses, reactions, deletions and reads
//! applied to the messages they name, template statuses recorded.
//!
//! Nothing is dropped: a status for a message not stored yet is kept for it; a reaction to a
//! message we do not have becomes a message of its own; an event we do not understand flags its
//! payload (kept, listed for the workspace) instead of failing the batch.

pub mod direct;
mod people;

use std::collections::{BTreeMap, HashMap, HashSet};

use playgram_core::Tx;
use playgram_core::ids::{ContactId, ConversationId, InboxMessageId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_providers::meta::inbound::{Event, Message, Person};
use serde_json::json;

use super::channels::ChannelRow;
use super::conversations::store::{self, NewMessage};
use super::conversations::{ConversationRow, preview_of};
use super::events;
use crate::http::Result;
use people::People;

/// One batch's work in progress.
pub struct Batch {
    workspace_id: WorkspaceId,
    people: People,
    conversations: HashMap<ConversationId, Activity>,
    by_contact: HashMap<(String, ContactId), ConversationId>,
    messages: Vec<NewMessage>,
    /// Provider ids stored or queued, per channel: a message with one of them is a duplicate.
    queued: HashSet<(String, String)>,
    now: Millis,
}

/// A conversation and what this batch adds to it.
struct Activity {
    row: ConversationRow,
    changed: bool,
    /// The customer wrote to a resolved or snoozed conversation.
    reopened: bool,
}

impl Batch {
    pub fn new(workspace_id: WorkspaceId) -> Batch {
        Batch {
            workspace_id,
            people: People::default(),
            conversations: HashMap::new(),
            by_contact: HashMap::new(),
            messages: Vec::new(),
            queued: HashSet::new(),
            now: now_ms(),
        }
    }

    /// Marks the message ids among `events` that the channel already has, so they are skipped:
    /// one query for a payload's messages instead of one per message.
    pub async fn skip_known(
        &mut self,
        tx: &mut Tx,
        channel: &ChannelRow,
        events: &[Event],
    ) -> Result<()> {
        let ids: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) | Event::Echo(m) => Some(m.provider_id.as_str()),
                _ => None,
            })
            .collect();
        if !ids.is_empty() {
            for known in store::known_provider_ids(tx, &channel.id, &ids).await? {
                self.queued.insert((channel.id.to_string(), known));
            }
        }
        // The people writing and their conversations, read in a few statements rather than
        // one or two per message.
        let mut people: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) | Event::Echo(m) => Some(m.customer.id.as_str()),
                Event::Seen { customer, .. } | Event::Reaction { customer, .. } => {
                    Some(customer.id.as_str())
                }
                _ => None,
            })
            .collect();
        people.sort_unstable();
        people.dedup();
        let ws = self.workspace_id.clone();
        self.people
            .prefetch(tx, &ws, channel.kind().identity(), &people)
            .await?;
        for row in store::by_customers(tx, &channel.id, &people).await? {
            let key = (channel.id.to_string(), row.contact_id.clone());
            if let std::collections::hash_map::Entry::Vacant(slot) = self.by_contact.entry(key) {
                slot.insert(row.id.clone());
                self.conversations.insert(
                    row.id.clone(),
                    Activity {
                        row,
                        changed: false,
                        reopened: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// Applies one payload's events; returns the notes of what it could not understand.
    pub async fn apply(
        &mut self,
        tx: &mut Tx,
        channel: &ChannelRow,
        events: Vec<Event>,
    ) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        for event in events {
            match event {
                Event::Message(m) => {
                    if let Some(flag) = &m.flag {
                        notes.push(flag.clone());
                    }
                    if m.provider_id.is_empty() || m.provider_id.ends_with(':') {
                        notes.push(format!("a {} message without an id", m.kind));
                        continue;
                    }
                    self.message(tx, channel, m, "in").await?;
                }
                Event::Echo(m) => self.message(tx, channel, m, "out").await?,
                Event::Status(s) => {
                    self.flush_messages(tx).await?;
                    let found = store::apply_status(
                        tx,
                        &channel.id,
                        &s.provider_id,
                        &s.status,
                        s.error.as_ref(),
                        s.at,
                    )
                    .await?;
                    if !found {
                        store::keep_early_status(
                            tx,
                            &channel.id,
                            &s.provider_id,
                            &s.status,
                            s.error.as_ref(),
                            s.at,
                        )
                        .await?;
                    }
                }
                Event::Reaction {
                    customer,
                    target,
                    emoji,
                    at,
                } => {
                    self.flush_messages(tx).await?;
                    let found =
                        store::set_reaction(tx, &channel.id, &target, emoji.as_deref(), at).await?;
                    if !found && emoji.is_some() {
                        let reaction = Message {
                            customer,
                            provider_id: format!("reaction:{target}:{at}"),
                            kind: "reaction".into(),
                            text: emoji.clone().unwrap_or_default(),
                            content: json!({ "reaction": { "emoji": emoji, "message_id": target } }),
                            reply_to: Some(target),
                            at,
                            flag: None,
                        };
                        self.message(tx, channel, reaction, "in").await?;
                    }
                }
                Event::Deleted { target, at, .. } => {
                    self.flush_messages(tx).await?;
                    store::mark_deleted(tx, &channel.id, &target, at).await?;
                }
                Event::Seen {
                    customer,
                    target,
                    at,
                } => {
                    self.flush_messages(tx).await?;
                    // A read receipt from someone we never talked to names no conversation:
                    // it makes no contact.
                    let known = crate::contacts::store::by_identity(
                        &mut playgram_core::Conn::Tx(tx),
                        &self.workspace_id,
                        channel.kind().identity(),
                        &customer.id,
                    )
                    .await?;
                    if known.is_none() {
                        continue;
                    }
                    let contact = self.contact(tx, channel, &customer, at).await?;
                    let key = (channel.id.to_string(), contact.clone());
                    let conversation = match self.by_contact.get(&key) {
                        Some(id) => Some(id.clone()),
                        None => store::find(tx, &channel.id, &contact).await?.map(|r| r.id),
                    };
                    if let Some(id) = conversation {
                        store::mark_seen(tx, &id, target.as_deref(), at).await?;
                    }
                }
                Event::TemplateStatus(t) => {
                    store::save_template_status(tx, &channel.id, &t, self.now).await?;
                }
                Event::Unknown(note) => notes.push(note),
            }
        }
        Ok(notes)
    }

    async fn contact(
        &mut self,
        tx: &mut Tx,
        channel: &ChannelRow,
        person: &Person,
        at: Millis,
    ) -> Result<ContactId> {
        let ws = self.workspace_id.clone();
        self.people
            .contact(tx, &ws, channel.kind().identity(), person, at)
            .await
    }

    /// Queues a message (skipping one the channel already has) and notes its conversation's
    /// activity.
    async fn message(
        &mut self,
        tx: &mut Tx,
        channel: &ChannelRow,
        m: Message,
        direction: &'static str,
    ) -> Result<()> {
        let key = (channel.id.to_string(), m.provider_id.clone());
        if m.provider_id.is_empty() || !self.queued.insert(key) {
            return Ok(());
        }
        let contact = self.contact(tx, channel, &m.customer, m.at).await?;
        let conversation = self
            .conversation(tx, channel, &contact, &m.customer.id, m.at)
            .await?;
        let activity = self
            .conversations
            .get_mut(&conversation)
            .unwrap_or_else(|| unreachable!("conversation() registers what it returns"));
        let row = &mut activity.row;
        activity.changed = true;
        if m.at >= row.last_message_at && m.kind != "reaction" {
            row.last_message_at = m.at;
            row.preview = preview_of(&m.kind, &m.text);
        }
        if direction == "in" {
            row.last_inbound_at = Some(row.last_inbound_at.map_or(m.at, |t| t.max(m.at)));
            if m.kind != "reaction" {
                row.unread += 1;
            }
            if row.status == "resolved" || row.status == "snoozed" {
                row.status = "open".into();
                row.snoozed_until = None;
                activity.reopened = true;
            }
        }
        row.updated_at = self.now;
        self.messages.push(NewMessage {
            id: InboxMessageId::new().to_string(),
            workspace_id: self.workspace_id.clone(),
            conversation_id: conversation,
            channel_id: channel.id.clone(),
            direction,
            kind: m.kind,
            text: m.text,
            content: m.content.to_string(),
            provider_id: Some(m.provider_id),
            reply_to: m.reply_to,
            status: if direction == "in" {
                "received"
            } else {
                "sent"
            },
            author_id: None,
            sent_at: m.at,
            now: self.now,
        });
        Ok(())
    }

    /// The contact's conversation on this channel, created when it has none.
    async fn conversation(
        &mut self,
        tx: &mut Tx,
        channel: &ChannelRow,
        contact: &ContactId,
        customer_ref: &str,
        at: Millis,
    ) -> Result<ConversationId> {
        let key = (channel.id.to_string(), contact.clone());
        if let Some(id) = self.by_contact.get(&key) {
            return Ok(id.clone());
        }
        let row = match store::find(tx, &channel.id, contact).await? {
            Some(row) => row,
            None => {
                let row = ConversationRow {
                    id: ConversationId::new(),
                    workspace_id: self.workspace_id.clone(),
                    channel_id: channel.id.clone(),
                    contact_id: contact.clone(),
                    customer_ref: customer_ref.to_owned(),
                    status: "open".into(),
                    priority: "none".into(),
                    assignee_id: None,
                    snoozed_until: None,
                    last_inbound_at: None,
                    last_message_at: at,
                    preview: String::new(),
                    unread: 0,
                    created_at: self.now,
                    updated_at: self.now,
                };
                store::insert(tx, &row).await?;
                let created = events::ConversationCreated {
                    conversation_id: row.id.clone(),
                    channel_id: row.channel_id.clone(),
                    contact_id: row.contact_id.clone(),
                };
                events::conversation_created(tx, &self.workspace_id, &created).await?;
                row
            }
        };
        let id = row.id.clone();
        self.by_contact.insert(key, id.clone());
        self.conversations.insert(
            id.clone(),
            Activity {
                row,
                changed: false,
                reopened: false,
            },
        );
        Ok(id)
    }

    /// Writes the queued messages (before an event that may name one of them).
    async fn flush_messages(&mut self, tx: &mut Tx) -> Result<()> {
        if !self.messages.is_empty() {
            store::insert_messages(tx, &self.messages).await?;
            self.messages.clear();
        }
        Ok(())
    }

    /// Writes what is still queued: messages, conversation activity, contacts' last seen.
    pub async fn finish(mut self, tx: &mut Tx) -> Result<()> {
        self.flush_messages(tx).await?;
        let changed: Vec<&ConversationRow> = self
            .conversations
            .values()
            .filter(|a| a.changed)
            .map(|a| &a.row)
            .collect();
        store::save_activities(tx, &changed).await?;
        for activity in self.conversations.values().filter(|a| a.reopened) {
            let changes = BTreeMap::from([("status", json!("open"))]);
            events::conversation_updated(tx, &self.workspace_id, &activity.row.id, changes).await?;
        }
        let waiting = changed
            .iter()
            .any(|row| row.assignee_id.is_none() && row.status == "open");
        if waiting {
            super::assign::assign_waiting(tx, &self.workspace_id, self.now).await?;
        }
        let seen: Vec<(&ContactId, Millis)> =
            self.people.seen.iter().map(|(c, at)| (c, *at)).collect();
        store::contacts_seen(tx, &seen).await?;
        Ok(())
    }
}
