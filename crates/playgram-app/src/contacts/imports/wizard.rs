//! The import wizard's mapping form: one target per column (or a new field of a chosen kind), the
//! dedupe rule and the tags, read from the form's pairs into a [`PlanIn`] and shown back as the
//! person left it.

use std::collections::BTreeMap;

use super::plan::{FieldDef, PlanIn, Suggestion};
use super::read::Table;
use crate::contacts::channel::Channel;
use crate::contacts::fields::FieldSet;
use crate::contacts::fields::service::key_from_label;

/// One column of the form.
pub struct ColumnView {
    pub index: usize,
    pub header: String,
    /// Up to three non-empty cells from the first rows.
    pub samples: Vec<String>,
    /// The chosen target ("" skip, "new" a new field, else a target).
    pub target: String,
    /// For "new": the kind.
    pub new_kind: String,
}

/// A choice in the target select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The targets offered, grouped: the profile, identities, consent examples, the fields.
pub fn choices(fields: &FieldSet) -> Vec<(&'static str, Vec<Choice>)> {
    let c = |value: &str, label: &str| Choice {
        value: value.into(),
        label: label.into(),
    };
    let mut identity = Vec::new();
    for channel in Channel::IDENTITY {
        identity.push(c(
            &format!("identity:{channel}"),
            &format!("{} {}", channel.label(), channel.id_name()),
        ));
    }
    identity.push(c("username:instagram", "Instagram username"));
    let mut consent = Vec::new();
    for channel in [Channel::Email, Channel::Whatsapp, Channel::Sms] {
        consent.push(c(
            &format!("consent:{channel}:marketing"),
            &format!("Marketing consent on {} (yes/no)", channel.label()),
        ));
    }
    consent.push(c(
        "consent:email:newsletter",
        "Newsletter consent by email (yes/no)",
    ));
    let custom: Vec<Choice> = fields
        .fields
        .iter()
        .map(|f| {
            c(
                &format!("field:{}", f.key),
                &format!("{} ({})", f.label, f.kind().label()),
            )
        })
        .collect();
    vec![
        (
            "Profile",
            vec![
                c("name", "Name"),
                c("first_name", "First name"),
                c("last_name", "Last name"),
                c("email", "Email(s)"),
                c("phone", "Phone(s)"),
                c("tags", "Tags"),
                c("locale", "Language"),
                c("timezone", "Time zone"),
                c("avatar_url", "Avatar URL"),
            ],
        ),
        ("Channel identities", identity),
        ("Consent", consent),
        ("Custom fields", custom),
    ]
}

/// The kinds a new field made from a column may have.
pub const NEW_KINDS: [(&str, &str); 10] = [
    ("text", "Text"),
    ("number", "Number"),
    ("boolean", "Yes / no"),
    ("date", "Date"),
    ("datetime", "Date and time"),
    ("select", "One of the column's values"),
    ("multi_select", "Several of the column's values"),
    ("url", "Web address"),
    ("email", "Email"),
    ("phone", "Phone"),
];

/// The form's state, from the suggestions (first visit) or from what was posted.
pub struct Wizard {
    pub columns: Vec<ColumnView>,
    pub match_by: Vec<String>,
    pub on_match: String,
    pub tags: String,
}

impl Wizard {
    pub fn suggested(headers: &[String], table: &Table, suggestions: &[Suggestion]) -> Wizard {
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, header)| {
                let s = suggestions.get(i);
                let (target, new_kind) = match s {
                    Some(s) if !s.target.is_empty() => (s.target.clone(), "text".to_owned()),
                    Some(s) => (
                        "".to_owned(),
                        s.new_field
                            .as_ref()
                            .map_or("text".into(), |f| f.kind.clone()),
                    ),
                    None => ("".to_owned(), "text".to_owned()),
                };
                ColumnView {
                    index: i,
                    header: header.clone(),
                    samples: samples(table, i),
                    target,
                    new_kind,
                }
            })
            .collect();
        Wizard {
            columns,
            match_by: vec!["identity".into(), "email".into(), "phone".into()],
            on_match: "update".into(),
            tags: String::new(),
        }
    }

    pub fn posted(headers: &[String], table: &Table, pairs: &[(String, String)]) -> Wizard {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, header)| ColumnView {
                index: i,
                header: header.clone(),
                samples: samples(table, i),
                target: get(&format!("target.{i}")),
                new_kind: Some(get(&format!("kind.{i}")))
                    .filter(|k| !k.is_empty())
                    .unwrap_or_else(|| "text".into()),
            })
            .collect();
        let match_by = pairs
            .iter()
            .filter(|(k, _)| k == "match_by")
            .map(|(_, v)| v.clone())
            .collect();
        Wizard {
            columns,
            match_by,
            on_match: get("on_match"),
            tags: get("tags"),
        }
    }

    /// The plan this form describes. New fields take the column's header as label; a select made
    /// from a column offers the column's distinct values.
    pub fn plan(&self, table: &Table, fields: &FieldSet) -> PlanIn {
        let mut mapping = BTreeMap::new();
        let mut create_fields = Vec::new();
        for column in &self.columns {
            let target = if column.target == "new" {
                let mut key = key_from_label(&column.header);
                while fields.by_key(&key).is_some()
                    || create_fields.iter().any(|f: &FieldDef| f.key == key)
                {
                    key = format!("{key}_2").chars().take(40).collect();
                }
                let options = if matches!(column.new_kind.as_str(), "select" | "multi_select") {
                    distinct(table, column.index, column.new_kind == "multi_select")
                } else {
                    Vec::new()
                };
                create_fields.push(FieldDef {
                    key: key.clone(),
                    label: column.header.clone(),
                    kind: column.new_kind.clone(),
                    options,
                });
                format!("field:{key}")
            } else {
                column.target.clone()
            };
            mapping.insert(column.header.clone(), target);
        }
        PlanIn {
            mapping,
            create_fields,
            match_by: Some(self.match_by.clone()),
            on_match: Some(self.on_match.clone()).filter(|m| !m.is_empty()),
            tags: self
                .tags
                .split([',', ';'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    pub fn matches_by(&self, way: &str) -> bool {
        self.match_by.iter().any(|m| m == way)
    }
}

fn samples(table: &Table, i: usize) -> Vec<String> {
    table
        .rows
        .iter()
        .filter_map(|r| r.get(i))
        .filter(|c| !c.trim().is_empty())
        .take(3)
        .map(|c| c.chars().take(60).collect())
        .collect()
}

/// The column's distinct values (split at `,` and `;` for a multi-select), at most 200.
fn distinct(table: &Table, i: usize, split: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in &table.rows {
        let Some(cell) = row.get(i) else { continue };
        let parts: Vec<&str> = if split {
            cell.split([',', ';']).collect()
        } else {
            vec![cell.as_str()]
        };
        for part in parts {
            let value = part.trim();
            let key = crate::contacts::fold::fold(value);
            if !value.is_empty()
                && !value.contains([',', ';'])
                && !out.iter().any(|o| crate::contacts::fold::fold(o) == key)
            {
                out.push(value.chars().take(100).collect());
            }
        }
        if out.len() >= 200 {
            break;
        }
    }
    out
}
