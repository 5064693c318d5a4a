//! A slow or dead endpoint never delays delivery to others: an endpoint that hangs holds at most
//! its `max_in_flight` requests, and a fast endpoint's deliveries go straight through.

use std::time::{Duration, Instant};

use playgram_testkit::{Answer, Receiver, TestApp, both};
use serde_json::json;

use super::{create_endpoint, emit_event, settings};

async fn a_hanging_endpoint_does_not_delay_a_fast_one(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let hanging = Receiver::start().await;
    hanging.always(Answer::status(200).delay(Duration::from_secs(60)));
    let fast = Receiver::start().await;
    create_endpoint(
        api,
        json!({ "url": hanging.url("/"), "event_types": ["api_key.created"], "max_in_flight": 2 }),
    )
    .await;
    create_endpoint(
        api,
        json!({ "url": fast.url("/"), "event_types": ["api_key.created"] }),
    )
    .await;

    // The hanging endpoint takes its first deliveries (and holds them)...
    let started = Instant::now();
    for _ in 0..3 {
        emit_event(&app, api).await;
    }
    hanging.wait_for(2, Duration::from_secs(20)).await;
    // ...then many more events: the fast endpoint gets every one promptly.
    for _ in 0..12 {
        emit_event(&app, api).await;
    }
    fast.wait_for(15, Duration::from_secs(10)).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(12),
        "the fast endpoint waited: {took:?}"
    );
    assert_eq!(
        hanging.received().len(),
        2,
        "only max_in_flight requests go to the hanging one"
    );
}
both!(
    a_hanging_endpoint_does_not_delay_a_fast_one,
    settings()
        .set("webhooks_timeout_seconds", 60)
        .set("shutdown_grace_seconds", 1)
);
