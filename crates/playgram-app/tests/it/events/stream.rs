//! `GET /api/v1/stream`: live events over SSE, `Last-Event-ID` resume from the outbox, heartbeats,
//! and slow clients dropped without slowing anyone else.

use std::time::{Duration, Instant};

use playgram_core::ids::WorkspaceId;
use playgram_testkit::{Settings, TestApp, both};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Frame, Next, Sse, events_of};

const WAIT: Duration = Duration::from_secs(10);

/// Checks a frame against the event it carries.
fn check_frame(frame: &Frame, kind: &str) -> serde_json::Value {
    let event = frame.json();
    assert_eq!(frame.event.as_deref(), Some(kind), "{frame:?}");
    assert_eq!(event["type"], kind);
    assert_eq!(
        event["seq"].as_i64(),
        Some(frame.seq()),
        "id is the seq: {frame:?}"
    );
    event
}

async fn a_stream_follows_the_workspace_live_and_resumes_without_gaps(app: TestApp) {
    let owner = app.owner().await;
    let (_, secret) = app.create_api_key(&owner.browser, &["events:read"]).await;
    let key = app.api(&secret);
    let created = events_of(&owner.browser, 1).await[0].clone();
    assert_eq!(created["type"], "api_key.created");
    let mut stream = Sse::open(&key, None).await;

    // An event raised by another request arrives at once.
    let raised = Instant::now();
    app.invite(&owner, "a@example.com", "viewer").await;
    let first = stream
        .next_event_after(created["seq"].as_i64().unwrap(), WAIT)
        .await;
    let latency = raised.elapsed();
    let event = check_frame(&first, "member.invited");
    assert_eq!(event["data"]["email"], "a@example.com");
    assert_eq!(event["workspace_id"], owner.workspace_id.as_str());
    assert!(latency < Duration::from_secs(2), "took {latency:?}");
    let listed = events_of(&owner.browser, 2).await;
    assert_eq!(listed[1]["seq"].as_i64(), Some(first.seq()));

    // Disconnected, two more happen; resuming gets exactly those, then live ones.
    drop(stream);
    app.invite(&owner, "b@example.com", "viewer").await;
    app.invite(&owner, "c@example.com", "viewer").await;
    let mut stream = Sse::open(&key, Some(first.seq())).await;
    let b = stream.next_event(WAIT).await;
    let c = stream.next_event(WAIT).await;
    assert_eq!(
        check_frame(&b, "member.invited")["data"]["email"],
        "b@example.com"
    );
    assert_eq!(
        check_frame(&c, "member.invited")["data"]["email"],
        "c@example.com"
    );
    stream.assert_quiet(Duration::from_millis(300)).await;
    app.invite(&owner, "d@example.com", "viewer").await;
    let d = stream.next_event(WAIT).await;
    assert_eq!(
        check_frame(&d, "member.invited")["data"]["email"],
        "d@example.com"
    );
    let seqs: Vec<i64> = events_of(&owner.browser, 5)
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs[1..], [first.seq(), b.seq(), c.seq(), d.seq()]);

    // Another workspace's events are not in this stream.
    let other = app.signup("other@example.com", "Other").await;
    app.invite(&other, "e@example.com", "viewer").await;
    stream.assert_quiet(Duration::from_millis(500)).await;

    // Resuming by query parameter (for clients that cannot set headers), with a type filter.
    let path = "/api/v1/stream?type=member.invited&last_event_id=0";
    let mut filtered = Sse::open_path(&key, path, None).await;
    for expected in [first.seq(), b.seq(), c.seq(), d.seq()] {
        assert_eq!(filtered.next_event(WAIT).await.seq(), expected);
    }
    filtered.assert_quiet(Duration::from_millis(300)).await;

    // A bad Last-Event-ID, and who may open a stream.
    let bad = key
        .send(
            key.request(Method::GET, "/api/v1/stream")
                .header("Last-Event-ID", "soon"),
        )
        .await;
    bad.err(400, "invalid_last_event_id");
    let (_, narrow) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    app.api(&narrow)
        .get("/api/v1/stream")
        .await
        .err(403, "insufficient_scope");
    app.bare()
        .get("/api/v1/stream")
        .await
        .err(401, "unauthenticated");
}
both!(
    a_stream_follows_the_workspace_live_and_resumes_without_gaps,
    Settings::new().set("signup_open", true)
);

