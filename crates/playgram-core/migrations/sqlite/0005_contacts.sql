-- Contacts (the CRM): one person across every channel, their emails, phones and channel identities,
-- tags, typed custom fields, saved segments, consent, the timeline and field history, merges,
-- erasure tombstones, imports and exports (with their files), and per-workspace contact settings.

-- `num` is the row's integer key: the full-text index (FTS5, external content) refers to rows by
-- it, and an INTEGER PRIMARY KEY survives VACUUM (an implicit rowid may be renumbered).
CREATE TABLE contacts (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT,
    locale TEXT,
    timezone TEXT,
    -- Where the contact came from: api, dashboard, import, whatsapp, instagram, …
    source TEXT NOT NULL,
    -- The folded (lower-case, no diacritics) name, for sorting; empty names sort last.
    name_sort TEXT NOT NULL,
    -- The folded search document: name, emails, phones, identities, usernames (see contacts::fold).
    search TEXT NOT NULL,
    first_seen_at BIGINT,
    -- 0: never seen on a channel (sorting needs a value).
    last_seen_at BIGINT NOT NULL DEFAULT 0,
    -- Set when the contact was erased in `anonymise` mode: the row stays, without personal data.
    erased_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_by_id ON contacts (workspace_id, id);
CREATE INDEX contacts_by_name ON contacts (workspace_id, name_sort, id);
CREATE INDEX contacts_by_last_seen ON contacts (workspace_id, last_seen_at, id);
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id);

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    search,
    content = 'contacts',
    content_rowid = 'num',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search) VALUES (new.num, new.search);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.num, old.search);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.num, old.search);
    INSERT INTO contacts_fts (rowid, search) VALUES (new.num, new.search);
END;

-- An address belongs to one contact of a workspace: it is how imports and upserts find people.
CREATE TABLE contact_emails (
    workspace_id TEXT NOT NULL,
    email TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, email)
);
CREATE INDEX contact_emails_by_contact ON contact_emails (contact_id);

-- Phones in E.164 (`+33612345678`), one contact per number in a workspace.
CREATE TABLE contact_phones (
    workspace_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, phone)
);
CREATE INDEX contact_phones_by_contact ON contact_phones (contact_id);

-- Channel identities: whatsapp (wa_id), instagram (scoped id), messenger (PSID), manychat
-- (subscriber id), website (visitor id). Unique per workspace; channels upsert contacts by them.
CREATE TABLE contact_identities (
    workspace_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    -- The handle people know (Instagram username), when the channel has one.
    username TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, channel, external_id)
);
CREATE INDEX contact_identities_by_contact ON contact_identities (contact_id);

CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The folded name: `VIP` and `vip` are one tag.
    name_key TEXT NOT NULL,
    -- #rrggbb
    color TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (workspace_id, name_key)
);

