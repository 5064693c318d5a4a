//! Time as the database stores it: integer milliseconds since the Unix epoch (UTC).
//!
//! Both backends store `BIGINT` milliseconds, so comparisons are exact and identical on SQLite and
//! PostgreSQL (SQLite has no timestamp type; text timestamps compare wrongly when formats drift).
//! Conversion to RFC 3339 happens only at the JSON and HTML edges.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch, as stored.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// RFC 3339 UTC text with millisecond precision, the API's timestamp form.
pub fn rfc3339(ms: Millis) -> String {
    to_datetime(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn to_datetime(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Serde helpers so a `Millis` field is written as RFC 3339 text in JSON.
pub mod as_rfc3339 {
    use super::*;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(*ms))
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
            match ms {
                Some(ms) => s.serialize_str(&rfc3339(*ms)),
                None => s.serialize_none(),
            }
        }
    }
}
