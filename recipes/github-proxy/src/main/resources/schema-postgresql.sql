-- The proxy's tables. Column names are those Spring Authorization Server's JDBC services read and write.
-- PostgreSQL (production). Spring asks for text instead of text and timestamptz for timestamps.

CREATE TABLE IF NOT EXISTS oauth2_registered_client (
    id varchar(100) PRIMARY KEY,
    client_id varchar(2000) NOT NULL,          -- wide enough for Client ID Metadata Document URLs
    client_id_issued_at timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL,
    client_secret varchar(200),
    client_secret_expires_at timestamptz,
    client_name varchar(200) NOT NULL,
    client_authentication_methods varchar(1000) NOT NULL,
    authorization_grant_types varchar(1000) NOT NULL,
    redirect_uris varchar(12000),              -- up to 10 URIs of up to 1000 characters
    post_logout_redirect_uris varchar(1000),
    scopes varchar(1000) NOT NULL,
    client_settings varchar(2000) NOT NULL,
    token_settings varchar(2000) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS oauth2_registered_client_client_id ON oauth2_registered_client (client_id);

CREATE TABLE IF NOT EXISTS oauth2_authorization (
    id varchar(100) PRIMARY KEY,
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorization_grant_type varchar(100) NOT NULL,
    authorized_scopes varchar(1000),
    attributes text,
    state varchar(500),
    authorization_code_value text,
    authorization_code_issued_at timestamptz,
    authorization_code_expires_at timestamptz,
    authorization_code_metadata text,
    access_token_value text,
    access_token_issued_at timestamptz,
    access_token_expires_at timestamptz,
    access_token_metadata text,
    access_token_type varchar(100),
    access_token_scopes varchar(1000),
    oidc_id_token_value text,
    oidc_id_token_issued_at timestamptz,
    oidc_id_token_expires_at timestamptz,
    oidc_id_token_metadata text,
    refresh_token_value text,
    refresh_token_issued_at timestamptz,
    refresh_token_expires_at timestamptz,
    refresh_token_metadata text,
    user_code_value text,
    user_code_issued_at timestamptz,
    user_code_expires_at timestamptz,
    user_code_metadata text,
    device_code_value text,
    device_code_issued_at timestamptz,
    device_code_expires_at timestamptz,
    device_code_metadata text
);
CREATE INDEX IF NOT EXISTS oauth2_authorization_principal ON oauth2_authorization (principal_name);

CREATE TABLE IF NOT EXISTS oauth2_authorization_consent (
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorities varchar(1000) NOT NULL,
    PRIMARY KEY (registered_client_id, principal_name)
);

-- Refresh tokens rotated out: a second use of one is a theft signal (see GrantStore).
CREATE TABLE IF NOT EXISTS rotated_refresh_token (
    token_hash varchar(64) PRIMARY KEY,        -- SHA-256 hex, never the token
    authorization_id varchar(100) NOT NULL,
    rotated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rotated_refresh_token_authorization ON rotated_refresh_token (authorization_id);

-- One GitHub token per user, AES-256-GCM encrypted with the user id as associated data.
CREATE TABLE IF NOT EXISTS github_token (
    user_id varchar(200) PRIMARY KEY,          -- GitHub's numeric user id
    access_token bytea NOT NULL,
    refresh_token bytea,
    access_expires_at timestamptz,               -- null: a classic OAuth App token, which never expires
    scopes varchar(1000),
    updated_at timestamptz NOT NULL
);

-- The token-signing key, encrypted, so tokens survive a restart and are shared by instances.
CREATE TABLE IF NOT EXISTS proxy_signing_key (
    name varchar(100) PRIMARY KEY,
    jwk bytea NOT NULL
);

-- Rate limits (Bucket4j's PostgreSQL proxy manager, select-for-update): one row per endpoint and caller address,
-- shared by every instance. A row expires once its bucket is full again; a scheduled task deletes expired rows.
CREATE TABLE IF NOT EXISTS rate_limit_bucket (
    id varchar(255) PRIMARY KEY,               -- '/oauth2/token 203.0.113.7'
    state bytea,                               -- Bucket4j's serialized bucket
    expires_at bigint                          -- epoch milliseconds
);

-- The sign-in and consent flow's HTTP session (Spring Session JDBC), so any instance serves the next step:
-- the saved authorization request, GitHub's state, the signed-in user and the consent form's CSRF token.
-- Spring Session's own script, with IF NOT EXISTS (spring.session.jdbc.initialize-schema is never).
CREATE TABLE IF NOT EXISTS spring_session (
    primary_id char(36) NOT NULL,
    session_id char(36) NOT NULL,
    creation_time bigint NOT NULL,
    last_access_time bigint NOT NULL,
    max_inactive_interval int NOT NULL,
    expiry_time bigint NOT NULL,
    principal_name varchar(100),
    CONSTRAINT spring_session_pk PRIMARY KEY (primary_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS spring_session_ix1 ON spring_session (session_id);
CREATE INDEX IF NOT EXISTS spring_session_ix2 ON spring_session (expiry_time);
CREATE INDEX IF NOT EXISTS spring_session_ix3 ON spring_session (principal_name);

CREATE TABLE IF NOT EXISTS spring_session_attributes (
    session_primary_id char(36) NOT NULL,
    attribute_name varchar(200) NOT NULL,
    attribute_bytes bytea NOT NULL,            -- Java serialization of Spring Security's own types
    CONSTRAINT spring_session_attributes_pk PRIMARY KEY (session_primary_id, attribute_name),
    CONSTRAINT spring_session_attributes_fk FOREIGN KEY (session_primary_id) REFERENCES spring_session (primary_id) ON DELETE CASCADE
);
