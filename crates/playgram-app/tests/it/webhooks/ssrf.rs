//! The SSRF guard on real deliveries: private addresses are refused at send time (as IP literals,
//! by names that resolve to them, as IPv4-mapped IPv6), unless allow-listed, and redirects are not
//! followed. (Every blocked range is unit-tested in `playgram_core::net`.)

use std::time::Duration;

use playgram_testkit::{Answer, Receiver, Settings, TestApp, both};
use serde_json::json;

use super::{api_key_endpoint, create_endpoint, emit_event, message_in, messages_of, settings};
use crate::jobs::eventually;

async fn private_destinations_are_refused_at_send_time(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let port = receiver.port();
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::1]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.1.2.3/".to_owned(),
    ] {
        // Accepted as settings (the address is only known when sending)...
        let endpoint = create_endpoint(api, api_key_endpoint(&url)).await;
        let id = endpoint["id"].as_str().unwrap().to_owned();
        emit_event(&app, api).await;
        // ...and refused when sending, with the reason in the log.
        let message = eventually(
            &format!("a message to {url}"),
            Duration::from_secs(20),
            || async { messages_of(api, &id).await.into_iter().next() },
        )
        .await;
        let message = message_in(api, message["id"].as_str().unwrap(), "failed").await;
        let error = message["attempts_log"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains("blocked"), "{url}: {error}");
        assert_eq!(message["attempts_log"][0]["response_status"], json!(null));
        api.delete(&format!("/api/v1/webhook-endpoints/{id}")).await;
    }
    assert!(receiver.received().is_empty());
}
both!(
    private_destinations_are_refused_at_send_time,
    Settings::new().set("webhooks_retry_schedule", "0s")
);

async fn redirects_are_not_followed(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let target = Receiver::start().await;
    let redirecting = Receiver::start().await;
    redirecting.always(Answer::status(307).header("Location", &target.url("/elsewhere")));
    create_endpoint(api, api_key_endpoint(&redirecting.url("/"))).await;
    emit_event(&app, api).await;
    let got = redirecting.wait_for(1, Duration::from_secs(20)).await;
    let id = got[0].header("webhook-id").unwrap();
    let message = message_in(api, id, "failed").await;
    assert_eq!(message["attempts_log"][0]["response_status"], 307);
    assert!(target.received().is_empty());
}
both!(
    redirects_are_not_followed,
    settings().set("webhooks_retry_schedule", "0s")
);
