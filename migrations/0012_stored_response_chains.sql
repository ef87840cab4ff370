-- A stored response continuing from another (previous_response_id) now holds only what its own
-- request added — its input items after item references were resolved, and its Response — and names
-- the one it continued from (previous_id); a conversation is read by walking previous_id to its root
-- (src/responses-store/chain.ts). Each row used to hold the whole conversation, so a chain of N turns
-- stored O(N²) and a long one soon outgrew D1's 2 MB row. Rows written before hold their whole
-- conversation and previous_id NULL: they read as a conversation's first turn, as they are.
-- deleted_at: DELETE /v1/responses/{id} of a response others continue from hides it (NULL while it
-- is not deleted) but keeps its items as theirs; the hourly cron removes it once none does.
ALTER TABLE stored_responses ADD COLUMN previous_id TEXT;
ALTER TABLE stored_responses ADD COLUMN deleted_at INTEGER;
-- Most rows start a conversation or are not deleted: partial indexes leave those out (as 0009 does).
CREATE INDEX stored_responses_previous ON stored_responses(previous_id) WHERE previous_id IS NOT NULL;
CREATE INDEX stored_responses_deleted ON stored_responses(deleted_at) WHERE deleted_at IS NOT NULL;
