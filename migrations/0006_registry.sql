-- Resident registry, wellness checks and daily reports.

-- Which flags exist is configuration (Residents:Flags, Needs:RaisingFlags, Wellness:Flags), checked by the app; the
-- database only keeps them tidy: lower-case words, no empty ones.
ALTER TABLE residents DROP CONSTRAINT residents_flags_known;
ALTER TABLE residents ADD CONSTRAINT residents_flags_words
    CHECK (array_to_string(flags, ',') ~ '^([a-z][a-z0-9_]{0,39}(,[a-z][a-z0-9_]{0,39})*)?$');
CREATE INDEX residents_flags ON residents USING gin (flags);

-- One wellness check per resident per local day. Each attempt is an outbound call (calls.dedupe_key
-- 'wellness:{check id}:{attempt}'); call_id is the current one.
CREATE TABLE wellness_checks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resident_id      bigint NOT NULL REFERENCES residents (id),
    day              date NOT NULL,
    phone            text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'calling', 'well', 'needs_help', 'not_reached', 'called_in')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    call_id          bigint REFERENCES calls (id),
    last_result      text,
    need_id          bigint REFERENCES needs (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    UNIQUE (resident_id, day)
);
CREATE INDEX wellness_checks_day ON wellness_checks (day, status);
CREATE INDEX wellness_checks_due ON wellness_checks (next_attempt_at) WHERE status = 'pending';
CREATE INDEX wellness_checks_calling ON wellness_checks (call_id) WHERE status = 'calling';

-- The last 24 hours in figures, one report per local day.
CREATE TABLE daily_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day           date NOT NULL UNIQUE,
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    figures       jsonb NOT NULL,
    generated_at  timestamptz NOT NULL
);

-- The daily report counts needs resolved in a period.
CREATE INDEX needs_resolved ON needs (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX voicemails_created ON voicemails (created_at);
