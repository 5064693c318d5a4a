//! Rules for workspaces, members and invites; each action is one transaction with its audit entry.

use playgram_core::crypto::{random_token, token_hash};
use playgram_core::ids::{InviteId, UserId, WorkspaceId};
use playgram_core::mail::Email as Mail;
use playgram_core::time::now_ms;

use super::store::{self, InviteRow, NewInvite};
use crate::accounts::fields::{Email, Name};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal, Role};
use crate::events::catalog;
use crate::http::{AppError, Result};
use crate::state::AppState;

const INVITE_LIFETIME_MS: i64 = 7 * 24 * 3_600_000;

/// A person signed in creates another workspace and becomes its owner.
pub async fn create_workspace(
    state: &AppState,
    user_id: &UserId,
    name: &str,
    ip: String,
) -> Result<WorkspaceId> {
    let name = Name::parse(name, "name")?;
    let id = WorkspaceId::new();
    let mut tx = state.db.begin().await?;
    store::create_workspace(&mut tx, &id, name.as_str()).await?;
    store::upsert_member(&mut tx, &id, user_id, Role::Owner).await?;
    let entry = Entry {
        workspace_id: Some(&id),
        ..Entry::personal(Some(user_id), "workspace.created", ip)
    };
    audit::record(
        &mut tx,
        entry
            .target(&id)
            .details(serde_json::json!({ "name": name.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rename_workspace(state: &AppState, principal: &Principal, name: &str) -> Result<()> {
    principal.require(Capability::ManageWorkspace)?;
    let name = Name::parse(name, "name")?;
    let mut tx = state.db.begin().await?;
    store::rename_workspace(&mut tx, &principal.workspace_id, name.as_str()).await?;
    let entry = Entry::by(principal, "workspace.renamed").target(&principal.workspace_id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "name": name.as_str() })),
    )
    .await?;
    tx.commit().await?;
    state.keys.forget_all();
    Ok(())
}

/// An invite just made, with the link to share (shown to the inviter; also emailed).
pub struct CreatedInvite {
    pub invite: InviteRow,
    pub accept_url: String,
    pub emailed: bool,
}

pub async fn invite(
    state: &AppState,
    principal: &Principal,
    email: &str,
    role: &str,
) -> Result<CreatedInvite> {
    principal.require(Capability::InviteMembers)?;
    let email = Email::parse(email);
    let role = Role::parse(role)
        .ok_or_else(|| AppError::field("role", "Choose owner, admin, manager, agent or viewer."));
    crate::accounts::fields::all_fields([email.as_ref().err(), role.as_ref().err()])?;
    let (email, role) = (email?, role?);
    if !principal.granting_role().may_grant(role) {
        return Err(AppError::forbidden(format!(
            "Your role cannot invite someone as {role}."
        )));
    }
    let id = InviteId::new();
    let token = random_token();
    let mut tx = state.db.begin().await?;
    // Two invites to one address at once must not leave two pending (PostgreSQL; SQLite serialises).
    store::lock_members(&mut tx, &principal.workspace_id).await?;
    if store::is_member_email(&mut tx, &principal.workspace_id, email.as_str()).await? {
        return Err(AppError::validation(
            [(
                "email",
                "This person is already a member of this workspace.".to_owned(),
            )]
            .into(),
        ));
    }
    // Inviting the same address again sends a fresh link and retires the earlier one, so only
    // one pending invite per address exists and the list stays honest.
    let pending =
        store::pending_roles_for_email(&mut tx, &principal.workspace_id, email.as_str()).await?;
    if let Some(role) = pending
        .iter()
        .find(|r| !principal.granting_role().may_grant(**r))
    {
        return Err(AppError::forbidden(format!(
            "This address already has a pending invite as {role}, which your role cannot replace."
        )));
    }
    let replaced =
        store::revoke_pending_for_email(&mut tx, &principal.workspace_id, email.as_str()).await?;
    store::insert_invite(
        &mut tx,
        NewInvite {
            id: &id,
            workspace_id: &principal.workspace_id,
            email: email.as_str(),
            role,
            token_hash: &token_hash(&token),
            invited_by: principal.user_id(),
            expires_at: now_ms() + INVITE_LIFETIME_MS,
        },
    )
    .await?;
    let entry = Entry::by(principal, "member.invited").target(&id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "email": email.as_str(), "role": role, "replaced_invites": replaced })),
    )
    .await?;
    let invite = store::invite_by_id(&mut tx, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let event = catalog::MemberInvited {
        invite_id: id.clone(),
        email: email.as_str().to_owned(),
        role: role.to_string(),
        expires_at: invite.expires_at,
        actor: catalog::ActorRef::of(principal),
    };
    catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
    tx.commit().await?;

    let accept_url = state.link(&format!("/invite/{token}"));
    let mail = Mail {
        to: email.as_str().to_owned(),
        subject: format!(
            "You are invited to {} on Playgram",
            principal.workspace_name
        ),
        body: format!(
            "You have been invited to join the workspace \"{}\" on Playgram as {role}.\n\nAccept the invitation (valid for 7 days):\n{accept_url}\n\nIf you did not expect this, ignore this email.",
            principal.workspace_name
        ),
    };
    let emailed = match state.mailer.send(mail).await {
        Ok(()) => state.mailer.is_configured(),
        Err(error) => {
            tracing::warn!(error = %error, invite = %id, "invite email not sent; the link can be shared by hand");
            false
        }
    };
    Ok(CreatedInvite {
        invite,
        accept_url,
        emailed,
    })
}

