-- When a key was last used (written at most once a minute per key) and who created it, for the
-- key listing: stale and unused keys are what an administrator should revoke first.
ALTER TABLE api_key ADD COLUMN last_used_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE api_key ADD COLUMN created_by VARCHAR(40);
