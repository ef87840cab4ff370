-- Responses stored by POST /v1/responses (store true or absent), so a later request can continue
-- from one by `previous_response_id` and GET / DELETE /v1/responses/{id} can read or remove it
-- (src/responses-store/). `input`: the conversation as the request sent it, after its own
-- previous_response_id was resolved (JSON list of input items); `response`: the Response object
-- answered (JSON), whose output items follow that input. Only the key that stored a response may
-- read it (key_id); rows past expires_at are never read, and the hourly cron deletes them.
CREATE TABLE stored_responses (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  team_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  input TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE INDEX stored_responses_expiry ON stored_responses(expires_at);
