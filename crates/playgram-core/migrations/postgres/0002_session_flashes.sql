-- One-time messages for the next page a session shows, such as a new API key's secret: the form
-- post redirects, so refreshing cannot repeat it. The body is sealed; showing it deletes it.
CREATE TABLE session_flashes (
    token_hash TEXT PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
