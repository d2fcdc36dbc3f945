-- Per-organisation API tokens for integrations. Only the SHA-256 of a token is stored
-- (a copy of the database holds no usable token) and a short prefix in clear, so an
-- administrator can tell tokens apart and recognise a leaked one.

CREATE TABLE api_tokens (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations (id),
    name             TEXT    NOT NULL,
    -- Scope codes separated by spaces, e.g. `incidents:read incidents:write`.
    scopes           TEXT    NOT NULL,
    token_hash       TEXT    NOT NULL,
    prefix           TEXT    NOT NULL,
    created_by       BIGINT  REFERENCES users (id),
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT,
    last_used_at     BIGINT,
    revoked_at       BIGINT,
    revoked_by       BIGINT  REFERENCES users (id),
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_organisation ON api_tokens (organisation_id);

-- Reports filed by an integration name its token; the token's idempotency keys are its
-- own, as a person's are theirs.
ALTER TABLE reports ADD COLUMN api_token_id BIGINT REFERENCES api_tokens (id);
CREATE UNIQUE INDEX reports_api_token_idempotency_key ON reports (api_token_id, idempotency_key)
    WHERE api_token_id IS NOT NULL AND idempotency_key IS NOT NULL;
