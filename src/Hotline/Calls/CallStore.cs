using Dapper;
using Npgsql;

namespace Hotline.Calls;

public sealed class CallStore
{
    const string SessionColumns = """
        c.*, r.language AS resident_language, coalesce(r.flags, '{}') AS resident_flags,
        n.id AS need_id, n.reference AS need_reference, n.urgency AS need_urgency
        """;

    // Any webhook may be the first we hear of a call (a lost first request, a replay, a status callback for a
    // call that failed before ringing us), so every one of them creates the call if it is missing.
    public async Task<Call> EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallIdentity identity, DateTime now)
    {
        var sql = $"""
            WITH inserted AS (
                INSERT INTO calls (call_sid, direction, from_phone, to_phone, resident_id, started_at)
                VALUES (@CallSid, @Direction, @From, @To, (SELECT id FROM residents WHERE phone = @From), @now)
                ON CONFLICT (call_sid) DO NOTHING
                RETURNING *),
            c AS (
                SELECT * FROM inserted
                UNION ALL
                SELECT * FROM calls WHERE call_sid = @CallSid AND NOT EXISTS (SELECT 1 FROM inserted))
            SELECT {SessionColumns}
            FROM c LEFT JOIN residents r ON r.id = c.resident_id LEFT JOIN needs n ON n.call_id = c.id
            """;
        var args = new { identity.CallSid, identity.Direction, identity.From, identity.To, now };
        // A duplicate delivery racing the first one can miss both the insert and the row; the second try sees it.
        return await conn.QuerySingleOrDefaultAsync<Call>(sql, args, tx)
            ?? await conn.QuerySingleAsync<Call>(sql, args, tx);
    }

    // An outbound call's row exists before Twilio gives it a CallSid; its callbacks carry our row id and claim it.
    public Task BindOutboundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string callSid) =>
        conn.ExecuteAsync("UPDATE calls SET call_sid = @callSid WHERE id = @callId AND call_sid IS NULL", new { callId, callSid }, tx);

    public async Task<bool> AddEventAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallEvent e)
    {
        var inserted = await conn.ExecuteAsync(
            """
            INSERT INTO call_events (call_id, kind, detail, payload, dedupe_key, replayed, occurred_at)
            VALUES (@CallId, @Kind, @Detail, @Payload::jsonb, @DedupeKey, @Replayed, @OccurredAt)
            ON CONFLICT (dedupe_key) DO NOTHING
            """, e, tx);
        return inserted == 1;
    }

    public Task SetStageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string stage) =>
        conn.ExecuteAsync("UPDATE calls SET stage = @stage WHERE id = @callId", new { callId, stage }, tx);

    public Task SetLanguageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Call call, string language) =>
        conn.ExecuteAsync(
            """
            UPDATE calls SET language = @language, stage = 'menu' WHERE id = @Id;
            -- Remember the choice for the next call from this number.
            INSERT INTO residents (phone, language) VALUES (@FromPhone, @language)
            ON CONFLICT (phone) DO UPDATE SET language = coalesce(residents.language, excluded.language), updated_at = now();
            UPDATE calls SET resident_id = (SELECT id FROM residents WHERE phone = @FromPhone) WHERE id = @Id AND resident_id IS NULL;
            """,
            new { call.Id, call.FromPhone, language }, tx);

    public Task<int> CountMenuFailureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.ExecuteScalarAsync<int>(
            "UPDATE calls SET menu_failures = menu_failures + 1 WHERE id = @callId RETURNING menu_failures", new { callId }, tx);

    public Task EnqueuedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string queue, DateTime now) =>
        conn.ExecuteAsync(
            "UPDATE calls SET stage = 'queue', queue_name = @queue, enqueued_at = coalesce(enqueued_at, @now) WHERE id = @callId",
            new { callId, queue, now }, tx);

    public Task LeftQueueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string result, int? seconds) =>
        conn.ExecuteAsync(
            """
            UPDATE calls SET queue_result = @result, queue_seconds = coalesce(@seconds, queue_seconds),
                stage = CASE WHEN @result = 'bridged' THEN 'answered' ELSE stage END
            WHERE id = @callId
            """,
            new { callId, result, seconds }, tx);

    public Task<bool> AnyOperatorOnDutyAsync(NpgsqlConnection conn, NpgsqlTransaction tx) =>
        conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM staff WHERE on_duty AND role = 'operator')", transaction: tx);

    // A later callback never takes a final call back to a live state; a final status always wins over a live one,
    // whatever order they arrive in. True when the row changed.
    public async Task<bool> ApplyStatusAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, StatusUpdate update) =>
        await conn.ExecuteAsync(
            """
            UPDATE calls SET
                status = @Status,
                status_sequence = greatest(status_sequence, @Sequence),
                duration_seconds = coalesce(@DurationSeconds, duration_seconds),
                ended_at = CASE WHEN @IsFinal THEN coalesce(ended_at, @At) ELSE ended_at END
            WHERE id = @callId
              AND status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled')
              AND (@IsFinal OR @Sequence > status_sequence)
            """,
            new { callId, update.Status, update.Sequence, update.DurationSeconds, update.IsFinal, update.At }, tx) == 1;

    // The outcome is derived from where the caller got to, so it comes out the same whichever of the final status
    // and the voicemail callbacks arrives last.
    public Task RecomputeOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.ExecuteAsync(
            """
            UPDATE calls c SET outcome = CASE
                WHEN c.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') THEN NULL
                WHEN c.direction <> 'inbound' THEN CASE WHEN c.status = 'completed' THEN 'answered' ELSE 'missed' END
                WHEN c.stage = 'answered' OR c.queue_result = 'bridged' THEN 'answered'
                WHEN EXISTS (SELECT 1 FROM voicemails v WHERE v.call_id = c.id) THEN 'voicemail'
                WHEN c.stage = 'callback_requested' THEN 'callback_requested'
                WHEN c.status <> 'completed' THEN 'missed'
                WHEN c.enqueued_at IS NOT NULL THEN 'abandoned_in_queue'
                ELSE 'abandoned_in_ivr'
            END
            WHERE c.id = @callId
            """,
            new { callId }, tx);
}

public sealed record CallIdentity(string CallSid, string Direction, string From, string To);

public sealed record CallEvent(long CallId, string Kind, string? Detail, string Payload, string? DedupeKey, bool Replayed, DateTime OccurredAt);

public sealed record StatusUpdate(string Status, int Sequence, int? DurationSeconds, bool IsFinal, DateTime At);
