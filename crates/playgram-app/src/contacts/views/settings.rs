//! `/app/contacts/settings`: what erasing does, the retention policy and the default country
//! (owners and admins change them; everyone who reads contacts sees them).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::IntoResponse;
use playgram_core::Conn;

use super::{NOTICE_KIND, Notice, tell};
use crate::auth::Capability;
use crate::contacts::api::gdpr::save_settings;
use crate::contacts::settings::{self, ContactSettings, SettingsPatch};
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "contact_settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub settings: ContactSettings,
    pub retention: String,
    pub country: String,
    pub form: FormState,
    pub notice: Option<Notice>,
    pub can_manage: bool,
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    form: FormState,
) -> Result<SettingsPage, PageError> {
    let principal = chrome.principal()?;
    if principal
        .require(Capability::ManageContactSettings)
        .is_err()
    {
        principal.require(Capability::ReadContacts)?;
    }
    let settings = settings::get(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(SettingsPage {
        retention: settings
            .retention_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        country: settings.default_country.clone().unwrap_or_default(),
        settings,
        form,
        notice: None,
        can_manage: chrome.can(Capability::ManageContactSettings),
        chrome,
    })
}

pub async fn show_settings(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = page(&state, chrome, FormState::new("ct-settings")).await?;
    page.notice = notice;
    Ok(page.into_response())
}

pub async fn update_settings(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageContactSettings)?;
    let get = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_owned())
    };
    let retention = get("retention_days").unwrap_or_default();
    let days = if retention.is_empty() {
        Ok(None)
    } else {
        retention.parse::<i64>().map(Some)
    };
    let patch = match days {
        Ok(days) => Ok(SettingsPatch {
            erase_mode: get("erase_mode"),
            retention_days: Some(days),
            default_country: Some(get("default_country").filter(|c| !c.is_empty())),
        }),
        Err(_) => Err(crate::http::AppError::field(
            "retention_days",
            "Give a number of days, or leave it empty to keep contacts.",
        )),
    };
    match async { save_settings(&state, principal, patch?).await }.await {
        Ok(_) => {
            tell(
                &chrome,
                &state,
                true,
                "Contact settings saved.",
                "/app/contacts/settings",
            )
            .await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected(
                "ct-settings",
                error,
                &["erase_mode", "retention_days", "default_country"],
            )?;
            let mut page = page(&state, chrome, form).await?;
            page.retention = retention;
            page.country = get("default_country").unwrap_or_default();
            Ok((status, page).into_response())
        }
    }
}
