-- OpenAI's Conversations API (/v1/conversations, and `conversation` on POST /v1/responses): a
-- conversation of a key (key_id; only it may read or change it), its metadata (JSON object of
-- strings), and its items in order of seq, allocated inside the insert (MAX(seq) + 1) so that
-- concurrent appends keep one total order (src/conversations-store/). Times in ms; rows past
-- expires_at (the config's responses.storeDays past the last append) are never read, and the hourly
-- cron deletes them with their items.
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  team_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  metadata TEXT NOT NULL
);
CREATE INDEX conversations_expiry ON conversations(expires_at);
-- An item: its JSON, or '' and `parts` > 0 when it outgrows one D1 value (its JSON then in
-- conversation_item_parts, as stored_response_parts holds a large response's); size: its JSON's
-- characters, summed before a conversation is read (a bounded read).
CREATE TABLE conversation_items (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  item TEXT NOT NULL,
  parts INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX conversation_items_id ON conversation_items(conversation_id, item_id);
CREATE TABLE conversation_item_parts (
  conversation_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (conversation_id, item_id, seq)
);
