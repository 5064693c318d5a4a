//! `/app/api-keys`: the workspace's keys (status, hint, last use, expiry), the create form with
//! scope checkboxes, and rotate / revoke. Creating or rotating redirects to the list, which shows
//! the new secret once from a sealed one-time flash (`auth::flash`): refreshing the page neither
//! shows it again nor repeats the post.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use playgram_core::ids::ApiKeyId;
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::service::{self, CreateInput, WithSecret};
use super::store::{self, KeyRow};
use crate::auth::{Capability, Scope, Scopes};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageQuery, PageResult, Stamp, see_other};
use crate::state::AppState;

pub struct KeyView {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub hint: String,
    pub scopes: Vec<&'static str>,
    pub created: Stamp,
    pub created_by: String,
    pub last_used: Option<Stamp>,
    pub expires: Option<Stamp>,
    /// Until when the previous secret still works, after a rotation.
    pub previous_until: Option<Stamp>,
}

impl From<KeyRow> for KeyView {
    fn from(k: KeyRow) -> Self {
        KeyView {
            status: k.status(),
            scopes: Scopes::from_stored(&k.scopes).names(),
            id: k.id.to_string(),
            name: k.name,
            hint: k.hint.unwrap_or_default(),
            created: Stamp::new(k.created_at),
            created_by: k.created_by_email.unwrap_or_else(|| "an API key".into()),
            last_used: Stamp::maybe(k.last_used_at),
            expires: Stamp::maybe(k.expires_at),
            previous_until: Stamp::maybe(k.previous_expires_at),
        }
    }
}

pub struct ScopeOption {
    pub name: &'static str,
    pub describe: &'static str,
    /// False when the viewer's role lacks what the scope grants (shown disabled, with why).
    pub allowed: bool,
    pub checked: bool,
}

/// A secret just issued, shown once.
pub struct SecretView {
    pub name: String,
    pub secret: String,
    pub rotated: bool,
    pub previous_until: Option<Stamp>,
}

const FLASH_KIND: &str = "api_key_secret";

/// What the create and rotate posts leave for the list page (sealed in `session_flashes`).
#[derive(Serialize, Deserialize)]
struct NewSecret {
    name: String,
    secret: String,
    rotated: bool,
    previous_until: Option<Millis>,
}

impl From<NewSecret> for SecretView {
    fn from(n: NewSecret) -> Self {
        SecretView {
            name: n.name,
            secret: n.secret,
            rotated: n.rotated,
            previous_until: Stamp::maybe(n.previous_until),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys.html")]
pub struct KeysPage {
    pub chrome: Chrome,
    pub keys: Vec<KeyView>,
    pub can_manage: bool,
    pub form: FormState,
    pub name: String,
    pub expires_at: String,
    pub scopes: Vec<ScopeOption>,
    pub secret: Option<SecretView>,
    pub notice: Option<&'static str>,
    pub problem: Option<String>,
}

impl KeysPage {
    async fn load(state: &AppState, chrome: Chrome, checked: &[String]) -> Result<Self, PageError> {
        let principal = chrome.principal()?;
        principal.require(Capability::ReadApiKeys)?;
        let role = principal.granting_role();
        let keys = store::list(&state.db, &principal.workspace_id)
            .await?
            .into_iter()
            .map(KeyView::from)
            .collect();
        let scopes = Scope::ALL
            .into_iter()
            .map(|s| ScopeOption {
                name: s.as_str(),
                describe: s.describe(),
                allowed: s.capabilities().iter().all(|c| role.can(*c)),
                checked: checked.iter().any(|c| c == s.as_str()),
            })
            .collect();
        Ok(KeysPage {
            can_manage: chrome.can(Capability::ManageApiKeys),
            chrome,
            keys,
            form: FormState::new("key"),
            name: String::new(),
            expires_at: String::new(),
            scopes,
            secret: None,
            notice: None,
            problem: None,
        })
    }

    fn respond(self, status: StatusCode) -> PageResult {
        Ok((status, self).into_response())
    }
}

pub async fn list_api_keys(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let default = vec![Scope::WorkspaceRead.as_str().to_owned()];
    let fresh: Option<NewSecret> = chrome.take_once(&state, FLASH_KIND).await?;
    let mut page = KeysPage::load(&state, chrome, &default).await?;
    page.secret = fresh.map(SecretView::from);
    page.notice = match query.done.as_deref() {
        Some("revoked") => Some("The key is revoked. Requests using it are refused from now on."),
        _ => None,
    };
    page.respond(StatusCode::OK)
}

/// `YYYY-MM-DD` from a date input → the end of that day, UTC. Empty → no expiry.
fn parse_expiry(text: &str) -> Result<Option<Millis>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| Some(t.and_utc().timestamp_millis()))
        .ok_or_else(|| AppError::field("expires_at", "Enter a date like 2027-01-31."))
}

/// The create form: `scopes` repeats (one per checked box), which the struct-based form
/// decoder cannot read, so the pairs are read as they come.
pub async fn create_api_key(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (name, expires_text) = (value("name"), value("expires_at"));
    let scopes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.clone())
        .collect();
    let result = match parse_expiry(&expires_text) {
        Ok(expires_at) => {
            let input = CreateInput {
                name: &name,
                scopes: scopes.iter().map(String::as_str).collect(),
                expires_at,
            };
            service::create(&state, chrome.principal()?, input).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(WithSecret { key, secret }) => {
            let new = NewSecret {
                name: key.name,
                secret,
                rotated: false,
                previous_until: None,
            };
            chrome
                .show_once(&state, FLASH_KIND, &new, "/app/api-keys")
                .await
        }
        Err(error) => {
            let status = error.status();
            let mut page = KeysPage::load(&state, chrome, &scopes).await?;
            page.form = FormState::rejected("key", error, &["name", "scopes", "expires_at"])?;
            page.name = name;
            page.expires_at = expires_text;
            page.respond(status)
        }
    }
}

async fn refused(state: &AppState, chrome: Chrome, error: AppError) -> PageResult {
    if matches!(error, AppError::Internal(_)) {
        return Err(error.into());
    }
    let status = error.status();
    let mut page = KeysPage::load(state, chrome, &[]).await?;
    page.problem = Some(error.public_message());
    page.respond(status)
}

pub async fn rotate_api_key(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let id = ApiKeyId::parse(&id).ok_or_else(AppError::not_found)?;
    let result = service::rotate(&state, chrome.principal()?, &id, None).await;
    match result {
        Ok(WithSecret { key, secret }) => {
            let previous_until = key.previous_expires_at;
            let new = NewSecret {
                name: key.name,
                secret,
                rotated: true,
                previous_until,
            };
            chrome
                .show_once(&state, FLASH_KIND, &new, "/app/api-keys")
                .await
        }
        Err(error) => refused(&state, chrome, error).await,
    }
}

pub async fn revoke_api_key(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let id = ApiKeyId::parse(&id).ok_or_else(AppError::not_found)?;
    let result = service::revoke(&state, chrome.principal()?, &id).await;
    match result {
        Ok(()) => Ok(see_other("/app/api-keys?done=revoked")),
        Err(error) => refused(&state, chrome, error).await,
    }
}
