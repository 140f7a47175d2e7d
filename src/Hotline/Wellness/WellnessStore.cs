using Dapper;
using Npgsql;

namespace Hotline.Wellness;

public sealed record ScheduledCheck(long Id, string Status, DateTime? NextAttemptAt);

public sealed class WellnessStore
{
    // One check per flagged resident for the day, attempts spaced `spacingSeconds` apart. Residents who already called
    // the hotline that day are recorded as such and not called. A second run the same day adds only new residents.
    public async Task<IReadOnlyList<ScheduledCheck>> CreateRoundAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        DateTime day, DateTime dayStart, string[] flags, DateTime now, double spacingSeconds) =>
        (await conn.QueryAsync<ScheduledCheck>(
            """
            WITH eligible AS (
                SELECT r.id, r.phone,
                       EXISTS (SELECT 1 FROM calls c WHERE c.from_phone = r.phone AND c.direction = 'inbound' AND c.started_at >= @dayStart) AS called_in
                FROM residents r
                WHERE r.flags && @flags
                  AND NOT EXISTS (SELECT 1 FROM wellness_checks w WHERE w.resident_id = r.id AND w.day = @day)),
            ordered AS (
                SELECT *, row_number() OVER (PARTITION BY called_in ORDER BY id) - 1 AS slot FROM eligible)
            INSERT INTO wellness_checks (resident_id, day, phone, status, next_attempt_at, last_result, created_at, updated_at, completed_at)
            SELECT id, @day, phone,
                   CASE WHEN called_in THEN 'called_in' ELSE 'pending' END,
                   CASE WHEN called_in THEN NULL ELSE @now + make_interval(secs => slot * @spacingSeconds) END,
                   CASE WHEN called_in THEN 'called the hotline' END,
                   @now, @now,
                   CASE WHEN called_in THEN @now END
            FROM ordered
            ON CONFLICT (resident_id, day) DO NOTHING
            RETURNING id, status, next_attempt_at
            """,
            new { day = day.Date, dayStart, flags, now, spacingSeconds }, tx)).AsList();

    public Task<WellnessCheck?> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id) =>
        conn.QuerySingleOrDefaultAsync<WellnessCheck>("SELECT * FROM wellness_checks WHERE id = @id FOR UPDATE", new { id }, tx);

    public Task<bool> CalledInSinceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string phone, DateTime since) =>
        conn.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM calls WHERE from_phone = @phone AND direction = 'inbound' AND started_at >= @since)",
            new { phone, since }, tx);

    public Task AttemptPlacedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, int attempt, long callId, DateTime now) =>
        conn.ExecuteAsync(
            """
            UPDATE wellness_checks SET status = 'calling', attempts = @attempt, call_id = @callId, next_attempt_at = NULL, updated_at = @now
            WHERE id = @id
            """, new { id, attempt, callId, now }, tx);

    public Task RescheduleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string result, DateTime at, DateTime now) =>
        conn.ExecuteAsync(
            "UPDATE wellness_checks SET status = 'pending', last_result = @result, next_attempt_at = @at, updated_at = @now WHERE id = @id",
            new { id, result, at, now }, tx);

    public Task FinishAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string status, string result, long? needId, DateTime now) =>
        conn.ExecuteAsync(
            """
            UPDATE wellness_checks SET status = @status, last_result = @result, need_id = coalesce(@needId, need_id),
                next_attempt_at = NULL, completed_at = @now, updated_at = @now
            WHERE id = @id
            """, new { id, status, result, needId, now }, tx);

    // The check an outbound call is the current attempt of, still waiting for its answer.
    public Task<WellnessCheck?> LockCallingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.QuerySingleOrDefaultAsync<WellnessCheck>(
            "SELECT * FROM wellness_checks WHERE call_id = @callId AND status = 'calling' FOR UPDATE", new { callId }, tx);

    // Attempts that are overdue (their job was lost or never scheduled) and calls whose end we never heard of.
    public async Task<(IReadOnlyList<long> Due, IReadOnlyList<long> Ended)> StragglersAsync(NpgsqlConnection conn, DateTime now, TimeSpan grace, TimeSpan callTimeout)
    {
        var due = await conn.QueryAsync<long>(
            "SELECT id FROM wellness_checks WHERE status = 'pending' AND next_attempt_at < @before ORDER BY next_attempt_at LIMIT 500",
            new { before = now - grace });
        var ended = await conn.QueryAsync<long>(
            """
            SELECT w.call_id FROM wellness_checks w JOIN calls c ON c.id = w.call_id
            WHERE w.status = 'calling'
              AND (c.status IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') AND c.updated_at < @before
                   OR c.started_at < @timedOut)
            LIMIT 500
            """,
            new { before = now - grace, timedOut = now - callTimeout });
        return (due.AsList(), ended.AsList());
    }

    public Task<string?> CallStatusAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long callId) =>
        conn.ExecuteScalarAsync<string?>("SELECT status FROM calls WHERE id = @callId", new { callId }, tx);

    public sealed record DayCheck
    {
        public long Id { get; init; }
        public long ResidentId { get; init; }
        public string? Name { get; init; }
        public string? Building { get; init; }
        public string? Unit { get; init; }
        public string Phone { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastResult { get; init; }
        public DateTime? NextAttemptAt { get; init; }
        public string? NeedReference { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    public async Task<IReadOnlyList<DayCheck>> DayAsync(NpgsqlConnection conn, DateTime day, CancellationToken ct) =>
        (await conn.QueryAsync<DayCheck>(new CommandDefinition(
            """
            SELECT w.id, w.resident_id, r.name, r.building, r.unit, w.phone, w.status, w.attempts, w.last_result, w.next_attempt_at,
                   n.reference AS need_reference, w.updated_at
            FROM wellness_checks w JOIN residents r ON r.id = w.resident_id LEFT JOIN needs n ON n.id = w.need_id
            WHERE w.day = @day
            ORDER BY array_position(ARRAY['needs_help', 'not_reached', 'calling', 'pending', 'well', 'called_in'], w.status), w.id
            """, new { day = day.Date }, cancellationToken: ct))).AsList();
}
