//! The role matrix: every role against every team, key, audit, settings, jobs and events action,
//! over HTTP; and the API-key scopes that guard jobs and events. The contact actions and scopes
//! are in `roles/contacts.rs`.
//! `auth/capability.rs` decides; this table is what a person holding each role should see.

mod contacts;

use playgram_testkit::{Client, Reply, TestApp, User, both};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Action {
    ListMembers,
    InviteAgent,
    InviteOwner,
    ListInvites,
    RevokeInvite,
    ChangeRole,
    MakeOwner,
    RemoveMember,
    RemoveOwner,
    ListApiKeys,
    CreateApiKey,
    RevokeApiKey,
    ReadAuditLog,
    RenameWorkspace,
    ListJobs,
    GetJob,
    GetJobStats,
    RetryJob,
    CancelJob,
    ReplayJobs,
    CreateProbe,
    ListEvents,
    OpenStream,
}

const ROLES: [&str; 5] = ["owner", "admin", "manager", "agent", "viewer"];

/// Expected status per role, in the order of [`ROLES`]: owner, admin, manager, agent, viewer.
const MATRIX: &[(Action, [u16; 5])] = &[
    (Action::ListMembers, [200, 200, 200, 200, 200]),
    (Action::InviteAgent, [201, 201, 201, 403, 403]),
    (Action::InviteOwner, [201, 403, 403, 403, 403]),
    (Action::ListInvites, [200, 200, 200, 403, 403]),
    (Action::RevokeInvite, [200, 200, 200, 403, 403]),
    (Action::ChangeRole, [200, 200, 403, 403, 403]),
    (Action::MakeOwner, [200, 403, 403, 403, 403]),
    (Action::RemoveMember, [200, 200, 403, 403, 403]),
    (Action::RemoveOwner, [200, 403, 403, 403, 403]),
    (Action::ListApiKeys, [200, 200, 200, 403, 403]),
    (Action::CreateApiKey, [201, 201, 403, 403, 403]),
    (Action::RevokeApiKey, [200, 200, 403, 403, 403]),
    (Action::ReadAuditLog, [200, 200, 403, 403, 403]),
    (Action::RenameWorkspace, [200, 200, 403, 403, 403]),
    (Action::ListJobs, [200, 200, 200, 403, 403]),
    (Action::GetJob, [200, 200, 200, 403, 403]),
    (Action::GetJobStats, [200, 200, 200, 403, 403]),
    (Action::RetryJob, [200, 200, 403, 403, 403]),
    (Action::CancelJob, [200, 200, 403, 403, 403]),
    (Action::ReplayJobs, [200, 200, 403, 403, 403]),
    (Action::CreateProbe, [202, 202, 403, 403, 403]),
    (Action::ListEvents, [200, 200, 200, 403, 403]),
    (Action::OpenStream, [200, 200, 200, 403, 403]),
];

/// A probe that waits for a far-off `run_at`, so no worker touches it while the test looks.
const LATER: &str = "2099-01-01T00:00:00Z";

/// Enqueues a probe job scheduled for [`LATER`] as `client`; returns its id.
async fn scheduled_job(client: &Client) -> String {
    let job = client
        .post("/api/v1/jobs/probe", json!({ "run_at": LATER }))
        .await
        .ok_with(202);
    job["id"].as_str().unwrap().to_owned()
}

/// Opens `GET /api/v1/stream` and returns the reply without reading the endless body: a success
/// keeps an empty text (after checking the content type), a refusal is read whole.
async fn open_stream(client: &Client, path: &str) -> Reply {
    let response = client
        .request(Method::GET, path)
        .send()
        .await
        .expect("the app answers");
    let (status, headers) = (response.status(), response.headers().clone());
    let text = if status.is_success() {
        let kind = headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(kind, Some("text/event-stream"), "{path}");
        String::new()
    } else {
        response.text().await.expect("read the refusal")
    };
    Reply {
        status,
        headers,
        text,
    }
}

