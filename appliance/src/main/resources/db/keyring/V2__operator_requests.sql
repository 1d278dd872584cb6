-- Requests the operator CLI leaves for the running appliance (backup run, dr drill), and their
-- results. The keyring is the one database both share (H2 auto-server, local only).
CREATE TABLE operator_request (
    id            VARCHAR(40) PRIMARY KEY,
    kind          VARCHAR(40) NOT NULL,
    argument      VARCHAR(200),
    requested_by  VARCHAR(200) NOT NULL,
    requested_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at    TIMESTAMP WITH TIME ZONE,
    finished_at   TIMESTAMP WITH TIME ZONE,
    outcome       VARCHAR(20),
    result        CHARACTER LARGE OBJECT
);
CREATE INDEX operator_request_open ON operator_request (finished_at, requested_at);
