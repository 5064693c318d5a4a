-- The inbox: channels (WhatsApp, Instagram, Messenger, website chat, API), the raw inbound webhook
-- payloads (committed before Meta gets its 200, parsed later by a job), conversations, their
-- messages, delivery statuses that arrived before their message, and WhatsApp templates.

CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- whatsapp, instagram, messenger, website or api.
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The provider's id for the account: phone number id, Instagram account id or page id.
    external_id TEXT,
    -- JSON of the settings that are not secret (WABA id, widget colours, allowed origins, …).
    settings TEXT NOT NULL,
    -- Sealed JSON of the secrets (access token, app secret, verify token, signing secret).
    secrets TEXT NOT NULL,
    -- connected, or reconnect (the provider refused the token).
    status TEXT NOT NULL,
    status_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX channels_by_workspace ON channels (workspace_id, id);

-- One signed webhook request as it arrived. `state`: received (not parsed yet), parsed, or flagged
-- (kept because a part of it has a shape we do not know; `note` says which).
CREATE TABLE inbound_payloads (
    id BIGSERIAL PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    body BYTEA NOT NULL,
    state TEXT NOT NULL DEFAULT 'received',
    note TEXT
);
CREATE INDEX inbound_payloads_waiting ON inbound_payloads (workspace_id, id) WHERE state = 'received';
CREATE INDEX inbound_payloads_flagged ON inbound_payloads (workspace_id, id) WHERE state = 'flagged';

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    -- The channel's id for the customer (wa_id, IGSID, PSID, visitor id): where replies go.
    customer_ref TEXT NOT NULL,
    -- open, pending, snoozed or resolved.
    status TEXT NOT NULL,
    -- none, low, medium, high or urgent.
    priority TEXT NOT NULL DEFAULT 'none',
    assignee_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    snoozed_until BIGINT,
    -- The customer's last message (the 24-hour window counts from it).
    last_inbound_at BIGINT,
    last_message_at BIGINT NOT NULL,
    -- The last message's text, cut short, for the list.
    preview TEXT NOT NULL DEFAULT '',
    -- Customer messages since an agent last read the conversation.
    unread BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (channel_id, contact_id)
);
CREATE INDEX conversations_by_activity ON conversations (workspace_id, last_message_at, id);
CREATE INDEX conversations_by_contact ON conversations (contact_id);
CREATE INDEX conversations_by_customer ON conversations (channel_id, customer_ref);

-- `num` orders a conversation's messages as they were stored (and pages them).
CREATE TABLE messages (
    num BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL,
    -- in (from the customer), out (to the customer) or note (internal).
    direction TEXT NOT NULL,
    -- text, image, audio, video, document, sticker, location, contacts, interactive, button,
    -- postback, referral, comment, reaction, template, unsupported.
    kind TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    -- JSON: media, location, shared contacts, the reply chosen, errors, … by kind.
    content TEXT NOT NULL DEFAULT '{}',
    -- The provider's message id (wamid.…, mid.…); NULL for notes and unsent messages.
    provider_id TEXT,
    -- The provider message this one answers or reacts to.
    reply_to TEXT,
    -- received (inbound); queued, sent, delivered, read or failed (outbound); deleted.
    status TEXT NOT NULL,
    error_code TEXT,
    error TEXT,
    -- The customer's reaction to this message (an emoji), if any.
    reaction TEXT,
    -- The person who wrote it (an agent's reply or note).
    author_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- When it happened according to the provider.
    sent_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (channel_id, provider_id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, num);

-- A delivery status for a message we have not stored yet (the send job records the provider id
-- after the provider answered; its status can overtake it). Applied when the message appears.
CREATE TABLE early_statuses (
    channel_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at BIGINT NOT NULL,
    error_code TEXT,
    error TEXT,
    PRIMARY KEY (channel_id, provider_id, status)
);

CREATE TABLE whatsapp_templates (
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    -- Meta's template id.
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …
    status TEXT NOT NULL,
    reason TEXT,
    -- JSON array of the template's components.
    components TEXT NOT NULL DEFAULT '[]',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, external_id)
);

-- Tags on conversations (the workspace's tags, shared with contacts).
CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_by_tag ON conversation_tags (tag_id);

-- How far each person has read a conversation (their unread count is what came after).
CREATE TABLE conversation_reads (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_num BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE INDEX conversations_by_assignee ON conversations (workspace_id, assignee_id, status);

-- Automatic assignment: on or off per workspace; each member's availability and capacity (how
-- many open conversations they take), and when they were last given one (round-robin order).
CREATE TABLE inbox_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    auto_assign BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE memberships ADD COLUMN inbox_available BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE memberships ADD COLUMN inbox_capacity BIGINT NOT NULL DEFAULT 10;
ALTER TABLE memberships ADD COLUMN inbox_last_assigned_at BIGINT NOT NULL DEFAULT 0;
