//! Tests of the webhook and request-bin parts of the document: deliveries are described, filters
//! and schemas match the handlers and DTOs, and the capture URL is public at the site's root.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{document, webhooks};

#[test]
fn webhook_deliveries_and_their_verification_are_described() {
    let doc = document();
    let tags = doc["tags"].to_string();
    for needle in [
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature: v1,",
        "v1,<new> v1,<old>",
        "{type, timestamp, data}",
        "standardwebhooks",
        "410 Gone",
        "webhook_endpoint.disabled",
        "PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS",
        "`webhooks:read`",
        "`webhooks:write`",
    ] {
        let found = tags.contains(needle)
            || doc["components"]["schemas"]["WebhookMessage"]
                .to_string()
                .contains(needle);
        assert!(found, "{needle}");
    }
    assert!(!tags.contains('$'), "a placeholder was left: {tags}");
    for key in [
        "webhooks_retry_schedule",
        "webhooks_disable_after_hours",
        "webhooks_timeout_seconds",
        "request_bin_rate_per_minute",
    ] {
        let default = webhooks::config_default(key);
        assert!(!default.is_empty() && tags.contains(default), "{key}");
    }
    let described = doc["paths"]["/events"]["get"]["parameters"].to_string();
    for kind in [
        "webhook_endpoint.created",
        "webhook_endpoint.deleted",
        "webhook_endpoint.disabled",
    ] {
        assert!(described.contains(kind), "{kind}");
    }
}

#[test]
fn the_message_filters_list_what_the_handler_accepts() {
    use crate::webhooks::api::{MessageQuery, message_filter};
    let doc = document();
    let params = doc["paths"]["/webhook-messages"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "endpoint_id",
            "status",
            "event_type",
            "since",
            "until",
            "q",
            "cursor",
            "limit"
        ]
    );
    let statuses = params[1]["schema"]["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(statuses.len(), crate::webhooks::messages::STATUSES.len());
    for status in statuses {
        let query = MessageQuery {
            status: status.as_str().map(str::to_owned),
            ..MessageQuery::default()
        };
        assert!(message_filter(&query).is_ok(), "{status}");
    }
    let asleep = MessageQuery {
        status: Some("asleep".to_owned()),
        ..MessageQuery::default()
    };
    assert!(message_filter(&asleep).is_err());
}

