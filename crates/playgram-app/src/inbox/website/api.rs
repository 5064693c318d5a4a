//! The chat URLs the widget calls: `/chat/{channel_id}/config`, `…/messages` (read and send),
//! `…/uploads`, `…/files/{file_id}`, `…/offline` and `…/stream`. Public (the visitor's signed
//! token is their credential); CORS for the channel's sites.

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use playgram_core::ids::ChannelId;
use playgram_core::{Conn, on_db};
use playgram_providers::meta::inbound::Person;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ChatLimits, cookie, new_visitor, origin_allowed, token, token_of, verify};
use crate::http::layers::ClientIp;
use crate::http::{Api, AppError, Result};
use crate::inbox::apply::direct::{self, Inbound};
use crate::inbox::channels::{ChannelRow, Kind, Settings, store as channels};
use crate::state::AppState;

/// A website channel as one request sees it.
pub struct Chat {
    pub channel: ChannelRow,
    pub settings: Settings,
    secret: String,
    /// The request may use the visitor cookie: its origin is one the channel names, or it has none.
    cookie_ok: bool,
}

impl Chat {
    /// The channel, if it is a website chat and the page's origin may use it.
    pub async fn open(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Chat> {
        let id = ChannelId::parse(id).ok_or_else(AppError::not_found)?;
        let channel = channels::by_id(&state.db, &id)
            .await?
            .filter(|c| c.kind() == Kind::Website)
            .ok_or_else(AppError::not_found)?;
        let settings = channel.settings();
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        if !origin_allowed(&settings.allowed_origins, origin) {
            return Err(AppError::client(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "This site may not use this chat: add it to the channel's allowed_origins.",
            ));
        }
        // Without its secret a channel could only sign with an empty key: anyone could forge.
        let secret = channel
            .secrets(&state.sealer)
            .signing_secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                AppError::client(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "chat_unavailable",
                    "This chat cannot sign visitors in right now; its channel needs a new secret.",
                )
            })?;
        let cookie_ok = match origin {
            None => true,
            Some(origin) => settings
                .allowed_origins
                .iter()
                .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin)),
        };
        Ok(Chat {
            channel,
            settings,
            secret,
            cookie_ok,
        })
    }

    /// The visitor the request names, if its token is valid; a token that does not verify is
    /// refused rather than silently replaced.
    pub fn visitor(&self, headers: &HeaderMap, query: Option<&str>) -> Result<Option<String>> {
        match token_of(headers, query, self.cookie_ok) {
            None => Ok(None),
            Some(t) => verify(&self.secret, &self.channel.id, &t)
                .map(Some)
                .ok_or_else(|| {
                    AppError::client(
                        StatusCode::UNAUTHORIZED,
                        "invalid_visitor",
                        "This chat session is not valid here; start a new one.",
                    )
                }),
        }
    }

    fn token(&self, visitor: &str) -> String {
        token(&self.secret, &self.channel.id, visitor)
    }
}

/// CORS for the chat URLs: the requesting origin is named (never `*`, so the visitor cookie
/// may travel), and preflights are answered here. Whether the origin may use a channel is the
/// handlers' check ([`Chat::open`]).
pub async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let preflight = request.method() == Method::OPTIONS;
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if preflight {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, x-playgram-visitor, x-file-name"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
    }
    response
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    pub token: Option<String>,
    /// Only messages after this one (`msg_…`), for catching up after a reconnect.
    pub after: Option<String>,
    /// Uploads: the file's name.
    pub name: Option<String>,
    /// Uploads: the client's id for this message (a retry is stored once).
    pub client_id: Option<String>,
}

#[derive(Serialize)]
pub struct ChatConfig {
    pub name: String,
    pub color: String,
    pub greeting: String,
    /// Someone is available to answer now; otherwise the widget shows the offline form.
    pub online: bool,
}

pub async fn chat_config(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Api<ChatConfig>> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let agents =
        crate::inbox::assign::agents(&mut Conn::Db(&state.db), &chat.channel.workspace_id).await?;
    Ok(Api::ok(ChatConfig {
        name: chat.channel.name.clone(),
        color: chat
            .settings
            .color
            .clone()
            .unwrap_or_else(|| "#5443c9".into()),
        greeting: chat
            .settings
            .greeting
            .clone()
            .unwrap_or_else(|| "Hi! How can we help?".into()),
        online: agents.iter().any(|a| a.available),
    }))
}

/// A message as the visitor sees it.
#[derive(Serialize, sqlx::FromRow)]
pub struct ChatMessage {
    pub id: String,
    /// `visitor` or `agent`.
    pub from: String,
    pub kind: String,
    pub text: String,
    #[sqlx(skip)]
    pub file: Option<Value>,
    #[serde(skip)]
    pub content: String,
    /// The agent's first name.
    pub author: Option<String>,
    pub sent_at: i64,
}

/// The visitor's conversation on this channel, if they have written.
pub async fn conversation_for(
    state: &AppState,
    chat: &Chat,
    visitor: &str,
) -> Result<Option<playgram_core::ids::ConversationId>> {
    let c = &mut Conn::Db(&state.db);
    let ws = &chat.channel.workspace_id;
    let Some(contact) = crate::contacts::store::by_identity(
        c,
        ws,
        crate::contacts::channel::Channel::Website,
        visitor,
    )
    .await?
    else {
        return Ok(None);
    };
    let conversation = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT id FROM conversations WHERE channel_id = $1 AND contact_id = $2")
        .bind(&chat.channel.id).bind(&contact).fetch_optional(pool).await)?;
    Ok(conversation)
}

