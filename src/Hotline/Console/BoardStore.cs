using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Npgsql;

namespace Hotline.OperatorConsole;

public sealed record QueuedCall
{
    public long Id { get; init; }
    public string CallSid { get; init; } = "";
    public string QueueName { get; init; } = "";
    public DateTime EnqueuedAt { get; init; }
    public string FromPhone { get; init; } = "";
    public string? ResidentName { get; init; }
    public string[] ResidentFlags { get; init; } = [];
    public long? NeedId { get; init; }
    public string? Reference { get; init; }
    public string? Category { get; init; }
    public string? Urgency { get; init; }
}

public sealed record OnDutyStaff
{
    public long Id { get; init; }
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public DateTime? DutyChangedAt { get; init; }
    // The status of the live call ringing this person's phone (take next call, a callback), if any.
    public string? CallStatus { get; init; }
    public string? CallPurpose { get; init; }
}

public sealed record BoardNeed
{
    public long Id { get; init; }
    public string Reference { get; init; } = "";
    public string Category { get; init; } = "";
    public string Urgency { get; init; } = "";
    public string Status { get; init; } = "";
    public string Phone { get; init; } = "";
    public string? ResidentName { get; init; }
    public string? Summary { get; init; }
    public DateTime AckDeadline { get; init; }
    public DateTime CreatedAt { get; init; }
    public string? AssignedToName { get; init; }
}

public sealed record BoardView(
    DateTime Now, bool MeOnDuty, IReadOnlyList<QueuedCall> Queue, IReadOnlyList<OnDutyStaff> OnDuty,
    IReadOnlyList<BoardNeed> UrgentNeeds, BoardCounts Counts);

public sealed record BoardCounts
{
    public int OpenNeeds { get; init; }
    public int UnacknowledgedUrgent { get; init; }
    public int UnheardVoicemails { get; init; }
}

public sealed class BoardStore(NpgsqlDataSource db)
{
    // Live outbound calls: anything not yet final. A row older than a few hours that never got its final status is
    // no longer anyone's current call.
    public const string LiveOutbound = "('pending', 'dispatching', 'queued', 'initiated', 'ringing', 'in-progress')";

    public async Task<BoardView> ReadAsync(long staffId, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var queue = await conn.QueryAsync<QueuedCall>(new CommandDefinition(
            $$"""
            SELECT c.id, c.call_sid, c.queue_name, c.enqueued_at, c.from_phone, r.name AS resident_name,
                   coalesce(r.flags, '{}') AS resident_flags, n.id AS need_id, n.reference, n.category, n.urgency
            FROM calls c
            LEFT JOIN residents r ON r.id = c.resident_id
            LEFT JOIN needs n ON n.call_id = c.id
            WHERE {{CallStore.WaitingInQueue}} AND c.direction = 'inbound'
            ORDER BY c.queue_name = 'urgent' DESC, c.enqueued_at, c.id
            LIMIT 200
            """, cancellationToken: ct));
        var onDuty = await conn.QueryAsync<OnDutyStaff>(new CommandDefinition(
            $"""
            SELECT s.id, s.display_name, s.role, s.duty_changed_at, live.status AS call_status, live.purpose AS call_purpose
            FROM staff s
            LEFT JOIN LATERAL (
                SELECT c.status, c.purpose FROM calls c
                WHERE s.phone IS NOT NULL AND c.to_phone = s.phone AND c.direction <> 'inbound'
                  AND c.status IN {LiveOutbound} AND c.started_at > @now - interval '4 hours'
                ORDER BY c.id DESC LIMIT 1) live ON true
            WHERE s.on_duty
            ORDER BY s.role DESC, s.display_name
            """, new { now }, cancellationToken: ct));
        var urgent = await conn.QueryAsync<BoardNeed>(new CommandDefinition(
            $"""
            {NeedColumns}
            WHERE n.status = 'open' AND n.urgency = 'urgent'
            ORDER BY n.ack_deadline, n.id
            LIMIT 200
            """, cancellationToken: ct));
        var counts = await conn.QuerySingleAsync<BoardCounts>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM needs WHERE status IN ('open', 'acknowledged'))::int AS open_needs,
                   (SELECT count(*) FROM needs WHERE status = 'open' AND urgency = 'urgent')::int AS unacknowledged_urgent,
                   (SELECT count(*) FROM voicemails WHERE heard_at IS NULL)::int AS unheard_voicemails
            """, cancellationToken: ct));
        var meOnDuty = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT coalesce((SELECT on_duty FROM staff WHERE id = @staffId), false)", new { staffId }, cancellationToken: ct));
        return new BoardView(now, meOnDuty, MaskPhones(queue), onDuty.AsList(), urgent.Select(n => n with { Phone = Phones.Mask(n.Phone) }).ToList(), counts);
    }

    static List<QueuedCall> MaskPhones(IEnumerable<QueuedCall> calls) => calls.Select(c => c with { FromPhone = Phones.Mask(c.FromPhone) }).ToList();

    public const string NeedColumns = """
        SELECT n.id, n.reference, n.category, n.urgency, n.status, n.phone, r.name AS resident_name, n.summary,
               n.ack_deadline, n.created_at, a.display_name AS assigned_to_name
        FROM needs n
        LEFT JOIN residents r ON r.id = n.resident_id
        LEFT JOIN staff a ON a.id = n.assigned_to
        """;

    public async Task<bool> SetDutyAsync(long staffId, bool onDuty, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE staff SET on_duty = @onDuty, duty_changed_at = CASE WHEN on_duty = @onDuty THEN duty_changed_at ELSE @now END
            WHERE id = @staffId
            """, new { staffId, onDuty, now }, cancellationToken: ct)) == 1;
    }
}
