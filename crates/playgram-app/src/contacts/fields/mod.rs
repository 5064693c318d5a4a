//! Custom contact fields: typed definitions (text, number, boolean, date, datetime, select,
//! multi-select, url, email, phone) and the values contacts hold for them.
//!
//! Decisions:
//! - A field's `key` (`plan`, `vip_level`) is how the API, imports and segments name it: lower
//!   case, starting with a letter, up to 40 of `a-z 0-9 _`; the profile's own attributes (`name`,
//!   `emails`, …) are not available as keys. The kind cannot change once values exist (they would
//!   stop meaning what they meant); the label, description and options can.
//! - Values are checked against the kind: numbers are finite, booleans `true`/`false` (or, from a
//!   file, yes/no/1/0), dates `YYYY-MM-DD`, datetimes RFC 3339, selects one of the options (matched
//!   without regard to case), multi-selects a list of options (from a file: separated by `,` or
//!   `;`), urls `http(s)`, emails and phones as in the profile. `null` or an empty string clears.
//! - Removing an option that values still use is refused, with how many contacts use it.

pub mod api;
pub mod kind;
pub mod service;
pub mod store;

pub use kind::{FieldKind, StoredValue};
pub use store::FieldRow;

use std::collections::BTreeMap;

use playgram_core::ids::FieldId;

/// The workspace's field definitions, by id and by key, loaded once per request.
#[derive(Clone, Debug, Default)]
pub struct FieldSet {
    pub fields: Vec<FieldRow>,
}

impl FieldSet {
    pub fn by_key(&self, key: &str) -> Option<&FieldRow> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn by_id(&self, id: &FieldId) -> Option<&FieldRow> {
        self.fields.iter().find(|f| &f.id == id)
    }

    /// Stored value rows (field id, text, number) as the API's `fields` object: key → value.
    pub fn to_json(
        &self,
        values: &[(FieldId, String, Option<f64>)],
    ) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for field in &self.fields {
            let rows: Vec<&(FieldId, String, Option<f64>)> =
                values.iter().filter(|(id, _, _)| id == &field.id).collect();
            if rows.is_empty() {
                continue;
            }
            let value = field.kind().to_json(&field.options(), &rows);
            out.insert(field.key.clone(), value);
        }
        out
    }
}
