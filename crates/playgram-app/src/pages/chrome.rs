//! [`Chrome`]: what every signed-in page needs around its content — who is signed in, the
//! workspace they act in, their other workspaces (the switcher) and the navigation their role may
//! see. Extracting it is also the pages' door: without a full session the visitor is sent to
//! `/login?next=…`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::PageError;
use super::nav::{NAV, NavItem};
use crate::auth::session::SessionRow;
use crate::auth::{Capability, Principal, Role, SignedIn};
use crate::state::AppState;
use crate::workspaces::store::MembershipRow;

pub struct Chrome {
    pub session: SessionRow,
    /// `None` when the person belongs to no workspace any more (they can still create one).
    pub principal: Option<Principal>,
    pub memberships: Vec<MembershipRow>,
    /// The request's path, to mark the current navigation entry.
    pub path: String,
}

pub struct NavGroupView {
    pub label: &'static str,
    pub items: Vec<&'static NavItem>,
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let path = parts.uri.path().to_owned();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| path.clone());
        let session = match SignedIn::from_request_parts(parts, state).await {
            Ok(SignedIn(session)) => session,
            Err(crate::http::AppError::Internal(error)) => {
                return Err(PageError::App(error.into()));
            }
            Err(_) => return Err(PageError::Login { next: here }),
        };
        let principal = match Principal::from_request_parts(parts, state).await {
            Ok(principal) => Some(principal),
            Err(error) if error.code() == "no_workspace" => None,
            Err(error) => return Err(error.into()),
        };
        let memberships =
            crate::workspaces::store::memberships_of(&state.db, &session.user_id).await?;
        Ok(Chrome {
            session,
            principal,
            memberships,
            path,
        })
    }
}

impl Chrome {
    /// Leaves a one-time message of `kind` for the page at `to` and redirects there
    /// (post, redirect, get: a refresh repeats nothing; see `auth::flash`).
    pub async fn show_once<T: serde::Serialize>(
        &self,
        state: &AppState,
        kind: &str,
        message: &T,
        to: &str,
    ) -> super::PageResult {
        crate::auth::flash::put(state, &self.session.token_hash, kind, message)
            .await
            .map_err(crate::http::AppError::Internal)?;
        Ok(super::see_other(to))
    }

    /// Takes the one-time message of `kind` left for this page, if any.
    pub async fn take_once<T: serde::de::DeserializeOwned>(
        &self,
        state: &AppState,
        kind: &str,
    ) -> Result<Option<T>, PageError> {
        crate::auth::flash::take(state, &self.session.token_hash, kind)
            .await
            .map_err(|error| PageError::App(crate::http::AppError::Internal(error)))
    }

    /// The workspace the page acts in, or an error page pointing to "create a workspace".
    pub fn principal(&self) -> Result<&Principal, PageError> {
        self.principal.as_ref().ok_or_else(|| {
            PageError::App(crate::http::AppError::client(
                axum::http::StatusCode::FORBIDDEN,
                "no_workspace",
                "You are not a member of any workspace yet. Create one, or open an invite link.",
            ))
        })
    }

    pub fn role(&self) -> Option<Role> {
        self.principal.as_ref().and_then(|p| p.role)
    }

    pub fn can(&self, capability: Capability) -> bool {
        self.role().is_some_and(|r| r.can(capability))
    }

    pub fn role_name(&self) -> &'static str {
        self.role().map(Role::as_str).unwrap_or("no role")
    }

    pub fn workspace_name(&self) -> &str {
        self.principal
            .as_ref()
            .map(|p| p.workspace_name.as_str())
            .unwrap_or("No workspace")
    }

    pub fn is_current_workspace(&self, membership: &MembershipRow) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.workspace_id == membership.workspace_id)
    }

    /// The navigation this person's role may use.
    pub fn nav(&self) -> Vec<NavGroupView> {
        NAV.iter()
            .map(|group| NavGroupView {
                label: group.label,
                items: group
                    .items
                    .iter()
                    .filter(|item| item.needs.is_none_or(|c| self.can(c)))
                    .collect(),
            })
            .filter(|group| !group.items.is_empty())
            .collect()
    }

    pub fn is_current(&self, href: &str) -> bool {
        self.path == href || (href != "/app" && self.path.starts_with(&format!("{href}/")))
    }

    /// One or two letters for the avatar in the header.
    pub fn initials(&self) -> String {
        let source = if self.session.name.trim().is_empty() {
            &self.session.email
        } else {
            &self.session.name
        };
        source
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }

    pub fn asset_version(&self) -> &'static str {
        super::assets::version()
    }
}

/// The fully signed-in session of this browser, if any (for pages open to everyone, such as an
/// invite link, that change with who is looking).
pub async fn current_session(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> crate::http::Result<Option<SessionRow>> {
    let Some(token) = crate::auth::session::token_from(headers) else {
        return Ok(None);
    };
    Ok(crate::auth::session::find(state, &token)
        .await?
        .filter(|row| !row.awaiting_totp))
}
