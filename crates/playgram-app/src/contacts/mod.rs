//! Contacts, the CRM: one record per person across every channel. The inbox, QR codes, bookings
//! and the shop attach what happens to a contact; a person who writes on WhatsApp and on
//! Instagram is one contact with two identities.
//!
//! What lives here:
//! - the contact and its parts: emails, E.164 phones, channel identities (`store.rs`,
//!   `model.rs`, `input.rs`), upsert by identity for the channels (`service::upsert_in`), merge;
//! - tags, typed custom fields, segments (saved filters evaluated in SQL with live counts) and
//!   search (FTS5 on SQLite, tsvector on PostgreSQL, diacritic-insensitive: `fold.rs`);
//! - the timeline and field history (`timeline.rs`), consent (`consent.rs`), GDPR export, erasure
//!   and retention (`gdpr.rs`), bulk actions (`bulk.rs`);
//! - imports (CSV, XLSX) and exports (CSV, JSON, XLSX) as jobs with progress (`imports/`,
//!   `exports/`);
//! - the events (`events.rs`), the REST API (`api/`) and the pages (`views/`).

pub mod api;
pub mod bulk;
pub mod channel;
pub mod consent;
pub mod events;
pub mod exports;
pub mod fields;
pub mod filter;
pub mod filter_text;
pub mod fold;
pub mod gdpr;
pub mod imports;
pub mod input;
pub mod merge;
pub mod model;
pub mod phone;
pub mod query;
pub mod scrub;
pub mod segments;
pub mod service;
pub mod settings;
pub mod store;
pub mod tags;
pub mod timeline;
pub mod views;
