//! Defining custom fields: create, change (label, description, options), delete. Each change is
//! audited; deleting a field deletes its values on every contact.

use playgram_core::Conn;
use playgram_core::ids::FieldId;
use playgram_core::time::now_ms;
use serde::Deserialize;
use serde_json::json;

use super::FieldKind;
use super::store::{self, FieldRow};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::http::{AppError, FieldErrors, Result};
use crate::state::AppState;

/// Keys the profile itself uses: a custom field cannot take them (imports and segments name
/// both in one namespace).
pub const RESERVED_KEYS: [&str; 16] = [
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "emails",
    "phone",
    "phones",
    "avatar_url",
    "locale",
    "timezone",
    "source",
    "tags",
    "identities",
    "created_at",
    "updated_at",
];
pub const MAX_OPTIONS: usize = 200;
pub const MAX_FIELDS: usize = 200;

/// `POST /api/v1/contact-fields`; in a PATCH the fields named change (not `key`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldIn {
    /// How the API, imports and segments name it: `plan`, `vip_level`.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// text, number, boolean, date, datetime, select, multi_select, url, email or phone.
    #[serde(default)]
    pub kind: Option<String>,
    /// The choices of a select or multi_select field.
    #[serde(default)]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

pub fn parse_key(text: &str) -> Result<String, String> {
    let key = text.trim();
    let ok = (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(
            "Use 1 to 40 of a-z, 0-9 and _, starting with a letter (such as plan or vip_level)."
                .into(),
        );
    }
    if RESERVED_KEYS.contains(&key) {
        return Err(format!(
            "`{key}` is a contact attribute already; choose another key."
        ));
    }
    Ok(key.to_owned())
}

/// The key a label suggests (`VIP level` → `vip_level`).
pub fn key_from_label(label: &str) -> String {
    let folded = crate::contacts::fold::words(label).join("_");
    let mut key: String = folded
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key = format!("f_{key}");
        key.truncate(40);
    }
    if RESERVED_KEYS.contains(&key.as_str()) {
        key = format!("custom_{key}");
    }
    key
}

