-- Seeds {calls} realistic call rows into the migrated schema, a record day (80,000 calls) after another up to now:
-- nine in ten inbound, one in ten an outbound call back; 200,000 callers, and 100 frequent ones who make one call in
-- a hundred between them; outcomes; needs for three inbound calls in nine (5 % urgent medical, 30 % medicine, 25 %
-- food, 20 % meals, 20 % other); a voicemail for every voicemail outcome. Pseudo-random, the same on every run.
--
-- Runs step by step (the "-- step:" lines), each step one command on one session. Fast because nothing is checked or
-- indexed row by row: the live-feed triggers and foreign keys are off for the session (session_replication_role =
-- replica), and every index but the primary keys is dropped first and built again afterwards from its own
-- definition, so the schema measured is exactly the migrated one.
SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET max_parallel_maintenance_workers = 2;

CREATE TEMP TABLE seed_rebuild AS
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS ddl,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_ddl
FROM pg_constraint c
WHERE c.conrelid = ANY ('{calls,needs,voicemails}'::regclass[]) AND c.contype = 'u'
UNION ALL
SELECT pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
FROM pg_index i
WHERE i.indrelid = ANY ('{calls,needs,voicemails}'::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);

DO $$ DECLARE d text; BEGIN FOR d IN SELECT drop_ddl FROM seed_rebuild LOOP EXECUTE d; END LOOP; END $$;

-- step: calls
INSERT INTO calls (call_sid, direction, from_phone, to_phone, language, stage, status, status_sequence, outcome,
                   queue_name, enqueued_at, queue_result, queue_seconds, started_at, ended_at, duration_seconds, updated_at)
SELECT 'CA' || md5(i::text),
       CASE WHEN outbound THEN 'outbound-api' ELSE 'inbound' END,
       CASE WHEN outbound THEN '+8621000000000' ELSE phone END,
       CASE WHEN outbound THEN phone ELSE '+8621000000000' END,
       CASE WHEN i % 3 = 0 THEN 'en-US' ELSE 'zh-CN' END,
       'done', 'completed', 3, outcome,
       CASE WHEN outcome IN ('answered', 'abandoned_in_queue', 'callback_requested') THEN 'general' END,
       CASE WHEN outcome IN ('answered', 'abandoned_in_queue', 'callback_requested') THEN started + interval '40 seconds' END,
       CASE outcome WHEN 'answered' THEN 'bridged' WHEN 'abandoned_in_queue' THEN 'hangup' WHEN 'callback_requested' THEN 'leave' END,
       CASE WHEN outcome IN ('answered', 'abandoned_in_queue', 'callback_requested') THEN (i * 37) % 600 END,
       started, started + make_interval(secs => 30 + (i * 13) % 900), 30 + (i * 13) % 900, started
FROM (
    SELECT i, i % 10 = 0 AS outbound,
           now() - make_interval(secs => (i - 1) * 86400.0 / 80000) AS started,
           CASE WHEN i % 100 = 7 THEN '+86139' || lpad(((i / 100) % 100)::text, 8, '0')
                ELSE '+86138' || lpad(((i * 7919) % 200000)::text, 8, '0') END AS phone,
           CASE WHEN i % 10 = 0 THEN CASE WHEN i % 7 = 0 THEN 'missed' ELSE 'answered' END
                ELSE (ARRAY['answered', 'answered', 'answered', 'answered', 'answered', 'answered', 'answered', 'answered',
                            'answered', 'answered', 'abandoned_in_ivr', 'abandoned_in_ivr', 'abandoned_in_queue',
                            'abandoned_in_queue', 'abandoned_in_queue', 'voicemail', 'voicemail', 'voicemail',
                            'callback_requested', 'missed'])[1 + (i * 31) % 20] END AS outcome
    FROM generate_series(1::bigint, {calls}) i
) s;

-- step: needs
INSERT INTO needs (reference, call_id, phone, source, category, urgency, status, ack_deadline, fulfil_deadline,
                   acknowledged_at, resolved_at, resolution, created_at, updated_at)
SELECT (100000 + c.id)::text, c.id, c.from_phone, 'call', k.category, k.urgency,
       CASE WHEN c.started_at > now() - interval '1 day' THEN 'open' ELSE 'resolved' END,
       c.started_at + interval '30 minutes', c.started_at + interval '12 hours',
       c.started_at + interval '10 minutes', c.started_at + interval '5 hours', 'done', c.started_at, c.started_at
FROM calls c
CROSS JOIN LATERAL (SELECT CASE WHEN c.id / 10 % 20 = 0 THEN 'urgent_medical' WHEN c.id / 10 % 20 < 7 THEN 'medicine'
                                WHEN c.id / 10 % 20 < 12 THEN 'food' WHEN c.id / 10 % 20 < 16 THEN 'meals' ELSE 'other' END AS category) k0
CROSS JOIN LATERAL (SELECT k0.category, CASE k0.category WHEN 'urgent_medical' THEN 'urgent' WHEN 'medicine' THEN 'high' ELSE 'normal' END AS urgency) k
WHERE c.direction = 'inbound' AND c.id % 5 < 2;

-- step: voicemails
INSERT INTO voicemails (call_id, need_id, recording_sid, recording_url, duration_seconds, recording_status, transcript,
                        transcription_status, heard_at, created_at)
SELECT c.id, n.id, 'RE' || md5(c.id::text), 'https://api.twilio.com/recordings/RE' || md5(c.id::text), 20, 'completed',
       'Please call me back about my medicine.', 'completed', c.started_at + interval '1 hour', c.started_at + interval '1 minute'
FROM calls c LEFT JOIN needs n ON n.call_id = c.id
WHERE c.outcome = 'voicemail';

-- step: indexes
DO $$ DECLARE d text; BEGIN FOR d IN SELECT ddl FROM seed_rebuild LOOP EXECUTE d; END LOOP; END $$;
RESET session_replication_role;
-- step: vacuum calls
VACUUM ANALYZE calls;
-- step: vacuum needs
VACUUM ANALYZE needs;
-- step: vacuum voicemails
VACUUM ANALYZE voicemails;
