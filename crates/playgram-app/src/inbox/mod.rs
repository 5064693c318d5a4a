//! The inbox: channels, the webhooks they receive, conversations and messages.
//!
//! The path of an inbound message:
//! 1. Meta POSTs to `/hooks/{kind}/{channel_id}` ([`hooks`]). The signature is checked over the raw
//!    bytes with the channel's app secret (cached, [`channels::lookup`]).
//! 2. The body goes to the [`ingest`] writer, which commits the bodies of concurrent requests
//!    together with their parse jobs (group commit) before any of them is answered 200.
//! 3. An `inbox.parse` job ([`parse_job`]) parses a batch (`playgram_providers::meta`) and applies
//!    it ([`apply`]): contacts by identity, conversations, messages stored once per provider id,
//!    statuses, reactions, deletions, reads and template statuses.

pub mod agents;
pub mod api_channel;
pub mod apply;
pub mod assign;
pub mod canned;
pub mod channels;
pub mod conversations;
pub mod erase;
pub mod events;
pub mod hooks;
pub mod ingest;
pub mod media;
pub mod parse_job;
pub mod routes;
pub mod send;
pub mod templates;
pub mod views;
pub mod wake;
pub mod website;
