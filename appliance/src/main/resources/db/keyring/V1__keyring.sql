-- The keyring holds only wrapped keys (useless without the customer's HSM) and the audit chain.
CREATE TABLE kek (
    label       VARCHAR(64) PRIMARY KEY,
    state       VARCHAR(16) NOT NULL,      -- ACTIVE (exactly one) or RETIRED
    canary      VARBINARY(128) NOT NULL,   -- a random key wrapped by this KEK: proves it is the same key
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    retired_at  TIMESTAMP WITH TIME ZONE
);

CREATE TABLE dek (
    purpose      VARCHAR(120) NOT NULL,    -- metadata, audit, apikeys, backup, dataset:<id>
    version      INT NOT NULL,
    state        VARCHAR(16) NOT NULL,     -- PRIMARY (new writes), ENABLED (read only), DESTROYED
    kek_label    VARCHAR(64),
    wrapped      VARBINARY(128),           -- NULL once destroyed: crypto-shredding
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    destroyed_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (purpose, version)
);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    ts           TIMESTAMP WITH TIME ZONE NOT NULL,
    actor        VARCHAR(200) NOT NULL,
    organization VARCHAR(64),
    action       VARCHAR(100) NOT NULL,
    target       VARCHAR(300),
    source       VARCHAR(100),
    outcome      VARCHAR(30) NOT NULL,
    request_id   VARCHAR(64),
    detail       VARCHAR(1000),
    key_version  INT,                      -- NULL while pending (written while sealed)
    mac          VARBINARY(32)
);

-- One row: the last chained entry, updated in the same transaction; it serialises writers from
-- several processes (SELECT ... FOR UPDATE) and makes dropping entries from the tail visible.
CREATE TABLE audit_head (
    id   INT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    mac  VARBINARY(32) NOT NULL
);
INSERT INTO audit_head (id, seq, mac) VALUES (1, 0, X'0000000000000000000000000000000000000000000000000000000000000000');