async fn an_idle_stream_gets_heartbeats(app: TestApp) {
    let owner = app.owner().await;
    let mut stream = Sse::open(&owner.browser, None).await;
    let started = Instant::now();
    let mut beats = 0;
    while beats < 2 {
        match stream.next(Duration::from_secs(5)).await {
            Next::Frame(frame) => {
                assert!(frame.id.is_none(), "{frame:?}");
                assert_eq!(frame.comments, ["heartbeat"], "{frame:?}");
                beats += 1;
            }
            Next::Timeout => panic!("no heartbeat within 5 s"),
            Next::Closed => panic!("the stream closed"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
both!(
    an_idle_stream_gets_heartbeats,
    Settings::new().set("sse_heartbeat_seconds", 1)
);

/// The body of a chunked HTTP/1.1 response, as far as it arrived.
fn dechunk(raw: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, mut rest) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (head.to_owned(), rest.to_owned());
    }
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").unwrap_or(&after[size..]);
    }
    (head.to_owned(), body)
}

async fn a_slow_stream_is_dropped_without_slowing_the_server_and_resumes(app: TestApp) {
    let owner = app.owner().await;
    let (_, secret) = app.create_api_key(&owner.browser, &["events:read"]).await;

    // A client with a tiny receive buffer that stops reading after the greeting.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(app.address()).await.unwrap();
    let request = format!(
        "GET /api/v1/stream HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {secret}\r\n\
         Accept: text/event-stream\r\nConnection: close\r\n\r\n",
        app.address()
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&raw).contains(": connected") {
        let n = tokio::time::timeout(WAIT, slow.read(&mut buf))
            .await
            .expect("the slow stream's greeting")
            .unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
    }

    // Far more than the hub's buffer of 1024 events, quickly, ~2 KB each.
    let workspace = WorkspaceId::parse(&owner.workspace_id).unwrap();
    let pad = "x".repeat(2000);
    let flooded = Instant::now();
    for round in 0..5 {
        let mut tx = app.db().begin().await.unwrap();
        for n in 0..500 {
            let data = json!({ "n": round * 500 + n, "pad": pad });
            playgram_core::events::emit(&mut tx, &workspace, "test.flood", &data)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    super::super::jobs::eventually("the flood to be sequenced", Duration::from_secs(30), || {
        let app = &app;
        async move {
            let left = app
                .fetch_i64("SELECT COUNT(*) FROM events WHERE seq IS NULL", &[])
                .await;
            (left == 0).then_some(())
        }
    })
    .await;
    eprintln!(
        "{:?}: 2,500 events written and sequenced in {:?}",
        app.backend(),
        flooded.elapsed()
    );

    // The server is not held up by the stalled client: requests answer, new streams get events.
    for _ in 0..5 {
        let asked = Instant::now();
        app.bare().get("/api/v1/event-types").await.ok();
        let took = asked.elapsed();
        assert!(took < Duration::from_secs(2), "a request took {took:?}");
    }
    let flood_end = app
        .fetch_i64("SELECT MAX(seq) FROM events WHERE type = 'test.flood'", &[])
        .await;
    let mut fresh = Sse::open(&owner.browser, None).await;
    let raised = Instant::now();
    app.invite(&owner, "after@example.com", "viewer").await;
    let after = fresh.next_event_after(flood_end, WAIT).await;
    check_frame(&after, "member.invited");
    assert!(
        raised.elapsed() < Duration::from_secs(2),
        "{:?}",
        raised.elapsed()
    );

    // The slow client, reading again, finds its stream ended short of the flood.
    let read_all = async {
        loop {
            let n = slow.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .expect("the slow stream was not closed by the server");
    let (head, body) = dechunk(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let ids: Vec<i64> = body
        .split("\n\n")
        .map(super::parse_frame)
        .filter_map(|f| f.id.map(|id| id.parse::<i64>().unwrap()))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "gaps or repeats before the drop"
    );
    let last_seen = ids.last().copied().unwrap_or(0);
    assert!(last_seen < after.seq(), "the slow stream was not dropped");
    eprintln!(
        "the slow stream got {} events before it was dropped",
        ids.len()
    );

    // Resuming from its last id replays everything it missed, in order, then goes live.
    let missed: Vec<i64> = {
        let sql = "SELECT seq FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq";
        let rows: sqlx::Result<Vec<i64>> = playgram_core::on_db!(app.db(), pool => sqlx::query_scalar(sql)
            .bind(&owner.workspace_id).bind(last_seen).fetch_all(pool).await);
        rows.unwrap()
    };
    assert_eq!(missed.last().copied(), Some(after.seq()));
    let mut resumed = Sse::open(&app.api(&secret), Some(last_seen)).await;
    let mut got = Vec::new();
    while got.len() < missed.len() {
        got.push(resumed.next_event(WAIT).await.seq());
    }
    assert_eq!(got, missed);
    resumed.assert_quiet(Duration::from_millis(200)).await;
}
both!(a_slow_stream_is_dropped_without_slowing_the_server_and_resumes);

async fn resuming_far_behind_gets_every_missed_event(app: TestApp) {
    let owner = app.owner().await;
    let workspace = WorkspaceId::parse(&owner.workspace_id).unwrap();
    // More than one connection replays (10,000): the stream must not skip the rest.
    for round in 0..3 {
        let mut tx = app.db().begin().await.unwrap();
        for n in 0..3500 {
            let data = json!({ "n": round * 3500 + n });
            playgram_core::events::emit(&mut tx, &workspace, "test.backlog", &data)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let outbox = || {
        let app = &app;
        let workspace = owner.workspace_id.clone();
        async move {
            let sql =
                "SELECT seq FROM events WHERE workspace_id = $1 AND seq IS NOT NULL ORDER BY seq";
            let rows: sqlx::Result<Vec<i64>> = playgram_core::on_db!(app.db(), pool => sqlx::query_scalar(sql)
                .bind(&workspace).fetch_all(pool).await);
            rows.unwrap()
        }
    };
    let all = super::super::jobs::eventually(
        "the backlog to be sequenced",
        Duration::from_secs(30),
        || async {
            let seqs = outbox().await;
            (seqs.len() == 10_500).then_some(seqs)
        },
    )
    .await;

    // A client as EventSource behaves: reconnect with the last id whenever the stream ends.
    let mut got: Vec<i64> = Vec::new();
    let mut stream = Sse::open(&owner.browser, Some(0)).await;
    let mut reconnects = 0;
    while got.last() != all.last() {
        match stream.next(Duration::from_secs(5)).await {
            Next::Frame(frame) if frame.id.is_some() => got.push(frame.seq()),
            Next::Frame(_) => {}
            Next::Closed => {
                reconnects += 1;
                assert!(reconnects < 5, "reconnected {reconnects} times");
                stream = Sse::open(&owner.browser, got.last().copied()).await;
            }
            Next::Timeout => break,
        }
    }
    // Then live again.
    app.invite(&owner, "live@example.com", "viewer").await;
    let live = stream.next_event(WAIT).await;
    check_frame(&live, "member.invited");
    got.push(live.seq());
    let expected = outbox().await;
    let received: std::collections::BTreeSet<i64> = got.iter().copied().collect();
    let missing = expected.iter().filter(|s| !received.contains(s)).count();
    assert_eq!(
        missing, 0,
        "{missing} events never arrived ({reconnects} reconnects)"
    );
    assert_eq!(got, expected);
}
both!(resuming_far_behind_gets_every_missed_event);
