//! Payload filters: conditions on an event's `data` that must all hold for an endpoint to receive
//! it. A condition names a field by a dotted path (`role`, `actor.type`, `items.0.sku`) and an
//! operator: `eq` (equals a JSON value), `in` (equals one of a list), `exists` (the field is present
//! and not null; `"value": false` asks for absent or null). Comparison is JSON equality, so `"1"`
//! does not equal `1`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// At most this many conditions per endpoint (a filter, not a program).
pub const MAX_CONDITIONS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A dotted path into the event's `data`; digits index arrays.
    pub path: String,
    pub op: Op,
    /// For `eq`: the value; for `in`: an array of values; for `exists`: `true` (default) or `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Eq,
    In,
    Exists,
}

/// Checks conditions given by a client; the error names the condition and says what is wrong.
pub fn validate(conditions: &[Condition]) -> Result<(), String> {
    if conditions.len() > MAX_CONDITIONS {
        return Err(format!("Use at most {MAX_CONDITIONS} conditions."));
    }
    for (n, condition) in conditions.iter().enumerate() {
        let which = format!("Condition {} (`{}`)", n + 1, condition.path);
        let path = condition.path.trim();
        if path.is_empty() || path.len() > 200 || path.split('.').any(str::is_empty) {
            return Err(format!(
                "{which}: `path` must be field names separated by dots, such as `actor.type`."
            ));
        }
        match (condition.op, &condition.value) {
            (Op::Eq, None) => return Err(format!("{which}: `eq` needs a `value`.")),
            (Op::In, Some(Value::Array(values))) if !values.is_empty() => {}
            (Op::In, _) => {
                return Err(format!("{which}: `in` needs a non-empty array `value`."));
            }
            (Op::Exists, Some(value)) if !value.is_boolean() => {
                return Err(format!("{which}: `exists` takes `true` or `false`."));
            }
            _ => {}
        }
    }
    Ok(())
}

/// True when every condition holds for `data`.
pub fn matches(conditions: &[Condition], data: &Value) -> bool {
    conditions.iter().all(|condition| {
        let found = lookup(data, &condition.path).filter(|v| !v.is_null());
        match condition.op {
            Op::Eq => found == condition.value.as_ref(),
            Op::In => match (&condition.value, found) {
                (Some(Value::Array(values)), Some(found)) => values.contains(found),
                _ => false,
            },
            Op::Exists => {
                let wanted = condition
                    .value
                    .as_ref()
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                found.is_some() == wanted
            }
        }
    })
}

fn lookup<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(data, |value, part| match value {
        Value::Object(map) => map.get(part),
        Value::Array(items) => items.get(part.parse::<usize>().ok()?),
        _ => None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conditions(value: Value) -> Vec<Condition> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn conditions_match_the_data() {
        let data = json!({"role": "admin", "actor": {"type": "user"}, "items": [{"sku": "A1"}], "gone": null});
        let yes = conditions(json!([
            {"path": "role", "op": "eq", "value": "admin"},
            {"path": "actor.type", "op": "in", "value": ["user", "api_key"]},
            {"path": "items.0.sku", "op": "exists"},
            {"path": "gone", "op": "exists", "value": false},
            {"path": "missing", "op": "exists", "value": false},
        ]));
        assert!(matches(&yes, &data));
        for no in [
            json!([{"path": "role", "op": "eq", "value": "owner"}]),
            json!([{"path": "actor.type", "op": "in", "value": ["api_key"]}]),
            json!([{"path": "gone", "op": "exists"}]),
            json!([{"path": "items.1.sku", "op": "exists"}]),
            json!([{"path": "role.deeper", "op": "eq", "value": "admin"}]),
        ] {
            assert!(!matches(&conditions(no.clone()), &data), "{no}");
        }
        assert!(matches(&[], &data));
    }

    #[test]
    fn bad_conditions_are_explained() {
        for (bad, says) in [
            (json!([{"path": "", "op": "eq", "value": 1}]), "path"),
            (json!([{"path": "a..b", "op": "exists"}]), "path"),
            (json!([{"path": "a", "op": "eq"}]), "needs a `value`"),
            (
                json!([{"path": "a", "op": "in", "value": []}]),
                "non-empty array",
            ),
            (
                json!([{"path": "a", "op": "in", "value": "x"}]),
                "non-empty array",
            ),
            (
                json!([{"path": "a", "op": "exists", "value": "yes"}]),
                "true",
            ),
        ] {
            let error = validate(&conditions(bad)).unwrap_err();
            assert!(error.contains(says), "{error}");
        }
        assert!(
            serde_json::from_value::<Vec<Condition>>(json!([{"path": "a", "op": "gt"}])).is_err()
        );
    }
}
