-- A stored response whose JSON outgrows one D1 row (D1 refuses a string or row over its size limit:
-- an image sent as a data URL, a long document, a generated image) keeps its input and response
-- columns empty and its JSON — `[input, response]` — in parts of at most 300,000 characters, in
-- order of seq (src/responses-store/parts.ts); parts: how many (0: the columns hold it, as before).
-- Written in the same batch as the row; removed with it (deletion.ts, retention.ts).
-- size: the characters of its input items' and output items' JSON, wherever they are: the rows a
-- request names are summed before any is read, and read only within a bound (continuation.ts);
-- 0 for a row written before, whose columns' lengths count instead.
ALTER TABLE stored_responses ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stored_responses ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
CREATE TABLE stored_response_parts (
  response_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (response_id, seq)
);
