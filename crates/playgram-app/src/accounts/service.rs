//! Sign-up, login, logout, password change and reset.

use axum::http::StatusCode;
use playgram_core::crypto::{self, random_token, token_hash};
use playgram_core::ids::{UserId, WorkspaceId};
use playgram_core::mail::Email as Mail;
use playgram_core::time::now_ms;
use playgram_core::{Backend, Tx, on_tx};

use super::fields::{Email, Name, Password, all_fields};
use super::store::{self, UserRow};
use super::{throttle, totp};
use crate::audit::{self, Entry};
use crate::auth::Role;
use crate::auth::session::{self, NewSession};
use crate::http::{AppError, Result};
use crate::state::AppState;
use crate::workspaces;

const RESET_LIFETIME_MS: i64 = 3_600_000;

/// Where a request comes from, for sessions, throttling and the audit log.
#[derive(Clone, Debug)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

pub struct SignupInput<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub workspace_name: &'a str,
    pub invite_token: Option<&'a str>,
}

pub struct SignedUp {
    pub user_id: UserId,
    pub workspace_id: WorkspaceId,
    pub session: NewSession,
}

pub async fn signup(state: &AppState, input: SignupInput<'_>, origin: &Origin) -> Result<SignedUp> {
    let invite = match input.invite_token.filter(|t| !t.is_empty()) {
        Some(token) => Some(workspaces::service::pending_invite(state, token).await?),
        None => None,
    };
    let email = Email::parse(input.email);
    let password = Password::parse(input.password, "password");
    let name = Name::parse(input.name, "name");
    // Joining by invite needs no workspace of one's own.
    let workspace_name = match &invite {
        Some(invite) => Name::parse(&invite.workspace_name, "workspace_name"),
        None => Name::parse(input.workspace_name, "workspace_name"),
    };
    all_fields([
        email.as_ref().err(),
        password.as_ref().err(),
        name.as_ref().err(),
        workspace_name.as_ref().err(),
    ])?;
    let (email, password, name, workspace_name) = (email?, password?, name?, workspace_name?);
    // Refuse a closed sign-up before the costly hash; the check is repeated in the transaction,
    // where it is authoritative.
    if invite.is_none() && !state.config.signup_open && store::has_users(&state.db).await? {
        return Err(signup_closed());
    }
    let password_hash = crypto::hash_password(password.as_str()).await?;

    let user_id = UserId::new();
    let mut tx = state.db.begin().await?;
    serialize_signups(&mut tx).await?;
    let first = store::count_users(&mut tx).await? == 0;
    if !first && invite.is_none() && !state.config.signup_open {
        return Err(signup_closed());
    }
    if let Err(error) = store::insert_user(
        &mut tx,
        &user_id,
        email.as_str(),
        name.as_str(),
        &password_hash,
    )
    .await
    {
        return Err(if playgram_core::db::is_unique_violation(&error) {
            AppError::validation(
                [(
                    "email",
                    "An account with this email already exists. Log in instead.".to_owned(),
                )]
                .into(),
            )
        } else {
            error.into()
        });
    }
    let workspace_id = match &invite {
        Some(invite) => {
            workspaces::service::accept_in(&mut tx, invite, &user_id, origin.ip.clone()).await?;
            invite.workspace_id.clone()
        }
        None => {
            let id = WorkspaceId::new();
            workspaces::store::create_workspace(&mut tx, &id, workspace_name.as_str()).await?;
            workspaces::store::upsert_member(&mut tx, &id, &user_id, Role::Owner).await?;
            let entry = Entry {
                workspace_id: Some(&id),
                ..Entry::personal(Some(&user_id), "workspace.created", origin.ip.clone())
            };
            audit::record(
                &mut tx,
                entry.target(&id).details(
                    serde_json::json!({ "name": workspace_name.as_str(), "first": first }),
                ),
            )
            .await?;
            id
        }
    };
    audit::record(
        &mut tx,
        Entry::personal(Some(&user_id), "user.signed_up", origin.ip.clone()),
    )
    .await?;
    let session = session::create(
        &mut tx,
        state,
        &user_id,
        Some(&workspace_id),
        false,
        &origin.ip,
        &origin.user_agent,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedUp {
        user_id,
        workspace_id,
        session,
    })
}

