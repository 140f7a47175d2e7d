using Dapper;
using Hotline.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Hotline.Calls;

public sealed class CallStore
{
    const string SessionColumns = """
        c.*, r.language AS resident_language, coalesce(r.flags, '{}') AS resident_flags,
        n.id AS need_id, n.reference AS need_reference, n.urgency AS need_urgency
        """;

    // Any webhook may be the first we hear of a call (a lost first request, a replay, a status callback for a
    // call that failed before ringing us), so every one of them creates the call if it is missing. Most find it: they
    // look it up first, so only a call's first webhook pays for the insert (a sequence value, the resident's lookup,
    // the conflict check); a first webhook racing another inserts nothing, and OpenStepAsync looks again.
    const string EnsureSql = $"""
        WITH found AS (
            SELECT * FROM calls WHERE call_sid = @CallSid),
        inserted AS (
            INSERT INTO calls (call_sid, direction, from_phone, to_phone, resident_id, started_at)
            SELECT @CallSid, @Direction, @From, @To, (SELECT id FROM residents WHERE phone = @From), @now
            WHERE NOT EXISTS (SELECT 1 FROM found)
            ON CONFLICT (call_sid) DO NOTHING
            RETURNING *),
        c AS (
            SELECT * FROM found
            UNION ALL
            SELECT * FROM inserted)
        SELECT {SessionColumns}
        FROM c LEFT JOIN residents r ON r.id = c.resident_id LEFT JOIN needs n ON n.call_id = c.id
        """;

    // A caller waiting in one of our queues now (calls aliased c): the predicate of calls_waiting_in_queue, spelt out
    // so the planner can use it, as the queue's readers would otherwise scan every call ever taken (migration 0009).
    public const string WaitingInQueue = """
        c.stage = 'queue' AND c.enqueued_at IS NOT NULL AND c.queue_result IS NULL
        AND c.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled')
        """;

    // An outbound call's row exists before Twilio gives it a CallSid; its callbacks carry our row id and claim it.
    const string BindOutboundSql = "UPDATE calls SET call_sid = @CallSid WHERE id = @outboundId AND call_sid IS NULL";

