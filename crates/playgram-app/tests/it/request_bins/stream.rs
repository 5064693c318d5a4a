//! `GET /api/v1/request-bins/{id}/stream`: captures arrive live (also ones received by another
//! instance), resume after a capture id, heartbeats, and the stream ends when its bin is deleted or
//! the server shuts down.

use std::time::{Duration, Instant};

use playgram_testkit::{ServeRole, Settings, TestApp, both};
use reqwest::Method;
use serde_json::Value;

use super::{capture, create_bin};
use crate::events::{Frame, Next, Sse};

const WAIT: Duration = Duration::from_secs(10);

fn capture_frame(frame: &Frame, id: &str) -> Value {
    assert_eq!(frame.event.as_deref(), Some("capture"), "{frame:?}");
    assert_eq!(frame.id.as_deref(), Some(id), "{frame:?}");
    let data = frame.json();
    assert_eq!(data["id"], id);
    data
}

/// Reads until the stream closes, skipping heartbeats; panics if it stays open.
async fn assert_closes(stream: &mut Sse) {
    loop {
        match stream.next(Duration::from_secs(5)).await {
            Next::Closed => return,
            Next::Frame(frame) if frame.id.is_none() => {}
            Next::Frame(frame) => panic!("an event instead of the end: {frame:?}"),
            Next::Timeout => panic!("the stream stayed open"),
        }
    }
}

async fn captures_stream_live_from_every_instance_and_resume(mut app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Live").await;
    let other_bin = create_bin(&owner.browser, "Other").await;
    let bare = app.bare();
    capture(
        &app,
        bare.request(Method::POST, &bin.path)
            .body("before the stream"),
    )
    .await;
    let path = format!("/api/v1/request-bins/{}/stream", bin.id);
    let mut stream = Sse::open_path(&owner.browser, &path, None).await;

    // A capture on this instance arrives at once, with the capture as data.
    let sent = Instant::now();
    let first = capture(
        &app,
        bare.request(Method::POST, &format!("{}/hook?a=1", bin.path))
            .header("content-type", "application/json")
            .body(r#"{"hello":"world"}"#),
    )
    .await;
    let data = capture_frame(&stream.next_event(WAIT).await, &first);
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(
        (&data["method"], &data["path"], &data["query"]),
        (&"POST".into(), &"/hook".into(), &"a=1".into())
    );
    assert_eq!(data["body"], r#"{"hello":"world"}"#);
    assert!(
        data["headers"]
            .as_array()
            .is_some_and(|h| h.iter().any(|p| p[0] == "content-type"))
    );

    // Idle: heartbeats. Another bin's captures are not in this stream.
    capture(&app, bare.request(Method::GET, &other_bin.path)).await;
    match stream.next(Duration::from_secs(3)).await {
        Next::Frame(frame) => assert_eq!(frame.comments, ["heartbeat"], "{frame:?}"),
        _ => panic!("no heartbeat"),
    }
    stream.assert_quiet(Duration::from_millis(1500)).await;

    // A capture received by another instance of the deployment shows up too (the database poll).
    let second = {
        let beside = app.spawn_beside(ServeRole::Web, Settings::new()).await;
        let other = beside.bare();
        let reply = other
            .send(other.request(Method::PUT, &bin.path).body("elsewhere"))
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        serde_json::from_str::<Value>(&reply.text).unwrap()["capture_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    capture_frame(&stream.next_event(WAIT).await, &second);

    // Reconnecting after the last capture seen gets exactly the ones missed, then live ones.
    drop(stream);
    let missed: Vec<String> = {
        let mut ids = Vec::new();
        for body in ["one", "two"] {
            ids.push(capture(&app, bare.request(Method::POST, &bin.path).body(body)).await);
        }
        ids
    };
    let mut stream = Sse::open_path(&owner.browser, &format!("{path}?after={second}"), None).await;
    for id in &missed {
        capture_frame(&stream.next_event(WAIT).await, id);
    }
    stream.assert_quiet(Duration::from_millis(300)).await;
    let live = capture(&app, bare.request(Method::DELETE, &bin.path)).await;
    capture_frame(&stream.next_event(WAIT).await, &live);
    owner
        .browser
        .get(&format!("{path}?after=nope"))
        .await
        .err(400, "invalid_last_event_id");
    let bad_header = owner
        .browser
        .request(Method::GET, &path)
        .header("Last-Event-ID", "17");
    owner
        .browser
        .send(bad_header)
        .await
        .err(400, "invalid_last_event_id");

    // Deleting the bin ends its streams; so does shutting down.
    let mut other_stream = Sse::open_path(
        &owner.browser,
        &format!("/api/v1/request-bins/{}/stream", other_bin.id),
        None,
    )
    .await;
    owner
        .browser
        .delete(&format!("/api/v1/request-bins/{}", bin.id))
        .await
        .ok();
    assert_closes(&mut stream).await;
    app.stop().await;
    assert_closes(&mut other_stream).await;
}
both!(
    captures_stream_live_from_every_instance_and_resume,
    Settings::new().set("sse_heartbeat_seconds", 1)
);
