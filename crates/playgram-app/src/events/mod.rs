//! Domain events in the app: the catalog of types, the events API and the live stream. The outbox,
//! sequencer and hub are `playgram_core::events`.

pub mod api;
pub mod catalog;
pub mod views;
