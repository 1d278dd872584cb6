-- Webhook endpoints. The signing secret is stored encrypted (AES-256-GCM under a key derived
-- from the metadata DEK); it is shown to the client once, when the webhook is created.
CREATE TABLE webhook (
    id                    VARCHAR(40) PRIMARY KEY,
    organization_id       VARCHAR(40) NOT NULL REFERENCES organization (id),
    url                   VARCHAR(2000) NOT NULL,
    events                VARCHAR(1000) NOT NULL,
    description           VARCHAR(500),
    secret_sealed         VARBINARY(200) NOT NULL,
    key_version           INT NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at            TIMESTAMP WITH TIME ZONE,
    disabled_at           TIMESTAMP WITH TIME ZONE,
    disabled_reason       VARCHAR(500),
    consecutive_failures  INT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_org ON webhook (organization_id);

-- One row per event and webhook: the delivery log and the retry queue.
CREATE TABLE webhook_delivery (
    id               VARCHAR(40) PRIMARY KEY,
    webhook_id       VARCHAR(40) NOT NULL REFERENCES webhook (id),
    event            VARCHAR(60) NOT NULL,
    payload          CHARACTER LARGE OBJECT NOT NULL,
    status           VARCHAR(20) NOT NULL,      -- PENDING, DELIVERED, FAILED
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP WITH TIME ZONE,
    last_status_code INT,
    last_error       VARCHAR(500),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    delivered_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at);
CREATE INDEX webhook_delivery_hook ON webhook_delivery (webhook_id, created_at);