fn signup_closed() -> AppError {
    AppError::client(
        StatusCode::FORBIDDEN,
        "signup_closed",
        "Sign-up is by invitation. Ask a workspace admin for an invite link.",
    )
}

/// Two concurrent first sign-ups must not both become "the first". SQLite's `BEGIN IMMEDIATE`
/// already serialises writers; PostgreSQL takes a transaction-scoped advisory lock.
async fn serialize_signups(tx: &mut Tx) -> sqlx::Result<()> {
    if tx.backend() == Backend::Postgres {
        on_tx!(tx, conn => sqlx::query("SELECT pg_advisory_xact_lock(7461)").execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub enum LoginOutcome {
    /// Fully signed in.
    SignedIn { user: UserRow, session: NewSession },
    /// Password right, second factor still needed: a half session for the 2FA page.
    NeedsTotp { session: NewSession },
}

/// Checks credentials with throttling. `totp_code` is checked when the account has 2FA; without one,
/// `half_session` decides between answering `totp_required` (API) and a half session (pages).
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    totp_code: Option<&str>,
    half_session: bool,
    origin: &Origin,
) -> Result<LoginOutcome> {
    let email = email.trim().to_lowercase();
    let attempt = throttle::begin(state, &email, &origin.ip).await?;
    let user = store::by_email(&state.db, &email).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(crypto::DUMMY_PASSWORD_HASH);
    let password_ok = crypto::verify_password(password, hash).await;
    let (Some(user), true) = (user, password_ok) else {
        attempt.failed();
        let user_id = store::by_email(&state.db, &email).await?.map(|u| u.id);
        fail(state, &email, user_id.as_ref(), origin, "password").await?;
        return Err(AppError::client(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "That email and password do not match an account.",
        ));
    };
    let mut factor = None;
    if user.totp_enabled() {
        match totp_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => match totp::check(state, &user, code).await {
                Ok(kind) => factor = Some(kind),
                Err(error) => {
                    attempt.failed();
                    fail(state, &email, Some(&user.id), origin, "second_factor").await?;
                    return Err(error);
                }
            },
            None if half_session => {
                // The password was right: only the second factor's attempts count from here.
                attempt.not_a_failure(&state.db).await?;
                let mut tx = state.db.begin().await?;
                let session = session::create(
                    &mut tx,
                    state,
                    &user.id,
                    None,
                    true,
                    &origin.ip,
                    &origin.user_agent,
                )
                .await?;
                tx.commit().await?;
                return Ok(LoginOutcome::NeedsTotp { session });
            }
            None => {
                attempt.not_a_failure(&state.db).await?;
                return Err(AppError::client(
                    StatusCode::UNAUTHORIZED,
                    "totp_required",
                    "This account uses two-factor authentication: send `totp_code`.",
                ));
            }
        }
    }
    attempt.not_a_failure(&state.db).await?;
    let session = finish_login(state, &user, factor, origin).await?;
    Ok(LoginOutcome::SignedIn { user, session })
}

/// Completes a login that was waiting for its second factor (the 2FA page).
pub async fn complete_totp(
    state: &AppState,
    half_session_hash: &str,
    user_id: &UserId,
    code: &str,
    origin: &Origin,
) -> Result<NewSession> {
    let user = store::by_id(&state.db, user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if !user.totp_enabled() {
        // Two-factor was turned off while this login waited: start over with the password.
        session::delete(&state.db, half_session_hash).await?;
        return Err(AppError::unauthenticated());
    }
    let attempt = throttle::begin(state, &user.email, &origin.ip).await?;
    let factor = match totp::check(state, &user, code).await {
        Ok(factor) => factor,
        Err(error) => {
            attempt.failed();
            fail(state, &user.email, Some(&user.id), origin, "second_factor").await?;
            return Err(error);
        }
    };
    attempt.not_a_failure(&state.db).await?;
    session::delete(&state.db, half_session_hash).await?;
    finish_login(state, &user, Some(factor), origin).await
}

/// `second_factor` is `totp` or `recovery_code` when one was used; it is kept in the audit log.
async fn finish_login(
    state: &AppState,
    user: &UserRow,
    second_factor: Option<&'static str>,
    origin: &Origin,
) -> Result<NewSession> {
    let workspace = workspaces::store::memberships_of(&state.db, &user.id)
        .await?
        .into_iter()
        .next()
        .map(|m| m.workspace_id);
    throttle::record_success(&state.db, &user.email, &origin.ip).await?;
    let mut tx = state.db.begin().await?;
    let session = session::create(
        &mut tx,
        state,
        &user.id,
        workspace.as_ref(),
        false,
        &origin.ip,
        &origin.user_agent,
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(&user.id), "login.succeeded", origin.ip.clone())
            .details(serde_json::json!({ "second_factor": second_factor })),
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}

async fn fail(
    state: &AppState,
    email: &str,
    user_id: Option<&UserId>,
    origin: &Origin,
    reason: &str,
) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let entry = Entry::personal(user_id, "login.failed", origin.ip.clone());
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "email": email, "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn logout(
    state: &AppState,
    session_hash: &str,
    user_id: &UserId,
    origin: &Origin,
) -> Result<()> {
    session::delete(&state.db, session_hash).await?;
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(user_id), "logout", origin.ip.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a reset link for an account; `None` when no account has this address.
pub async fn create_reset_link(
    state: &AppState,
    email: &str,
    origin: &Origin,
) -> Result<Option<String>> {
    let Some(user) = store::by_email(&state.db, &email.trim().to_lowercase()).await? else {
        return Ok(None);
    };
    let token = random_token();
    let mut tx = state.db.begin().await?;
    store::insert_reset(
        &mut tx,
        &token_hash(&token),
        &user.id,
        now_ms() + RESET_LIFETIME_MS,
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::personal(
            Some(&user.id),
            "password.reset_requested",
            origin.ip.clone(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(state.link(&format!("/password-reset/{token}"))))
}

/// At most this many reset links per account per hour: the form cannot flood a mailbox.
const RESETS_PER_HOUR: i64 = 3;

/// Emails a reset link. Answers the same, in about the same time, whether or not the account
/// exists: the email is sent from a background task, never awaited here.
pub async fn request_reset(state: &AppState, email: &str, origin: &Origin) -> Result<()> {
    let email = email.trim().to_lowercase();
    let attempt = throttle::begin(state, &email, &origin.ip).await?;
    let Some(user) = store::by_email(&state.db, &email).await? else {
        // Count it like a failure so the form cannot be used to probe addresses endlessly.
        attempt.failed();
        return Ok(());
    };
    attempt.not_a_failure(&state.db).await?;
    if store::recent_resets(&state.db, &user.id, now_ms() - 3_600_000).await? >= RESETS_PER_HOUR {
        tracing::info!(user = %user.id, "password reset not sent: hourly limit reached");
        return Ok(());
    }
    let Some(link) = create_reset_link(state, &email, origin).await? else {
        return Ok(());
    };
    let mail = Mail {
        to: email,
        subject: "Reset your Playgram password".into(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of this Playgram account.\n\nChoose a new password here (the link works once, for one hour):\n{link}\n\nIf it was not you, ignore this email: your password stays as it is."
        ),
    };
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(error) = mailer.send(mail).await {
            tracing::warn!(error = %error, "password reset email not sent");
        }
    });
    Ok(())
}

/// Sets a new password with a reset token; every session of the account ends.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &str,
    origin: &Origin,
) -> Result<()> {
    let password = Password::parse(password, "password")?;
    let hash = crypto::hash_password(password.as_str()).await?;
    let mut tx = state.db.begin().await?;
    let user_id = store::take_reset(&mut tx, &token_hash(token))
        .await?
        .ok_or_else(|| {
            AppError::client(
                StatusCode::GONE,
                "reset_link_invalid",
                "This reset link has expired or was already used. Ask for a new one.",
            )
        })?;
    store::set_password(&mut tx, &user_id, &hash).await?;
    // Any other link sent before this reset stops working too.
    store::retire_resets(&mut tx, &user_id).await?;
    session::delete_all_for_user(&mut tx, &user_id, None).await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(&user_id), "password.reset", origin.ip.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password of a signed-in person; their other sessions end.
pub async fn change_password(
    state: &AppState,
    user_id: &UserId,
    session_hash: &str,
    current: &str,
    new: &str,
    origin: &Origin,
) -> Result<()> {
    let user = store::by_id(&state.db, user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    // Check the new password's form first, so both problems are reported at once.
    let password = Password::parse(new, "new_password");
    let current_ok = confirm_password(state, &user, current, "current_password", &origin.ip).await;
    // Only a wrong password is merged with the form errors; throttling or a failure stops here.
    if let Err(error) = current_ok {
        if error.code() != "validation_failed" {
            return Err(error);
        }
        all_fields([Some(&error), password.as_ref().err()])?;
    }
    let password = password?;
    let hash = crypto::hash_password(password.as_str()).await?;
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, user_id, &hash).await?;
    store::retire_resets(&mut tx, user_id).await?;
    session::delete_all_for_user(&mut tx, user_id, Some(session_hash)).await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(user_id), "password.changed", origin.ip.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Confirms a signed-in person's password before a sensitive change (new password, turning 2FA
/// off, new recovery codes). Wrong guesses count against the same limits as logins, so a stolen
/// session cannot be used to guess the password without end; each is audited.
pub async fn confirm_password(
    state: &AppState,
    user: &UserRow,
    password: &str,
    field: &'static str,
    ip: &str,
) -> Result<()> {
    let attempt = throttle::begin(state, &user.email, ip).await?;
    if crypto::verify_password(password, &user.password_hash).await {
        attempt.not_a_failure(&state.db).await?;
        return Ok(());
    }
    attempt.failed();
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Entry::personal(
            Some(&user.id),
            "password.confirmation_failed",
            ip.to_owned(),
        ),
    )
    .await?;
    tx.commit().await?;
    Err(AppError::field(field, "This is not your current password."))
}

/// The administrator's way in: creates (or updates) an account and gives it a role in a workspace
/// named `workspace`, creating that workspace if needed. Used by `playgram admin create-user`.
pub async fn admin_create_user(
    state: &AppState,
    email: &str,
    password: &str,
    workspace: &str,
    role: Role,
) -> anyhow::Result<(UserId, WorkspaceId)> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let password =
        Password::parse(password, "password").map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let workspace =
        Name::parse(workspace, "workspace").map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let hash = crypto::hash_password(password.as_str()).await?;
    let existing = store::by_email(&state.db, email.as_str()).await?;
    let mut tx = state.db.begin().await?;
    let user_id = match existing {
        Some(user) => {
            store::set_password(&mut tx, &user.id, &hash).await?;
            store::retire_resets(&mut tx, &user.id).await?;
            session::delete_all_for_user(&mut tx, &user.id, None).await?;
            user.id
        }
        None => {
            let id = UserId::new();
            let name = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or("admin")
                .to_owned();
            store::insert_user(&mut tx, &id, email.as_str(), &name, &hash).await?;
            id
        }
    };
    let workspace_id =
        match workspaces::store::find_workspace_by_name(&mut tx, workspace.as_str()).await? {
            Some(id) => id,
            None => {
                let id = WorkspaceId::new();
                workspaces::store::create_workspace(&mut tx, &id, workspace.as_str()).await?;
                id
            }
        };
    workspaces::store::upsert_member(&mut tx, &workspace_id, &user_id, role).await?;
    let entry = Entry {
        workspace_id: Some(&workspace_id),
        ..Entry::personal(Some(&user_id), "member.joined", "cli".into())
    };
    audit::record(
        &mut tx,
        entry
            .target(&user_id)
            .details(serde_json::json!({ "role": role, "via": "admin create-user" })),
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, workspace_id))
}

/// Sets a password directly (`playgram admin reset-password --password`), ending all sessions.
pub async fn admin_set_password(
    state: &AppState,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    let user = store::by_email(&state.db, &email.trim().to_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
    let password =
        Password::parse(password, "password").map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let hash = crypto::hash_password(password.as_str()).await?;
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, &user.id, &hash).await?;
    store::retire_resets(&mut tx, &user.id).await?;
    session::delete_all_for_user(&mut tx, &user.id, None).await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(&user.id), "password.reset", "cli".into()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
