//! Workspace pages: the list of your workspaces (switch, create, rename) and the invite link page
//! (`/invite/{token}`: join when signed in, or create an account by the invite). The team page is
//! in `views/team.rs`.

pub mod team;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use playgram_core::ids::WorkspaceId;
use serde::Deserialize;

use super::service;
use super::store::InviteRow;
use crate::accounts::service::{Origin, SignupInput};
use crate::auth::Capability;
use crate::auth::session::SessionRow;
use crate::http::forms::PageForm;
use crate::http::{AppError, Result};
use crate::pages::chrome::current_session;
use crate::pages::{Chrome, FormState, PageQuery, PageResult, query_escape, safe_next, see_other};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "workspaces.html")]
pub struct WorkspacesPage {
    pub chrome: Chrome,
    pub create_form: FormState,
    pub create_name: String,
    pub rename_form: FormState,
    /// What was typed into a refused rename, shown again instead of the current name.
    pub rename_name: Option<String>,
    pub can_rename: bool,
    pub notice: Option<&'static str>,
}

impl WorkspacesPage {
    fn new(chrome: Chrome) -> WorkspacesPage {
        WorkspacesPage {
            can_rename: chrome.can(Capability::ManageWorkspace),
            chrome,
            create_form: FormState::new("create"),
            create_name: String::new(),
            rename_form: FormState::new("rename"),
            rename_name: None,
            notice: None,
        }
    }
}

pub async fn show_workspaces(chrome: Chrome, Query(query): Query<PageQuery>) -> PageResult {
    let mut page = WorkspacesPage::new(chrome);
    page.notice = match query.done.as_deref() {
        Some("created") => Some("Your new workspace is ready, and you are now working in it."),
        Some("renamed") => Some("The workspace is renamed."),
        Some("left") => Some("You left the workspace."),
        _ => None,
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct NameForm {
    pub name: String,
}

pub async fn create_workspace(
    State(state): State<AppState>,
    origin: Origin,
    chrome: Chrome,
    PageForm(input): PageForm<NameForm>,
) -> PageResult {
    let user_id = chrome.session.user_id.clone();
    match service::create_workspace(&state, &user_id, &input.name, origin.ip).await {
        Ok(id) => {
            service::switch(&state, &user_id, &chrome.session.token_hash, &id).await?;
            Ok(see_other("/app/workspaces?done=created"))
        }
        Err(error) => {
            let status = error.status();
            let mut page = WorkspacesPage::new(chrome);
            page.create_form = FormState::rejected("create", error, &["name"])?;
            page.create_name = input.name;
            Ok((status, page).into_response())
        }
    }
}

pub async fn rename_workspace(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(input): PageForm<NameForm>,
) -> PageResult {
    let result = service::rename_workspace(&state, chrome.principal()?, &input.name).await;
    match result {
        Ok(()) => Ok(see_other("/app/workspaces?done=renamed")),
        Err(error) => {
            let status = error.status();
            let mut page = WorkspacesPage::new(chrome);
            page.rename_form = FormState::rejected("rename", error, &["name"])?;
            page.rename_name = Some(input.name);
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SwitchForm {
    pub workspace_id: String,
    pub next: Option<String>,
}

/// The header's workspace switcher posts here; back to the same page, now in the other workspace.
pub async fn switch_workspace(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(input): PageForm<SwitchForm>,
) -> PageResult {
    let id = WorkspaceId::parse(&input.workspace_id).ok_or_else(AppError::not_found)?;
    service::switch(
        &state,
        &chrome.session.user_id,
        &chrome.session.token_hash,
        &id,
    )
    .await?;
    Ok(see_other(&safe_next(input.next.as_deref())))
}

#[derive(Template, WebTemplate)]
#[template(path = "invite.html")]
pub struct InvitePage {
    pub invite: InviteRow,
    pub token: String,
    /// Who is signed in on this browser, if anyone.
    pub session: Option<SessionRow>,
    pub form: FormState,
    pub name: String,
    pub email: String,
    pub login_href: String,
}

impl InvitePage {
    fn new(invite: InviteRow, token: String, session: Option<SessionRow>) -> InvitePage {
        let login_href = format!("/login?next={}", query_escape(&format!("/invite/{token}")));
        InvitePage {
            email: invite.email.clone(),
            invite,
            token,
            session,
            form: FormState::new("join"),
            name: String::new(),
            login_href,
        }
    }

    pub fn role_description(&self) -> &'static str {
        self.invite.role().describe()
    }
}

async fn load_invite(state: &AppState, token: &str) -> Result<InviteRow> {
    service::pending_invite(state, token).await
}

pub async fn show_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> PageResult {
    let invite = load_invite(&state, &token).await?;
    let session = current_session(&state, &headers).await?;
    Ok(InvitePage::new(invite, token, session).into_response())
}

#[derive(Deserialize, Default)]
pub struct JoinForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Signed in: join the workspace. Signed out: create an account through the invite.
pub async fn accept_invite(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    Path(token): Path<String>,
    PageForm(input): PageForm<JoinForm>,
) -> PageResult {
    let invite = load_invite(&state, &token).await?;
    let session = current_session(&state, &headers).await?;
    let result = match &session {
        Some(row) => service::accept(
            &state,
            &token,
            &row.user_id,
            &row.token_hash,
            origin.ip.clone(),
        )
        .await
        .map(|_| see_other("/app")),
        None => crate::accounts::service::signup(
            &state,
            SignupInput {
                email: &input.email,
                password: &input.password,
                name: &input.name,
                workspace_name: "",
                invite_token: Some(&token),
            },
            &origin,
        )
        .await
        .map(|done| {
            (
                crate::accounts::api::cookie_headers(&state, &done.session),
                see_other("/app"),
            )
                .into_response()
        }),
    };
    match result {
        Ok(response) => Ok(response),
        Err(error) => {
            let status = if error.status() == StatusCode::UNAUTHORIZED {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                error.status()
            };
            let mut page = InvitePage::new(invite, token, session);
            page.form = FormState::rejected("join", error, &["name", "email", "password"])?;
            page.name = input.name;
            if !input.email.is_empty() {
                page.email = input.email;
            }
            Ok((status, page).into_response())
        }
    }
}
