CREATE TABLE organization (
    id          VARCHAR(40) PRIMARY KEY,
    name        VARCHAR(200) NOT NULL UNIQUE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- API keys are stored only as HMAC-SHA256 under a key the HSM protects (purpose "apikeys").
CREATE TABLE api_key (
    id               VARCHAR(40) PRIMARY KEY,
    organization_id  VARCHAR(40) NOT NULL REFERENCES organization (id),
    name             VARCHAR(200) NOT NULL,
    display_prefix   VARCHAR(24) NOT NULL,
    hash             VARBINARY(32) NOT NULL,
    hash_key_version INT NOT NULL,
    role             VARCHAR(20) NOT NULL,
    scopes           VARCHAR(1000) NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at       TIMESTAMP WITH TIME ZONE,
    revoked_at       TIMESTAMP WITH TIME ZONE
);
CREATE UNIQUE INDEX api_key_hash ON api_key (hash);
CREATE INDEX api_key_org ON api_key (organization_id);
