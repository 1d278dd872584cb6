-- Ingestion retries: a document whose processing hit a fault (embedding provider down, appliance
-- sealed, index closed or failing I/O) stays PROCESSING and is tried again at next_attempt_at,
-- with attempts counting the tries so far. failure_kind tells, for a FAILED document, whether the
-- document itself was refused (DOCUMENT: retrying gives the same answer) or a fault that retrying
-- cannot clear by itself failed it (FAULT: it can be re-queued with POST .../retry).
ALTER TABLE document ADD COLUMN attempts INT NOT NULL DEFAULT 0;
ALTER TABLE document ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE document ADD COLUMN failure_kind VARCHAR(20);
-- Before this version every unexpected error (an embedding outage among them) failed the
-- document with the "internal error" reason: those count as faults, and can be re-queued.
UPDATE document SET failure_kind = CASE
        WHEN failure_reason LIKE 'The document could not be processed (internal error%' THEN 'FAULT'
        ELSE 'DOCUMENT' END
    WHERE status = 'FAILED';
