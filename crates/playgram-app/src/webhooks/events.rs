//! The webhook events in the catalog: an endpoint was created, deleted, or disabled by the sender.
//! (No event per message or attempt: an event about a failing delivery, delivered to the failing
//! endpoint, would feed itself.)

use playgram_core::ids::EndpointId;
use serde::Serialize;
use serde_json::{Value, json};

use crate::events::catalog::{ActorRef, EventData, actor_schema, object};

#[derive(Clone, Debug, Serialize)]
pub struct EndpointCreated {
    pub endpoint_id: EndpointId,
    pub url: String,
    /// Null: every event.
    pub event_types: Option<Vec<String>>,
    pub actor: ActorRef,
}

impl EventData for EndpointCreated {
    const TYPE: &'static str = "webhook_endpoint.created";
    const DESCRIPTION: &'static str = "A webhook endpoint was added to the workspace.";
    fn schema() -> Value {
        object(
            &["endpoint_id", "url", "event_types", "actor"],
            json!({
                "endpoint_id": { "type": "string" },
                "url": { "type": "string", "format": "uri" },
                "event_types": { "type": ["array", "null"], "items": { "type": "string" } },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        EndpointCreated {
            endpoint_id: example_id(),
            url: "https://example.com/webhooks".into(),
            event_types: Some(vec!["member.*".into()]),
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EndpointDeleted {
    pub endpoint_id: EndpointId,
    pub url: String,
    pub actor: ActorRef,
}

impl EventData for EndpointDeleted {
    const TYPE: &'static str = "webhook_endpoint.deleted";
    const DESCRIPTION: &'static str =
        "A webhook endpoint was deleted; its messages and delivery log went with it.";
    fn schema() -> Value {
        object(
            &["endpoint_id", "url", "actor"],
            json!({
                "endpoint_id": { "type": "string" },
                "url": { "type": "string", "format": "uri" },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        EndpointDeleted {
            endpoint_id: example_id(),
            url: "https://example.com/webhooks".into(),
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EndpointDisabled {
    pub endpoint_id: EndpointId,
    pub url: String,
    /// `gone`: it answered 410 Gone. `failing`: every attempt failed for the configured time.
    pub reason: String,
    /// When the run of failures began (null for `gone` after a success).
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub failing_since: Option<i64>,
    pub last_error: String,
}

impl EventData for EndpointDisabled {
    const TYPE: &'static str = "webhook_endpoint.disabled";
    const DESCRIPTION: &'static str = "Playgram stopped sending to a webhook endpoint because it answered 410 Gone or kept failing; re-enable it and recover the failed messages.";
    fn schema() -> Value {
        object(
            &[
                "endpoint_id",
                "url",
                "reason",
                "failing_since",
                "last_error",
            ],
            json!({
                "endpoint_id": { "type": "string" },
                "url": { "type": "string", "format": "uri" },
                "reason": { "type": "string", "enum": ["gone", "failing"] },
                "failing_since": { "type": ["string", "null"], "format": "date-time" },
                "last_error": { "type": "string" },
            }),
        )
    }
    fn example() -> Self {
        EndpointDisabled {
            endpoint_id: example_id(),
            url: "https://example.com/webhooks".into(),
            reason: "failing".into(),
            failing_since: Some(1_795_000_000_000),
            last_error: "HTTP 502 Bad Gateway".into(),
        }
    }
}

fn example_id() -> EndpointId {
    EndpointId::parse("ep_01JD0000000000000000000000").unwrap_or_default()
}
