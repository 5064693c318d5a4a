//! REST handlers for sign-up, login, logout, `/me`, password reset and two-factor authentication.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use playgram_core::ids::{ApiKeyId, UserId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::service::{self, LoginOutcome, Origin, SignupInput};
use super::{store, totp};
use crate::auth::principal::{Caller, client_ip};
use crate::auth::session;
use crate::auth::{Principal, SignedIn};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;
use crate::workspaces::api::WorkspaceOut;

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Ok(Origin {
            ip: client_ip(parts).to_string(),
            user_agent: user_agent.to_owned(),
        })
    }
}

#[derive(Serialize)]
pub struct UserOut {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub totp_enabled: bool,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
}

impl From<store::UserRow> for UserOut {
    fn from(u: store::UserRow) -> Self {
        UserOut {
            totp_enabled: u.totp_enabled(),
            id: u.id,
            email: u.email,
            name: u.name,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct SignedInOut {
    pub user: UserOut,
    pub workspace: Option<WorkspaceOut>,
    /// Send this as `X-CSRF-Token` on cookie-authenticated writes from clients that send no `Origin`.
    pub csrf_token: String,
}

#[derive(Deserialize)]
pub struct SignupIn {
    pub email: String,
    pub password: String,
    pub name: String,
    /// The first workspace's name (ignored when joining by `invite_token`).
    #[serde(default)]
    pub workspace_name: String,
    /// The token of an invite link, to join its workspace.
    pub invite_token: Option<String>,
}

/// Creates an account. The first account creates the first workspace; later ones need an invite
/// unless sign-up is open. Signs the new person in (sets the session cookie).
pub async fn signup(
    State(state): State<AppState>,
    origin: Origin,
    ApiJson(input): ApiJson<SignupIn>,
) -> Result<(HeaderMap, Api<SignedInOut>)> {
    let signed_up = service::signup(
        &state,
        SignupInput {
            email: &input.email,
            password: &input.password,
            name: &input.name,
            workspace_name: &input.workspace_name,
            invite_token: input.invite_token.as_deref(),
        },
        &origin,
    )
    .await?;
    let out = signed_in_out(&state, &signed_up.user_id, &signed_up.session).await?;
    Ok((
        cookie_headers(&state, &signed_up.session),
        Api::created(out),
    ))
}

#[derive(Deserialize)]
pub struct LoginIn {
    pub email: String,
    pub password: String,
    /// The current code from the authenticator app, or a recovery code, when 2FA is on.
    pub totp_code: Option<String>,
}

/// Signs in with email and password (and a 2FA code when the account has one); sets the session cookie.
pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    ApiJson(input): ApiJson<LoginIn>,
) -> Result<(HeaderMap, Api<SignedInOut>)> {
    match service::login(
        &state,
        &input.email,
        &input.password,
        input.totp_code.as_deref(),
        false,
        &origin,
    )
    .await?
    {
        LoginOutcome::SignedIn { user, session } => {
            let out = signed_in_out(&state, &user.id, &session).await?;
            Ok((cookie_headers(&state, &session), Api::ok(out)))
        }
        LoginOutcome::NeedsTotp { .. } => Err(AppError::Internal(anyhow::anyhow!(
            "half session from API login"
        ))),
    }
}

/// Ends the current session and clears its cookie.
pub async fn logout(
    State(state): State<AppState>,
    origin: Origin,
    SignedIn(session): SignedIn,
) -> Result<(HeaderMap, Api<()>)> {
    service::logout(&state, &session.token_hash, &session.user_id, &origin).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session::clear_cookie(&state));
    Ok((headers, Api::ok(())))
}

#[derive(Serialize)]
pub struct MeOut {
    /// The signed-in person (absent for an API key).
    pub user: Option<UserOut>,
    /// The API key making the call (absent for a session).
    pub api_key: Option<KeyBriefOut>,
    /// The workspace this call acts in; `null` for a person who no longer belongs to any.
    pub workspace: Option<WorkspaceOut>,
    /// Every workspace the person belongs to (for an API key: only its own).
    pub workspaces: Vec<WorkspaceOut>,
}

#[derive(Serialize)]
pub struct KeyBriefOut {
    pub id: ApiKeyId,
    pub name: String,
    pub scopes: Vec<&'static str>,
}

/// Who is calling: the person or API key, and the workspace it acts in.
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
    principal: std::result::Result<Principal, AppError>,
) -> Result<Api<MeOut>> {
    // A person removed from every workspace can still ask who they are (and then create one).
    let principal = match principal {
        Ok(principal) => Some(principal),
        Err(error) if error.code() == "no_workspace" => None,
        Err(error) => return Err(error),
    };
    match caller {
        Caller::ApiKey(key) => Ok(Api::ok(MeOut {
            user: None,
            api_key: Some(KeyBriefOut {
                id: key.key_id.clone(),
                name: key.name.clone(),
                scopes: key.scopes.names(),
            }),
            workspace: Some(WorkspaceOut {
                id: key.workspace_id.clone(),
                name: key.workspace_name.clone(),
                role: None,
            }),
            workspaces: vec![WorkspaceOut {
                id: key.workspace_id,
                name: key.workspace_name,
                role: None,
            }],
        })),
        Caller::Session(row) => {
            let user = store::by_id(&state.db, &row.user_id)
                .await?
                .ok_or_else(AppError::unauthenticated)?;
            let workspaces =
                crate::workspaces::store::memberships_of(&state.db, &row.user_id).await?;
            Ok(Api::ok(MeOut {
                user: Some(user.into()),
                api_key: None,
                workspace: principal.map(|p| WorkspaceOut {
                    id: p.workspace_id,
                    name: p.workspace_name,
                    role: p.role,
                }),
                workspaces: workspaces.into_iter().map(WorkspaceOut::from).collect(),
            }))
        }
    }
}

