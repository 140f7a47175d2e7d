-- Outbound calls are written before they are dialled, so they have no CallSid until Twilio answers the request.
ALTER TABLE calls ALTER COLUMN call_sid DROP NOT NULL;
ALTER TABLE calls ADD COLUMN dedupe_key text UNIQUE;
ALTER TABLE calls ADD COLUMN purpose text;
ALTER TABLE calls ADD COLUMN need_id bigint REFERENCES needs (id);
ALTER TABLE calls ADD COLUMN twiml_path text;
ALTER TABLE calls ADD COLUMN error_code int;
ALTER TABLE calls ADD COLUMN error_message text;
ALTER TABLE calls ADD COLUMN attempts int NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX calls_to_phone ON calls (to_phone, started_at DESC, id DESC);
-- The outbox: messages and calls recorded but not yet handed to Twilio.
CREATE INDEX calls_pending ON calls (updated_at) WHERE status IN ('pending', 'dialing');

ALTER TABLE messages ADD COLUMN attempts int NOT NULL DEFAULT 0;
CREATE INDEX messages_pending ON messages (updated_at) WHERE status IN ('pending', 'sending');

-- ASP.NET Core data-protection keys (they sign the staff session cookies), shared by every app instance so a
-- session started on one instance is valid on the others.
CREATE TABLE data_protection_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL UNIQUE,
    xml           text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
