-- Outbound SMS leave through the in-process pump (Telephony/SmsPump), which claims due rows in batches instead of
-- one Hangfire job per message. A message Twilio turned away for now waits until send_after before its next try.
ALTER TABLE messages ADD COLUMN send_after timestamptz;
CREATE INDEX messages_to_send ON messages (id) WHERE status = 'pending';
