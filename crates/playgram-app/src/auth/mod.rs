//! Authentication and authorisation: roles and capabilities, sessions, and the extractors that turn a
//! request into a [`Principal`].

pub mod capability;
pub mod flash;
pub mod principal;
pub mod session;

pub use capability::{Capability, Role, Scope, Scopes};
pub use principal::{Actor, Caller, Principal, SignedIn};
