//! The inbox's URLs: its part of the REST API (merged under `/api/v1`) and Meta's webhook URLs.

use axum::Router;
use axum::routing::get;

use super::{channels, conversations, hooks};
use crate::state::AppState;

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/channels",
            get(channels::api::list_channels).post(channels::api::create_channel),
        )
        .route(
            "/channels/{id}",
            get(channels::api::get_channel)
                .patch(channels::api::update_channel)
                .delete(channels::api::delete_channel),
        )
        .route(
            "/conversations",
            get(conversations::api::list_conversations),
        )
        .route(
            "/conversations/{id}",
            get(conversations::api::get_conversation),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversations::api::list_conversation_messages),
        )
        .route(
            "/inbound-payloads",
            get(conversations::api::list_flagged_payloads),
        )
}

/// Meta's webhook URLs: the handshake (`GET`) and deliveries (`POST`) per channel kind.
pub fn hook_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/hooks/whatsapp/{channel_id}",
            get(hooks::whatsapp_handshake).post(hooks::whatsapp_webhook),
        )
        .route(
            "/hooks/instagram/{channel_id}",
            get(hooks::instagram_handshake).post(hooks::instagram_webhook),
        )
        .route(
            "/hooks/messenger/{channel_id}",
            get(hooks::messenger_handshake).post(hooks::messenger_webhook),
        )
}
