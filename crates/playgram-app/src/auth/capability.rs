//! Who may do what: roles, the capabilities each role holds, and the API-key scopes that grant them.
//!
//! This file is the single place access is decided. Handlers ask a [`crate::auth::Principal`] to
//! `require(Capability::…)`; nothing else compares roles. The matrix test in `tests/it/roles.rs`
//! checks each role against each action over HTTP.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Agent,
    Manager,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including managing owners.",
            Role::Admin => {
                "Everything except managing owners: team, API keys, audit log, settings."
            }
            Role::Manager => {
                "Runs the day-to-day: sees the team and API keys, invites agents and viewers."
            }
            Role::Agent => "Works conversations and contacts; sees the team.",
            Role::Viewer => "Read-only access.",
        }
    }

    pub fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Role::Owner => &[
                ReadWorkspace,
                ReadMembers,
                InviteMembers,
                ManageMembers,
                ManageOwners,
                ReadApiKeys,
                ManageApiKeys,
                ReadAuditLog,
                ManageWorkspace,
                ReadJobs,
                ManageJobs,
                ReadEvents,
                ReadWebhooks,
                ManageWebhooks,
                ReadContacts,
                WriteContacts,
                ManageContactSchema,
                ImportContacts,
                ExportContacts,
                DeleteContacts,
                ManageContactSettings,
                ReadInbox,
                ReplyInbox,
                ManageChannels,
            ],
            Role::Admin => &[
                ReadWorkspace,
                ReadMembers,
                InviteMembers,
                ManageMembers,
                ReadApiKeys,
                ManageApiKeys,
                ReadAuditLog,
                ManageWorkspace,
                ReadJobs,
                ManageJobs,
                ReadEvents,
                ReadWebhooks,
                ManageWebhooks,
                ReadContacts,
                WriteContacts,
                ManageContactSchema,
                ImportContacts,
                ExportContacts,
                DeleteContacts,
                ManageContactSettings,
                ReadInbox,
                ReplyInbox,
                ManageChannels,
            ],
            Role::Manager => &[
                ReadWorkspace,
                ReadMembers,
                InviteMembers,
                ReadApiKeys,
                ReadJobs,
                ReadEvents,
                ReadWebhooks,
                ReadContacts,
                WriteContacts,
                ManageContactSchema,
                ImportContacts,
                ExportContacts,
                DeleteContacts,
                ReadInbox,
                ReplyInbox,
            ],
            Role::Agent => &[
                ReadWorkspace,
                ReadMembers,
                ReadContacts,
                WriteContacts,
                ReadInbox,
                ReplyInbox,
            ],
            Role::Viewer => &[ReadWorkspace, ReadMembers, ReadContacts, ReadInbox],
        }
    }

    pub fn can(self, capability: Capability) -> bool {
        self.capabilities().contains(&capability)
    }

    /// Which roles a person holding `self` may hand out in an invite or a role change.
    pub fn may_grant(self, role: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => role != Role::Owner,
            Role::Manager => matches!(role, Role::Agent | Role::Viewer),
            Role::Agent | Role::Viewer => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    ReadWorkspace,
    ReadMembers,
    InviteMembers,
    ManageMembers,
    ManageOwners,
    ReadApiKeys,
    ManageApiKeys,
    ReadAuditLog,
    ManageWorkspace,
    ReadJobs,
    ManageJobs,
    ReadEvents,
    ReadWebhooks,
    ManageWebhooks,
    ReadContacts,
    WriteContacts,
    ManageContactSchema,
    ImportContacts,
    ExportContacts,
    DeleteContacts,
    ManageContactSettings,
    ReadInbox,
    ReplyInbox,
    ManageChannels,
}

