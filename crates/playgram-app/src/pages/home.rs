//! `/` (send each visitor where they belong) and `/app`, the overview.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;

use super::{Chrome, PageResult, see_other};
use crate::auth::Capability;
use crate::auth::session;
use crate::state::AppState;

/// `/`: the dashboard when signed in, else login — or sign-up while nobody has an account.
pub async fn show_root(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some(token) = session::token_from(&headers)
        && let Some(row) = session::find(&state, &token).await?
        && !row.awaiting_totp
    {
        return Ok(see_other("/app"));
    }
    if crate::accounts::store::has_users(&state.db).await? {
        Ok(see_other("/login"))
    } else {
        Ok(see_other("/signup"))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub chrome: Chrome,
    pub members: usize,
    pub pending_invites: usize,
    /// `None` when the role may not see API keys.
    pub active_keys: Option<usize>,
    pub totp_enabled: bool,
    pub first_name: String,
    /// `None` when the role may not see contacts.
    pub contacts: Option<i64>,
}

pub async fn show_overview(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    // No workspace (the last one left, or removed from it): the workspaces page says what to do.
    if chrome.principal.is_none() {
        return Ok(see_other("/app/workspaces"));
    }
    let principal = chrome.principal()?;
    let workspace = &principal.workspace_id;
    let members = crate::workspaces::store::members(&state.db, workspace)
        .await?
        .len();
    let pending_invites = if chrome.can(Capability::InviteMembers) {
        crate::workspaces::store::list_invites(&state.db, workspace)
            .await?
            .iter()
            .filter(|i| i.status() == "pending")
            .count()
    } else {
        0
    };
    let active_keys = if chrome.can(Capability::ReadApiKeys) {
        let keys = crate::api_keys::store::list(&state.db, workspace).await?;
        Some(keys.iter().filter(|k| k.status() == "active").count())
    } else {
        None
    };
    let contacts = if chrome.can(Capability::ReadContacts) {
        let mut c = playgram_core::Conn::Db(&state.db);
        Some(crate::contacts::query::count(&mut c, workspace, &Default::default()).await?)
    } else {
        None
    };
    let user = crate::accounts::store::by_id(&state.db, &chrome.session.user_id).await?;
    let totp_enabled = user.as_ref().is_some_and(|u| u.totp_enabled());
    let first_name = chrome
        .session
        .name
        .split_whitespace()
        .next()
        .unwrap_or("there")
        .to_owned();
    Ok(OverviewPage {
        chrome,
        members,
        pending_invites,
        active_keys,
        totp_enabled,
        contacts,
        first_name,
    }
    .into_response())
}
