-- Per-organisation API tokens for integrations. Only the SHA-256 of a token is stored
-- (a copy of the database holds no usable token) and a short prefix in clear, so an
-- administrator can tell tokens apart and recognise a leaked one.

CREATE TABLE api_tokens (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    name             TEXT    NOT NULL,
    -- Scope codes separated by spaces, e.g. `incidents:read incidents:write`.
    scopes           TEXT    NOT NULL,
    token_hash       TEXT    NOT NULL,
    prefix           TEXT    NOT NULL,
    created_by       INTEGER REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER,
    last_used_at     INTEGER,
    revoked_at       INTEGER,
    revoked_by       INTEGER REFERENCES users (id),
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_organisation ON api_tokens (organisation_id);

-- Reports filed by an integration name its token; the token's idempotency keys are its
-- own, as a person's are theirs.
ALTER TABLE reports ADD COLUMN api_token_id INTEGER REFERENCES api_tokens (id);
CREATE UNIQUE INDEX reports_api_token_idempotency_key ON reports (api_token_id, idempotency_key)
    WHERE api_token_id IS NOT NULL AND idempotency_key IS NOT NULL;