struct Team {
    owner: User,
    by_role: Vec<(&'static str, User)>,
}

/// Prepares a fresh target (so every attempt acts on something real) and sends the request.
async fn perform(
    app: &TestApp,
    team: &Team,
    actor: &User,
    action: Action,
    n: usize,
) -> (u16, Value) {
    let ws = &team.owner.workspace_id;
    let (method, path, body) = match action {
        Action::ListMembers => (Method::GET, "/api/v1/members".to_owned(), Value::Null),
        Action::InviteAgent | Action::InviteOwner => {
            let role = if matches!(action, Action::InviteOwner) {
                "owner"
            } else {
                "agent"
            };
            let body = json!({ "email": format!("invitee{n}@example.com"), "role": role });
            (Method::POST, "/api/v1/invites".to_owned(), body)
        }
        Action::ListInvites => (Method::GET, "/api/v1/invites".to_owned(), Value::Null),
        Action::RevokeInvite => {
            let invite = team
                .owner
                .browser
                .post(
                    "/api/v1/invites",
                    json!({ "email": format!("revoke{n}@example.com"), "role": "viewer" }),
                )
                .await
                .ok_with(201);
            let path = format!("/api/v1/invites/{}", invite["id"].as_str().unwrap());
            (Method::DELETE, path, Value::Null)
        }
        Action::ChangeRole | Action::MakeOwner => {
            let target = app
                .add_member(ws, &format!("target{n}@example.com"), "agent")
                .await;
            let role = if matches!(action, Action::MakeOwner) {
                "owner"
            } else {
                "viewer"
            };
            (
                Method::PATCH,
                format!("/api/v1/members/{target}"),
                json!({ "role": role }),
            )
        }
        Action::RemoveMember | Action::RemoveOwner => {
            let role = if matches!(action, Action::RemoveOwner) {
                "owner"
            } else {
                "agent"
            };
            let target = app
                .add_member(ws, &format!("target{n}@example.com"), role)
                .await;
            (
                Method::DELETE,
                format!("/api/v1/members/{target}"),
                Value::Null,
            )
        }
        Action::ListApiKeys => (Method::GET, "/api/v1/api-keys".to_owned(), Value::Null),
        Action::CreateApiKey => {
            let body = json!({ "name": "matrix", "scopes": ["workspace:read"] });
            (Method::POST, "/api/v1/api-keys".to_owned(), body)
        }
        Action::RevokeApiKey => {
            let (id, _) = app
                .create_api_key(&team.owner.browser, &["workspace:read"])
                .await;
            (
                Method::DELETE,
                format!("/api/v1/api-keys/{id}"),
                Value::Null,
            )
        }
        Action::ReadAuditLog => (Method::GET, "/api/v1/audit-log".to_owned(), Value::Null),
        Action::RenameWorkspace => (
            Method::PATCH,
            "/api/v1/workspace".to_owned(),
            json!({ "name": format!("Acme {n}") }),
        ),
        Action::ListJobs => (Method::GET, "/api/v1/jobs".to_owned(), Value::Null),
        Action::GetJob => {
            let id = scheduled_job(&team.owner.browser).await;
            (Method::GET, format!("/api/v1/jobs/{id}"), Value::Null)
        }
        Action::GetJobStats => (Method::GET, "/api/v1/jobs/stats".to_owned(), Value::Null),
        Action::RetryJob => {
            // A cancelled job: retrying it is allowed in any case, so only the role decides.
            let id = scheduled_job(&team.owner.browser).await;
            team.owner
                .browser
                .post(&format!("/api/v1/jobs/{id}/cancel"), Value::Null)
                .await
                .ok();
            (
                Method::POST,
                format!("/api/v1/jobs/{id}/retry"),
                Value::Null,
            )
        }
        Action::CancelJob => {
            let id = scheduled_job(&team.owner.browser).await;
            (
                Method::POST,
                format!("/api/v1/jobs/{id}/cancel"),
                Value::Null,
            )
        }
        Action::ReplayJobs => (Method::POST, "/api/v1/jobs/replay".to_owned(), json!({})),
        Action::CreateProbe => (
            Method::POST,
            "/api/v1/jobs/probe".to_owned(),
            json!({ "run_at": LATER }),
        ),
        Action::ListEvents => (Method::GET, "/api/v1/events".to_owned(), Value::Null),
        Action::OpenStream => {
            let reply = open_stream(&actor.browser, "/api/v1/stream").await;
            let envelope = if reply.status.is_success() {
                Value::Null
            } else {
                reply.envelope()
            };
            return (reply.status.as_u16(), envelope);
        }
    };
    let reply = actor.browser.call(method, &path, body).await;
    let envelope = reply.envelope();
    (reply.status.as_u16(), envelope)
}

async fn role_matrix(app: TestApp) {
    let owner = app.owner().await;
    let mut by_role = vec![("owner", owner.clone())];
    for role in &ROLES[1..] {
        let user = app
            .join_as(&owner, &format!("{role}@example.com"), role)
            .await;
        by_role.push((role, user));
    }
    let team = Team { owner, by_role };
    let mut failures = Vec::new();
    let mut n = 0;
    for (action, expected) in MATRIX {
        for (i, (role, actor)) in team.by_role.iter().enumerate() {
            n += 1;
            let (status, envelope) = perform(&app, &team, actor, *action, n).await;
            if status != expected[i] {
                failures.push(format!(
                    "{role} {action:?}: expected {}, got {status}: {}",
                    expected[i], envelope["error"]
                ));
            } else if status == 403 && envelope["error"]["code"] != "forbidden" {
                failures.push(format!(
                    "{role} {action:?}: 403 with code {}",
                    envelope["error"]["code"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}
both!(role_matrix);

/// Roles bound what a person may hand out, and a workspace always keeps an owner.
async fn granting_is_bounded_and_the_last_owner_stays(app: TestApp) {
    let owner = app.owner().await;
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    let admin = app.join_as(&owner, "admin@example.com", "admin").await;
    // A manager may invite agents and viewers, not admins.
    manager
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "a@example.com", "role": "admin" }),
        )
        .await
        .err(403, "forbidden");
    manager
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "v@example.com", "role": "viewer" }),
        )
        .await
        .ok_with(201);
    // An admin cannot touch an owner.
    admin
        .browser
        .patch(
            &format!("/api/v1/members/{}", owner.id),
            json!({ "role": "viewer" }),
        )
        .await
        .err(403, "forbidden");
    owner
        .browser
        .patch(
            &format!("/api/v1/members/{}", owner.id),
            json!({ "role": "admin" }),
        )
        .await
        .err(409, "last_owner");
    owner
        .browser
        .delete(&format!("/api/v1/members/{}", owner.id))
        .await
        .err(409, "last_owner");
    owner
        .browser
        .patch(
            &format!("/api/v1/members/{}", admin.id),
            json!({ "role": "chief" }),
        )
        .await
        .field_error("role");
    // Anyone may leave; afterwards the workspace is gone from their view.
    manager
        .browser
        .delete(&format!("/api/v1/members/{}", manager.id))
        .await
        .ok();
    manager
        .browser
        .get("/api/v1/members")
        .await
        .err(403, "no_workspace");
    let log = owner
        .browser
        .get("/api/v1/audit-log?action=member.removed")
        .await
        .ok();
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log:#}");
}
both!(granting_is_bounded_and_the_last_owner_stays);

/// A removed member loses access at once, on their open session.
async fn removed_member_loses_access(app: TestApp) {
    let owner = app.owner().await;
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    agent.browser.get("/api/v1/members").await.ok();
    owner
        .browser
        .delete(&format!("/api/v1/members/{}", agent.id))
        .await
        .ok();
    agent
        .browser
        .get("/api/v1/members")
        .await
        .err(403, "no_workspace");
    agent
        .browser
        .call(
            Method::POST,
            &format!("/api/v1/workspaces/{}/switch", owner.workspace_id),
            Value::Null,
        )
        .await
        .err(404, "not_found");
    // They can still see who they are, with no workspace, and start one of their own.
    let me = agent.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["workspace"], Value::Null);
    assert_eq!(me["workspaces"].as_array().map(Vec::len), Some(0));
}
both!(removed_member_loses_access);

