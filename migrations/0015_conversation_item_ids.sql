-- An item_reference on POST /v1/responses names an item by its id alone: one a client added to a
-- conversation by hand is found by it among the key's conversations (src/conversations-store/read.ts
-- heldItems) through this index, not by a scan of every conversation's items.
CREATE INDEX conversation_items_item ON conversation_items(item_id);
