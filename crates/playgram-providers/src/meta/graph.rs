//! The Graph API client: sending WhatsApp, Instagram and Messenger messages, WhatsApp media and
//! templates, and a "who am I" read to test a channel's token. One base URL from config
//! (`meta_graph_url`, e.g. `https://graph.facebook.com/v23.0`), so tests point it at the fake.
//!
//! Meta's errors come as `{"error": {message, type, code, error_subcode, error_data.details}}`;
//! [`GraphError::kind`] sorts them into what the caller does next (see [`Kind`]).

use std::time::Duration;

use serde_json::{Value, json};

#[derive(Clone)]
pub struct Graph {
    http: reqwest::Client,
    base: String,
}

/// What a failed call means for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 131047 (WhatsApp) or 10/2534022 (Instagram, Messenger): outside the customer service
    /// window; only a template (or a tagged message) may be sent.
    WindowClosed,
    /// 131026: the number cannot receive it (not on WhatsApp, old app, …).
    Undeliverable,
    /// 130429, 131056, 4, 80007, 613, or HTTP 429: slow down and try again later.
    Throttled,
    /// 190: the access token is invalid or expired; the channel needs a new one.
    TokenInvalid,
    /// 5xx, a timeout or no answer: the call may or may not have happened.
    Unavailable,
    /// Any other refusal: not worth repeating.
    Refused,
}

#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct GraphError {
    pub kind: Kind,
    /// HTTP status; 0 when there was no answer.
    pub status: u16,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    /// Meta's explanation (the details when given, else the message), or what went wrong locally.
    pub message: String,
}

impl GraphError {
    fn local(message: impl Into<String>) -> GraphError {
        GraphError {
            kind: Kind::Unavailable,
            status: 0,
            code: None,
            subcode: None,
            message: message.into(),
        }
    }

    /// Reads Meta's error envelope.
    pub fn from_response(status: u16, body: &[u8]) -> GraphError {
        let value: Value = serde_json::from_slice(body).unwrap_or_default();
        let error = &value["error"];
        let code = error["code"].as_i64();
        let subcode = error["error_subcode"].as_i64();
        let message = [&error["error_data"]["details"], &error["message"]]
            .into_iter()
            .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
            .map(str::to_owned)
            .unwrap_or_else(|| format!("Meta answered HTTP {status}"));
        let kind = match (code, subcode) {
            (Some(131047), _) | (Some(10), Some(2534022)) => Kind::WindowClosed,
            (Some(131026), _) => Kind::Undeliverable,
            (Some(130429 | 131056 | 4 | 80007 | 613 | 32 | 17), _) => Kind::Throttled,
            (Some(190), _) => Kind::TokenInvalid,
            _ if status == 429 => Kind::Throttled,
            _ if status >= 500 => Kind::Unavailable,
            _ => Kind::Refused,
        };
        GraphError {
            kind,
            status,
            code,
            subcode,
            message,
        }
    }
}

/// What a WhatsApp media id points at.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct MediaInfo {
    pub url: String,
    pub mime_type: String,
    #[serde(default)]
    pub sha256: Option<String>,
}

