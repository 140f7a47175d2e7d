-- The escalation ladder: every alert sent about a need that waits too long, written under a unique key before it
-- is sent, so a job that runs twice (or on two instances) cannot alert anyone twice.
CREATE TABLE escalations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    need_id       bigint NOT NULL REFERENCES needs (id),
    -- ack: the need was not acknowledged by its ack_deadline; fulfil: acknowledged but not resolved by fulfil_deadline.
    kind          text NOT NULL CHECK (kind IN ('ack', 'fulfil')),
    -- Position on the ladder: 0 is the first alert; past the top level each further step is another round.
    step          int NOT NULL,
    -- Ladder level of the recipient (0 is the need's owner, for fulfilment alerts).
    level         int NOT NULL,
    -- none: a level with nobody on duty, recorded so that the skip is visible.
    channel       text NOT NULL CHECK (channel IN ('sms', 'voice', 'none')),
    recipient_id  bigint REFERENCES staff (id),
    status        text NOT NULL CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'cancelled', 'empty_level')),
    message_id    bigint REFERENCES messages (id),
    call_id       bigint REFERENCES calls (id),
    -- "esc:<need>:<kind>:<step>:<channel>:<recipient or none>"; the outbox row carries the same key.
    dedupe_key    text NOT NULL UNIQUE,
    due_at        timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    cancelled_at  timestamptz,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT escalations_recipient CHECK ((channel = 'none') = (recipient_id IS NULL))
);
CREATE INDEX escalations_need ON escalations (need_id, kind, step);
CREATE INDEX escalations_created ON escalations (created_at DESC, id DESC);
-- Alerts whose outcome is not known yet: followed until the send is delivered or fails.
CREATE INDEX escalations_in_flight ON escalations (need_id) WHERE status IN ('pending', 'sent');

-- When the ladder of a need next has something to do; the sweep looks here for work a lost job left undone.
ALTER TABLE needs ADD COLUMN escalation_due_at timestamptz;
-- An ACK of a fulfilment alert stops that ladder without resolving the need.
ALTER TABLE needs ADD COLUMN fulfil_acknowledged_at timestamptz;
ALTER TABLE needs ADD COLUMN fulfil_acknowledged_by bigint REFERENCES staff (id);
CREATE INDEX needs_fulfil ON needs (fulfil_deadline) WHERE status = 'acknowledged';
