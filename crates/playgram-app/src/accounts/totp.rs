//! Two-factor authentication: set-up, confirmation, recovery codes, checking a code at login.

use playgram_core::crypto::{random_bytes, token_hash};
use playgram_core::ids::UserId;
use playgram_core::time::now_ms;
use playgram_core::totp;

use super::store::{self, UserRow};
use crate::audit::{self, Entry};
use crate::http::{AppError, Result};
use crate::state::AppState;

const RECOVERY_CODES: usize = 10;

fn context(user_id: &UserId) -> String {
    format!("users.totp_secret:{user_id}")
}

/// The user's TOTP seed (pending or enabled), unsealed; `None` if there is none or it won't open.
fn sealed_secret(state: &AppState, user: &UserRow) -> Option<Vec<u8>> {
    state
        .sealer
        .open(user.totp_secret.as_deref()?, &context(&user.id))
        .ok()
}

/// What an authenticator app needs: the base32 secret and the `otpauth://` URI (shown as a QR code).
pub struct Setup {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

/// Starts set-up (or restarts it): a new secret, sealed, not yet enabled.
pub async fn begin(state: &AppState, user: &UserRow) -> Result<Setup> {
    if user.totp_enabled() {
        return Err(AppError::conflict(
            "totp_already_enabled",
            "Two-factor authentication is already on. Turn it off first to change it.",
        ));
    }
    let secret = random_bytes::<20>();
    let sealed = state.sealer.seal(&secret, &context(&user.id));
    let mut tx = state.db.begin().await?;
    store::set_totp(&mut tx, &user.id, Some(&sealed), None).await?;
    tx.commit().await?;
    Ok(Setup {
        secret_base32: totp::base32_encode(&secret),
        otpauth_uri: totp::provisioning_uri("Playgram", &user.email, &secret),
    })
}

/// The pending set-up of a user who started but did not confirm, to show its QR code again.
pub fn pending(state: &AppState, user: &UserRow) -> Option<Setup> {
    if user.totp_enabled() {
        return None;
    }
    let secret = sealed_secret(state, user)?;
    Some(Setup {
        secret_base32: totp::base32_encode(&secret),
        otpauth_uri: totp::provisioning_uri("Playgram", &user.email, &secret),
    })
}

/// Confirms set-up with a first code; returns the recovery codes, shown once.
pub async fn enable(
    state: &AppState,
    user: &UserRow,
    code: &str,
    ip: String,
) -> Result<Vec<String>> {
    if user.totp_enabled() {
        return Err(AppError::conflict(
            "totp_already_enabled",
            "Two-factor authentication is already on.",
        ));
    }
    let secret = sealed_secret(state, user).ok_or_else(|| {
        AppError::conflict(
            "totp_not_started",
            "Start the set-up first: scan the code, then confirm.",
        )
    })?;
    let unix = now_ms() as u64 / 1000;
    let Some(step) = totp::verify(&secret, code, unix) else {
        return Err(AppError::field(
            "code",
            "That code does not match. Check the time on your phone and try the newest code.",
        ));
    };
    let codes = new_recovery_codes();
    let mut tx = state.db.begin().await?;
    store::set_totp(
        &mut tx,
        &user.id,
        user.totp_secret.as_deref(),
        Some(now_ms()),
    )
    .await?;
    store::replace_recovery_codes(
        &mut tx,
        &user.id,
        &codes.iter().map(|c| recovery_hash(c)).collect::<Vec<_>>(),
    )
    .await?;
    audit::record(&mut tx, Entry::personal(Some(&user.id), "totp.enabled", ip)).await?;
    tx.commit().await?;
    // The confirming code counts as used (RFC 6238 §5.2): it cannot also sign in. `set_totp` has
    // just cleared the last step, so this claim succeeds.
    store::claim_totp_step(&state.db, &user.id, step as i64).await?;
    Ok(codes)
}

/// Turns 2FA off. Every other session of the account ends: a session opened with a second factor
/// should not outlive the factor's removal unnoticed (the one making the change stays).
pub async fn disable(
    state: &AppState,
    user: &UserRow,
    password: &str,
    session_hash: &str,
    ip: String,
) -> Result<()> {
    super::service::confirm_password(state, user, password, "password", &ip).await?;
    let mut tx = state.db.begin().await?;
    store::set_totp(&mut tx, &user.id, None, None).await?;
    store::replace_recovery_codes(&mut tx, &user.id, &[]).await?;
    crate::auth::session::delete_all_for_user(&mut tx, &user.id, Some(session_hash)).await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(&user.id), "totp.disabled", ip),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn regenerate_recovery_codes(
    state: &AppState,
    user: &UserRow,
    password: &str,
    ip: String,
) -> Result<Vec<String>> {
    super::service::confirm_password(state, user, password, "password", &ip).await?;
    if !user.totp_enabled() {
        return Err(AppError::conflict(
            "totp_not_enabled",
            "Turn on two-factor authentication first.",
        ));
    }
    let codes = new_recovery_codes();
    let mut tx = state.db.begin().await?;
    store::replace_recovery_codes(
        &mut tx,
        &user.id,
        &codes.iter().map(|c| recovery_hash(c)).collect::<Vec<_>>(),
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::personal(Some(&user.id), "recovery_codes.regenerated", ip),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a second factor at login: a current TOTP code (each time step usable once) or an unused
/// recovery code. Returns which kind was used.
pub async fn check(state: &AppState, user: &UserRow, code: &str) -> Result<&'static str> {
    let code = code.trim();
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let secret = sealed_secret(state, user).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "TOTP secret of {} cannot be opened",
                user.id
            ))
        })?;
        let step = totp::verify(&secret, &digits, now_ms() as u64 / 1000);
        if let Some(step) = step
            && store::claim_totp_step(&state.db, &user.id, step as i64).await?
        {
            return Ok("totp");
        }
    } else if store::use_recovery_code(&state.db, &user.id, &recovery_hash(code)).await? {
        return Ok("recovery_code");
    }
    Err(AppError::client(
        axum::http::StatusCode::UNAUTHORIZED,
        "invalid_totp",
        "That code is not right (or was already used). Try the newest code from your app, or a recovery code.",
    ))
}

/// Recovery codes look like `k7m2-9xqp-4h3w`: 60 bits, easy to type.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<12>();
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!(
                "{}-{}-{}",
                chars[0..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..12].iter().collect::<String>()
            )
        })
        .collect()
}

fn recovery_hash(code: &str) -> String {
    token_hash(&code.trim().to_lowercase())
}
