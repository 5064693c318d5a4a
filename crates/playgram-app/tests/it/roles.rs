//! The role matrix: every role against every team, key, audit and settings action, over HTTP.
//! `auth/capability.rs` decides; this table is what a person holding each role should see.

use playgram_testkit::{TestApp, User, both};
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
];

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
