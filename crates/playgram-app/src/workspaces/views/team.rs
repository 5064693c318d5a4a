//! `/app/team`: members (change role, remove, leave), the invite form, and pending invites
//! (revoke). What a role cannot do is hidden or explained here; the services enforce it anyway.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use playgram_core::ids::{InviteId, UserId};
use serde::Deserialize;

use crate::auth::{Capability, Role};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageQuery, PageResult, Stamp, see_other};
use crate::state::AppState;
use crate::workspaces::{service, store};

pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub totp_enabled: bool,
    pub joined: Stamp,
    pub is_me: bool,
    /// Roles this viewer may set for this member; empty when they may not change it.
    pub role_options: Vec<Role>,
    pub can_remove: bool,
}

pub struct InviteView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires: Stamp,
}

/// The invite just made, with its link (SMTP may be off, so the link is shown to share by hand).
/// It reaches the team page through a sealed one-time flash after the post redirects.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct CreatedView {
    pub email: String,
    pub accept_url: String,
    pub emailed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub chrome: Chrome,
    pub members: Vec<MemberView>,
    pub invites: Vec<InviteView>,
    pub can_invite: bool,
    pub grantable: Vec<Role>,
    pub all_roles: [Role; 5],
    pub invite_form: FormState,
    pub invite_email: String,
    pub invite_role: String,
    pub created: Option<CreatedView>,
    pub notice: Option<&'static str>,
    /// A refused member or invite action, shown at the top.
    pub problem: Option<String>,
}

impl TeamPage {
    async fn load(state: &AppState, chrome: Chrome) -> Result<TeamPage, PageError> {
        let principal = chrome.principal()?;
        principal.require(Capability::ReadMembers)?;
        let granting = principal.granting_role();
        let me = principal.user_id().cloned();
        let can_manage = chrome.can(Capability::ManageMembers);
        let can_manage_owners = chrome.can(Capability::ManageOwners);
        let rows = store::members(&state.db, &principal.workspace_id).await?;
        // The last owner cannot leave (the service refuses); don't offer it.
        let owners = rows.iter().filter(|m| m.role() == Role::Owner).count();
        let members = rows
            .into_iter()
            .map(|m| {
                let role = m.role();
                let is_me = me.as_ref() == Some(&m.user_id);
                let may_touch = can_manage && !is_me && (role != Role::Owner || can_manage_owners);
                MemberView {
                    role_options: if may_touch {
                        Role::ALL
                            .into_iter()
                            .filter(|r| granting.may_grant(*r))
                            .collect()
                    } else {
                        Vec::new()
                    },
                    can_remove: may_touch || (is_me && (role != Role::Owner || owners > 1)),
                    user_id: m.user_id.to_string(),
                    name: m.name,
                    email: m.email,
                    role,
                    totp_enabled: m.totp_enabled,
                    joined: Stamp::new(m.joined_at),
                    is_me,
                }
            })
            .collect();
        let can_invite = chrome.can(Capability::InviteMembers);
        let invites = if can_invite {
            store::list_invites(&state.db, &principal.workspace_id)
                .await?
                .into_iter()
                .filter(|i| i.status() == "pending")
                .map(|i| InviteView {
                    role: i.role(),
                    id: i.id.to_string(),
                    email: i.email,
                    invited_by: i.invited_by_email.unwrap_or_else(|| "an API key".into()),
                    expires: Stamp::new(i.expires_at),
                })
                .collect()
        } else {
            Vec::new()
        };
        let grantable = Role::ALL
            .into_iter()
            .filter(|r| granting.may_grant(*r))
            .collect();
        Ok(TeamPage {
            chrome,
            members,
            invites,
            can_invite,
            grantable,
            all_roles: Role::ALL,
            invite_form: FormState::new("invite"),
            invite_email: String::new(),
            invite_role: Role::Agent.as_str().to_owned(),
            created: None,
            notice: None,
            problem: None,
        })
    }

    fn respond(self, status: StatusCode) -> PageResult {
        Ok((status, self).into_response())
    }
}

pub async fn show_team(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let created: Option<CreatedView> = chrome.take_once(&state, INVITE_FLASH).await?;
    let mut page = TeamPage::load(&state, chrome).await?;
    page.created = created;
    page.notice = match query.done.as_deref() {
        Some("role") => Some("The role is changed."),
        Some("removed") => Some("The member is removed from this workspace."),
        Some("revoked") => Some("The invite is revoked; its link no longer works."),
        _ => None,
    };
    page.respond(StatusCode::OK)
}

const INVITE_FLASH: &str = "invite_link";

#[derive(Deserialize)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
}

pub async fn create_invite(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(input): PageForm<InviteForm>,
) -> PageResult {
    let result = service::invite(&state, chrome.principal()?, &input.email, &input.role).await;
    match result {
        Ok(created) => {
            let view = CreatedView {
                email: created.invite.email,
                accept_url: created.accept_url,
                emailed: created.emailed,
            };
            chrome
                .show_once(&state, INVITE_FLASH, &view, "/app/team")
                .await
        }
        Err(error) => {
            let mut page = TeamPage::load(&state, chrome).await?;
            let status = error.status();
            page.invite_form = FormState::rejected("invite", error, &["email", "role"])?;
            page.invite_email = input.email;
            page.invite_role = input.role;
            page.respond(status)
        }
    }
}

/// Re-renders the team page with a refused action's message, or the friendly error page.
async fn refused(state: &AppState, chrome: Chrome, error: AppError) -> PageResult {
    if matches!(error, AppError::Internal(_)) {
        return Err(error.into());
    }
    let status = error.status();
    let mut page = TeamPage::load(state, chrome).await?;
    page.problem = Some(error.public_message());
    page.respond(status)
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let id = InviteId::parse(&id).ok_or_else(AppError::not_found)?;
    let result = service::revoke_invite(&state, chrome.principal()?, &id).await;
    match result {
        Ok(()) => Ok(see_other("/app/team?done=revoked")),
        Err(error) => refused(&state, chrome, error).await,
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    pub role: String,
}

pub async fn update_member_role(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(user_id): Path<String>,
    PageForm(input): PageForm<RoleForm>,
) -> PageResult {
    let user_id = UserId::parse(&user_id).ok_or_else(AppError::not_found)?;
    let result = service::change_role(&state, chrome.principal()?, &user_id, &input.role).await;
    match result {
        Ok(()) => Ok(see_other("/app/team?done=role")),
        Err(error) => refused(&state, chrome, error).await,
    }
}

pub async fn remove_member(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(user_id): Path<String>,
) -> PageResult {
    let user_id = UserId::parse(&user_id).ok_or_else(AppError::not_found)?;
    let leaving = chrome.session.user_id == user_id;
    let result = service::remove_member(&state, chrome.principal()?, &user_id).await;
    match result {
        Ok(()) if leaving => Ok(see_other("/app/workspaces?done=left")),
        Ok(()) => Ok(see_other("/app/team?done=removed")),
        Err(error) => refused(&state, chrome, error).await,
    }
}