impl Graph {
    pub fn new(base: &str, timeout: Duration) -> Graph {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent("Playgram/1.0")
            .build()
            .unwrap_or_default();
        Graph {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, GraphError> {
        let response = request
            .send()
            .await
            .map_err(|e| GraphError::local(format!("no answer from Meta: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| GraphError::local(format!("the answer from Meta was cut: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(GraphError::from_response(status, &body));
        }
        serde_json::from_slice(&body).map_err(|_| GraphError::local("Meta's answer was not JSON"))
    }

    /// `POST /{phone_number_id}/messages`; returns the `wamid`.
    pub async fn send_whatsapp(
        &self,
        token: &str,
        phone_number_id: &str,
        body: &Value,
    ) -> Result<String, GraphError> {
        let answer = self
            .call(
                self.http
                    .post(self.url(&format!("{phone_number_id}/messages")))
                    .bearer_auth(token)
                    .json(body),
            )
            .await?;
        answer["messages"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::local("Meta's answer has no message id"))
    }

    /// `POST /{phone_number_id}/media` (multipart): uploads a file for WhatsApp messages to refer
    /// to by id; returns the media id.
    pub async fn upload_whatsapp_media(
        &self,
        token: &str,
        phone_number_id: &str,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_owned())
            .mime_str(mime_type)
            .map_err(|_| GraphError::local("the file's type is not a MIME type"))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime_type.to_owned())
            .part("file", part);
        let answer = self
            .call(
                self.http
                    .post(self.url(&format!("{phone_number_id}/media")))
                    .bearer_auth(token)
                    .multipart(form),
            )
            .await?;
        answer["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::local("Meta's upload answer has no id"))
    }

    /// `POST /{account or page id}/messages` (Instagram, Messenger); returns the `message_id`.
    pub async fn send_messaging(
        &self,
        token: &str,
        account_id: &str,
        body: &Value,
    ) -> Result<String, GraphError> {
        let answer = self
            .call(
                self.http
                    .post(self.url(&format!("{account_id}/messages")))
                    .bearer_auth(token)
                    .json(body),
            )
            .await?;
        answer["message_id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::local("Meta's answer has no message id"))
    }

    /// `GET /{media_id}`: where to download a WhatsApp media file (the URL lives five minutes).
    pub async fn media_info(&self, token: &str, media_id: &str) -> Result<MediaInfo, GraphError> {
        let answer = self
            .call(self.http.get(self.url(media_id)).bearer_auth(token))
            .await?;
        serde_json::from_value(answer).map_err(|_| GraphError {
            kind: Kind::Refused,
            ..GraphError::local("Meta's media answer has no url")
        })
    }

    /// Downloads a media URL (with the token, as Meta requires); at most `max` bytes.
    pub async fn download(
        &self,
        token: &str,
        url: &str,
        max: usize,
    ) -> Result<(Vec<u8>, String), GraphError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| GraphError::local(format!("no answer from Meta: {e}")))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|e| GraphError::local(format!("the download was cut: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(GraphError::from_response(status, &body));
        }
        if body.len() > max {
            return Err(GraphError {
                kind: Kind::Refused,
                ..GraphError::local(format!("the file is larger than {max} bytes"))
            });
        }
        Ok((body.to_vec(), content_type))
    }

    /// `GET /{message_template_list}`: the WABA's templates (first page of up to 250).
    pub async fn templates(&self, token: &str, waba_id: &str) -> Result<Vec<Value>, GraphError> {
        let answer = self
            .call(
                self.http
                    .get(self.url(&format!(
                        "{waba_id}/message_templates?limit=250&fields=id,name,language,status,category,components,rejected_reason"
                    )))
                    .bearer_auth(token),
            )
            .await?;
        Ok(answer["data"].as_array().cloned().unwrap_or_default())
    }

    /// `POST /{waba_id}/message_templates`: submits a template for review; returns `{id, status}`.
    pub async fn create_template(
        &self,
        token: &str,
        waba_id: &str,
        body: &Value,
    ) -> Result<Value, GraphError> {
        self.call(
            self.http
                .post(self.url(&format!("{waba_id}/message_templates")))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// `GET /{id}?fields=…`: reads the account the token is for (a channel's "test connection").
    /// `fields` is a comma-separated list of field names.
    pub async fn whoami(&self, token: &str, id: &str, fields: &str) -> Result<Value, GraphError> {
        self.call(
            self.http
                .get(self.url(&format!("{id}?fields={fields}")))
                .bearer_auth(token),
        )
        .await
    }
}

/// A WhatsApp text message to `to`.
pub fn whatsapp_text(to: &str, text: &str, reply_to: Option<&str>) -> Value {
    let mut body = json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
        "type": "text", "text": { "preview_url": text.contains("https://"), "body": text } });
    if let Some(id) = reply_to {
        body["context"] = json!({ "message_id": id });
    }
    body
}

/// An Instagram or Messenger text to `to`; `human_agent` tags it for the 7-day window.
pub fn messaging_text(to: &str, text: &str, human_agent: bool) -> Value {
    let mut body = json!({ "recipient": { "id": to }, "message": { "text": text } });
    if human_agent {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    } else {
        body["messaging_type"] = json!("RESPONSE");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_errors_are_sorted_by_what_to_do_next() {
        let kind = |status, body: &str| GraphError::from_response(status, body.as_bytes()).kind;
        assert_eq!(
            kind(
                400,
                r#"{"error":{"code":131047,"message":"(#131047) Re-engagement message"}}"#
            ),
            Kind::WindowClosed
        );
        assert_eq!(
            kind(400, r#"{"error":{"code":10,"error_subcode":2534022}}"#),
            Kind::WindowClosed
        );
        assert_eq!(
            kind(400, r#"{"error":{"code":131026}}"#),
            Kind::Undeliverable
        );
        assert_eq!(kind(400, r#"{"error":{"code":130429}}"#), Kind::Throttled);
        assert_eq!(kind(429, r#"{"error":{"code":130429}}"#), Kind::Throttled);
        assert_eq!(kind(400, r#"{"error":{"code":131056}}"#), Kind::Throttled);
        assert_eq!(kind(401, r#"{"error":{"code":190}}"#), Kind::TokenInvalid);
        assert_eq!(kind(500, r#"{"error":{"code":131000}}"#), Kind::Unavailable);
        assert_eq!(kind(502, "<html>bad gateway</html>"), Kind::Unavailable);
        assert_eq!(
            kind(
                400,
                r#"{"error":{"code":100,"message":"Invalid parameter"}}"#
            ),
            Kind::Refused
        );
        let e = GraphError::from_response(400, br#"{"error":{"code":130429,"message":"(#130429) Rate limit hit","error_data":{"details":"Cloud API message throughput has been reached."}}}"#);
        assert_eq!(e.message, "Cloud API message throughput has been reached.");
    }
}
