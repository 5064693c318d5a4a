//! The dashboard's navigation: the roadmap's sections (DESIGN.md "Domains") and the settings.
//! Sections not built yet are marked `soon` and lead to an honest placeholder page.

use crate::auth::Capability;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// Not built yet: the link opens the section's "coming soon" page.
    pub soon: bool,
    /// Hidden from roles without this capability.
    pub needs: Option<Capability>,
}

pub struct NavGroup {
    pub label: &'static str,
    pub items: &'static [NavItem],
}

const fn soon(href: &'static str, label: &'static str) -> NavItem {
    NavItem {
        href,
        label,
        soon: true,
        needs: None,
    }
}

const fn built(href: &'static str, label: &'static str, needs: Option<Capability>) -> NavItem {
    NavItem {
        href,
        label,
        soon: false,
        needs,
    }
}

pub const NAV: &[NavGroup] = &[
    NavGroup {
        label: "",
        items: &[built("/app", "Overview", None)],
    },
    NavGroup {
        label: "Engage",
        items: &[
            built("/app/inbox", "Inbox", Some(Capability::ReadInbox)),
            built("/app/contacts", "Contacts", Some(Capability::ReadContacts)),
            soon("/app/publishing", "Publishing"),
            soon("/app/qr", "QR campaigns"),
            soon("/app/bookings", "Bookings"),
        ],
    },
    NavGroup {
        label: "Automate",
        items: &[
            soon("/app/ai", "AI & automation"),
            built("/app/webhooks", "Webhooks", Some(Capability::ReadWebhooks)),
            built("/app/jobs", "Jobs", Some(Capability::ReadJobs)),
            built("/app/events", "Events", Some(Capability::ReadEvents)),
        ],
    },
    NavGroup {
        label: "Grow",
        items: &[
            soon("/app/shop", "Shop"),
            soon("/app/analytics", "Analytics"),
            soon("/app/tools", "Tools"),
        ],
    },
    NavGroup {
        label: "Settings",
        items: &[
            built("/app/team", "Team", Some(Capability::ReadMembers)),
            built("/app/api-keys", "API keys", Some(Capability::ReadApiKeys)),
            built(
                "/app/audit-log",
                "Audit log",
                Some(Capability::ReadAuditLog),
            ),
            built("/app/workspaces", "Workspaces", None),
            built("/app/account", "Account", None),
        ],
    },
];
