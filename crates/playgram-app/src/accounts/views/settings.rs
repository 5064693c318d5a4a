//! `/app/account`: your name, password, two-factor authentication (set-up with a QR code, recovery
//! codes shown once, turning it off) and your recent security activity.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::accounts::fields::Name;
use crate::accounts::service::{self, Origin};
use crate::accounts::store::{self, UserRow};
use crate::accounts::totp;
use crate::audit::views::ActivityView;
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageQuery, PageResult, see_other};
use crate::state::AppState;

/// A set-up in progress: what the authenticator app needs.
pub struct SetupView {
    pub secret: String,
    /// The QR code as SVG markup (ours, rendered by the `qrcode` crate), embedded in the page.
    pub qr_svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub user: UserRow,
    pub setup: Option<SetupView>,
    pub unused_codes: i64,
    /// Fresh recovery codes, shown this once.
    pub recovery_codes: Vec<String>,
    pub activity: Vec<ActivityView>,
    pub notice: Option<&'static str>,
    pub name_form: FormState,
    pub password_form: FormState,
    pub enable_form: FormState,
    pub disable_form: FormState,
    pub codes_form: FormState,
}

impl AccountPage {
    async fn load(state: &AppState, chrome: Chrome) -> Result<AccountPage, PageError> {
        let user = store::by_id(&state.db, &chrome.session.user_id)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        let setup = totp::pending(state, &user).map(|s| SetupView {
            qr_svg: qr_svg(&s.otpauth_uri),
            secret: s.secret_base32,
        });
        let unused_codes = store::unused_recovery_codes(&state.db, &user.id).await?;
        let activity = crate::audit::store::list_personal(&state.db, &user.id, 10)
            .await?
            .into_iter()
            .map(ActivityView::from)
            .collect();
        Ok(AccountPage {
            chrome,
            user,
            setup,
            unused_codes,
            recovery_codes: Vec::new(),
            activity,
            notice: None,
            name_form: FormState::new("name"),
            password_form: FormState::new("pw"),
            enable_form: FormState::new("totp"),
            disable_form: FormState::new("off"),
            codes_form: FormState::new("codes"),
        })
    }

    fn respond(self, status: StatusCode) -> PageResult {
        Ok((status, self).into_response())
    }
}

/// The `otpauth://` URI as an SVG QR code (dark on white in both themes, so phones can scan it).
fn qr_svg(uri: &str) -> String {
    match QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<svg::Color>()
                .min_dimensions(200, 200)
                .dark_color(svg::Color("#111111"))
                .light_color(svg::Color("#ffffff"))
                .build();
            // Drop the XML declaration: the markup goes inside HTML.
            match svg.find("<svg") {
                Some(start) => svg[start..].to_owned(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "name" => Some("Your name is saved."),
        "password" => Some("Your password is changed. Your other devices were logged out."),
        "totp_off" => Some("Two-factor authentication is off."),
        _ => None,
    }
}

/// Recovery codes travel from the post that makes them to this page in a sealed one-time flash,
/// so a refresh neither shows them again nor makes new ones.
const CODES_FLASH: &str = "recovery_codes";

pub async fn show_account(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let codes: Option<Vec<String>> = chrome.take_once(&state, CODES_FLASH).await?;
    let mut page = AccountPage::load(&state, chrome).await?;
    page.notice = notice(query.done.as_deref());
    page.recovery_codes = codes.unwrap_or_default();
    page.respond(StatusCode::OK)
}

#[derive(Deserialize)]
pub struct NameForm {
    pub name: String,
}

pub async fn update_name(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(input): PageForm<NameForm>,
) -> PageResult {
    match Name::parse(&input.name, "name") {
        Ok(name) => {
            store::set_name(&state.db, &chrome.session.user_id, name.as_str()).await?;
            Ok(see_other("/app/account?done=name"))
        }
        Err(error) => {
            let status = error.status();
            let mut page = AccountPage::load(&state, chrome).await?;
            page.name_form = FormState::rejected("name", error, &["name"])?;
            page.user.name = input.name;
            page.respond(status)
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    pub current_password: String,
    pub new_password: String,
}

pub async fn update_password(
    State(state): State<AppState>,
    origin: Origin,
    chrome: Chrome,
    PageForm(input): PageForm<PasswordForm>,
) -> PageResult {
    let result = service::change_password(
        &state,
        &chrome.session.user_id,
        &chrome.session.token_hash,
        &input.current_password,
        &input.new_password,
        &origin,
    )
    .await;
    match result {
        Ok(()) => Ok(see_other("/app/account?done=password")),
        Err(error) => {
            let status = error.status();
            let mut page = AccountPage::load(&state, chrome).await?;
            let order = ["current_password", "new_password"];
            page.password_form = FormState::rejected("pw", error, &order)?;
            page.respond(status)
        }
    }
}

/// Starts (or restarts) set-up; the page then shows the QR code of the pending secret.
pub async fn begin_totp(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    let page = AccountPage::load(&state, chrome).await?;
    totp::begin(&state, &page.user).await?;
    Ok(see_other("/app/account#two-factor"))
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub code: String,
}

pub async fn enable_totp(
    State(state): State<AppState>,
    origin: Origin,
    chrome: Chrome,
    PageForm(input): PageForm<CodeForm>,
) -> PageResult {
    let page = AccountPage::load(&state, chrome).await?;
    match totp::enable(&state, &page.user, &input.code, origin.ip).await {
        Ok(codes) => {
            (page.chrome)
                .show_once(&state, CODES_FLASH, &codes, "/app/account#two-factor")
                .await
        }
        Err(error) => {
            let status = error.status();
            let mut page = page;
            page.enable_form = FormState::rejected("totp", error, &["code"])?.pin_to("code");
            page.respond(status)
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordConfirmForm {
    pub password: String,
}

pub async fn disable_totp(
    State(state): State<AppState>,
    origin: Origin,
    chrome: Chrome,
    PageForm(input): PageForm<PasswordConfirmForm>,
) -> PageResult {
    let mut page = AccountPage::load(&state, chrome).await?;
    let hash = page.chrome.session.token_hash.clone();
    let result = totp::disable(&state, &page.user, &input.password, &hash, origin.ip).await;
    match result {
        Ok(()) => Ok(see_other("/app/account?done=totp_off")),
        Err(error) => {
            let status = error.status();
            page.disable_form = FormState::rejected("off", error, &["password"])?;
            page.respond(status)
        }
    }
}

pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    origin: Origin,
    chrome: Chrome,
    PageForm(input): PageForm<PasswordConfirmForm>,
) -> PageResult {
    let mut page = AccountPage::load(&state, chrome).await?;
    let result =
        totp::regenerate_recovery_codes(&state, &page.user, &input.password, origin.ip).await;
    match result {
        Ok(codes) => {
            (page.chrome)
                .show_once(&state, CODES_FLASH, &codes, "/app/account#two-factor")
                .await
        }
        Err(error) => {
            let status = error.status();
            page.codes_form = FormState::rejected("codes", error, &["password"])?;
            page.respond(status)
        }
    }
}