/// The visitor's thread: their messages and the replies (never notes), oldest first.
pub async fn visitor_messages(
    state: &AppState,
    chat: &Chat,
    conversation: &playgram_core::ids::ConversationId,
    after_num: i64,
) -> Result<Vec<ChatMessage>> {
    let rows: Vec<ChatMessage> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT m.id, CASE WHEN m.direction = 'in' THEN 'visitor' ELSE 'agent' END AS \"from\", m.kind, m.text, \
                m.content, u.name AS author, m.sent_at \
         FROM messages m LEFT JOIN users u ON u.id = m.author_id \
         WHERE m.conversation_id = $1 AND m.direction IN ('in', 'out') AND m.num > $2 \
         ORDER BY m.num LIMIT 500")
        .bind(conversation).bind(after_num).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|mut m| {
            m.author = m
                .author
                .and_then(|a| a.split_whitespace().next().map(str::to_owned));
            let content: Value = serde_json::from_str(&m.content).unwrap_or_default();
            if let Some(file) = content["file_id"].as_str() {
                m.file = Some(json!({
                    "url": format!("/chat/{}/files/{file}", chat.channel.id),
                    "name": content["name"], "size": content["size"], "content_type": content["content_type"],
                }));
            }
            m
        })
        .collect())
}

#[derive(Serialize)]
pub struct Thread {
    pub messages: Vec<ChatMessage>,
}

pub async fn list_chat_messages(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Api<Thread>> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let Some(visitor) = chat.visitor(&headers, q.token.as_deref())? else {
        return Ok(Api::ok(Thread {
            messages: Vec::new(),
        }));
    };
    let Some(conversation) = conversation_for(&state, &chat, &visitor).await? else {
        return Ok(Api::ok(Thread {
            messages: Vec::new(),
        }));
    };
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => 0,
        Some(after) => on_db!(&state.db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT num FROM messages WHERE id = $1 AND conversation_id = $2")
            .bind(after).bind(&conversation).fetch_optional(pool).await)?
        .unwrap_or(0),
    };
    let messages = visitor_messages(&state, &chat, &conversation, after).await?;
    Ok(Api::ok(Thread { messages }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatMessageIn {
    /// The client's id for this message: sending it again (a retry) stores it once.
    pub client_id: String,
    pub text: String,
}

#[derive(Serialize)]
pub struct Sent {
    /// The visitor's token, to send with later requests.
    pub token: String,
    pub message_id: String,
}

/// The visitor (existing, or new for this request) and the `Set-Cookie` for a new one.
pub(super) fn visitor_or_new(
    chat: &Chat,
    headers: &HeaderMap,
    query: Option<&str>,
    ip: std::net::IpAddr,
    limits: &ChatLimits,
) -> Result<String> {
    match chat.visitor(headers, query)? {
        Some(visitor) => Ok(visitor),
        None => {
            limits.new_visitor(ip)?;
            Ok(new_visitor())
        }
    }
}

pub(super) fn client_id(text: &str) -> Result<String> {
    let id = text.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AppError::field(
            "client_id",
            "Give 1 to 64 letters, digits, - or _.",
        ));
    }
    Ok(id.to_owned())
}

/// What a visitor said: one message to store.
pub(super) struct Said {
    /// The name they gave (the offline form).
    pub name: Option<String>,
    /// The widget's id for the message.
    pub client: String,
    pub kind: &'static str,
    pub text: String,
    pub content: Value,
}

/// Stores one visitor message as an inbound message of the channel (a known client id is skipped).
pub(super) async fn store(
    state: &AppState,
    chat: &Chat,
    visitor: &str,
    said: Said,
) -> Result<String> {
    let inbound = Inbound {
        customer: Person {
            id: visitor.to_owned(),
            name: said.name,
            username: None,
        },
        provider_id: format!("web:{visitor}:{}", said.client),
        kind: said.kind.to_owned(),
        text: said.text,
        content: said.content,
        at: None,
    };
    Ok(direct::store(state, &chat.channel, inbound).await?.0)
}

pub(super) fn answer(state: &AppState, chat: &Chat, visitor: &str, message_id: String) -> Response {
    let token = chat.token(visitor);
    let mut response = Api::created(Sent {
        token: token.clone(),
        message_id,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(state.config.is_https(), &chat.channel.id, &token),
    );
    response
}

pub async fn send_chat_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    crate::http::ApiJson(input): crate::http::ApiJson<ChatMessageIn>,
) -> Result<Response> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let text = input.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 4096 {
        return Err(AppError::field("text", "Write 1 to 4,096 characters."));
    }
    let client = client_id(&input.client_id)?;
    let visitor = visitor_or_new(&chat, &headers, q.token.as_deref(), ip, &state.chat)?;
    state.chat.message(&visitor)?;
    let id = store(
        &state,
        &chat,
        &visitor,
        Said {
            name: None,
            client,
            kind: "text",
            text,
            content: json!({}),
        },
    )
    .await?;
    Ok(answer(&state, &chat, &visitor, id))
}

pub use super::files::{get_chat_file, serve_file, upload_chat_file};
pub use super::offline::send_offline_message;
pub use super::stream::chat_stream;
