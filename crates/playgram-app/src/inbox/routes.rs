//! The inbox's URLs: its part of the REST API (merged under `/api/v1`), Meta's webhook URLs and
//! the dashboard's inbox page.

use axum::Router;
use axum::routing::{get, post};

use super::conversations::actions;
use super::{
    agents, api_channel, canned, channels, conversations, hooks, templates, views, website,
};
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
        .route("/channels/{id}/test", post(channels::api::test_channel))
        .route(
            "/channels/{id}/messages",
            post(api_channel::receive_api_message),
        )
        .route(
            "/channels/{id}/templates",
            get(templates::list_channel_templates).post(templates::create_channel_template),
        )
        .route(
            "/channels/{id}/templates/sync",
            post(templates::sync_channel_templates),
        )
        .route(
            "/conversations",
            get(conversations::api::list_conversations),
        )
        .route(
            "/conversations/{id}",
            get(conversations::api::get_conversation).patch(actions::update_conversation),
        )
        .route(
            "/conversations/{id}/notes",
            post(actions::create_conversation_note),
        )
        .route(
            "/conversations/{id}/tags",
            post(actions::add_conversation_tags),
        )
        .route(
            "/conversations/{id}/tags/{tag_id}",
            axum::routing::delete(actions::delete_conversation_tag),
        )
        .route(
            "/conversations/{id}/read",
            post(actions::mark_conversation_read),
        )
        .route("/inbox/agents", get(agents::list_inbox_agents))
        .route(
            "/inbox/agents/{user_id}",
            axum::routing::patch(agents::update_inbox_agent),
        )
        .route(
            "/inbox/settings",
            get(agents::get_inbox_settings).patch(agents::update_inbox_settings),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversations::api::list_conversation_messages)
                .post(actions::send_conversation_message),
        )
        .route(
            "/canned-replies",
            get(canned::api::list_canned_replies).post(canned::api::create_canned_reply),
        )
        .route(
            "/canned-replies/{id}",
            axum::routing::patch(canned::api::update_canned_reply)
                .delete(canned::api::delete_canned_reply),
        )
        .route(
            "/canned-replies/{id}/render",
            post(canned::api::render_canned_reply),
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

/// The dashboard's inbox: the page and its forms.
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/app/inbox", get(views::inbox_page))
        .route("/app/inbox/{id}/reply", post(views::forms::reply))
        .route(
            "/app/inbox/{id}/attach",
            post(views::attach::attach).layer(axum::extract::DefaultBodyLimit::max(
                website::UPLOAD_LIMIT + 64 * 1024,
            )),
        )
        .route("/app/inbox/{id}/update", post(views::forms::update))
        .route("/app/inbox/{id}/tags", post(views::forms::add_tag))
        .route("/app/inbox/files/{file}", get(views::forms::file))
        .route("/app/inbox/availability", post(views::forms::availability))
        .route(
            "/app/inbox/{id}/tags/{tag}/remove",
            post(views::forms::remove_tag),
        )
}

/// The website chat: `/widget.js` and the URLs it calls (CORS for the channel's sites; uploads
/// may be larger than other requests).
pub fn chat_routes() -> Router<AppState> {
    use website::api;
    // Every chat URL answers OPTIONS: the browser's preflight (answered by `api::cors`).
    let preflight = || async {};
    let chat = Router::new()
        .route(
            "/chat/{channel_id}/config",
            get(api::chat_config).options(preflight),
        )
        .route(
            "/chat/{channel_id}/messages",
            get(api::list_chat_messages)
                .post(api::send_chat_message)
                .options(preflight),
        )
        .route(
            "/chat/{channel_id}/uploads",
            post(api::upload_chat_file).options(preflight).layer(
                axum::extract::DefaultBodyLimit::max(website::UPLOAD_LIMIT + 1024),
            ),
        )
        .route(
            "/chat/{channel_id}/files/{file_id}",
            get(api::get_chat_file).options(preflight),
        )
        .route(
            "/chat/{channel_id}/offline",
            post(api::send_offline_message).options(preflight),
        )
        .route(
            "/chat/{channel_id}/stream",
            get(api::chat_stream).options(preflight),
        )
        .layer(axum::middleware::from_fn(api::cors));
    Router::new()
        .route("/widget.js", get(crate::pages::assets::get_widget_js))
        .merge(chat)
}
