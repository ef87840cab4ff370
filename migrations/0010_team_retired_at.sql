-- Retiring a team (DELETE /admin/teams/:id) is a soft delete, as a key's revocation is: the row stays,
-- so that revoked keys (keys.team_id references it), log rows, analytics and the audit log keep
-- naming a team the admin API can still read. NULL while the team is live.
ALTER TABLE teams ADD COLUMN retired_at INTEGER;
