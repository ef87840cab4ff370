-- The vectors the semantic cache stored in Vectorize, with their answers' expiry: Vectorize cannot
-- be asked for what has expired, and an index holds at most 10 M vectors, so the hourly cron reads
-- the expired ids here and deletes them there (src/cache/vector-sweep.ts).
CREATE TABLE semantic_vectors (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX semantic_vectors_expiry ON semantic_vectors(expires_at);
