//! The workspace's contact settings: what erasing does (`delete` every row, or `anonymise`: keep
//! the row without personal data so conversations and orders keep their history), the retention
//! policy (erase contacts inactive for N days; off by default), and the default country for phone
//! numbers written without a country code.

use playgram_core::ids::WorkspaceId;
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::{Deserialize, Serialize};

use crate::http::{AppError, FieldErrors};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ContactSettings {
    /// `delete` or `anonymise`.
    pub erase_mode: String,
    /// Contacts inactive this many days are erased by the daily retention job; null: never.
    pub retention_days: Option<i32>,
    /// ISO 3166 alpha-2 (`FR`): the country of phone numbers written without `+`.
    pub default_country: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub updated_at: Option<Millis>,
}

impl Default for ContactSettings {
    fn default() -> Self {
        ContactSettings {
            erase_mode: "delete".into(),
            retention_days: None,
            default_country: None,
            updated_at: None,
        }
    }
}

/// The longest retention period (10 years).
pub const MAX_RETENTION_DAYS: i32 = 3650;

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<ContactSettings> {
    let row: Option<ContactSettings> = on_conn!(c, conn => sqlx::query_as(
        "SELECT erase_mode, retention_days, default_country, updated_at FROM contact_settings WHERE workspace_id = $1")
        .bind(ws).fetch_optional(conn).await)?;
    Ok(row.unwrap_or_default())
}

/// Workspaces with a retention policy, and its days.
pub async fn with_retention(c: &mut Conn<'_>) -> sqlx::Result<Vec<(WorkspaceId, i32)>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT workspace_id, retention_days FROM contact_settings WHERE retention_days IS NOT NULL ORDER BY workspace_id")
        .fetch_all(conn).await)
}

pub async fn save(tx: &mut Tx, ws: &WorkspaceId, s: &ContactSettings) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_settings (workspace_id, erase_mode, retention_days, default_country, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id) DO UPDATE SET erase_mode = $2, \
           retention_days = $3, default_country = $4, updated_at = $5")
        .bind(ws).bind(&s.erase_mode).bind(s.retention_days).bind(&s.default_country).bind(now_ms())
        .execute(conn).await.map(|_| ()))
}

/// `PATCH /api/v1/contact-settings`: the fields named change; `null` turns retention off or
/// clears the default country.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default)]
    pub erase_mode: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub retention_days: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub default_country: Option<Option<String>>,
}

impl SettingsPatch {
    pub fn apply(self, current: ContactSettings) -> Result<ContactSettings, AppError> {
        let mut errors = FieldErrors::new();
        let mut next = current;
        if let Some(mode) = self.erase_mode {
            match mode.trim() {
                "delete" | "anonymise" => next.erase_mode = mode.trim().to_owned(),
                _ => {
                    errors.insert("erase_mode", "Choose delete or anonymise.".into());
                }
            }
        }
        if let Some(days) = self.retention_days {
            match days {
                None => next.retention_days = None,
                Some(d) if (1..=i64::from(MAX_RETENTION_DAYS)).contains(&d) => {
                    next.retention_days = Some(d as i32)
                }
                Some(_) => {
                    errors.insert(
                        "retention_days",
                        format!("Use 1 to {MAX_RETENTION_DAYS} days, or null to keep contacts."),
                    );
                }
            }
        }
        if let Some(country) = self.default_country {
            match country
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
            {
                None => next.default_country = None,
                Some(c) if super::phone::is_country(&c) => next.default_country = Some(c),
                Some(c) => {
                    errors.insert(
                        "default_country",
                        format!("`{c}` is not a two-letter country code such as FR or US."),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(AppError::validation(errors))
        }
    }
}