#[derive(Deserialize)]
pub struct MePatch {
    pub name: String,
}

/// Changes your display name.
pub async fn update_me(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    ApiJson(input): ApiJson<MePatch>,
) -> Result<Api<UserOut>> {
    let name = super::fields::Name::parse(&input.name, "name")?;
    store::set_name(&state.db, &session.user_id, name.as_str()).await?;
    let user = store::by_id(&state.db, &session.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    Ok(Api::ok(user.into()))
}

#[derive(Deserialize)]
pub struct PasswordChangeIn {
    pub current_password: String,
    pub new_password: String,
}

/// Changes your password; your other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    origin: Origin,
    SignedIn(session): SignedIn,
    ApiJson(input): ApiJson<PasswordChangeIn>,
) -> Result<Api<()>> {
    service::change_password(
        &state,
        &session.user_id,
        &session.token_hash,
        &input.current_password,
        &input.new_password,
        &origin,
    )
    .await?;
    Ok(Api::ok(()))
}

#[derive(Deserialize)]
pub struct ResetRequestIn {
    pub email: String,
}

/// Emails a password-reset link (one hour, single use). Answers 202 whether or not the account exists.
pub async fn request_password_reset(
    State(state): State<AppState>,
    origin: Origin,
    ApiJson(input): ApiJson<ResetRequestIn>,
) -> Result<Api<()>> {
    service::request_reset(&state, &input.email, &origin).await?;
    Ok(Api::accepted(()))
}

#[derive(Deserialize)]
pub struct ResetConfirmIn {
    /// The token from the emailed link (`/password-reset/{token}`).
    pub token: String,
    pub password: String,
}

/// Sets a new password with a reset token; all sessions of the account end.
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    origin: Origin,
    ApiJson(input): ApiJson<ResetConfirmIn>,
) -> Result<Api<()>> {
    service::reset_password(&state, &input.token, &input.password, &origin).await?;
    Ok(Api::ok(()))
}

#[derive(Serialize)]
pub struct TotpSetupOut {
    /// The secret to type into an authenticator app by hand.
    pub secret: String,
    /// The `otpauth://` URI, usually shown as a QR code.
    pub otpauth_uri: String,
}

/// Starts two-factor set-up: a new secret to add to an authenticator app.
pub async fn begin_totp(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Api<TotpSetupOut>> {
    let user = store::by_id(&state.db, &session.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let setup = totp::begin(&state, &user).await?;
    Ok(Api::ok(TotpSetupOut {
        secret: setup.secret_base32,
        otpauth_uri: setup.otpauth_uri,
    }))
}

#[derive(Deserialize)]
pub struct TotpEnableIn {
    /// A current code from the app, proving it was set up.
    pub code: String,
}

#[derive(Serialize)]
pub struct RecoveryCodesOut {
    /// Single-use codes that stand in for a 2FA code. Shown only now: store them safely.
    pub recovery_codes: Vec<String>,
}

/// Turns two-factor authentication on; answers the recovery codes, once.
pub async fn enable_totp(
    State(state): State<AppState>,
    origin: Origin,
    SignedIn(session): SignedIn,
    ApiJson(input): ApiJson<TotpEnableIn>,
) -> Result<Api<RecoveryCodesOut>> {
    let user = store::by_id(&state.db, &session.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let codes = totp::enable(&state, &user, &input.code, origin.ip).await?;
    Ok(Api::ok(RecoveryCodesOut {
        recovery_codes: codes,
    }))
}

#[derive(Deserialize)]
pub struct PasswordConfirmIn {
    pub password: String,
}

/// Turns two-factor authentication off (confirm with your password).
pub async fn disable_totp(
    State(state): State<AppState>,
    origin: Origin,
    SignedIn(session): SignedIn,
    ApiJson(input): ApiJson<PasswordConfirmIn>,
) -> Result<Api<()>> {
    let user = store::by_id(&state.db, &session.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    totp::disable(
        &state,
        &user,
        &input.password,
        &session.token_hash,
        origin.ip,
    )
    .await?;
    Ok(Api::ok(()))
}

/// Replaces your recovery codes with new ones (confirm with your password).
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    origin: Origin,
    SignedIn(session): SignedIn,
    ApiJson(input): ApiJson<PasswordConfirmIn>,
) -> Result<Api<RecoveryCodesOut>> {
    let user = store::by_id(&state.db, &session.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let codes = totp::regenerate_recovery_codes(&state, &user, &input.password, origin.ip).await?;
    Ok(Api::ok(RecoveryCodesOut {
        recovery_codes: codes,
    }))
}

pub fn cookie_headers(state: &AppState, new_session: &session::NewSession) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session::cookie(state, new_session));
    headers
}

async fn signed_in_out(
    state: &AppState,
    user_id: &UserId,
    new_session: &session::NewSession,
) -> Result<SignedInOut> {
    let user = store::by_id(&state.db, user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let workspace = crate::workspaces::store::memberships_of(&state.db, user_id).await?;
    let row = session::find(state, &new_session.token).await?;
    let current = row.and_then(|r| r.workspace_id);
    let workspace = workspace
        .into_iter()
        .find(|m| Some(&m.workspace_id) == current.as_ref())
        .map(WorkspaceOut::from);
    Ok(SignedInOut {
        user: user.into(),
        workspace,
        csrf_token: new_session.csrf_token.clone(),
    })
}
