//! Builders for the people in a test: sign-up, login, joining by invite, API keys.

use serde_json::{Value, json};

use crate::app::TestApp;
use crate::client::{Client, Reply};

/// The password every test person uses (long enough for the app's rules).
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in person and the browser that holds their session.
#[derive(Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    /// The workspace the session acts in after sign-up or login.
    pub workspace_id: String,
    /// From the sign-up or login answer: the `X-CSRF-Token` for clients that send no `Origin`.
    pub csrf_token: String,
    pub browser: Client,
}

impl User {
    fn from_signed_in(email: &str, password: &str, data: &Value, browser: Client) -> User {
        User {
            id: text(&data["user"]["id"]),
            email: email.to_owned(),
            password: password.to_owned(),
            workspace_id: text(&data["workspace"]["id"]),
            csrf_token: text(&data["csrf_token"]),
            browser,
        }
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The last path segment of a link, which is where invite and reset links carry their token.
pub fn token_of(link: &str) -> String {
    link.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

impl TestApp {
    /// Sends a sign-up from a new browser and returns the raw reply (for refusal tests).
    pub async fn try_signup(&self, body: Value) -> (Client, Reply) {
        let browser = self.browser();
        let reply = browser.post("/api/v1/auth/signup", body).await;
        (browser, reply)
    }

    /// Signs up a person with their own workspace (the first person, or any when sign-up is open).
    #[track_caller]
    pub fn signup<'a>(
        &'a self,
        email: &'a str,
        workspace_name: &'a str,
    ) -> impl Future<Output = User> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let body = json!({
                "email": email, "password": PASSWORD, "name": name_of(email), "workspace_name": workspace_name,
            });
            let (browser, reply) = self.try_signup(body).await;
            assert_eq!(
                reply.status.as_u16(),
                201,
                "sign-up at {caller}: {}",
                reply.text
            );
            User::from_signed_in(email, PASSWORD, &reply.ok(), browser)
        }
    }

    /// The first person: owner of the first workspace, "Acme".
    pub async fn owner(&self) -> User {
        self.signup("owner@example.com", "Acme").await
    }

    /// Logs in from a new browser and returns the raw reply.
    pub async fn try_login(
        &self,
        email: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> (Client, Reply) {
        let browser = self.browser();
        let mut body = json!({ "email": email, "password": password });
        if let Some(code) = totp_code {
            body["totp_code"] = json!(code);
        }
        let reply = browser.post("/api/v1/auth/login", body).await;
        (browser, reply)
    }

    /// Logs in from a new browser, asserting success.
    pub async fn login(&self, email: &str, password: &str) -> User {
        let (browser, reply) = self.try_login(email, password, None).await;
        assert_eq!(
            reply.status.as_u16(),
            200,
            "login of {email}: {}",
            reply.text
        );
        User::from_signed_in(email, password, &reply.ok(), browser)
    }

    /// Invites `email` as `role` into `inviter`'s current workspace; returns the invite link.
    pub async fn invite(&self, inviter: &User, email: &str, role: &str) -> String {
        let data = inviter
            .browser
            .post("/api/v1/invites", json!({ "email": email, "role": role }))
            .await
            .ok_with(201);
        text(&data["accept_url"])
    }

    /// A new person who joins `inviter`'s workspace as `role` by signing up with an invite.
    pub async fn join_as(&self, inviter: &User, email: &str, role: &str) -> User {
        let link = self.invite(inviter, email, role).await;
        let body = json!({
            "email": email, "password": PASSWORD, "name": name_of(email), "invite_token": token_of(&link),
        });
        let (browser, reply) = self.try_signup(body).await;
        assert_eq!(
            reply.status.as_u16(),
            201,
            "joining as {role}: {}",
            reply.text
        );
        User::from_signed_in(email, PASSWORD, &reply.ok(), browser)
    }

    /// Creates an API key as `creator` (a browser or a key client); returns `(id, secret)`.
    pub async fn create_api_key(&self, creator: &Client, scopes: &[&str]) -> (String, String) {
        let data = creator
            .post(
                "/api/v1/api-keys",
                json!({ "name": "test key", "scopes": scopes }),
            )
            .await
            .ok_with(201);
        (text(&data["id"]), text(&data["secret"]))
    }
}

impl TestApp {
    /// Writes a member straight into the database (through the app's own store functions): a
    /// target for role changes and removals that costs no password hashing. The person cannot log in.
    pub async fn add_member(&self, workspace_id: &str, email: &str, role: &str) -> String {
        use playgram_app::{accounts, auth::Role, workspaces};
        use playgram_core::ids::{UserId, WorkspaceId};
        let workspace_id = WorkspaceId::parse(workspace_id).expect("a workspace id");
        let role = Role::parse(role).expect("a role name");
        let user_id = UserId::new();
        let mut tx = self.db().begin().await.expect("begin");
        accounts::store::insert_user(
            &mut tx,
            &user_id,
            email,
            &name_of(email),
            playgram_core::crypto::DUMMY_PASSWORD_HASH,
        )
        .await
        .expect("insert a user");
        workspaces::store::upsert_member(&mut tx, &workspace_id, &user_id, role)
            .await
            .expect("insert a membership");
        tx.commit().await.expect("commit");
        user_id.to_string()
    }
}

fn name_of(email: &str) -> String {
    email.split('@').next().unwrap_or("someone").to_owned()
}
