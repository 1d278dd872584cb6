-- Datasets. A soft-deleted dataset keeps its row (and its index and DEK) until purge_after;
-- its name is free again at once, hence the unique index over the generated active_name.
CREATE TABLE dataset (
    id                   VARCHAR(40) PRIMARY KEY,
    organization_id      VARCHAR(40) NOT NULL REFERENCES organization (id),
    name                 VARCHAR(200) NOT NULL,
    description          VARCHAR(1000),
    metadata             CHARACTER LARGE OBJECT NOT NULL,
    embedding_model      VARCHAR(200) NOT NULL,
    embedding_dimensions INT NOT NULL,
    created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at           TIMESTAMP WITH TIME ZONE,
    purge_after          TIMESTAMP WITH TIME ZONE,
    purged_at            TIMESTAMP WITH TIME ZONE,
    active_name          VARCHAR(200) GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN name END)
);
CREATE UNIQUE INDEX dataset_active_name ON dataset (organization_id, active_name);
CREATE INDEX dataset_org ON dataset (organization_id, created_at);

-- Documents double as the durable ingestion queue: status PROCESSING rows are (re)processed
-- after a restart. The original is kept encrypted under the dataset's DEK.
CREATE TABLE document (
    id                 VARCHAR(40) PRIMARY KEY,
    dataset_id         VARCHAR(40) NOT NULL REFERENCES dataset (id),
    organization_id    VARCHAR(40) NOT NULL REFERENCES organization (id),
    filename           VARCHAR(500),
    content_type       VARCHAR(200) NOT NULL,
    size_bytes         BIGINT NOT NULL,
    metadata           CHARACTER LARGE OBJECT NOT NULL,
    status             VARCHAR(20) NOT NULL,
    chunks_created     INT,
    failure_reason     VARCHAR(1000),
    key_version        INT NOT NULL,
    content            BINARY LARGE OBJECT NOT NULL,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at         TIMESTAMP WITH TIME ZONE
);
CREATE INDEX document_dataset ON document (dataset_id, created_at);
CREATE INDEX document_status ON document (status, created_at);

-- Replays of create requests that carried an Idempotency-Key.
CREATE TABLE idempotency_key (
    organization_id  VARCHAR(40) NOT NULL,
    idem_key         VARCHAR(255) NOT NULL,
    request_hash     VARBINARY(32) NOT NULL,
    status           INT NOT NULL,
    response         CHARACTER LARGE OBJECT NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (organization_id, idem_key)
);
