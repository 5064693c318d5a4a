//! The event catalog: every event type Playgram emits, with a description, a JSON Schema of its
//! `data` and an example. Each type is a struct implementing [`EventData`], so [`emit`] can only
//! write catalogued events and the example is a real value of the type.

use playgram_core::Tx;
use playgram_core::ids::{ApiKeyId, EventId, InviteId, UserId, WorkspaceId};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::{Actor, Principal};
use crate::contacts::events as contacts;
use crate::inbox::events as inbox;
use crate::webhooks::events as webhooks;

/// The `data` of one event type.
pub trait EventData: Serialize {
    const TYPE: &'static str;
    const DESCRIPTION: &'static str;
    /// JSON Schema (draft 2020-12) of the `data` object.
    fn schema() -> Value;
    fn example() -> Self;
}

/// Writes a catalogued event in the caller's transaction.
pub async fn emit<E: EventData>(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    data: &E,
) -> sqlx::Result<EventId> {
    playgram_core::events::emit(tx, workspace_id, E::TYPE, data).await
}

/// Writes many catalogued events of one type in the caller's transaction (imports).
pub async fn emit_many<E: EventData>(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    data: &[E],
) -> sqlx::Result<()> {
    let texts = data
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    playgram_core::events::emit_many(tx, workspace_id, E::TYPE, &texts).await
}

/// One entry of `GET /api/v1/event-types`.
#[derive(Clone, Debug, Serialize)]
pub struct EventType {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Value,
    pub example: Value,
}

fn entry<E: EventData>() -> EventType {
    EventType {
        name: E::TYPE,
        description: E::DESCRIPTION,
        schema: E::schema(),
        example: serde_json::to_value(E::example()).unwrap_or(Value::Null),
    }
}

/// Every event type, sorted by name.
pub fn catalog() -> Vec<EventType> {
    let mut types = vec![
        entry::<MemberInvited>(),
        entry::<MemberJoined>(),
        entry::<MemberRemoved>(),
        entry::<MemberRoleChanged>(),
        entry::<ApiKeyCreated>(),
        entry::<ApiKeyRotated>(),
        entry::<ApiKeyRevoked>(),
        entry::<webhooks::EndpointCreated>(),
        entry::<webhooks::EndpointDeleted>(),
        entry::<webhooks::EndpointDisabled>(),
        entry::<contacts::ContactCreated>(),
        entry::<contacts::ContactUpdated>(),
        entry::<contacts::ContactDeleted>(),
        entry::<contacts::ContactMerged>(),
        entry::<contacts::ContactTagAdded>(),
        entry::<contacts::ContactTagRemoved>(),
        entry::<contacts::ContactConsentChanged>(),
        entry::<contacts::ContactImportFinished>(),
        entry::<inbox::MessageReceived>(),
        entry::<inbox::MessageCreated>(),
        entry::<inbox::MessageStatusChanged>(),
        entry::<inbox::ConversationCreated>(),
        entry::<inbox::ConversationUpdated>(),
    ];
    types.sort_by_key(|t| t.name);
    types
}

pub fn is_known(name: &str) -> bool {
    catalog().iter().any(|t| t.name == name)
}

/// Who did it: a person or an API key.
#[derive(Clone, Debug, Serialize)]
pub struct ActorRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
}

impl ActorRef {
    pub fn of(principal: &Principal) -> Self {
        match &principal.actor {
            Actor::User(id) => ActorRef {
                kind: "user",
                id: id.to_string(),
            },
            Actor::ApiKey(id) => ActorRef {
                kind: "api_key",
                id: id.to_string(),
            },
        }
    }

    pub(crate) fn example() -> Self {
        ActorRef {
            kind: "user",
            id: "usr_01JD0000000000000000000000".into(),
        }
    }
}

pub(crate) fn actor_schema() -> Value {
    json!({
        "type": "object",
        "description": "Who did it.",
        "required": ["type", "id"],
        "properties": {
            "type": { "type": "string", "enum": ["user", "api_key"] },
            "id": { "type": "string", "description": "A user id (usr_…) or an API key id (key_…)." }
        }
    })
}