async fn two_owners_demoting_each_other_at_once_leave_an_owner(app: TestApp) {
    let a = app.owner().await;
    let b = app.join_as(&a, "second-owner@example.com", "owner").await;
    let (to_b, to_a) = (
        format!("/api/v1/members/{}", b.id),
        format!("/api/v1/members/{}", a.id),
    );
    for round in 0..15 {
        let (first, second) = tokio::join!(
            a.browser.patch(&to_b, json!({ "role": "viewer" })),
            b.browser.patch(&to_a, json!({ "role": "viewer" })),
        );
        let left = app
            .fetch_i64(
                "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'",
                &[a.workspace_id.as_str().into()],
            )
            .await;
        assert_eq!(
            left, 1,
            "round {round}: {} / {}",
            first.status, second.status
        );
        // Whoever is still owner makes the other an owner again for the next round.
        let (owner, other) = if first.status.as_u16() == 200 {
            (&a, &b)
        } else {
            (&b, &a)
        };
        owner
            .browser
            .patch(
                &format!("/api/v1/members/{}", other.id),
                json!({ "role": "owner" }),
            )
            .await
            .ok();
    }
}
both!(two_owners_demoting_each_other_at_once_leave_an_owner);

/// Keys reach jobs and events only through their scopes: `jobs:read` reads jobs, `jobs:write` also
/// changes them, `events:read` lists and streams events; anything else is 403 `insufficient_scope`.
/// The event catalog needs no credentials at all.
async fn job_and_event_scopes_are_enforced(app: TestApp) {
    let owner = app.owner().await;
    let (_, reader) = app.create_api_key(&owner.browser, &["jobs:read"]).await;
    let (_, writer) = app.create_api_key(&owner.browser, &["jobs:write"]).await;
    let (_, watcher) = app.create_api_key(&owner.browser, &["events:read"]).await;
    let (_, other) = app
        .create_api_key(&owner.browser, &["workspace:read", "audit:read"])
        .await;
    let (reader, writer, watcher, other) = (
        app.api(&reader),
        app.api(&writer),
        app.api(&watcher),
        app.api(&other),
    );

    // jobs:write reads too, and may enqueue, cancel, retry and replay.
    let id = scheduled_job(&writer).await;
    let job = format!("/api/v1/jobs/{id}");
    writer.get(&job).await.ok();
    writer
        .post(&format!("{job}/cancel"), Value::Null)
        .await
        .ok();
    writer.post(&format!("{job}/retry"), Value::Null).await.ok();
    writer.post("/api/v1/jobs/replay", json!({})).await.ok();

    // jobs:read reads, and nothing more.
    reader.get("/api/v1/jobs").await.ok();
    reader.get("/api/v1/jobs/stats").await.ok();
    assert_eq!(reader.get(&job).await.ok()["id"], id.as_str());
    reader
        .post("/api/v1/jobs/probe", json!({}))
        .await
        .err(403, "insufficient_scope");
    reader
        .post("/api/v1/jobs/replay", json!({}))
        .await
        .err(403, "insufficient_scope");
    for action in ["retry", "cancel"] {
        reader
            .post(&format!("{job}/{action}"), Value::Null)
            .await
            .err(403, "insufficient_scope");
    }
    reader
        .get("/api/v1/events")
        .await
        .err(403, "insufficient_scope");
    open_stream(&reader, "/api/v1/stream")
        .await
        .err(403, "insufficient_scope");

    // events:read lists and streams events, and sees no jobs.
    watcher.get("/api/v1/events").await.ok();
    assert_eq!(open_stream(&watcher, "/api/v1/stream").await.status, 200);
    watcher
        .get("/api/v1/jobs")
        .await
        .err(403, "insufficient_scope");

    // Other scopes grant neither.
    for path in [
        "/api/v1/jobs",
        "/api/v1/jobs/stats",
        job.as_str(),
        "/api/v1/events",
    ] {
        other.get(path).await.err(403, "insufficient_scope");
    }
    open_stream(&other, "/api/v1/stream")
        .await
        .err(403, "insufficient_scope");

    // The catalog is public.
    let types = app.bare().get("/api/v1/event-types").await.ok();
    assert!(
        types
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "member.invited")),
        "{types:#}"
    );
}
both!(job_and_event_scopes_are_enforced);
