//! API keys: named, scoped, optionally expiring credentials that act for one workspace.
//!
//! Decisions:
//! - The secret (`pgk_` + 43 random characters) is shown once; only its SHA-256 is stored, so a lookup
//!   is one indexed equality. Secrets are 256-bit random, so a slow hash would add nothing.
//! - Lookups are cached in memory for `api_key_cache_seconds` (default 5). Revoking or rotating on an
//!   instance clears that instance's cache at once; other instances notice within the cache period.
//! - `last_used_at` is written at most once a minute per key, off the request path.
//! - Rotation issues a new secret and keeps the old one working for an overlap period
//!   (`api_key_rotation_overlap_hours`, or `overlap_hours` in the request), then it stops.
//! - A key belongs to its workspace, not to the person who made it: it keeps working if they leave.
//!   Its scopes cannot exceed the creator's role at creation time.

pub mod api;
pub mod auth;
pub mod service;
pub mod store;
pub mod views;
