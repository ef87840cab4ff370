-- What a request log row's cost_usd was computed from beyond input/output/cached tokens, so every
-- cost can be recomputed from its row: JSON {"serviceTier", "cacheWrite5mTokens",
-- "cacheWrite1hTokens", "audioInputTokens", "audioOutputTokens", "timedOutInputTokens",
-- "timedOutCostUsd"} holding only the fields that are not the default; NULL (most rows) when none is.
ALTER TABLE request_logs ADD COLUMN usage_detail TEXT;
