-- The live board's change notices leave the writers' commits. A transaction that sends a NOTIFY takes one lock for
-- the whole cluster while it commits, so under a flood of webhooks every call, need and voicemail commit queued
-- behind the others' (convoys of up to 370 ms, docs/benchmarks.md). Now the trigger bumps a sequence named after
-- its table, in schema live: nextval is not transactional and takes no lock to commit. Each app instance polls the
-- sequences (LiveWatcher) and tells its boards which tables moved, and tells them again once the transactions that
-- may have moved them have ended, because a bump is seen before its commit. A rolled-back change is announced too,
-- which costs a board one needless re-read; a statement that changes no row still bumps nothing.
CREATE SCHEMA live;

CREATE FUNCTION live.bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval(format('live.%I', TG_TABLE_NAME));
    RETURN NULL;
END
$$;

-- Tables added by later migrations join with two lines:
--   CREATE SEQUENCE live.x;
--   CREATE TRIGGER live AFTER INSERT OR UPDATE OR DELETE ON x FOR EACH ROW EXECUTE FUNCTION live.bump();
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = 'live' AND NOT g.tgisinternal
    LOOP
        EXECUTE format('CREATE SEQUENCE live.%I', t);
        EXECUTE format('DROP TRIGGER live ON %I', t);
        EXECUTE format('CREATE TRIGGER live AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION live.bump()', t);
    END LOOP;
END
$$;

DROP FUNCTION hotline_live_notify();
