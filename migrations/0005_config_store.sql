-- The admin API's copy of the gateway config: read and compared-and-set by admin writes, in D1
-- because D1 is consistent where KV is not (a write at one location reaches the others' KV within
-- about a minute). KV keeps the copy requests are served from. One row; `revision` counts writes.
CREATE TABLE config_store (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  text TEXT NOT NULL,
  revision INTEGER NOT NULL
);
