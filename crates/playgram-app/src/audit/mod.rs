//! The audit log: a record of sensitive actions, written in the same transaction as the action.
//!
//! Person-level events (login, failed login, 2FA, password reset) carry no workspace; a workspace's
//! log shows them for its current members, so each workspace a person belongs to sees their
//! security events without the rows being copied.

pub mod api;
pub mod store;
pub mod views;

pub use store::{Entry, record};
