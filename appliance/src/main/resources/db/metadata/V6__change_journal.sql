-- The change journal: every committed change to the tables below (a row image per insert, update
-- or delete, written by JournalTrigger in the same transaction) and every change to a dataset's
-- index (chunks with their computed vectors, sealed under the dataset's key). Shipped to the backup
-- targets every backup.journal-interval; replayed on top of a snapshot for a point-in-time restore.
CREATE SEQUENCE journal_seq NO CACHE;
CREATE TABLE journal (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMP WITH TIME ZONE NOT NULL,
    kind        VARCHAR(20) NOT NULL,      -- row, index
    dataset_id  VARCHAR(40),               -- index entries only
    payload     BINARY LARGE OBJECT NOT NULL,
    spooled     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX journal_unspooled ON journal (spooled, seq);

-- One row. generation: a new one starts whenever continuity with earlier segments cannot be
-- proven (a restored home, a database replaced underneath); next_segment numbers the segments of
-- this generation without gaps; pruned_upto: every entry with seq <= it is in this database and
-- has been removed from the table.
CREATE TABLE journal_state (
    id            INT PRIMARY KEY,
    generation    VARCHAR(40) NOT NULL,
    next_segment  BIGINT NOT NULL,
    pruned_upto   BIGINT NOT NULL
);
INSERT INTO journal_state (id, generation, next_segment, pruned_upto)
    VALUES (1, 'g' || REPLACE(CAST(RANDOM_UUID() AS VARCHAR), '-', ''), 1, 0);

CREATE TRIGGER journal_organization AFTER INSERT, UPDATE, DELETE ON organization FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_api_key AFTER INSERT, UPDATE, DELETE ON api_key FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_dataset AFTER INSERT, UPDATE, DELETE ON dataset FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_document AFTER INSERT, UPDATE, DELETE ON document FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_webhook AFTER INSERT, UPDATE, DELETE ON webhook FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_member AFTER INSERT, UPDATE, DELETE ON member FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
CREATE TRIGGER journal_idempotency_key AFTER INSERT, UPDATE, DELETE ON idempotency_key FOR EACH ROW CALL 'com.strongroom.store.JournalTrigger';
