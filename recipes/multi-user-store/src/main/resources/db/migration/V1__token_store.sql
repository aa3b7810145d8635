-- The token store. Portable SQL: the same migration runs on H2 (embedded default) and PostgreSQL.
-- Tokens are never stored in clear: sealed_tokens is AES-GCM ciphertext under a per-row data key,
-- wrapped_data_key is that key wrapped by the key-encryption key kek_id (both base64).
CREATE TABLE upstream_connection (
    user_id           VARCHAR(255)   NOT NULL,  -- realm A `sub` of the MCP user
    upstream          VARCHAR(64)    NOT NULL,  -- which upstream API
    status            VARCHAR(32)    NOT NULL,  -- CONNECTED or RECONNECT_NEEDED
    kek_id            VARCHAR(64),
    wrapped_data_key  VARCHAR(512),
    sealed_tokens     VARCHAR(32768),
    access_expires_at BIGINT,                   -- epoch seconds; metadata, not a secret
    version           BIGINT         NOT NULL,  -- +1 per write: compare-and-set for refreshes
    updated_at        BIGINT         NOT NULL,
    PRIMARY KEY (user_id, upstream)
);

CREATE INDEX upstream_connection_kek ON upstream_connection (kek_id);

-- Connect links in flight: one row per link, single use, short-lived. Only hashes of the link id,
-- the OAuth state and the browser-binding cookie are stored.
CREATE TABLE pending_authorization (
    request_hash          VARCHAR(64)  NOT NULL PRIMARY KEY,
    user_id               VARCHAR(255) NOT NULL,
    user_display          VARCHAR(255) NOT NULL,  -- shown on the connect page: which MCP account gets linked
    upstream              VARCHAR(64)  NOT NULL,
    state_hash            VARCHAR(64),
    browser_binding_hash  VARCHAR(64),
    code_verifier         VARCHAR(128),
    expires_at            BIGINT       NOT NULL
);

CREATE UNIQUE INDEX pending_authorization_state ON pending_authorization (state_hash);
