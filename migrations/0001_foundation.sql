-- Foundation: residents, calls and their events, needs, voicemails, messages, staff, audit.
-- Every time is timestamptz in UTC; every phone number is E.164 text.

CREATE TABLE residents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone             text NOT NULL UNIQUE,
    name              text,
    address           text,
    building          text,
    unit              text,
    language          text,
    flags             text[] NOT NULL DEFAULT '{}',
    care_notes        text,
    emergency_contact text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT residents_flags_known CHECK (flags <@ ARRAY['dialysis', 'pregnant', 'elderly_alone', 'disabled']::text[])
);
CREATE INDEX residents_name ON residents (lower(name));

CREATE TABLE staff (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username          text NOT NULL UNIQUE,
    display_name      text NOT NULL,
    role              text NOT NULL CHECK (role IN ('operator', 'supervisor')),
    phone             text,
    password_hash     text NOT NULL,
    language          text NOT NULL DEFAULT 'en-US',
    on_duty           boolean NOT NULL DEFAULT false,
    escalation_level  int,
    failed_logins     int NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_phone ON staff (phone) WHERE phone IS NOT NULL;

CREATE TABLE calls (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_sid          text NOT NULL UNIQUE,
    direction         text NOT NULL,
    from_phone        text NOT NULL,
    to_phone          text NOT NULL,
    resident_id       bigint REFERENCES residents (id),
    language          text,
    -- Where the caller is in our flow; drives the outcome once Twilio says the call is over.
    stage             text NOT NULL DEFAULT 'greeting',
    menu_failures     int NOT NULL DEFAULT 0,
    status            text NOT NULL DEFAULT 'ringing',
    status_sequence   int NOT NULL DEFAULT -1,
    outcome           text,
    queue_name        text,
    enqueued_at       timestamptz,
    queue_result      text,
    queue_seconds     int,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    duration_seconds  int
);
-- The call log: newest first with keyset paging, by phone, by outcome.
CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
CREATE INDEX calls_from_phone ON calls (from_phone, started_at DESC, id DESC);
CREATE INDEX calls_outcome ON calls (outcome, started_at DESC, id DESC);

CREATE TABLE call_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id      bigint NOT NULL REFERENCES calls (id),
    kind         text NOT NULL,
    detail       text,
    payload      jsonb NOT NULL,
    -- Set for events that Twilio may deliver twice (status callbacks, recordings), so a repeat is a no-op.
    dedupe_key   text UNIQUE,
    replayed     boolean NOT NULL DEFAULT false,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_events_call ON call_events (call_id, id);

CREATE SEQUENCE need_reference_seq START 10000;

CREATE TABLE needs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference          text NOT NULL UNIQUE,
    call_id            bigint UNIQUE REFERENCES calls (id),
    message_id         bigint UNIQUE,
    resident_id        bigint REFERENCES residents (id),
    phone              text NOT NULL,
    source             text NOT NULL,
    category           text NOT NULL,
    urgency            text NOT NULL CHECK (urgency IN ('urgent', 'high', 'normal')),
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved', 'cancelled')),
    summary            text,
    ack_deadline       timestamptz NOT NULL,
    fulfil_deadline    timestamptz NOT NULL,
    acknowledged_at    timestamptz,
    acknowledged_by    bigint REFERENCES staff (id),
    assigned_to        bigint REFERENCES staff (id),
    resolved_at        timestamptz,
    resolution         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX needs_open ON needs (status, urgency, ack_deadline) WHERE status IN ('open', 'acknowledged');
CREATE INDEX needs_phone ON needs (phone, created_at DESC);
CREATE INDEX needs_created ON needs (created_at DESC);

CREATE TABLE voicemails (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id               bigint NOT NULL REFERENCES calls (id),
    need_id               bigint REFERENCES needs (id),
    recording_sid         text NOT NULL UNIQUE,
    recording_url         text,
    duration_seconds      int,
    recording_status      text,
    transcript            text,
    transcription_status  text,
    heard_at              timestamptz,
    heard_by              bigint REFERENCES staff (id),
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voicemails_call ON voicemails (call_id);
CREATE INDEX voicemails_unheard ON voicemails (created_at) WHERE heard_at IS NULL;

CREATE TABLE messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    direction      text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    message_sid    text UNIQUE,
    -- Outbound messages are written under a key before they are sent, so a retried job cannot send twice.
    dedupe_key     text UNIQUE,
    from_phone     text NOT NULL,
    to_phone       text NOT NULL,
    body           text NOT NULL,
    purpose        text,
    status         text NOT NULL,
    error_code     int,
    error_message  text,
    need_id        bigint REFERENCES needs (id),
    resident_id    bigint REFERENCES residents (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_to_phone ON messages (to_phone, created_at DESC);
CREATE INDEX messages_from_phone ON messages (from_phone, created_at DESC);
ALTER TABLE needs ADD CONSTRAINT needs_message FOREIGN KEY (message_id) REFERENCES messages (id);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    staff_id     bigint REFERENCES staff (id),
    entity       text NOT NULL,
    entity_id    bigint NOT NULL,
    action       text NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

-- Answers to webhooks that carried I-Twilio-Idempotency-Token, so a retried delivery gets the same answer.
CREATE TABLE webhook_receipts (
    token         text PRIMARY KEY,
    path          text NOT NULL,
    status_code   int NOT NULL,
    content_type  text,
    body          text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at);
