-- Request logs: one row per /v1 request, keyed by its request id. Written in batches by the LogBuffer
-- Durable Object with INSERT OR IGNORE, so a retried flush never duplicates a row. Times are ms since
-- the epoch (UTC). Bodies are only kept for keys with logBodies (and never for zero-data-retention keys).
CREATE TABLE request_logs (
  id TEXT PRIMARY KEY,
  time INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  key_id TEXT,
  team_id TEXT,
  model TEXT,
  provider TEXT,
  served_model TEXT,
  status INTEGER NOT NULL,
  error_code TEXT,
  attempts TEXT NOT NULL DEFAULT '[]',
  stream INTEGER NOT NULL DEFAULT 0,
  cache TEXT NOT NULL DEFAULT 'skip',
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  saved_usd REAL NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL DEFAULT 0,
  ttft_ms INTEGER,
  metadata TEXT,
  cancelled INTEGER NOT NULL DEFAULT 0,
  zdr INTEGER NOT NULL DEFAULT 0,
  request_body TEXT,
  response_body TEXT
);

-- Newest-first paging and time-range scans (analytics, retention cleanup).
CREATE INDEX request_logs_time ON request_logs(time, id);
-- The admin filters that narrow most: each with time, so a filtered page or range stays an index range.
CREATE INDEX request_logs_key_time ON request_logs(key_id, time);
CREATE INDEX request_logs_team_time ON request_logs(team_id, time);
CREATE INDEX request_logs_model_time ON request_logs(model, time);
CREATE INDEX request_logs_provider_time ON request_logs(provider, time);
