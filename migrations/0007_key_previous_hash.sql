-- A rotated key's previous secret, while its grace period lasts: a request with it that is refused
-- before the key's Durable Object is asked (a bad body, an unknown model) still names the key in
-- its log row. Only the last rotation's previous secret is kept.
ALTER TABLE keys ADD COLUMN previous_key_hash TEXT;
ALTER TABLE keys ADD COLUMN previous_until INTEGER;
CREATE INDEX keys_previous_hash ON keys(previous_key_hash) WHERE previous_key_hash IS NOT NULL;
