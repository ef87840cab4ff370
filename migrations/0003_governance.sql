-- Governance: scoped admin credentials and the audit log of admin mutations.

-- Admin tokens besides the root ADMIN_TOKEN. Like gateway keys, the secret is never stored: only
-- its SHA-256 hash, which is also how a presented token is looked up.
CREATE TABLE admin_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'team-admin', 'viewer')),
  team_id TEXT,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX admin_tokens_created ON admin_tokens(created_at, id);

-- One row per successful admin mutation. before/after are JSON with secrets redacted.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  team_id TEXT,
  before TEXT,
  after TEXT,
  request_id TEXT
);
CREATE INDEX audit_time ON audit_log(time, id);
CREATE INDEX audit_target ON audit_log(target_type, target_id, time);
CREATE INDEX audit_actor ON audit_log(actor, time);
