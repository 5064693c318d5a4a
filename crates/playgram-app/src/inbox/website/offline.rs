//! The widget's offline form: when nobody is available, a visitor leaves their name, email and
//! message; it lands in the inbox like any message, and the email is kept on the contact.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use playgram_core::{Conn, on_tx};
use serde::Deserialize;
use serde_json::json;

use super::api::{Chat, Said, TokenQuery, answer, client_id, store, visitor_or_new};
use crate::http::layers::ClientIp;
use crate::http::{AppError, Result};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineIn {
    pub client_id: String,
    pub name: String,
    pub email: String,
    pub text: String,
}

/// The offline form: name, email and message, delivered to the inbox like any message.
pub async fn send_offline_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    crate::http::ApiJson(input): crate::http::ApiJson<OfflineIn>,
) -> Result<Response> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let mut errors = crate::http::FieldErrors::new();
    let name = input.name.trim().to_owned();
    let email = crate::contacts::input::parse_emails(std::slice::from_ref(&input.email))
        .ok()
        .and_then(|list| list.into_iter().next())
        .unwrap_or_default();
    let text = input.text.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        errors.insert("name", "Give your name.".into());
    }
    if email.is_empty() {
        errors.insert("email", "Give an email address we can answer to.".into());
    }
    if text.is_empty() || text.chars().count() > 4096 {
        errors.insert("text", "Write 1 to 4,096 characters.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let client = client_id(&input.client_id)?;
    state.chat.offline_form(ip)?;
    let visitor = visitor_or_new(&chat, &headers, q.token.as_deref(), ip, &state.chat)?;
    let body = format!("{text}\n\n— {name} <{email}> (left while nobody was available)");
    let content = json!({ "offline": true, "name": name, "email": email });
    let message = store(
        &state,
        &chat,
        &visitor,
        Said {
            name: Some(name),
            client,
            kind: "text",
            text: body,
            content,
        },
    )
    .await?;
    save_email(&state, &chat, &visitor, &email).await?;
    Ok(answer(&state, &chat, &visitor, message))
}

/// Puts the email on the visitor's contact, unless another contact already has it.
async fn save_email(state: &AppState, chat: &Chat, visitor: &str, email: &str) -> Result<()> {
    let ws = &chat.channel.workspace_id;
    let mut tx = state.db.begin().await?;
    let c = &mut Conn::Tx(&mut tx);
    let Some(contact) = crate::contacts::store::by_identity(
        c,
        ws,
        crate::contacts::channel::Channel::Website,
        visitor,
    )
    .await?
    else {
        return Ok(());
    };
    let owners = crate::contacts::store::owners_of_emails(c, ws, &[email.to_owned()]).await?;
    if owners.is_empty() {
        let mut emails: Vec<String> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT email FROM contact_emails WHERE contact_id = $1 ORDER BY position")
            .bind(&contact).fetch_all(conn).await)?;
        emails.push(email.to_owned());
        crate::contacts::store::set_emails(&mut tx, ws, &contact, &emails).await?;
        crate::contacts::store::refresh_search(&mut tx, ws, &contact).await?;
    }
    tx.commit().await?;
    Ok(())
}