#[test]
fn the_capture_url_is_public_and_served_at_the_root() {
    let doc = document();
    for method in webhooks::CAPTURE_METHODS {
        let capture = &doc["paths"]["/bin/{token}"][method];
        assert_eq!(capture["security"], json!([]), "{method}");
        assert_eq!(capture["servers"][0]["url"], "/", "{method}");
        assert!(capture["responses"]["401"].is_null(), "{method}");
        assert_eq!(
            capture["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/CaptureAck"
        );
    }
}

/// The property names of a component schema (following `allOf`).
pub(super) fn properties(doc: &Value, name: &str) -> BTreeSet<String> {
    let schema = &doc["components"]["schemas"][name];
    let mut out: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().cloned().unwrap_or_default() {
        match part["$ref"].as_str() {
            Some(target) => out.extend(properties(
                doc,
                target.trim_start_matches("#/components/schemas/"),
            )),
            None => out.extend(
                part["properties"]
                    .as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
        }
    }
    out
}

pub(super) fn keys<T: serde::Serialize>(value: &T) -> BTreeSet<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default()
}

/// Each webhook and request-bin schema names exactly the fields its DTO writes.
#[test]
fn webhook_schemas_match_what_the_api_writes() {
    use crate::webhooks::api::{EndpointOut, EndpointWithSecret, MessageOut};
    use crate::webhooks::bins::api::{BinOut, CaptureOut};
    use crate::webhooks::bins::store::CaptureRow;
    use crate::webhooks::messages::{AttemptRow, MessageRow};
    use playgram_core::ids::{
        AttemptId, BinId, CaptureId, EndpointId, EventId, MessageId, WorkspaceId,
    };

    let doc = document();
    let endpoint = EndpointOut {
        id: EndpointId::new(),
        url: "https://example.com/hooks".into(),
        description: String::new(),
        event_types: None,
        filter: Vec::new(),
        enabled: true,
        disabled_reason: None,
        disabled_at: None,
        rate_limit: None,
        max_in_flight: 20,
        headers: Default::default(),
        failing_since: None,
        previous_secret_until: None,
        created_at: 0,
        updated_at: 0,
    };
    assert_eq!(keys(&endpoint), properties(&doc, "WebhookEndpoint"));
    let with_secret = EndpointWithSecret {
        endpoint,
        secret: "whsec_x".into(),
    };
    assert_eq!(
        keys(&with_secret),
        properties(&doc, "WebhookEndpointWithSecret")
    );

    let message = MessageRow {
        id: MessageId::new(),
        workspace_id: WorkspaceId::new(),
        endpoint_id: EndpointId::new(),
        event_id: Some(EventId::new()),
        event_type: "member.joined".into(),
        payload: r#"{"type":"member.joined","timestamp":"2026-11-22T10:00:00Z","data":{}}"#.into(),
        status: "pending".into(),
        attempts: 0,
        last_response_status: None,
        last_error: None,
        next_attempt_at: None,
        created_at: 0,
        delivered_at: None,
        updated_at: 0,
    };
    let attempt = AttemptRow {
        id: AttemptId::new(),
        message_id: message.id.clone(),
        endpoint_id: message.endpoint_id.clone(),
        workspace_id: message.workspace_id.clone(),
        attempt: 1,
        trigger: "scheduled".into(),
        url: "https://example.com/hooks".into(),
        request_headers: "{}".into(),
        request_body: "{}".into(),
        response_status: Some(200),
        response_headers: Some("{}".into()),
        response_body: Some(String::new()),
        duration_ms: 12,
        error: None,
        succeeded: true,
        started_at: 0,
    };
    assert_eq!(keys(&attempt), properties(&doc, "WebhookAttempt"));
    let listed = MessageOut::of(message.clone(), None);
    let mut expected = properties(&doc, "WebhookMessage");
    assert_eq!(
        keys(&MessageOut::of(message, Some(vec![attempt]))),
        expected
    );
    expected.remove("attempts_log");
    assert_eq!(keys(&listed), expected);

    let bin = BinOut {
        id: BinId::new(),
        name: "Bin".into(),
        url: "https://example.com/bin/token".into(),
        capture_count: 0,
        last_capture_at: None,
        created_at: 0,
    };
    assert_eq!(keys(&bin), properties(&doc, "RequestBin"));
    let capture = CaptureOut::from(CaptureRow {
        id: CaptureId::new(),
        bin_id: BinId::new(),
        method: "POST".into(),
        path: String::new(),
        query: String::new(),
        headers: "[]".into(),
        body_encoding: "utf8".into(),
        body: String::new(),
        body_size: 0,
        truncated: false,
        remote_addr: None,
        received_at: 0,
    });
    assert_eq!(keys(&capture), properties(&doc, "CapturedRequest"));
}

/// The request schemas name only fields the handlers accept (their DTOs refuse unknown ones).
#[test]
fn webhook_request_schemas_are_accepted_by_the_handlers() {
    use crate::webhooks::endpoint::EndpointIn;
    let doc = document();
    for name in ["WebhookEndpointIn", "WebhookEndpointPatch"] {
        let every_field: serde_json::Map<String, Value> = properties(&doc, name)
            .into_iter()
            .map(|field| (field, Value::Null))
            .collect();
        let parsed = serde_json::from_value::<EndpointIn>(Value::Object(every_field));
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
    }
    let rotate = json!({ "overlap_hours": 24 });
    assert_eq!(
        properties(&doc, "WebhookSecretRotateIn"),
        keys(&rotate),
        "rotation"
    );
    assert!(serde_json::from_value::<crate::webhooks::api::RotateIn>(rotate).is_ok());
    let test = json!({ "event_type": "member.joined" });
    assert_eq!(properties(&doc, "WebhookTestIn"), keys(&test));
    assert!(serde_json::from_value::<crate::webhooks::api::TestIn>(test).is_ok());
    let recover = json!({ "since": "2026-11-22T10:00:00Z" });
    assert_eq!(properties(&doc, "WebhookRecoverIn"), keys(&recover));
    assert!(serde_json::from_value::<crate::webhooks::api::RecoverIn>(recover).is_ok());
    let bin = json!({ "name": "Bin" });
    assert_eq!(properties(&doc, "RequestBinIn"), keys(&bin));
    assert!(serde_json::from_value::<crate::webhooks::bins::api::BinIn>(bin).is_ok());
}

/// The example delivery in the `webhooks` tag is signed with the example secret, as Playgram signs.
#[test]
fn the_example_delivery_verifies_with_the_example_secret() {
    use crate::webhooks::signature::{Secret, verify};
    let doc = document();
    let tag = webhooks::webhooks_tag();
    let example = tag
        .split("```http\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or_default();
    let (head, body) = example.split_once("\n\n").unwrap_or_default();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
    };
    let schema = &doc["components"]["schemas"]["WebhookEndpointWithSecret"]["allOf"][1];
    let secret = schema["properties"]["secret"]["example"]
        .as_str()
        .unwrap_or_default();
    assert!(
        tag.contains(secret),
        "the tag names the secret it signs with"
    );
    let Some(secret) = Secret::parse(secret) else {
        panic!("the example secret {secret} does not parse");
    };
    let timestamp = header("webhook-timestamp");
    let now: i64 = timestamp.parse().unwrap_or_default();
    let verified = verify(
        &secret,
        header("webhook-id"),
        timestamp,
        header("webhook-signature"),
        body.as_bytes(),
        now,
        300,
    );
    assert_eq!(verified, Ok(()), "{example}");
    let payload: Value = serde_json::from_str(body).unwrap_or_default();
    for field in ["type", "timestamp", "data"] {
        assert!(!payload[field].is_null(), "{field}");
    }
}
