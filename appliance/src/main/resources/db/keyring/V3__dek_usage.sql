-- What the appliance last found under each data-key version (written by its re-encryption pass,
-- read by `keys status` and GET /v1/system/keys): index files and bytes, sealed originals and
-- bytes, journal entries that may hold data under the version and are not yet pruned, and live
-- API keys hashed under it (purpose apikeys).
CREATE TABLE dek_usage (
    purpose          VARCHAR(120) NOT NULL,
    version          INT NOT NULL,
    files            INT NOT NULL,
    file_bytes       BIGINT NOT NULL,
    originals        INT NOT NULL,
    original_bytes   BIGINT NOT NULL,
    journal_entries  INT NOT NULL,
    api_keys         INT NOT NULL,
    scanned_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (purpose, version)
);
