//! The roadmap's sections that are not built yet. Each has a real page that says what it will do,
//! that it is coming, and what can be done today — never a dead link.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};

use super::{Chrome, PageResult};
use crate::state::AppState;

pub struct Section {
    pub title: &'static str,
    pub summary: &'static str,
    pub will: &'static [&'static str],
    /// What to do today, as (link, label) pairs.
    pub now: &'static [(&'static str, &'static str)],
}

const PREPARE_TEAM: (&str, &str) = ("/app/team", "Invite your team and give each person a role");
const PREPARE_KEYS: (&str, &str) = ("/app/api-keys", "Create an API key for your integration");

pub const PUBLISHING: Section = Section {
    title: "Publishing",
    summary: "Plan and publish posts to Facebook, Instagram, LinkedIn, X, YouTube and TikTok.",
    will: &[
        "Connect social accounts; tokens are refreshed before they expire.",
        "A media library, per-network variants and a drag-and-drop calendar.",
        "Exactly-once publishing that never retries blindly.",
    ],
    now: &[PREPARE_TEAM],
};

pub const QR: Section = Section {
    title: "QR campaigns",
    summary: "Printable QR codes that lead people into a conversation.",
    will: &[
        "Batches of codes from a format with variables, as SVG, PNG, PDF or print sheets.",
        "Scan validation: expiry, maximum uses, one-time and signed codes.",
        "Scan analytics with bot filtering and ig.me / wa.me deep links.",
    ],
    now: &[PREPARE_TEAM],
};

pub const BOOKINGS: Section = Section {
    title: "Bookings",
    summary: "Let customers book a time with you, without double bookings.",
    will: &[
        "Resources, weekly availability, breaks and date overrides, in any time zone.",
        "Holds, rescheduling, cancellation and a waitlist with automatic offers.",
        "Calendar invites, feeds and reminders.",
    ],
    now: &[PREPARE_TEAM],
};

pub const AI: Section = Section {
    title: "AI & automation",
    summary: "Suggested replies, summaries and rules that act for you.",
    will: &[
        "Any OpenAI-compatible model, with an offline fallback.",
        "Suggested replies, summaries, intent and sentiment, captions.",
        "Auto-reply rules: keyword, intent or sentiment → reply, tag, assign or call a webhook.",
    ],
    now: &[PREPARE_KEYS],
};

pub const SHOP: Section = Section {
    title: "Shop",
    summary: "A storefront with Stripe checkout and a client portal.",
    will: &[
        "A catalog with options, a cart and Stripe Checkout.",
        "Orders with clear statuses and fulfilment tasks.",
        "Email notifications and a portal for your customers.",
    ],
    now: &[PREPARE_TEAM],
};

pub const ANALYTICS: Section = Section {
    title: "Analytics",
    summary: "Know what works, from scan to order.",
    will: &[
        "KPIs and time series for conversations, posts, scans, bookings and orders.",
        "Funnels, cohorts, exports and scheduled reports by email.",
    ],
    now: &[(
        "/app/audit-log",
        "Review sensitive actions in the audit log",
    )],
};

pub const TOOLS: Section = Section {
    title: "Tools",
    summary: "Small apps for your workspace, configured without code.",
    will: &[
        "Per-workspace mini-apps with a validated JSON configuration.",
        "Versions, so a change can be rolled back.",
    ],
    now: &[PREPARE_KEYS],
};

#[derive(Template, WebTemplate)]
#[template(path = "roadmap.html")]
pub struct RoadmapPage {
    pub chrome: Chrome,
    pub section: &'static Section,
}

/// The GET route for one placeholder section.
pub fn page(section: &'static Section) -> MethodRouter<AppState> {
    get(move |chrome: Chrome| show_roadmap_section(chrome, section))
}

pub async fn show_roadmap_section(chrome: Chrome, section: &'static Section) -> PageResult {
    Ok(RoadmapPage { chrome, section }.into_response())
}