    // A step's first round trip: the receipt lookup for a retried delivery (when there is a token to look up), the
    // outbound binding, and the call row. A found receipt means the step must not run; the caller rolls back
    // whatever the other statements wrote.
    public async Task<OpenedStep> OpenStepAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallIdentity identity, long? outboundId,
        string? receiptToken, DateTime now)
    {
        var sql = string.Join(";\n", new[]
        {
            receiptToken is null ? null : Telephony.WebhookReceiptFilter.LookupSql,
            outboundId is null ? null : BindOutboundSql,
            EnsureSql,
        }.OfType<string>());
        var args = new { identity.CallSid, identity.Direction, identity.From, identity.To, now, outboundId, receiptToken };
        Call? call;
        await using (var results = await conn.QueryMultipleAsync(sql, args, tx))
        {
            if (receiptToken is not null && await results.ReadSingleOrDefaultAsync<string>() is { } stored)
            {
                return new OpenedStep(stored, null);
            }

            call = await results.ReadSingleOrDefaultAsync<Call>();
        }

        // A duplicate delivery racing the first one can miss both the insert and the row; the second try sees it.
        return new OpenedStep(null, call ?? await conn.QuerySingleAsync<Call>(EnsureSql, args, tx));
    }

    const string AddEventSql = """
        INSERT INTO call_events (call_id, kind, detail, payload, dedupe_key, replayed, occurred_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    // One event on its own (the sweeps'); a voice step sends its events with its other writes (VoiceStep).
    public async Task AddEventAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallEvent e, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { EventCommand(e) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    // One call event as a batch statement; it affects no row when its dedupe key was seen before.
    public static NpgsqlBatchCommand EventCommand(CallEvent e) => BatchCommands.Of(AddEventSql,
        (e.CallId, NpgsqlDbType.Bigint), (e.Kind, NpgsqlDbType.Text), (e.Detail, NpgsqlDbType.Text), (e.Payload, NpgsqlDbType.Jsonb),
        (e.DedupeKey, NpgsqlDbType.Text), (e.Replayed, NpgsqlDbType.Boolean), (e.OccurredAt, NpgsqlDbType.TimestampTz));

    // The writes below are statements for VoiceStep.Later: they go out with the step's next round trip of its own, so
    // nothing later in the step may read what they write.
    public NpgsqlBatchCommand SetStageCommand(long callId, string stage) =>
        BatchCommands.Of("UPDATE calls SET stage = $2 WHERE id = $1", (callId, NpgsqlDbType.Bigint), (stage, NpgsqlDbType.Text));

    // The choice is remembered for the next call from this number, whose resident the call then belongs to. One
    // statement, so the call's row gets one new version, not one for the language and one for the resident.
    public NpgsqlBatchCommand SetLanguageCommand(Call call, string language) =>
        BatchCommands.Of(
            """
            WITH resident AS (
                INSERT INTO residents (phone, language) VALUES ($2, $3)
                ON CONFLICT (phone) DO UPDATE SET language = coalesce(residents.language, excluded.language), updated_at = now()
                RETURNING id)
            UPDATE calls SET language = $3, stage = 'menu', resident_id = coalesce(resident_id, (SELECT id FROM resident))
            WHERE id = $1
            """,
            (call.Id, NpgsqlDbType.Bigint), (call.FromPhone, NpgsqlDbType.Text), (language, NpgsqlDbType.Text));

    public NpgsqlBatchCommand RecomputeOutcomeCommand(long callId) =>
        BatchCommands.Of(RecomputeOutcomeBatchSql, (callId, NpgsqlDbType.Bigint));

    static readonly string RecomputeOutcomeBatchSql = RecomputeOutcomeSql.Replace("@callId", "$1");

    public Task<int> CountMenuFailureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.ExecuteScalarAsync<int>(
            "UPDATE calls SET menu_failures = menu_failures + 1 WHERE id = @callId RETURNING menu_failures", new { callId }, tx);

    public Task EnqueuedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string queue, DateTime now) =>
        conn.ExecuteAsync(EnqueueSql, new { callId, queue, now }, tx);

    // Enqueues the call only when an operator is on duty, in one round trip; false: nobody is, nothing changed.
    public async Task<bool> EnqueueIfAnyOperatorOnDutyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string queue, DateTime now) =>
        await conn.ExecuteScalarAsync<bool?>(
            EnqueueSql + " AND EXISTS (SELECT 1 FROM staff WHERE on_duty AND role = 'operator') RETURNING true",
            new { callId, queue, now }, tx) ?? false;

    const string EnqueueSql =
        "UPDATE calls SET stage = 'queue', queue_name = @queue, enqueued_at = coalesce(enqueued_at, @now) WHERE id = @callId";

    // Twilio may report the queue result after the call's final status, so the outcome is recomputed with it; what it
    // comes to is returned for CallbackRequests.CallEndedAsync.
    public Task<EndedCall> LeftQueueThenRecomputeOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, string result, int? seconds) =>
        conn.QuerySingleAsync<EndedCall>(
            """
            UPDATE calls SET queue_result = @result, queue_seconds = coalesce(@seconds, queue_seconds),
                stage = CASE WHEN @result = 'bridged' THEN 'answered' ELSE stage END
            WHERE id = @callId;
            """ + RecomputeOutcomeSql + EndedCallReturning,
            new { callId, result, seconds }, tx);

    // A later callback never takes a final call back to a live state; a final status always wins over a live one,
    // whatever order they arrive in. The outcome follows in the same round trip, and the call as it then stands comes
    // back with whether this update changed its status (the first statement returns a row only when it did).
    public async Task<AppliedStatus> ApplyStatusThenRecomputeOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId, StatusUpdate update)
    {
        await using var results = await conn.QueryMultipleAsync(
            """
            UPDATE calls SET
                status = @Status,
                status_sequence = greatest(status_sequence, @Sequence),
                duration_seconds = coalesce(@DurationSeconds, duration_seconds),
                ended_at = CASE WHEN @IsFinal THEN coalesce(ended_at, @At) ELSE ended_at END
            WHERE id = @callId
              AND status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled')
              AND (@IsFinal OR @Sequence > status_sequence)
            RETURNING true;
            """ + RecomputeOutcomeSql + EndedCallReturning,
            new { callId, update.Status, update.Sequence, update.DurationSeconds, update.IsFinal, update.At }, tx);
        var changed = await results.ReadSingleOrDefaultAsync<bool>();
        return new AppliedStatus(changed, await results.ReadSingleAsync<EndedCall>());
    }

    // The outcome is derived from where the caller got to, so it comes out the same whichever of the final status
    // and the voicemail callbacks arrives last.
    public Task<EndedCall> RecomputeOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.QuerySingleAsync<EndedCall>(RecomputeOutcomeSql + EndedCallReturning, new { callId }, tx);

    // Follows RecomputeOutcomeSql: what CallbackRequests.CallEndedAsync decides on, so it need not read the call again.
    // A statement of its own, as the update returns no row when the outcome stayed as it was.
    const string EndedCallReturning = """
        ;
        SELECT c.status, c.outcome, c.duration_seconds, EXISTS (SELECT 1 FROM needs n WHERE n.call_id = c.id) AS has_need
        FROM calls c WHERE c.id = @callId
        """;

    const string OutcomeOfCall = """
        CASE
            WHEN c.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') THEN NULL
            WHEN c.direction <> 'inbound' THEN CASE WHEN c.status = 'completed' THEN 'answered' ELSE 'missed' END
            WHEN c.stage = 'answered' OR c.queue_result = 'bridged' THEN 'answered'
            WHEN EXISTS (SELECT 1 FROM voicemails v WHERE v.call_id = c.id) THEN 'voicemail'
            WHEN c.stage = 'callback_requested' THEN 'callback_requested'
            WHEN c.status <> 'completed' THEN 'missed'
            WHEN c.enqueued_at IS NOT NULL THEN 'abandoned_in_queue'
            ELSE 'abandoned_in_ivr'
        END
        """;

    // Most steps of a live call recompute an outcome that is still NULL; writing it anyway cost a row version each.
    // The condition is checked again on the latest version when a concurrent step updated the row first.
    const string RecomputeOutcomeSql = $"""
        UPDATE calls c SET outcome = {OutcomeOfCall}
        WHERE c.id = @callId AND c.outcome IS DISTINCT FROM {OutcomeOfCall}
        """;
}

// Call is null only when StoredAnswer is set: the step must not run.
public sealed record OpenedStep(string? StoredAnswer, Call? Call);

public sealed record CallIdentity(string CallSid, string Direction, string From, string To);

public sealed record CallEvent(long CallId, string Kind, string? Detail, string Payload, string? DedupeKey, bool Replayed, DateTime OccurredAt);

// A call as CallbackRequests.CallEndedAsync sees it once its outcome has been recomputed.
public sealed record EndedCall
{
    public string Status { get; init; } = "";
    public string? Outcome { get; init; }
    public int? DurationSeconds { get; init; }
    public bool HasNeed { get; init; }
}

public sealed record AppliedStatus(bool Changed, EndedCall Call);

public sealed record StatusUpdate(string Status, int Sequence, int? DurationSeconds, bool IsFinal, DateTime At);
