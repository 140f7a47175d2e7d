-- Callbacks: every resident who left a voicemail, hung up after stating a need, asked for a callback in the queue or
-- was scheduled from the console, until someone has spoken to them.

CREATE TABLE callbacks (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone              text NOT NULL,
    resident_id        bigint REFERENCES residents (id),
    need_id            bigint REFERENCES needs (id),
    -- The call that asked for it (none for a callback scheduled from the console).
    call_id            bigint REFERENCES calls (id),
    source             text NOT NULL CHECK (source IN ('voicemail', 'abandoned_in_ivr', 'abandoned_in_queue', 'queue_request', 'console')),
    urgency            text NOT NULL CHECK (urgency IN ('urgent', 'high', 'normal')),
    urgency_rank       smallint GENERATED ALWAYS AS (CASE urgency WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END) STORED,
    -- The time of the original call: the caller's place in line, kept through merges and retries.
    place_at           timestamptz NOT NULL,
    due_at             timestamptz NOT NULL,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dialing', 'completed', 'unreachable', 'cancelled')),
    -- Attempts made so far (numbers callback_attempts), and those the resident did not pick up, which drive the back-off.
    attempts           int NOT NULL DEFAULT 0,
    failures           int NOT NULL DEFAULT 0,
    last_result        text,
    -- Reached by an automatic call but only a person can help now (they left a message while nobody was on duty).
    wait_for_operator  boolean NOT NULL DEFAULT false,
    requests           int NOT NULL DEFAULT 1,
    language           text,
    note               text,
    created_by         bigint REFERENCES staff (id),
    assigned_to        bigint REFERENCES staff (id),
    alert_need_id      bigint REFERENCES needs (id),
    closed_at          timestamptz,
    close_reason       text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
-- One open callback per phone number, enforced here: a second request merges into the open one (ON CONFLICT).
CREATE UNIQUE INDEX callbacks_open_phone ON callbacks (phone) WHERE status IN ('pending', 'dialing');
-- The working order: urgency, then the place in line. "Next due" walks this index.
CREATE INDEX callbacks_working_order ON callbacks (urgency_rank, place_at, id) WHERE status = 'pending';
-- Finds the due ones quickly when most are waiting out a back-off.
CREATE INDEX callbacks_due ON callbacks (due_at) WHERE status = 'pending';
CREATE INDEX callbacks_dialing ON callbacks (updated_at) WHERE status = 'dialing';
CREATE INDEX callbacks_closed ON callbacks (closed_at DESC, id DESC) WHERE status IN ('completed', 'unreachable', 'cancelled');
CREATE INDEX callbacks_need ON callbacks (need_id);

-- Each dial, written (with its outbox call row) before the call is placed: a job run twice finds the attempt
-- number taken and the call's dedupe key used, so one attempt never rings twice.
CREATE TABLE callback_attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    callback_id       bigint NOT NULL REFERENCES callbacks (id),
    attempt_no        int NOT NULL,
    mode              text NOT NULL CHECK (mode IN ('operator', 'automatic')),
    staff_id          bigint REFERENCES staff (id),
    -- Our outbound call: to the operator (operator-first) or to the resident (automatic).
    call_id           bigint NOT NULL UNIQUE REFERENCES calls (id),
    -- The resident's leg at Twilio: the <Dial>'s DialCallSid, or the automatic call's own CallSid.
    resident_call_sid text,
    answered_by       text,
    result            text,
    duration_seconds  int,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    UNIQUE (callback_id, attempt_no)
);

CREATE TABLE callback_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    callback_id  bigint NOT NULL REFERENCES callbacks (id),
    kind         text NOT NULL,
    detail       text,
    staff_id     bigint REFERENCES staff (id),
    -- One request per originating call, however many webhooks report it.
    dedupe_key   text UNIQUE,
    occurred_at  timestamptz NOT NULL
);
CREATE INDEX callback_events_callback ON callback_events (callback_id, id);

-- Twilio's answering machine detection, asked for on automatic callbacks.
ALTER TABLE calls ADD COLUMN machine_detection text;
ALTER TABLE calls ADD COLUMN answered_by text;

-- Callers waiting in a queue right now, for comparing their place with the next due callback.
CREATE INDEX calls_waiting_in_queue ON calls (started_at) WHERE stage = 'queue' AND queue_result IS NULL;
