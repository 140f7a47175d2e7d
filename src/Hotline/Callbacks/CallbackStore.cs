using Dapper;
using Hotline.Calls;
using Npgsql;

namespace Hotline.Callbacks;

public sealed class CallbackStore
{
    const string Open = "('pending', 'dialing')";

    const string WithNeed = """
        SELECT cb.*, n.reference AS need_reference, n.category AS need_category
        FROM callbacks cb LEFT JOIN needs n ON n.id = cb.need_id
        """;

    // One open callback per phone: the partial unique index turns a second request into a merge that keeps the earlier
    // place and the higher urgency. A request already recorded under its key (a repeated webhook) changes nothing.
    public async Task<OpenedCallback> OpenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CallbackRequest request, DateTime now)
    {
        // One round trip. Two deliveries of the same webhook wait for each other at the lock instead of both merging;
        // the second statement takes its snapshot after the lock, so it sees what the lock holder committed. Its parts
        // cannot see each other's writes, so the callback comes back from the upsert's RETURNING, not from the table.
        var detail = $"{request.Source}{(request.NeedId is null ? "" : $", need {request.NeedId}")}, {request.Urgency}, place {request.PlaceAt:O}";
        await using var reader = await conn.ExecuteReaderAsync(
            $"""
            SELECT pg_advisory_xact_lock(hashtext(@DedupeKey));
            WITH known AS (
                SELECT callback_id FROM callback_events WHERE dedupe_key = @DedupeKey),
            upserted AS (
                INSERT INTO callbacks (phone, resident_id, need_id, call_id, source, urgency, place_at, due_at, language, note,
                                       created_by, created_at, updated_at)
                SELECT @Phone, coalesce(@ResidentId, (SELECT id FROM residents WHERE phone = @Phone)), @NeedId, @CallId, @Source,
                       @Urgency, @PlaceAt, @DueAt, @Language, @Note, @StaffId, @now, @now
                WHERE NOT EXISTS (SELECT 1 FROM known)
                ON CONFLICT (phone) WHERE status IN {Open} DO UPDATE SET
                    place_at = least(callbacks.place_at, excluded.place_at),
                    urgency = CASE WHEN array_position(@order, excluded.urgency) < array_position(@order, callbacks.urgency)
                                   THEN excluded.urgency ELSE callbacks.urgency END,
                    due_at = least(callbacks.due_at, excluded.due_at),
                    need_id = coalesce(callbacks.need_id, excluded.need_id),
                    resident_id = coalesce(callbacks.resident_id, excluded.resident_id),
                    language = coalesce(callbacks.language, excluded.language),
                    note = CASE WHEN excluded.note IS NULL THEN callbacks.note
                                WHEN callbacks.note IS NULL THEN excluded.note
                                ELSE callbacks.note || E'\n' || excluded.note END,
                    requests = callbacks.requests + 1,
                    updated_at = excluded.updated_at
                RETURNING callbacks AS cb, (xmax = 0) AS inserted),
            event AS (
                INSERT INTO callback_events (callback_id, kind, detail, staff_id, dedupe_key, occurred_at)
                SELECT (cb).id, CASE WHEN inserted THEN 'opened' ELSE 'merged' END, @detail, @StaffId, @DedupeKey, @now
                FROM upserted)
            SELECT (u.cb).*, n.reference AS need_reference, n.category AS need_category, NOT u.inserted AS merged, false AS repeated
            FROM upserted u LEFT JOIN needs n ON n.id = (u.cb).need_id
            UNION ALL
            SELECT cb.*, n.reference, n.category, false, true
            FROM known k JOIN callbacks cb ON cb.id = k.callback_id LEFT JOIN needs n ON n.id = cb.need_id;
            """,
            new
            {
                request.Phone, request.ResidentId, request.NeedId, request.CallId, request.Source, request.Urgency, request.PlaceAt,
                request.DueAt, request.Language, request.Note, request.StaffId, request.DedupeKey, detail, now, order = Needs.Urgency.Order,
            },
            tx);
        await reader.NextResultAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("A callback event points nowhere.");
        }

        var callback = reader.GetRowParser<Callback>()(reader);
        return new OpenedCallback(callback, Merged: reader.GetBoolean(reader.GetOrdinal("merged")), Repeated: reader.GetBoolean(reader.GetOrdinal("repeated")));
    }

    public Task<Callback?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long id) =>
        conn.QuerySingleOrDefaultAsync<Callback>($"{WithNeed} WHERE cb.id = @id", new { id }, tx);

    // The working order: urgency, then the place the caller had. Walks callbacks_working_order.
    public async Task<IReadOnlyList<Callback>> NextDueAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, DateTime now, bool forOperator, int limit) =>
        (await conn.QueryAsync<Callback>(
            $"""
            {WithNeed}
            WHERE cb.status = 'pending' AND cb.due_at <= @now AND (@forOperator OR NOT cb.wait_for_operator)
            ORDER BY cb.urgency_rank, cb.place_at, cb.id
            LIMIT @limit
            """,
            new { now, forOperator, limit }, tx)).AsList();

    // The caller waiting in a queue now with the earliest place: urgency (their need's, or the urgent queue's), then the
    // time they called. Calls older than a few hours are not waiting, whatever their row says (a lost final status).
    public Task<WaitingCaller?> FirstWaitingCallerAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, DateTime now) =>
        conn.QueryFirstOrDefaultAsync<WaitingCaller>(
            $"""
            SELECT c.id AS call_id, coalesce(n.urgency, CASE WHEN c.queue_name = 'urgent' THEN 'urgent' ELSE 'normal' END) AS urgency, c.started_at
            FROM calls c LEFT JOIN needs n ON n.call_id = c.id
            WHERE {CallStore.WaitingInQueue} AND c.started_at > @since
            ORDER BY array_position(@order, coalesce(n.urgency, CASE WHEN c.queue_name = 'urgent' THEN 'urgent' ELSE 'normal' END)), c.started_at
            LIMIT 1
            """, new { order = Needs.Urgency.Order, since = now.AddHours(-3) }, tx);

    // Takes a pending callback for one attempt. Only one caller of this wins; the others get null.
    public Task<Callback?> ClaimAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, DateTime now, long? staffId, bool automatic) =>
        conn.QuerySingleOrDefaultAsync<Callback>(
            """
            UPDATE callbacks SET status = 'dialing', attempts = attempts + 1, assigned_to = @staffId, updated_at = @now
            WHERE id = @id AND status = 'pending' AND (NOT @automatic OR (due_at <= @now AND NOT wait_for_operator))
            RETURNING *
            """,
            new { id, now, staffId, automatic }, tx);

    public Task<long> AddAttemptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callbackId, int attemptNo, string mode, long? staffId, long callId, DateTime now) =>
        conn.ExecuteScalarAsync<long>(
            """
            INSERT INTO callback_attempts (callback_id, attempt_no, mode, staff_id, call_id, started_at)
            VALUES (@callbackId, @attemptNo, @mode, @staffId, @callId, @now)
            RETURNING id
            """,
            new { callbackId, attemptNo, mode, staffId, callId, now }, tx);

    public Task<CallbackAttempt?> AttemptForCallAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long callId) =>
        conn.QuerySingleOrDefaultAsync<CallbackAttempt>("SELECT * FROM callback_attempts WHERE call_id = @callId", new { callId }, tx);

    public Task<CallbackAttempt?> AttemptAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long callbackId, int attemptNo) =>
        conn.QuerySingleOrDefaultAsync<CallbackAttempt>(
            "SELECT * FROM callback_attempts WHERE callback_id = @callbackId AND attempt_no = @attemptNo", new { callbackId, attemptNo }, tx);

    public Task NoteAnsweredByAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long attemptId, string answeredBy) =>
        conn.ExecuteAsync("UPDATE callback_attempts SET answered_by = coalesce(answered_by, @answeredBy) WHERE id = @attemptId",
            new { attemptId, answeredBy }, tx);

    // The first report of an attempt's end wins; later ones (the Dial action and the leg's status, a repeat) get null.
    public Task<CallbackAttempt?> EndAttemptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long attemptId, string result,
        int? durationSeconds, string? residentCallSid, DateTime now) =>
        conn.QuerySingleOrDefaultAsync<CallbackAttempt>(
            """
            UPDATE callback_attempts SET result = @result, duration_seconds = @durationSeconds,
                resident_call_sid = coalesce(resident_call_sid, @residentCallSid), ended_at = @now
            WHERE id = @attemptId AND result IS NULL
            RETURNING *
            """,
            new { attemptId, result, durationSeconds, residentCallSid, now }, tx);

    public Task<Callback?> UpdateAfterAttemptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string status, string result,
        int failures, DateTime dueAt, bool waitForOperator, DateTime now) =>
        conn.QuerySingleOrDefaultAsync<Callback>(
            """
            UPDATE callbacks SET status = @status, last_result = @result, failures = @failures, due_at = @dueAt,
                wait_for_operator = wait_for_operator OR @waitForOperator,
                assigned_to = CASE WHEN @status = 'pending' THEN NULL ELSE assigned_to END,
                closed_at = CASE WHEN @status IN ('completed', 'unreachable') THEN @now END,
                close_reason = CASE WHEN @status IN ('completed', 'unreachable') THEN @result END,
                updated_at = @now
            WHERE id = @id AND status = 'dialing'
            RETURNING *
            """,
            new { id, status, result, failures, dueAt, waitForOperator, now }, tx);

    public Task SetAlertNeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, long needId) =>
        conn.ExecuteAsync("UPDATE callbacks SET alert_need_id = @needId WHERE id = @id", new { id, needId }, tx);

    public Task<Callback?> CancelAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string reason, DateTime now) =>
        conn.QuerySingleOrDefaultAsync<Callback>(
            $"""
            UPDATE callbacks SET status = 'cancelled', closed_at = @now, close_reason = @reason, updated_at = @now
            WHERE id = @id AND status IN {Open}
            RETURNING *
            """,
            new { id, reason, now }, tx);

    public async Task AddEventAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long callbackId, string kind, string? detail,
        long? staffId, DateTime now, string? dedupeKey = null) =>
        await conn.ExecuteAsync(
            """
            INSERT INTO callback_events (callback_id, kind, detail, staff_id, dedupe_key, occurred_at)
            VALUES (@callbackId, @kind, @detail, @staffId, @dedupeKey, @now)
            ON CONFLICT (dedupe_key) DO NOTHING
            """,
            new { callbackId, kind, detail, staffId, dedupeKey, now }, tx);

    // Pending first, in working order; then the one being dialled; then the closed ones, latest first.
    public async Task<IReadOnlyList<Callback>> ListAsync(NpgsqlConnection conn, string? status, int limit) =>
        (await conn.QueryAsync<Callback>(
            $"""
            {WithNeed}
            WHERE (@status::text IS NULL OR cb.status = @status)
            ORDER BY array_position(ARRAY['pending', 'dialing'], cb.status) NULLS LAST,
                     CASE WHEN cb.status IN {Open} THEN cb.urgency_rank END, CASE WHEN cb.status IN {Open} THEN cb.place_at END,
                     cb.closed_at DESC, cb.id
            LIMIT @limit
            """,
            new { status, limit })).AsList();

    public async Task<IReadOnlyList<CallbackAttempt>> AttemptsAsync(NpgsqlConnection conn, long[] callbackIds) =>
        (await conn.QueryAsync<CallbackAttempt>(
            "SELECT * FROM callback_attempts WHERE callback_id = ANY(@callbackIds) ORDER BY callback_id, attempt_no",
            new { callbackIds })).AsList();

    public async Task<IReadOnlyList<CallbackEvent>> EventsAsync(NpgsqlConnection conn, long[] callbackIds) =>
        (await conn.QueryAsync<CallbackEvent>(
            "SELECT id, callback_id, kind, detail, staff_id, occurred_at FROM callback_events WHERE callback_id = ANY(@callbackIds) ORDER BY callback_id, id",
            new { callbackIds })).AsList();
}
