//! The events subscriber that turns each sequenced event into one message and one delivery job per
//! matching endpoint (a disabled endpoint's message is recorded as failed, unsent, so recovering
//! after re-enabling covers the time it was off), inside the sequencing transaction (so each event is fanned out exactly once,
//! and a rollback takes the messages with it). Nothing here knows an event type: every type in the
//! catalog, present or future, is delivered the same way.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use playgram_core::Tx;
use playgram_core::events::{Event, Subscriber};
use playgram_core::ids::{MessageId, WorkspaceId};
use playgram_core::jobs::enqueue_many;
use playgram_core::time::rfc3339;

use super::deliver::{self, Trigger};
use super::endpoint::subscribes;
use super::filter;
use super::messages::{self, NewMessage};
use super::store::{self, EndpointRow};

struct Candidate {
    row: EndpointRow,
    types: Option<Vec<String>>,
    conditions: Vec<filter::Condition>,
}

pub struct Fanout {
    schedule: Vec<Duration>,
}

impl Fanout {
    pub fn new(schedule: Vec<Duration>) -> Arc<Fanout> {
        Arc::new(Fanout { schedule })
    }
}

/// The body of a delivery: `{"type","timestamp","data"}`, with the event's data as stored.
pub fn body(kind: &str, occurred_at: i64, data: &str) -> String {
    let kind = serde_json::Value::String(kind.to_owned());
    format!(
        "{{\"type\":{kind},\"timestamp\":\"{}\",\"data\":{data}}}",
        rfc3339(occurred_at)
    )
}

/// The error of a message not sent because its endpoint is disabled.
pub fn disabled_error(endpoint: &EndpointRow) -> String {
    let reason = endpoint.disabled_reason.as_deref().unwrap_or("manual");
    format!("not sent: the endpoint is disabled ({reason})")
}

impl Subscriber for Fanout {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn handle<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [Event],
    ) -> Pin<Box<dyn Future<Output = sqlx::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            // Per workspace: its endpoints with their types and filter parsed once per batch.
            let mut endpoints: HashMap<WorkspaceId, Vec<Candidate>> = HashMap::new();
            let mut new_messages = Vec::new();
            let mut jobs = Vec::new();
            for event in events {
                if !endpoints.contains_key(&event.workspace_id) {
                    let found = store::all_in(tx, &event.workspace_id).await?;
                    let found = found
                        .into_iter()
                        .map(|row| Candidate {
                            types: row.event_types(),
                            conditions: row.conditions(),
                            row,
                        })
                        .collect();
                    endpoints.insert(event.workspace_id.clone(), found);
                }
                let candidates = &endpoints[&event.workspace_id];
                let mut data = None;
                for candidate in candidates {
                    let endpoint = &candidate.row;
                    if !subscribes(candidate.types.as_deref(), &event.kind) {
                        continue;
                    }
                    if !candidate.conditions.is_empty() {
                        let data = data.get_or_insert_with(|| event.data_json());
                        if !filter::matches(&candidate.conditions, data) {
                            continue;
                        }
                    }
                    let id = MessageId::new();
                    let payload = body(&event.kind, event.occurred_at, &event.data);
                    let (status, last_error) = if endpoint.enabled {
                        jobs.push(deliver::job(
                            &event.workspace_id,
                            endpoint,
                            id.clone(),
                            Trigger::Scheduled,
                            self.schedule.len(),
                            self.schedule.first().copied().unwrap_or_default(),
                            Some(payload.clone()),
                        )?);
                        ("pending", None)
                    } else {
                        ("failed", Some(disabled_error(endpoint)))
                    };
                    new_messages.push(NewMessage {
                        status,
                        last_error,
                        id,
                        workspace_id: event.workspace_id.clone(),
                        endpoint_id: endpoint.id.clone(),
                        event_id: Some(event.id.clone()),
                        event_type: event.kind.clone(),
                        payload,
                        created_at: event.occurred_at,
                    });
                }
            }
            if new_messages.is_empty() {
                return Ok(());
            }
            messages::insert(tx, &new_messages).await?;
            enqueue_many(tx, jobs).await?;
            Ok(())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_body_wraps_the_data_as_stored() {
        let text = body("member.joined", 1_795_000_000_000, r#"{"a": 1}"#);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], "member.joined");
        assert_eq!(value["timestamp"], "2026-11-18T11:06:40.000Z");
        assert_eq!(value["data"]["a"], 1);
    }
}
