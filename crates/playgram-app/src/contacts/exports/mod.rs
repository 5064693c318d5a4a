//! Exporting contacts: any search, filter or segment as CSV, JSON or XLSX, written by a
//! `contacts.export` job into a file that can be downloaded for `contacts_export_ttl_hours`
//! (24 h by default) and is then deleted. Every export is recorded — who asked, when, for which
//! contacts (the filter, or the segment with its filter at the time) and the purpose they gave
//! (required: exports are how personal data leaves the system, so each one says why) — and every
//! download is counted and audited.
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) get a leading `'`; Playgram's import takes it off again, so an export
//! imports back unchanged. XLSX cells are written as text, never formulas. The CSV starts with a
//! UTF-8 byte order mark so Excel reads accents right.

pub mod api;
pub mod job;
pub mod service;
pub mod store;
pub mod views;
pub mod write;

pub const FORMATS: [&str; 3] = ["csv", "json", "xlsx"];
