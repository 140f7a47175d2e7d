-- A call's row is written at almost every step (stage, language, queue, status, outcome: about eight updates a call).
-- An update that changes no indexed column can be a heap-only tuple (HOT) update, which adds no index entries, but
-- only when its page has room and no index mentions the column, predicates included. calls_waiting_in_queue named
-- stage in its predicate, so every stage change wrote a new entry into each of the table's seven full indexes.
--
-- Waiting is now told from columns written once a call: enqueued_at, queue_result and status (the final status is
-- already a non-HOT update through calls_pending). The queries that read the queue (the board, take next call, the
-- waiting list, the callback order) still say stage = 'queue' too, and name the whole predicate so it is used.
DROP INDEX calls_waiting_in_queue;
CREATE INDEX calls_waiting_in_queue ON calls (started_at)
    WHERE enqueued_at IS NOT NULL AND queue_result IS NULL AND status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled');

-- Room on each page for the updated versions of its own rows (new pages only; old ones are full and cold).
ALTER TABLE calls SET (fillfactor = 80);
