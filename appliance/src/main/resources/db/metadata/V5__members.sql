-- People who signed in through single sign-on, with the role their identity provider gave them at
-- their last sign-in: the members page lists them. Roles themselves live in the IdP's groups.
CREATE TABLE member (
    organization_id  VARCHAR(40) NOT NULL REFERENCES organization (id),
    user_id          VARCHAR(200) NOT NULL,
    name             VARCHAR(200),
    email            VARCHAR(320),
    role             VARCHAR(20) NOT NULL,
    first_sign_in_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_sign_in_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);

-- Keys created by signed-in people or token callers record "user:<subject>" (up to 200 chars).
ALTER TABLE api_key ALTER COLUMN created_by SET DATA TYPE VARCHAR(200);
