-- The operator console: notes on needs, and change notices for the live board.

CREATE TABLE need_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    need_id     bigint NOT NULL REFERENCES needs (id),
    staff_id    bigint REFERENCES staff (id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX need_notes_need ON need_notes (need_id, id);

-- When a staff member went on duty, so the board can say for how long.
ALTER TABLE staff ADD COLUMN duty_changed_at timestamptz;

-- The board is fed by LISTEN/NOTIFY so that every app instance sees every writer's change. A trigger catches every
-- writer (webhooks, jobs, the console, other instances) without each remembering to notify. It is a row trigger so
-- that statements changing nothing (the outbox sweeper's periodic UPDATE) stay silent; PostgreSQL folds identical
-- notices within one transaction and delivers them at commit, so a webhook that touches its call five times sends
-- one notice, and a rolled-back change sends none. The payload is only the table name: the board re-reads.
CREATE FUNCTION hotline_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotline_live', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

-- Tables added by later migrations join with the same one line:
--   CREATE TRIGGER live AFTER INSERT OR UPDATE OR DELETE ON x FOR EACH ROW EXECUTE FUNCTION hotline_live_notify();
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['calls', 'needs', 'voicemails', 'staff', 'need_notes', 'callbacks', 'callback_attempts', 'escalations']
    LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format(
                'CREATE TRIGGER live AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION hotline_live_notify()', t);
        END IF;
    END LOOP;
END
$$;