impl Capability {
    /// The message a refused person sees.
    pub fn refusal(self) -> &'static str {
        match self {
            Capability::ReadWorkspace | Capability::ReadMembers => "You cannot see this workspace.",
            Capability::InviteMembers => "Your role cannot invite people.",
            Capability::ManageMembers => "Your role cannot change the team.",
            Capability::ManageOwners => {
                "Only an owner can change an owner or make someone an owner."
            }
            Capability::ReadApiKeys => "Your role cannot see API keys.",
            Capability::ManageApiKeys => "Your role cannot create, rotate or revoke API keys.",
            Capability::ReadAuditLog => "Your role cannot see the audit log.",
            Capability::ManageWorkspace => "Your role cannot change workspace settings.",
            Capability::ReadJobs => "Your role cannot see background jobs.",
            Capability::ManageJobs => "Your role cannot retry, cancel or replay jobs.",
            Capability::ReadEvents => "Your role cannot see the workspace's events.",
            Capability::ReadWebhooks => "Your role cannot see webhooks or request bins.",
            Capability::ManageWebhooks => {
                "Your role cannot change webhook endpoints, resend messages or manage request bins."
            }
            Capability::ReadContacts => "Your role cannot see contacts.",
            Capability::WriteContacts => "Your role cannot change contacts.",
            Capability::ManageContactSchema => {
                "Your role cannot change custom fields, segments, or rename and delete tags."
            }
            Capability::ImportContacts => "Your role cannot import contacts.",
            Capability::ExportContacts => "Your role cannot export contacts.",
            Capability::DeleteContacts => "Your role cannot delete or erase contacts.",
            Capability::ManageContactSettings => {
                "Your role cannot change the contact settings (erasure, retention)."
            }
            Capability::ReadInbox => "Your role cannot see the inbox.",
            Capability::ReplyInbox => "Your role cannot reply to or change conversations.",
            Capability::ManageChannels => "Your role cannot add, change or remove channels.",
        }
    }
}

/// API-key scopes. A key holds scopes, each granting capabilities; a person may only give a key
/// scopes whose capabilities their own role holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    WorkspaceRead,
    MembersWrite,
    ApiKeysRead,
    ApiKeysWrite,
    AuditRead,
    JobsRead,
    JobsWrite,
    EventsRead,
    WebhooksRead,
    WebhooksWrite,
    ContactsRead,
    ContactsWrite,
    ContactsManage,
    ContactsExport,
    ContactsSettings,
    InboxRead,
    InboxWrite,
    ChannelsManage,
}

impl Scope {
    pub const ALL: [Scope; 18] = [
        Scope::WorkspaceRead,
        Scope::MembersWrite,
        Scope::ApiKeysRead,
        Scope::ApiKeysWrite,
        Scope::AuditRead,
        Scope::JobsRead,
        Scope::JobsWrite,
        Scope::EventsRead,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
        Scope::ContactsRead,
        Scope::ContactsWrite,
        Scope::ContactsManage,
        Scope::ContactsExport,
        Scope::ContactsSettings,
        Scope::InboxRead,
        Scope::InboxWrite,
        Scope::ChannelsManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::WorkspaceRead => "workspace:read",
            Scope::MembersWrite => "members:write",
            Scope::ApiKeysRead => "api_keys:read",
            Scope::ApiKeysWrite => "api_keys:write",
            Scope::AuditRead => "audit:read",
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::EventsRead => "events:read",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::ContactsRead => "contacts:read",
            Scope::ContactsWrite => "contacts:write",
            Scope::ContactsManage => "contacts:manage",
            Scope::ContactsExport => "contacts:export",
            Scope::ContactsSettings => "contacts:settings",
            Scope::InboxRead => "inbox:read",
            Scope::InboxWrite => "inbox:write",
            Scope::ChannelsManage => "channels:manage",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scope::WorkspaceRead => "Read the workspace and its members.",
            Scope::MembersWrite => "Invite people, change roles and remove members.",
            Scope::ApiKeysRead => "List API keys.",
            Scope::ApiKeysWrite => "Create, rotate and revoke API keys.",
            Scope::AuditRead => "Read the audit log.",
            Scope::JobsRead => "List background jobs and their statistics.",
            Scope::JobsWrite => "Read jobs; retry, cancel and replay them; run a test (probe) job.",
            Scope::EventsRead => "List the workspace's events and stream them live.",
            Scope::WebhooksRead => "List webhook endpoints, messages, attempts and request bins.",
            Scope::WebhooksWrite => {
                "Read webhooks; create, change and delete endpoints and request bins; resend messages."
            }
            Scope::ContactsRead => {
                "Read contacts, tags, fields, segments, timelines and consent; check consent."
            }
            Scope::ContactsWrite => {
                "Read contacts; create, change, tag and merge them, record consent, upsert by identity."
            }
            Scope::ContactsManage => {
                "Read contacts; manage custom fields, segments and tags; import; delete and erase contacts."
            }
            Scope::ContactsExport => {
                "Read contacts; export them (CSV, JSON, XLSX) and export one contact's data (GDPR)."
            }
            Scope::ContactsSettings => {
                "Change the contact settings: erase mode, retention, default country."
            }
            Scope::InboxRead => "Read channels, conversations and messages.",
            Scope::InboxWrite => "Read the inbox; reply to, assign and change conversations.",
            Scope::ChannelsManage => {
                "Read the inbox; add, change and remove channels; see flagged webhook payloads."
            }
        }
    }

    pub fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Scope::WorkspaceRead => &[ReadWorkspace, ReadMembers],
            Scope::MembersWrite => &[InviteMembers, ManageMembers],
            Scope::ApiKeysRead => &[ReadApiKeys],
            Scope::ApiKeysWrite => &[ReadApiKeys, ManageApiKeys],
            Scope::AuditRead => &[ReadAuditLog],
            Scope::JobsRead => &[ReadJobs],
            Scope::JobsWrite => &[ReadJobs, ManageJobs],
            Scope::EventsRead => &[ReadEvents],
            Scope::WebhooksRead => &[ReadWebhooks],
            Scope::WebhooksWrite => &[ReadWebhooks, ManageWebhooks],
            Scope::ContactsRead => &[ReadContacts],
            Scope::ContactsWrite => &[ReadContacts, WriteContacts],
            Scope::ContactsManage => &[
                ReadContacts,
                ManageContactSchema,
                ImportContacts,
                DeleteContacts,
            ],
            Scope::ContactsExport => &[ReadContacts, ExportContacts],
            Scope::ContactsSettings => &[ManageContactSettings],
            Scope::InboxRead => &[ReadInbox],
            Scope::InboxWrite => &[ReadInbox, ReplyInbox],
            Scope::ChannelsManage => &[ReadInbox, ManageChannels],
        }
    }
}

