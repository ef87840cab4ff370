-- Request log rows are keyed by the server's request id (`req_…`) only. A client's `x-request-id`
-- is kept beside it — never trusted as a key, since a client may send the same one twice — and
-- `guardrails` records the rules that fired: JSON [{"rule","action","count"}], no matched text.
ALTER TABLE request_logs ADD COLUMN client_request_id TEXT;
ALTER TABLE request_logs ADD COLUMN guardrails TEXT;

-- /admin/logs?requestId= matches either id: the primary key, or this index.
CREATE INDEX request_logs_client_request_id ON request_logs(client_request_id);