CREATE TABLE contact_tags (
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_by_tag ON contact_tags (tag_id, contact_id);

-- Custom field definitions. kind: text, number, boolean, date, datetime, select, multi_select,
-- url, email, phone. `options`: JSON array of the allowed values of select and multi_select.
CREATE TABLE contact_fields (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (workspace_id, key)
);

-- Field values. `text_value` is the canonical text of every kind (numbers as typed, booleans as
-- true/false, dates as YYYY-MM-DD, datetimes as RFC 3339); `number_value` the comparable number of
-- number, boolean (0/1), date (ms at midnight UTC) and datetime (ms) values. A multi_select value
-- is one row per chosen option.
CREATE TABLE contact_values (
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    field_id TEXT NOT NULL REFERENCES contact_fields(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    text_value TEXT NOT NULL,
    -- text_value in lower case as Rust's to_lowercase writes it: SQLite's LOWER() only knows
    -- ASCII, so filters compare this column on both backends alike ("ÉCOLE" = "école").
    text_lower TEXT NOT NULL,
    number_value REAL,
    PRIMARY KEY (contact_id, field_id, text_value)
);
-- No index by value here: filters test a contact's values in a correlated EXISTS, which the
-- primary key answers in one probe, and SQLite given an index led by field_id would scan every
-- value of the field for each contact instead (a `score >= 50` list took seconds at 100,000).

-- Saved filters; `filter` is the JSON of contacts::filter::Filter.
CREATE TABLE segments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    filter TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX segments_by_workspace ON segments (workspace_id, name);

-- The current consent of a contact per channel and purpose; every change is also in the timeline.
CREATE TABLE contact_consents (
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    -- opted_in or opted_out
    status TEXT NOT NULL,
    -- How it was given: a form, a keyword reply, import, api, dashboard, …
    source TEXT NOT NULL,
    -- Proof: the message, the form URL, a screenshot reference (free text, up to 2,000 characters).
    evidence TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (contact_id, channel, purpose)
);

-- The timeline: what happened to or with a contact (kind: created, updated, tag_added, …).
CREATE TABLE contact_activities (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    data TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX contact_activities_by_contact ON contact_activities (contact_id, id);

-- Field history: one row per changed attribute (name, emails, fields.plan, …), old and new as JSON.
CREATE TABLE contact_changes (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    attribute TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    changed_at BIGINT NOT NULL
);
CREATE INDEX contact_changes_by_contact ON contact_changes (contact_id, attribute, id);

-- Every merge: which contact was folded into which, with the folded one as it was (JSON).
CREATE TABLE contact_merges (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    primary_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    merged_at BIGINT NOT NULL
);
CREATE INDEX contact_merges_by_merged ON contact_merges (workspace_id, merged_id);
CREATE INDEX contact_merges_by_primary ON contact_merges (workspace_id, primary_id);

-- What is left of an erased contact: that it existed and was erased, when, how and by whom.
CREATE TABLE contact_tombstones (
    workspace_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    -- delete or anonymise
    mode TEXT NOT NULL,
    -- request (a person or key asked) or retention (inactive too long)
    reason TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    erased_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, contact_id)
);

CREATE TABLE contact_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    -- What erasing a contact does: delete (every row goes) or anonymise (the row stays, emptied).
    erase_mode TEXT NOT NULL,
    -- Erase contacts inactive for this many days (NULL: keep them).
    retention_days INTEGER,
    -- ISO 3166 region for phone numbers written without a country code (NULL: they need one).
    default_country TEXT,
    updated_at BIGINT NOT NULL
);

-- Files the server made or was given: uploaded imports, finished exports. Kept in the database so
-- every instance can serve them; expired ones are pruned.
CREATE TABLE stored_files (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX stored_files_expiring ON stored_files (expires_at);

-- status: uploaded -> queued -> running -> completed | failed | cancelled.
CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    file_id TEXT REFERENCES stored_files(id) ON DELETE SET NULL,
    filename TEXT NOT NULL,
    -- csv or xlsx
    format TEXT NOT NULL,
    status TEXT NOT NULL,
    -- JSON array of the header row
    headers TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    -- JSON of contacts::imports::Plan (mapping, dedupe rule, tags), set when started
    plan TEXT,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_created INTEGER NOT NULL DEFAULT 0,
    rows_updated INTEGER NOT NULL DEFAULT 0,
    rows_skipped INTEGER NOT NULL DEFAULT 0,
    rows_failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX contact_imports_by_workspace ON contact_imports (workspace_id, id);

CREATE TABLE contact_import_errors (
    import_id TEXT NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
    -- the row as a spreadsheet numbers it (the header row is usually 1)
    row_number INTEGER NOT NULL,
    -- the column (header) at fault, or '' for the whole row
    column_name TEXT NOT NULL,
    message TEXT NOT NULL,
    -- JSON array of the row's cells
    raw TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number, column_name)
);

-- Every export: who asked, when, for which contacts and why (status: queued, running, completed,
-- failed). The file is downloadable until expires_at.
CREATE TABLE contact_exports (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    -- JSON of the filter (a segment's, or an ad-hoc one), and the segment if one was named
    filter TEXT NOT NULL,
    segment_id TEXT,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    row_count INTEGER NOT NULL DEFAULT 0,
    file_id TEXT REFERENCES stored_files(id) ON DELETE SET NULL,
    error TEXT,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    downloads INTEGER NOT NULL DEFAULT 0,
    last_downloaded_at BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    expires_at BIGINT
);
CREATE INDEX contact_exports_by_workspace ON contact_exports (workspace_id, id);
