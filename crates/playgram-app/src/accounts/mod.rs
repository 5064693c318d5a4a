//! People and their credentials: sign-up, login and logout, login throttling, password reset, TOTP
//! two-factor authentication with recovery codes, and the account settings.
//!
//! Decisions:
//! - The first sign-up creates the first workspace and owns it. Later sign-ups need an invite unless
//!   `signup_open = true`, in which case each new person gets a workspace of their own.
//! - Failed logins are counted per address and per IP over `login_throttle_minutes`; past the limit,
//!   logins answer 429 with `Retry-After` until the window passes. A success clears the address's count.
//! - A reset link lives one hour and works once; using it ends every session of the account.
//!   Without SMTP the email (with its link) is written to the log; `playgram admin reset-password`
//!   prints a fresh link too.
//! - TOTP secrets are sealed at rest. Ten single-use recovery codes are shown once when 2FA is
//!   turned on, and each can stand in for a code at login.

pub mod api;
pub mod fields;
pub mod service;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod views;
