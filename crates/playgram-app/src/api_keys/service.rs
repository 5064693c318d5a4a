//! Creating, rotating and revoking API keys.

use playgram_core::crypto::{random_token, token_hash};
use playgram_core::ids::ApiKeyId;
use playgram_core::time::{Millis, now_ms};

use super::auth::SECRET_PREFIX;
use super::store::{self, KeyRow, NewKey};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal, Scopes};
use crate::events::catalog;
use crate::http::{AppError, Result};
use crate::state::AppState;

pub struct CreateInput<'a> {
    pub name: &'a str,
    pub scopes: Vec<&'a str>,
    pub expires_at: Option<Millis>,
}

/// A key with its secret, which is shown this once.
pub struct WithSecret {
    pub key: KeyRow,
    pub secret: String,
}

fn new_secret() -> (String, String, String) {
    let secret = format!("{SECRET_PREFIX}{}", random_token());
    let hint = format!("{}…{}", &secret[..8], &secret[secret.len() - 4..]);
    (token_hash(&secret), hint, secret)
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    input: CreateInput<'_>,
) -> Result<WithSecret> {
    principal.require(Capability::ManageApiKeys)?;
    let name = crate::accounts::fields::Name::parse(input.name, "name");
    let scopes =
        Scopes::parse_list(input.scopes.iter().copied()).map_err(|m| AppError::field("scopes", m));
    let expires = match input.expires_at {
        Some(at) if at <= now_ms() => Err(AppError::field(
            "expires_at",
            "Choose an expiry in the future.",
        )),
        other => Ok(other),
    };
    crate::accounts::fields::all_fields([
        name.as_ref().err(),
        scopes.as_ref().err(),
        expires.as_ref().err(),
    ])?;
    let (name, scopes, expires_at) = (name?, scopes?, expires?);
    if let Some(scope) = scopes.beyond(principal.granting_role()) {
        return Err(AppError::field(
            "scopes",
            format!(
                "Your role cannot give a key the scope `{}`.",
                scope.as_str()
            ),
        ));
    }
    if let Some(own) = &principal.scopes
        && !scopes.within(own)
    {
        return Err(AppError::field(
            "scopes",
            "A key cannot make a key with scopes it does not hold itself.",
        ));
    }
    let id = ApiKeyId::new();
    let (hash, hint, secret) = new_secret();
    let mut tx = state.db.begin().await?;
    store::insert(
        &mut tx,
        NewKey {
            id: &id,
            workspace_id: &principal.workspace_id,
            name: name.as_str(),
            scopes: &scopes.to_stored(),
            created_by: principal.user_id(),
            expires_at,
        },
    )
    .await?;
    store::insert_secret(&mut tx, &id, &hash, &hint).await?;
    let entry = Entry::by(principal, "api_key.created").target(&id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "name": name.as_str(), "scopes": scopes.names() })),
    )
    .await?;
    let key = store::get_in(&mut tx, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let event = catalog::ApiKeyCreated {
        api_key_id: id.clone(),
        name: key.name.clone(),
        scopes: scopes.names().iter().map(|s| s.to_string()).collect(),
        expires_at,
        actor: catalog::ActorRef::of(principal),
    };
    catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
    tx.commit().await?;
    Ok(WithSecret { key, secret })
}

/// Issues a new secret; the old one keeps working for `overlap_hours` (the config default if absent).
pub async fn rotate(
    state: &AppState,
    principal: &Principal,
    id: &ApiKeyId,
    overlap_hours: Option<i64>,
) -> Result<WithSecret> {
    principal.require(Capability::ManageApiKeys)?;
    let overlap_hours = overlap_hours.unwrap_or(state.config.api_key_rotation_overlap_hours);
    if !(0..=24 * 30).contains(&overlap_hours) {
        return Err(AppError::field(
            "overlap_hours",
            "Choose an overlap between 0 and 720 hours.",
        ));
    }
    let mut tx = state.db.begin().await?;
    let key = store::get_in(&mut tx, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    // Rotation hands out the key's new secret: a key may only do that for a key within its own
    // scopes, or `api_keys:write` would be a way to take any broader key's powers.
    if let Some(own) = &principal.scopes
        && !Scopes::from_stored(&key.scopes).within(own)
    {
        return Err(AppError::client(
            axum::http::StatusCode::FORBIDDEN,
            "insufficient_scope",
            "An API key cannot rotate a key with scopes it does not hold itself.",
        ));
    }
    if key.status() != "active" {
        return Err(AppError::conflict(
            "api_key_not_active",
            format!("This key is {}; create a new one instead.", key.status()),
        ));
    }
    let (hash, hint, secret) = new_secret();
    let previous_until = now_ms() + overlap_hours * 3_600_000;
    store::expire_current_secrets(&mut tx, id, previous_until).await?;
    let event = catalog::ApiKeyRotated {
        api_key_id: id.clone(),
        name: key.name.clone(),
        previous_secret_expires_at: previous_until,
        actor: catalog::ActorRef::of(principal),
    };
    catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
    store::insert_secret(&mut tx, id, &hash, &hint).await?;
    let entry = Entry::by(principal, "api_key.rotated").target(id);
    audit::record(
        &mut tx,
        entry.details(serde_json::json!({ "name": key.name, "overlap_hours": overlap_hours })),
    )
    .await?;
    let key = store::get_in(&mut tx, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    state.keys.forget_all();
    Ok(WithSecret { key, secret })
}

pub async fn revoke(state: &AppState, principal: &Principal, id: &ApiKeyId) -> Result<()> {
    principal.require(Capability::ManageApiKeys)?;
    let mut tx = state.db.begin().await?;
    let key = store::get_in(&mut tx, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if key.revoked_at.is_none() {
        store::revoke(&mut tx, &principal.workspace_id, id).await?;
        let event = catalog::ApiKeyRevoked {
            api_key_id: id.clone(),
            name: key.name.clone(),
            actor: catalog::ActorRef::of(principal),
        };
        catalog::emit(&mut tx, &principal.workspace_id, &event).await?;
        audit::record(
            &mut tx,
            Entry::by(principal, "api_key.revoked")
                .target(id)
                .details(serde_json::json!({ "name": key.name })),
        )
        .await?;
    }
    tx.commit().await?;
    state.keys.forget_all();
    Ok(())
}