/// A set of scopes, stored as space-separated text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn parse_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        let mut scopes = Vec::new();
        for item in items {
            let scope = Scope::parse(item.trim()).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "Unknown scope `{item}`; known scopes: {}.",
                    known.join(", ")
                )
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err("Give the key at least one scope.".into());
        }
        Ok(Scopes(scopes))
    }

    /// Reads the stored form; unknown words (from a newer version) are ignored.
    pub fn from_stored(text: &str) -> Scopes {
        Scopes(text.split_whitespace().filter_map(Scope::parse).collect())
    }

    pub fn to_stored(&self) -> String {
        self.names().join(" ")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    pub fn grants(&self, capability: Capability) -> bool {
        self.0
            .iter()
            .any(|s| s.capabilities().contains(&capability))
    }

    /// True when every capability these scopes grant is also granted by `other`
    /// (`api_keys:read` is within `api_keys:write`).
    pub fn within(&self, other: &Scopes) -> bool {
        self.0
            .iter()
            .flat_map(|s| s.capabilities())
            .all(|c| other.grants(*c))
    }

    /// The first scope that grants something `role` does not hold.
    pub fn beyond(&self, role: Role) -> Option<Scope> {
        self.0
            .iter()
            .copied()
            .find(|s| s.capabilities().iter().any(|c| !role.can(*c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_nested() {
        for pair in Role::ALL.windows(2) {
            let (higher, lower) = (pair[0], pair[1]);
            for capability in lower.capabilities() {
                assert!(
                    higher.can(*capability),
                    "{higher} should hold everything {lower} holds"
                );
            }
        }
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Manager.may_grant(Role::Agent) && !Role::Manager.may_grant(Role::Admin));
    }

    #[test]
    fn scopes_round_trip_and_respect_roles() {
        let scopes = Scopes::parse_list(["workspace:read", "api_keys:write"]).unwrap_or_default();
        assert_eq!(Scopes::from_stored(&scopes.to_stored()), scopes);
        assert!(scopes.grants(Capability::ReadApiKeys));
        assert!(!scopes.grants(Capability::ReadAuditLog));
        assert_eq!(scopes.beyond(Role::Manager), Some(Scope::ApiKeysWrite));
        assert_eq!(scopes.beyond(Role::Admin), None);
        let read = Scopes::parse_list(["api_keys:read"]).unwrap_or_default();
        let write = Scopes::parse_list(["api_keys:write"]).unwrap_or_default();
        assert!(read.within(&write) && !write.within(&read));
        assert!(Scopes::parse_list(["nope"]).is_err());
        assert!(Scopes::parse_list([]).is_err());
    }
}
