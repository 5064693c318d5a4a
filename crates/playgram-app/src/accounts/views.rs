//! The signed-out pages: sign-up, login, the 2FA prompt, logout and password reset. Account
//! settings (signed in) are in `views/settings.rs`.

pub mod settings;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use playgram_core::crypto::token_hash;
use serde::Deserialize;

use super::api::cookie_headers;
use super::service::{self, LoginOutcome, Origin, SignupInput};
use crate::auth::session::{self, SessionRow};
use crate::http::forms::PageForm;
use crate::pages::{FormState, PageQuery, PageResult, query_escape, safe_next, see_other};
use crate::state::AppState;

/// Whether a new visitor may sign up, and why not.
async fn signup_mode(state: &AppState) -> crate::http::Result<(bool, bool)> {
    let first = !super::store::has_users(&state.db).await?;
    let open = first || state.config.signup_open;
    Ok((first, open))
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub form: FormState,
    pub first: bool,
    pub open: bool,
    pub email: String,
    pub name: String,
    pub workspace_name: String,
}

pub async fn show_signup(State(state): State<AppState>) -> PageResult {
    let (first, open) = signup_mode(&state).await?;
    Ok(SignupPage {
        form: FormState::new("signup"),
        first,
        open,
        email: String::new(),
        name: String::new(),
        workspace_name: String::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct SignupForm {
    pub name: String,
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub workspace_name: String,
}

pub async fn submit_signup(
    State(state): State<AppState>,
    origin: Origin,
    PageForm(input): PageForm<SignupForm>,
) -> PageResult {
    let result = service::signup(
        &state,
        SignupInput {
            email: &input.email,
            password: &input.password,
            name: &input.name,
            workspace_name: &input.workspace_name,
            invite_token: None,
        },
        &origin,
    )
    .await;
    match result {
        Ok(done) => Ok((cookie_headers(&state, &done.session), see_other("/app")).into_response()),
        Err(error) => {
            let status = error.status();
            let order = ["name", "email", "password", "workspace_name"];
            let form = FormState::rejected("signup", error, &order)?;
            let (first, open) = signup_mode(&state).await?;
            let page = SignupPage {
                form,
                first,
                open,
                email: input.email,
                name: input.name,
                workspace_name: input.workspace_name,
            };
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub form: FormState,
    pub email: String,
    pub next: String,
    pub notice: Option<&'static str>,
}

fn login_notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "logout" => Some("You are logged out. See you soon."),
        "reset" => Some("Your password is changed. Log in with the new one."),
        "password" => Some("Your password is changed. Log in again."),
        _ => None,
    }
}

pub async fn show_login(Query(query): Query<PageQuery>) -> PageResult {
    Ok(LoginPage {
        form: FormState::new("login"),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        notice: login_notice(query.done.as_deref()),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: Option<String>,
}

pub async fn submit_login(
    State(state): State<AppState>,
    origin: Origin,
    PageForm(input): PageForm<LoginForm>,
) -> PageResult {
    let next = safe_next(input.next.as_deref());
    match service::login(&state, &input.email, &input.password, None, true, &origin).await {
        Ok(LoginOutcome::SignedIn { session, .. }) => {
            Ok((cookie_headers(&state, &session), see_other(&next)).into_response())
        }
        Ok(LoginOutcome::NeedsTotp { session }) => {
            let to = format!("/login/2fa?next={}", query_escape(&next));
            Ok((cookie_headers(&state, &session), see_other(&to)).into_response())
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("login", error, &["email", "password"])?;
            let page = LoginPage {
                form,
                email: input.email,
                next,
                notice: None,
            };
            Ok((status, page).into_response())
        }
    }
}

/// The session waiting for its second factor, if this browser has one.
async fn half_session(
    state: &AppState,
    headers: &HeaderMap,
) -> crate::http::Result<Option<SessionRow>> {
    let Some(token) = session::token_from(headers) else {
        return Ok(None);
    };
    Ok(session::find(state, &token)
        .await?
        .filter(|row| row.awaiting_totp))
}

#[derive(Template, WebTemplate)]
#[template(path = "totp_prompt.html")]
pub struct TotpPromptPage {
    pub form: FormState,
    pub email: String,
    pub next: String,
}

pub async fn show_totp_prompt(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let Some(row) = half_session(&state, &headers).await? else {
        return Ok(see_other("/login"));
    };
    Ok(TotpPromptPage {
        // The one field on the page, reached straight from the login form: focus it.
        form: FormState {
            first: Some("code"),
            ..FormState::new("totp")
        },
        email: row.email,
        next: safe_next(query.next.as_deref()),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct TotpForm {
    pub code: String,
    pub next: Option<String>,
}

pub async fn submit_totp_prompt(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    PageForm(input): PageForm<TotpForm>,
) -> PageResult {
    let next = safe_next(input.next.as_deref());
    let Some(row) = half_session(&state, &headers).await? else {
        return Ok(see_other(&format!("/login?next={}", query_escape(&next))));
    };
    match service::complete_totp(&state, &row.token_hash, &row.user_id, &input.code, &origin).await
    {
        Ok(session) => Ok((cookie_headers(&state, &session), see_other(&next)).into_response()),
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("totp", error, &["code"])?.pin_to("code");
            let page = TotpPromptPage {
                form,
                email: row.email,
                next,
            };
            Ok((status, page).into_response())
        }
    }
}

/// Ends the session (a half session too) and clears the cookie.
pub async fn submit_logout(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
) -> PageResult {
    if let Some(token) = session::token_from(&headers)
        && let Some(row) = session::find(&state, &token).await?
    {
        service::logout(&state, &row.token_hash, &row.user_id, &origin).await?;
    }
    let mut response = see_other("/login?done=logout");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state));
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "reset_request.html")]
pub struct ResetRequestPage {
    pub form: FormState,
    pub email: String,
    pub sent: bool,
    pub mail_configured: bool,
}

pub async fn show_reset_request(State(state): State<AppState>) -> PageResult {
    Ok(ResetRequestPage {
        form: FormState::new("reset"),
        email: String::new(),
        sent: false,
        mail_configured: state.mailer.is_configured(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetRequestForm {
    pub email: String,
}

pub async fn submit_reset_request(
    State(state): State<AppState>,
    origin: Origin,
    PageForm(input): PageForm<ResetRequestForm>,
) -> PageResult {
    let result = service::request_reset(&state, &input.email, &origin).await;
    let mail_configured = state.mailer.is_configured();
    match result {
        Ok(()) => Ok(ResetRequestPage {
            form: FormState::new("reset"),
            email: input.email,
            sent: true,
            mail_configured,
        }
        .into_response()),
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("reset", error, &["email"])?;
            let page = ResetRequestPage {
                form,
                email: input.email,
                sent: false,
                mail_configured,
            };
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reset_form.html")]
pub struct ResetFormPage {
    pub form: FormState,
    pub token: String,
    /// False when the link expired or was used: offer a new one instead of the form.
    pub live: bool,
}

pub async fn show_reset_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> PageResult {
    let live = super::store::reset_is_live(&state.db, &token_hash(&token)).await?;
    let status = if live {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::GONE
    };
    let page = ResetFormPage {
        form: FormState::new("newpw"),
        token,
        live,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    pub password: String,
}

pub async fn submit_reset_form(
    State(state): State<AppState>,
    origin: Origin,
    Path(token): Path<String>,
    PageForm(input): PageForm<ResetForm>,
) -> PageResult {
    match service::reset_password(&state, &token, &input.password, &origin).await {
        Ok(()) => Ok(see_other("/login?done=reset")),
        Err(error) => {
            let status = error.status();
            let live = error.code() != "reset_link_invalid";
            let form = FormState::rejected("newpw", error, &["password"])?;
            let page = ResetFormPage { form, token, live };
            Ok((status, page).into_response())
        }
    }
}
