//! One HTTP attempt: POST the signed body, keep what the log needs (status, headers, the first
//! 4 KB of the response, duration, a readable error) and what the retry needs (`Retry-After`).

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::ssrf::{self, Guard};

/// The response body kept in the log.
pub const RESPONSE_LOG_BYTES: usize = 4096;
/// The longest `Retry-After` honoured; longer asks fall back to this.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug)]
pub struct Sent {
    /// `None` when no response arrived (refused, blocked, timed out).
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// The first 4 KB of the response body, as text (invalid UTF-8 replaced).
    pub body: String,
    pub retry_after: Option<Duration>,
    pub error: Option<String>,
    pub duration: Duration,
}

impl Sent {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn failed(error: String, started: Instant) -> Sent {
        Sent {
            status: None,
            headers: Vec::new(),
            body: String::new(),
            retry_after: None,
            error: Some(error),
            duration: started.elapsed(),
        }
    }
}

/// Sends one attempt; never fails (every failure is described in the result).
pub async fn send(
    client: &reqwest::Client,
    guard: &Guard,
    url: &url::Url,
    headers: &[(String, String)],
    body: Bytes,
) -> Sent {
    let started = Instant::now();
    if let Err(blocked) = ssrf::check_literal(guard, url) {
        return Sent::failed(blocked.to_string(), started);
    }
    let mut request = client.post(url.clone()).body(body);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(error) => return Sent::failed(ssrf::describe(&error), started),
    };
    let status = response.status().as_u16();
    let kept: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let retry_after = matches!(status, 429 | 503)
        .then(|| response.headers().get(reqwest::header::RETRY_AFTER))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut body = Vec::new();
    let mut error = None;
    while body.len() < RESPONSE_LOG_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                error = Some(format!("reading the response: {}", ssrf::describe(&e)));
                break;
            }
        }
    }
    body.truncate(RESPONSE_LOG_BYTES);
    let error = error.or_else(|| {
        (!(200..300).contains(&status)).then(|| {
            let reason = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            format!("HTTP {status} {reason}").trim_end().to_owned()
        })
    });
    Sent {
        status: Some(status),
        headers: kept,
        body: String::from_utf8_lossy(&body).into_owned(),
        retry_after,
        error,
        duration: started.elapsed(),
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            let ms = at.timestamp_millis() - playgram_core::time::now_ms();
            Duration::from_millis(ms.max(0) as u64)
        }
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("999999999"),
            Some(Duration::from_secs(24 * 3600))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