fn parse_options(
    kind: FieldKind,
    options: Option<&Vec<String>>,
    errors: &mut FieldErrors,
) -> Option<String> {
    if !kind.has_options() {
        if options.is_some_and(|o| !o.is_empty()) {
            errors.insert(
                "options",
                "Only select and multi_select fields have options.".into(),
            );
        }
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for option in options.into_iter().flatten() {
        let option = option.split_whitespace().collect::<Vec<_>>().join(" ");
        if option.is_empty() {
            continue;
        }
        if option.chars().count() > 100 || option.contains([',', ';']) {
            errors.insert(
                "options",
                "Each option has at most 100 characters and no commas or semicolons.".into(),
            );
        }
        let key = crate::contacts::fold::fold(&option);
        if !out.iter().any(|o| crate::contacts::fold::fold(o) == key) {
            out.push(option);
        }
    }
    if out.is_empty() {
        errors.insert("options", "Give at least one option.".into());
    }
    if out.len() > MAX_OPTIONS {
        errors.insert("options", format!("Use at most {MAX_OPTIONS} options."));
    }
    serde_json::to_string(&out).ok()
}

fn parse_label(text: &str, errors: &mut FieldErrors) -> String {
    let label = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() || label.chars().count() > 80 {
        errors.insert("label", "Use 1 to 80 characters.".into());
    }
    label
}

/// A new field's definition, every part checked (not stored yet).
pub fn build(ws: &playgram_core::ids::WorkspaceId, input: FieldIn) -> Result<FieldRow> {
    let mut errors = FieldErrors::new();
    let label = parse_label(input.label.as_deref().unwrap_or_default(), &mut errors);
    let key = match input.key.as_deref().filter(|k| !k.trim().is_empty()) {
        Some(k) => parse_key(k)
            .map_err(|m| errors.insert("key", m))
            .unwrap_or_default(),
        None => key_from_label(&label),
    };
    let kind = input.kind.as_deref().and_then(FieldKind::parse);
    if kind.is_none() {
        errors.insert("kind", "Choose text, number, boolean, date, datetime, select, multi_select, url, email or phone.".into());
    }
    let kind = kind.unwrap_or(FieldKind::Text);
    let options = parse_options(kind, input.options.as_ref(), &mut errors);
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > 500 {
        errors.insert("description", "Use at most 500 characters.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let now = now_ms();
    Ok(FieldRow {
        id: FieldId::new(),
        workspace_id: ws.clone(),
        key,
        label,
        kind: kind.as_str().to_owned(),
        options,
        description,
        created_at: now,
        updated_at: now,
    })
}

pub async fn create(state: &AppState, principal: &Principal, input: FieldIn) -> Result<FieldRow> {
    let row = build(&principal.workspace_id, input)?;
    let mut tx = state.db.begin().await?;
    let existing = store::all(&mut Conn::Tx(&mut tx), &row.workspace_id).await?;
    if existing.by_key(&row.key).is_some() {
        return Err(AppError::field(
            "key",
            format!("There is already a field with the key `{}`.", row.key),
        ));
    }
    if existing.fields.len() >= MAX_FIELDS {
        return Err(AppError::conflict(
            "too_many_fields",
            format!("A workspace has at most {MAX_FIELDS} custom fields."),
        ));
    }
    store::insert(&mut tx, &row).await.map_err(|e| {
        if playgram_core::db::is_unique_violation(&e) {
            AppError::field(
                "key",
                format!("There is already a field with the key `{}`.", row.key),
            )
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_field.created")
            .target(&row.id)
            .details(json!({ "key": row.key, "kind": row.kind })),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: FieldIn,
) -> Result<FieldRow> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let mut row = store::get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut errors = FieldErrors::new();
    if let Some(key) = &input.key
        && key.trim() != row.key
    {
        errors.insert(
            "key",
            "A field's key cannot change (integrations name it); create a new field instead."
                .into(),
        );
    }
    if let Some(label) = &input.label {
        row.label = parse_label(label, &mut errors);
    }
    let current = row.kind();
    let kind = match input.kind.as_deref() {
        None => current,
        Some(k) => match FieldKind::parse(k) {
            Some(k) => k,
            None => {
                errors.insert("kind", "Choose one of the kinds.".into());
                current
            }
        },
    };
    if kind != current {
        let used = store::usage(&mut Conn::Tx(&mut tx), ws)
            .await?
            .into_iter()
            .find(|(f, _)| f == &row.id)
            .map_or(0, |(_, n)| n);
        if used > 0 {
            errors.insert("kind", format!("{used} contacts have a value for this field: its kind cannot change. Create a new field instead."));
        }
        row.kind = kind.as_str().to_owned();
    }
    if input.options.is_some() || kind != current {
        let old = row.options();
        // A kind without options drops the old ones unless the request names some.
        let options = input.options.clone().unwrap_or_else(|| {
            if kind.has_options() {
                old.clone()
            } else {
                Vec::new()
            }
        });
        row.options = parse_options(kind, Some(&options), &mut errors);
        for removed in old.iter().filter(|o| !row.options().contains(o)) {
            let n = store::option_usage(&mut tx, &row.id, removed).await?;
            if n > 0 {
                errors.insert("options", format!("{n} contacts have `{removed}`: change their value before removing the option."));
            }
        }
    }
    if let Some(description) = &input.description {
        if description.chars().count() > 500 {
            errors.insert("description", "Use at most 500 characters.".into());
        }
        row.description = description.trim().to_owned();
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    row.updated_at = now_ms();
    store::update(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_field.updated")
            .target(id)
            .details(json!({ "key": row.key })),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<()> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = store::get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    store::delete(&mut tx, ws, &row.id).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_field.deleted")
            .target(id)
            .details(json!({ "key": row.key })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
