//! Request ids: taken from a sane incoming `X-Request-Id` or generated, echoed in the response header,
//! the envelope's `meta.request_id` and every log line of the request.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".into())
}

/// Runs `future` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// Accepts a caller's id when it is short and printable, so it cannot forge log lines.
pub fn accept(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => format!("req_{}", &playgram_core::crypto::random_token()[..20]),
    }
}