pub(crate) fn object(required: &[&str], properties: Value) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": required,
        "properties": properties,
    })
}

const ROLES: [&str; 5] = ["owner", "admin", "manager", "agent", "viewer"];

#[derive(Clone, Debug, Serialize)]
pub struct MemberInvited {
    pub invite_id: InviteId,
    pub email: String,
    pub role: String,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub expires_at: i64,
    pub actor: ActorRef,
}

impl EventData for MemberInvited {
    const TYPE: &'static str = "member.invited";
    const DESCRIPTION: &'static str = "Someone was invited to join the workspace with a role.";
    fn schema() -> Value {
        object(
            &["invite_id", "email", "role", "expires_at", "actor"],
            json!({
                "invite_id": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "role": { "type": "string", "enum": ROLES },
                "expires_at": { "type": "string", "format": "date-time" },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        MemberInvited {
            invite_id: InviteId::parse("inv_01JD0000000000000000000000").unwrap_or_default(),
            email: "sam@example.com".into(),
            role: "agent".into(),
            expires_at: 1_790_000_000_000,
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberJoined {
    pub user_id: UserId,
    pub email: String,
    pub role: String,
    pub invite_id: InviteId,
}

impl EventData for MemberJoined {
    const TYPE: &'static str = "member.joined";
    const DESCRIPTION: &'static str = "Someone accepted an invite and joined the workspace.";
    fn schema() -> Value {
        object(
            &["user_id", "email", "role", "invite_id"],
            json!({
                "user_id": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "role": { "type": "string", "enum": ROLES },
                "invite_id": { "type": "string" },
            }),
        )
    }
    fn example() -> Self {
        MemberJoined {
            user_id: UserId::parse("usr_01JD0000000000000000000001").unwrap_or_default(),
            email: "sam@example.com".into(),
            role: "agent".into(),
            invite_id: InviteId::parse("inv_01JD0000000000000000000000").unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberRemoved {
    pub user_id: UserId,
    pub email: String,
    pub role: String,
    /// True when the member left on their own.
    pub left: bool,
    pub actor: ActorRef,
}

impl EventData for MemberRemoved {
    const TYPE: &'static str = "member.removed";
    const DESCRIPTION: &'static str = "A member was removed from the workspace, or left it.";
    fn schema() -> Value {
        object(
            &["user_id", "email", "role", "left", "actor"],
            json!({
                "user_id": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "role": { "type": "string", "enum": ROLES, "description": "The role they had." },
                "left": { "type": "boolean", "description": "True when the member left on their own." },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        MemberRemoved {
            user_id: UserId::parse("usr_01JD0000000000000000000001").unwrap_or_default(),
            email: "sam@example.com".into(),
            role: "agent".into(),
            left: false,
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberRoleChanged {
    pub user_id: UserId,
    pub email: String,
    pub old_role: String,
    pub new_role: String,
    pub actor: ActorRef,
}

impl EventData for MemberRoleChanged {
    const TYPE: &'static str = "member.role_changed";
    const DESCRIPTION: &'static str = "A member's role changed.";
    fn schema() -> Value {
        object(
            &["user_id", "email", "old_role", "new_role", "actor"],
            json!({
                "user_id": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "old_role": { "type": "string", "enum": ROLES },
                "new_role": { "type": "string", "enum": ROLES },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        MemberRoleChanged {
            user_id: UserId::parse("usr_01JD0000000000000000000001").unwrap_or_default(),
            email: "sam@example.com".into(),
            old_role: "agent".into(),
            new_role: "manager".into(),
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ApiKeyCreated {
    pub api_key_id: ApiKeyId,
    pub name: String,
    pub scopes: Vec<String>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub expires_at: Option<i64>,
    pub actor: ActorRef,
}

impl EventData for ApiKeyCreated {
    const TYPE: &'static str = "api_key.created";
    const DESCRIPTION: &'static str =
        "An API key was created (its secret is never part of an event).";
    fn schema() -> Value {
        object(
            &["api_key_id", "name", "scopes", "expires_at", "actor"],
            json!({
                "api_key_id": { "type": "string" },
                "name": { "type": "string" },
                "scopes": { "type": "array", "items": { "type": "string" } },
                "expires_at": { "type": ["string", "null"], "format": "date-time" },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        ApiKeyCreated {
            api_key_id: ApiKeyId::parse("key_01JD0000000000000000000000").unwrap_or_default(),
            name: "CRM sync".into(),
            scopes: vec!["workspace:read".into()],
            expires_at: None,
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ApiKeyRotated {
    pub api_key_id: ApiKeyId,
    pub name: String,
    /// When the previous secret stops working.
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub previous_secret_expires_at: i64,
    pub actor: ActorRef,
}

impl EventData for ApiKeyRotated {
    const TYPE: &'static str = "api_key.rotated";
    const DESCRIPTION: &'static str =
        "An API key got a new secret; the previous one works until the overlap ends.";
    fn schema() -> Value {
        object(
            &["api_key_id", "name", "previous_secret_expires_at", "actor"],
            json!({
                "api_key_id": { "type": "string" },
                "name": { "type": "string" },
                "previous_secret_expires_at": { "type": "string", "format": "date-time" },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        ApiKeyRotated {
            api_key_id: ApiKeyId::parse("key_01JD0000000000000000000000").unwrap_or_default(),
            name: "CRM sync".into(),
            previous_secret_expires_at: 1_790_000_000_000,
            actor: ActorRef::example(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ApiKeyRevoked {
    pub api_key_id: ApiKeyId,
    pub name: String,
    pub actor: ActorRef,
}

impl EventData for ApiKeyRevoked {
    const TYPE: &'static str = "api_key.revoked";
    const DESCRIPTION: &'static str = "An API key was revoked; it stopped working at once.";
    fn schema() -> Value {
        object(
            &["api_key_id", "name", "actor"],
            json!({
                "api_key_id": { "type": "string" },
                "name": { "type": "string" },
                "actor": actor_schema(),
            }),
        )
    }
    fn example() -> Self {
        ApiKeyRevoked {
            api_key_id: ApiKeyId::parse("key_01JD0000000000000000000000").unwrap_or_default(),
            name: "CRM sync".into(),
            actor: ActorRef::example(),
        }
    }
}

/// Checks `value` against the subset of JSON Schema the catalog uses (object, required,
/// properties, type incl. nullable unions, enum, array items). Returns the first mismatch.
pub fn conforms(schema: &Value, value: &Value) -> Result<(), String> {
    check(schema, value, "data")
}

fn check(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let type_ok = types.is_empty()
        || types.contains(&actual)
        || (actual == "integer" && types.contains(&"number"));
    if !type_ok {
        return Err(format!("{path}: expected {types:?}, found {actual}"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let Value::Object(fields) = value {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                return Err(format!("{path}: missing `{name}`"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, field) in fields {
                let Some(field_schema) = properties.get(name) else {
                    return Err(format!("{path}: `{name}` is not in the schema"));
                };
                check(field_schema, field, &format!("{path}.{name}"))?;
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_fits_its_schema() {
        let catalog = catalog();
        assert!(catalog.len() >= 7);
        for entry in &catalog {
            conforms(&entry.schema, &entry.example)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        }
    }

    #[test]
    fn the_checker_notices_a_wrong_example() {
        let schema = MemberInvited::schema();
        let wrong = json!({ "invite_id": "inv_1", "email": "a@b.c", "role": "pilot",
            "expires_at": "2026-01-01T00:00:00Z", "actor": { "type": "user", "id": "usr_1" } });
        assert!(conforms(&schema, &wrong).is_err());
        let missing = json!({ "invite_id": "inv_1" });
        assert!(conforms(&schema, &missing).is_err());
    }
}