pub async fn revoke_invite(state: &AppState, principal: &Principal, id: &InviteId) -> Result<()> {
    principal.require(Capability::InviteMembers)?;
    let mut tx = state.db.begin().await?;
    let invite = store::invite_by_id(&mut tx, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !principal.granting_role().may_grant(invite.role()) {
        return Err(AppError::forbidden(format!(
            "Your role cannot manage invites for the {} role.",
            invite.role()
        )));
    }
    if !store::revoke_invite(&mut tx, &principal.workspace_id, id).await? {
        return Err(AppError::conflict(
            "invite_not_pending",
            format!("This invite is already {}.", invite.status()),
        ));
    }
    audit::record(
        &mut tx,
        Entry::by(principal, "invite.revoked")
            .target(id)
            .details(serde_json::json!({ "email": invite.email })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A pending invite found by the token in its link, or a clear reason it cannot be used.
pub async fn pending_invite(state: &AppState, token: &str) -> Result<InviteRow> {
    let invite = store::invite_by_token(&state.db, &token_hash(token))
        .await?
        .ok_or_else(|| {
            AppError::client(
                axum::http::StatusCode::NOT_FOUND,
                "invite_not_found",
                "This invite link is not valid. Ask for a new one.",
            )
        })?;
    match invite.status() {
        "pending" => Ok(invite),
        status => Err(AppError::client(
            axum::http::StatusCode::GONE,
            "invite_not_pending",
            format!("This invite has been {status}. Ask for a new one."),
        )),
    }
}

/// Joins the invite's workspace inside the caller's transaction (used by sign-up and by accept).
pub async fn accept_in(
    tx: &mut playgram_core::Tx,
    invite: &InviteRow,
    user_id: &UserId,
    ip: String,
) -> Result<()> {
    if !store::mark_invite_accepted(tx, &invite.id, user_id).await? {
        return Err(AppError::client(
            axum::http::StatusCode::GONE,
            "invite_not_pending",
            "This invite was just used, revoked or has expired.",
        ));
    }
    if store::member(tx, &invite.workspace_id, user_id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "already_member",
            "You are already a member of this workspace.",
        ));
    }
    store::upsert_member(tx, &invite.workspace_id, user_id, invite.role()).await?;
    if let Some(member) = store::member(tx, &invite.workspace_id, user_id).await? {
        let event = catalog::MemberJoined {
            user_id: user_id.clone(),
            email: member.email.clone(),
            role: invite.role().to_string(),
            invite_id: invite.id.clone(),
        };
        catalog::emit(tx, &invite.workspace_id, &event).await?;
    }
    let entry = Entry {
        workspace_id: Some(&invite.workspace_id),
        ..Entry::personal(Some(user_id), "member.joined", ip)
    };
    audit::record(
        tx,
        entry
            .target(user_id)
            .details(serde_json::json!({ "role": invite.role(), "invite_id": invite.id })),
    )
    .await?;
    Ok(())
}

/// A signed-in person accepts an invite; their session moves to the new workspace.
pub async fn accept(
    state: &AppState,
    token: &str,
    user_id: &UserId,
    session_hash: &str,
    ip: String,
) -> Result<WorkspaceId> {
    let invite = pending_invite(state, token).await?;
    let mut tx = state.db.begin().await?;
    accept_in(&mut tx, &invite, user_id, ip).await?;
    tx.commit().await?;
    crate::auth::session::set_workspace(&state.db, session_hash, &invite.workspace_id).await?;
    Ok(invite.workspace_id)
}

pub async fn change_role(
    state: &AppState,
    principal: &Principal,
    user_id: &UserId,
    role: &str,
) -> Result<()> {
    principal.require(Capability::ManageMembers)?;
    let role = Role::parse(role)
        .ok_or_else(|| AppError::field("role", "Choose owner, admin, manager, agent or viewer."))?;
    let mut tx = state.db.begin().await?;
    store::lock_members(&mut tx, &principal.workspace_id).await?;
    let member = store::member(&mut tx, &principal.workspace_id, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let current = member.role();
    if (current == Role::Owner || role == Role::Owner)
        && !principal.granting_role().can(Capability::ManageOwners)
    {
        return Err(AppError::forbidden(Capability::ManageOwners.refusal()));
    }
    if !principal.granting_role().may_grant(role) {
        return Err(AppError::forbidden(format!(
            "Your role cannot make someone {role}."
        )));
    }
    if current == Role::Owner
        && role != Role::Owner
        && store::count_owners(&mut tx, &principal.workspace_id).await? <= 1
    {
        return Err(AppError::conflict(
            "last_owner",
            "A workspace needs an owner: make someone else owner first.",
        ));
    }
    store::upsert_member(&mut tx, &principal.workspace_id, user_id, role).await?;
    if current != role {
        let event = catalog::MemberRoleChanged {
            user_id: user_id.clone(),
            email: member.email.clone(),
            old_role: current.to_string(),
            new_role: role.to_string(),
            actor: catalog::ActorRef::of(principal),
        };
        catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
    }
    let entry = Entry::by(principal, "member.role_changed").target(user_id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "email": member.email, "from": current, "to": role })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(
    state: &AppState,
    principal: &Principal,
    user_id: &UserId,
) -> Result<()> {
    let leaving = principal.user_id() == Some(user_id);
    if !leaving {
        principal.require(Capability::ManageMembers)?;
    }
    let mut tx = state.db.begin().await?;
    store::lock_members(&mut tx, &principal.workspace_id).await?;
    let member = store::member(&mut tx, &principal.workspace_id, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if member.role() == Role::Owner {
        if !leaving && !principal.granting_role().can(Capability::ManageOwners) {
            return Err(AppError::forbidden(Capability::ManageOwners.refusal()));
        }
        if store::count_owners(&mut tx, &principal.workspace_id).await? <= 1 {
            return Err(AppError::conflict(
                "last_owner",
                "A workspace needs an owner: make someone else owner first.",
            ));
        }
    }
    store::remove_member(&mut tx, &principal.workspace_id, user_id).await?;
    let event = catalog::MemberRemoved {
        user_id: user_id.clone(),
        email: member.email.clone(),
        role: member.role().to_string(),
        left: leaving,
        actor: catalog::ActorRef::of(principal),
    };
    catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
    let entry = Entry::by(principal, "member.removed").target(user_id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "email": member.email, "role": member.role() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a session to another workspace the person belongs to (404 otherwise).
pub async fn switch(
    state: &AppState,
    user_id: &UserId,
    session_hash: &str,
    workspace_id: &WorkspaceId,
) -> Result<()> {
    let memberships = store::memberships_of(&state.db, user_id).await?;
    if !memberships.iter().any(|m| &m.workspace_id == workspace_id) {
        return Err(AppError::not_found());
    }
    crate::auth::session::set_workspace(&state.db, session_hash, workspace_id).await?;
    Ok(())
}
