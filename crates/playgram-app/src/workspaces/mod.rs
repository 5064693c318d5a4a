//! Workspaces, their members and invitations.
//!
//! Decisions:
//! - An invite is a link carrying a bearer token (7 days, single use). Whoever opens it may join with
//!   the invite's role, signing up first if needed; the invited address is prefilled, not enforced.
//!   The accepting account is recorded and audited.
//! - Only owners may make someone an owner or change an owner; a workspace always keeps one owner.
//! - Anyone signed in may create another workspace and becomes its owner (the switcher lists all).

pub mod api;
pub mod service;
pub mod store;
pub mod views;
