-- The admin API's copy of the gateway config: read and compared-and-set by admin writes, in D1
-- because D1 is consistent where KV is not (a write at one location reaches the others' KV within
-- about a minute). KV keeps the copy requests are served from. One row; `revision` counts writes;
-- `replaced` is the SHA-256 of the KV text the last write replaced (a location still holding that
-- text has not caught up; any other text without a revision was written in KV by hand).
CREATE TABLE config_store (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  text TEXT NOT NULL,
  revision INTEGER NOT NULL,
  replaced TEXT NOT NULL DEFAULT ''
);
